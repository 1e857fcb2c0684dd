"""What a step expects of its response: status, schema, error code, headers,
and assertions on values at JSON Pointers.

Each check returns the list of its failures as sentences; an empty list is a pass.
Values compare as JSON values: 1 equals 1.0, but true never equals 1.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from .cases import error_codes, openapi_document
from .pointer import MISSING, resolve


def json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def json_type_matches(value: Any, kind: str) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": number and float(value).is_integer(),
        "number": number,
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }[kind]


def show(value: Any, limit: int = 200) -> str:
    if value is MISSING:
        return "(nothing)"
    text = json.dumps(value, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + "..."


@cache
def schema_validator(name: str) -> Draft202012Validator:
    """A validator for ``components/schemas/<name>``; its refs resolve inside the spec."""
    components = openapi_document()["components"]
    if name not in components["schemas"]:
        raise KeyError(f"spec/openapi.yaml has no schema {name!r}")
    root = {"$ref": f"#/components/schemas/{name}", "components": components}
    return Draft202012Validator(root)


def check_schema(body: Any, name: str) -> list[str]:
    if body is MISSING:
        return [f"expected a JSON body matching {name}, got no JSON body"]
    errors = sorted(schema_validator(name).iter_errors(body), key=lambda e: list(e.path))
    return [
        f"body does not match {name} at /{'/'.join(map(str, e.path))}: {e.message}"
        for e in errors[:3]
    ]


def check_status(status: int, expected: int | list[int]) -> list[str]:
    allowed = expected if isinstance(expected, list) else [expected]
    return [] if status in allowed else [f"expected status {expected}, got {status}"]


def check_code(body: Any, code: str, status: int | None = None) -> list[str]:
    """The error code expected, sent with the status the spec's table gives it."""
    failures = check_schema(body, "Error")
    actual = resolve(body, "/code") if body is not MISSING else MISSING
    if actual != code:
        failures.append(f"expected error code {code!r}, got {show(actual)}")
    entry = error_codes().get(actual) if isinstance(actual, str) else None
    if status is not None and entry is not None and entry["status"] != status:
        failures.append(
            f"error code {actual!r} came with status {status}; "
            f"x-error-codes gives it {entry['status']}"
        )
    return failures


def check_headers_present(headers: dict[str, str], names: list[str]) -> list[str]:
    return [f"expected header {name!r}" for name in names if name.lower() not in headers]


def check_content_type(headers: dict[str, str], media_type: str) -> list[str]:
    actual = headers.get("content-type", "")
    if actual.lower().startswith(media_type.lower()):
        return []
    return [f"expected Content-Type {media_type!r}, got {actual!r}"]


def check_assertion(body: Any, pointer: str, operator: str, expected: Any) -> list[str]:
    """One assertion: the value at ``pointer`` against one operator."""
    value = resolve(body, pointer) if body is not MISSING else MISSING
    where = f"at {pointer or '(root)'}"
    if operator == "absent":
        return [] if value is MISSING else [f"expected nothing {where}, got {show(value)}"]
    if value is MISSING:
        return [f"expected a value {where} ({operator} {show(expected)}), found nothing"]
    ok = _OPERATORS[operator](value, expected, body)
    return [] if ok else [f"expected {where}: {operator} {show(expected)}; got {show(value)}"]


def _length(value: Any, expected: int, body: Any) -> bool:
    return isinstance(value, (list, str, dict)) and len(value) == expected


def _is_or_of(value: Any, pointers: list[str], body: Any) -> bool:
    parts = [resolve(body, p) for p in pointers]
    if not all(isinstance(p, bool) for p in parts) or not isinstance(value, bool):
        return False
    return value == any(parts)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_OPERATORS = {
    "equals": lambda value, expected, body: json_equal(value, expected),
    "not_equals": lambda value, expected, body: not json_equal(value, expected),
    "type": lambda value, expected, body: json_type_matches(value, expected),
    "length": _length,
    "has_key": lambda value, expected, body: isinstance(value, dict) and expected in value,
    "lacks_key": lambda value, expected, body: isinstance(value, dict) and expected not in value,
    "one_of": lambda value, expected, body: any(json_equal(value, e) for e in expected),
    "is_or_of": _is_or_of,
    "gte": lambda value, expected, body: _number(value) and value >= expected,
    "lte": lambda value, expected, body: _number(value) and value <= expected,
}

OPERATORS = frozenset(_OPERATORS) | {"absent"}
