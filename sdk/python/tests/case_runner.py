"""A small interpreter of the conformance case format (conformance/case.schema.json).

Every request goes through the SDK's own transport (``HTTPClient.request``),
so running the shared cases checks this client's wire behaviour as well as
the server. Cases are data: this module knows the format, never a case.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from gym_http_client import HTTPClient, Response

VARIABLE = re.compile(r"\{\{(\w+)\}\}")
WHOLE_VARIABLE = re.compile(r"^\{\{(\w+)\}\}$")
_MISSING = object()


class CaseFailure(AssertionError):
    """An expectation of a case did not hold."""


class Unset(KeyError):
    """A step uses a variable no earlier step saved."""


# Variables -------------------------------------------------------------------


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def substitute(template: Any, variables: dict[str, Any]) -> Any:
    """Replace {{name}}: a whole string by the saved value itself, inside text by its text."""

    def lookup(name: str) -> Any:
        if name not in variables:
            raise Unset(name)
        return variables[name]

    if isinstance(template, str):
        whole = WHOLE_VARIABLE.match(template)
        if whole:
            return lookup(whole.group(1))
        return VARIABLE.sub(lambda m: _text(lookup(m.group(1))), template)
    if isinstance(template, list):
        return [substitute(item, variables) for item in template]
    if isinstance(template, dict):
        return {key: substitute(item, variables) for key, item in template.items()}
    return template


def substitute_text(template: str, variables: dict[str, Any]) -> str:
    """Paths, pointers and headers: always text."""

    def lookup(match):
        if match.group(1) not in variables:
            raise Unset(match.group(1))
        return _text(variables[match.group(1)])

    return VARIABLE.sub(lookup, template)


# JSON Pointer (RFC 6901) and comparisons ----------------------------------------


def resolve(document: Any, pointer: str) -> Any:
    """The value at ``pointer``, or _MISSING."""
    if pointer == "":
        return document
    current = document
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return _MISSING
    return current


def json_equal(a: Any, b: Any) -> bool:
    """Deep equality where numbers compare by value but booleans are never numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def json_type(value: Any, expected: str) -> bool:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return {
        "null": value is None,
        "boolean": isinstance(value, bool),
        "integer": number and float(value).is_integer(),
        "number": number,
        "string": isinstance(value, str),
        "array": isinstance(value, list),
        "object": isinstance(value, dict),
    }[expected]


def check_assertion(body: Any, assertion: dict, variables: dict[str, Any]) -> None:
    pointer = substitute_text(assertion["pointer"], variables)
    ((operator, expected),) = [(k, v) for k, v in assertion.items() if k != "pointer"]
    expected = substitute(expected, variables)
    actual = resolve(body, pointer)
    got = "nothing" if actual is _MISSING else repr(actual)
    where = f"at {pointer!r}: {operator} {expected!r}, got {got}"
    if operator == "absent":
        ok = actual is _MISSING
    elif actual is _MISSING:
        ok = False
    elif operator == "equals":
        ok = json_equal(actual, expected)
    elif operator == "not_equals":
        ok = not json_equal(actual, expected)
    elif operator == "type":
        ok = json_type(actual, expected)
    elif operator == "length":
        ok = isinstance(actual, (list, str, dict)) and len(actual) == expected
    elif operator == "has_key":
        ok = isinstance(actual, dict) and expected in actual
    elif operator == "lacks_key":
        ok = isinstance(actual, dict) and expected not in actual
    elif operator == "one_of":
        ok = any(json_equal(actual, option) for option in expected)
    elif operator == "is_or_of":
        parts = [resolve(body, substitute_text(p, variables)) for p in expected]
        ok = (
            isinstance(actual, bool)
            and all(isinstance(p, bool) for p in parts)
            and actual == any(parts)
        )
    elif operator in ("gte", "lte"):
        ok = json_type(actual, "number") and (
            actual >= expected if operator == "gte" else actual <= expected
        )
    else:
        raise CaseFailure(f"unknown assertion operator {operator!r}")
    if not ok:
        raise CaseFailure(where)


