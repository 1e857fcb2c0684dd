"""JSON Pointer (RFC 6901) lookups into response bodies."""

from __future__ import annotations

from typing import Any

MISSING = object()


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer``, or MISSING when nothing is there."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        return MISSING
    value = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            if token not in value:
                return MISSING
            value = value[token]
        elif isinstance(value, list):
            if not token.isdigit() or (token != "0" and token.startswith("0")):
                return MISSING
            index = int(token)
            if index >= len(value):
                return MISSING
            value = value[index]
        else:
            return MISSING
    return value
