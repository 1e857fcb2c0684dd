"""``{{name}}`` placeholders: values carried from one step to the next.

A string that is exactly ``"{{name}}"`` becomes the saved value itself (any
JSON type); a placeholder inside a longer string becomes the value's text
(a string as is, anything else as compact JSON).
"""

from __future__ import annotations

import json
import re
from typing import Any

PLACEHOLDER = re.compile(r"\{\{([A-Za-z0-9_]+)\}\}")
WHOLE = re.compile(r"^\{\{([A-Za-z0-9_]+)\}\}$")


class UnsetVariable(KeyError):
    """A placeholder names a value no earlier step saved."""

    def __str__(self) -> str:
        return f"variable {self.args[0]!r} was never saved"


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def substitute(template: Any, variables: dict[str, Any]) -> Any:
    """The template with every placeholder replaced; raises UnsetVariable."""
    if isinstance(template, str):
        whole = WHOLE.match(template)
        if whole:
            return _lookup(whole.group(1), variables)
        return PLACEHOLDER.sub(lambda m: as_text(_lookup(m.group(1), variables)), template)
    if isinstance(template, list):
        return [substitute(item, variables) for item in template]
    if isinstance(template, dict):
        return {
            substitute(key, variables) if isinstance(key, str) else key: substitute(
                value, variables
            )
            for key, value in template.items()
        }
    return template


def substitute_text(template: str, variables: dict[str, Any]) -> str:
    """For paths, pointers and headers: placeholders always become text."""
    return PLACEHOLDER.sub(lambda m: as_text(_lookup(m.group(1), variables)), template)


def _lookup(name: str, variables: dict[str, Any]) -> Any:
    if name not in variables:
        raise UnsetVariable(name)
    return variables[name]