# Schemas from the OpenAPI document -------------------------------------------


class SpecSchemas:
    """Validates bodies against ``components/schemas`` of the OpenAPI 3.1 document."""

    def __init__(self, spec_path: Path):
        self.document = yaml.safe_load(spec_path.read_text())

    def validate(self, instance: Any, name: str) -> None:
        if name not in self.document["components"]["schemas"]:
            raise CaseFailure(f"no schema {name!r} in the OpenAPI document")
        schema = {"$ref": f"#/components/schemas/{name}", "components": self.document["components"]}
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(instance))
        if errors:
            raise CaseFailure(f"body does not match {name}: {errors[0].message}")


# Running ------------------------------------------------------------------------


@dataclass
class CaseRun:
    http: HTTPClient
    schemas: SpecSchemas
    variables: dict[str, Any] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    def send(self, request: dict) -> Response:
        method = request["method"]
        path = substitute_text(request["path"], self.variables)
        headers = {
            k: substitute_text(v, self.variables) for k, v in request.get("headers", {}).items()
        }
        self.log.append(f"{method} {path}")
        if "raw_body" in request:
            return self.http.request(
                method, path, content=request["raw_body"].encode(), headers=headers
            )
        if "body" in request:
            body = substitute(request["body"], self.variables)
            return self.http.request(method, path, json_body=body, headers=headers)
        return self.http.request(method, path, headers=headers)

    def step(self, step: dict) -> None:
        response = self.send(step["request"])
        try:
            self.expect(response, step.get("expect", {}))
        except CaseFailure as failure:
            raise CaseFailure(
                f"{self.log[-1]} -> {response.status} {response.text[:300]}\n  {failure}"
            ) from None
        for name, pointer in step.get("save", {}).items():
            value = resolve(response.json, substitute_text(pointer, self.variables))
            if value is _MISSING:
                raise CaseFailure(f"{self.log[-1]}: nothing to save at {pointer!r}")
            self.variables[name] = value

    def expect(self, response: Response, expect: dict) -> None:
        if "status" in expect:
            allowed = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
            if response.status not in allowed:
                raise CaseFailure(f"status {response.status}, expected {allowed}")
        if "content_type" in expect:
            content_type = response.headers.get("content-type", "")
            if not content_type.startswith(expect["content_type"]):
                raise CaseFailure(
                    f"Content-Type {content_type!r}, expected {expect['content_type']!r}"
                )
        for name in expect.get("headers_present", []):
            if name not in response.headers:
                raise CaseFailure(f"header {name!r} missing")
        if "schema" in expect or "code" in expect or "assert" in expect:
            if not response.is_json:
                raise CaseFailure("the body is not JSON")
        if "schema" in expect:
            self.schemas.validate(response.json, expect["schema"])
        if "code" in expect:
            self.schemas.validate(response.json, "Error")
            if response.json.get("code") != expect["code"]:
                raise CaseFailure(
                    f"code {response.json.get('code')!r}, expected {expect['code']!r}"
                )
        for assertion in expect.get("assert", []):
            check_assertion(response.json, assertion, self.variables)

    def cleanup(self, steps: list[dict]) -> None:
        for step in steps:
            try:
                self.send(step["request"])
            except Unset:
                continue
            except Exception:  # cleanup is best effort by definition of the format
                continue


def run_case(case: dict, http: HTTPClient, schemas: SpecSchemas) -> list[str]:
    """Run one case; raise CaseFailure on the first broken expectation. Returns the request log."""
    run = CaseRun(http, schemas)
    try:
        for step in case["steps"]:
            try:
                run.step(step)
            except Unset as unset:
                raise CaseFailure(f"variable {unset.args[0]!r} used before it was saved") from None
    finally:
        run.cleanup(case.get("cleanup", []))
    return run.log


def load_case_files(directory: Path) -> list[tuple[Path, dict]]:
    return [(path, json.loads(path.read_text())) for path in sorted(directory.glob("*.json"))]
