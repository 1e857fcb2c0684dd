"""The clause of spec/openapi.yaml a failed step broke, quoted so that a
porter can read what was promised without opening the spec."""

from __future__ import annotations

import re
from functools import cache

from .cases import error_codes, openapi_document

_TEMPLATE_PARAMETER = re.compile(r"\{[a-z_]+\}")


@cache
def _operations() -> list[tuple[re.Pattern, str, str, dict]]:
    """(pattern, method, path template, operation) for every operation of the spec."""
    found = []
    for template, operations in openapi_document()["paths"].items():
        pattern = _TEMPLATE_PARAMETER.sub(
            "[^/]+", re.escape(template.rstrip("/")).replace(r"\{", "{").replace(r"\}", "}")
        )
        compiled = re.compile("^" + pattern + "/?$")
        for method, operation in operations.items():
            if method != "parameters":
                found.append((compiled, method.upper(), template, operation))
    return found


def operation_for(method: str, path: str) -> tuple[str, dict] | None:
    """The path template and operation a request addresses, if the spec has one."""
    path = path.split("?", 1)[0]
    for pattern, op_method, template, operation in _operations():
        if op_method == method and pattern.match(path):
            return template, operation
    return None


def _error_codes() -> dict[str, str]:
    """`code` -> `(status): description`, from the spec's table of codes."""
    return {
        code: f"({entry['status']}): {entry['description']}"
        for code, entry in error_codes().items()
    }


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    return (text if end < 0 else text[:end]).rstrip(".")


def _response(operation: dict, status: int) -> dict | None:
    responses = operation.get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
    if response and "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = openapi_document()["components"].get("responses", {}).get(name)
    return response


def clause(method: str, path: str, expect: dict) -> str:
    """Where the spec promises what the step expected, in one or two sentences."""
    found = operation_for(method, path)
    if found is None:
        where = f"{method} {path} is not an operation of spec/openapi.yaml"
        return where + (f"; expected status {expect['status']}" if "status" in expect else "")
    template, operation = found
    parts = [
        f"{method} {template} ({operation.get('operationId', '?')}: "
        f"{operation.get('summary', '').strip()})"
    ]
    statuses = expect.get("status")
    status = statuses[0] if isinstance(statuses, list) else statuses
    if status is not None:
        response = _response(operation, status)
        if response:
            parts.append(f"answers {status}: {_first_sentence(response.get('description', ''))}")
        else:
            parts.append(f"answers {status}")
    if "code" in expect:
        line = _error_codes().get(expect["code"], "")
        parts.append(f"code `{expect['code']}` {line}".strip())
    if "schema" in expect:
        parts.append(f"body: components/schemas/{expect['schema']}")
    return "; ".join(parts)
