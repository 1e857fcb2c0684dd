"""Interpreting cases against a server: one request per step, expectations
checked, values saved for later steps, cleanup always run."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from . import assertions
from .cases import CaseFile
from .pointer import MISSING, resolve
from .substitution import UnsetVariable, substitute, substitute_text
from .transport import Response, Transport

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass
class StepFailure:
    """The step that failed: what was sent, what came back, what was wrong."""

    index: int
    method: str
    path: str
    body: str | None
    problems: list[str]
    response: Response | None = None


@dataclass
class CaseResult:
    topic: str
    name: str
    description: str
    outcome: str
    seconds: float = 0.0
    reason: str = ""  # why a case was skipped
    failure: StepFailure | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def case_id(self) -> str:
        return f"{self.topic}/{self.name}"


def registered_env_ids(transport: Transport) -> set[str] | None:
    """The ids in GET /v1/registry/, or None when the server does not answer it."""
    try:
        body = transport.get_json("/v1/registry/")
        return {entry["env_id"] for entry in body["envs"]}
    except (OSError, KeyError, TypeError):
        return None


def run_cases(base_url: str, case_files: Iterable[CaseFile], *, select: str = "",
              on_result: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Run every case (whose ``topic/name`` contains ``select``) against ``base_url``."""
    transport = Transport(base_url)
    registry = registered_env_ids(transport)
    results = []
    for case_file in case_files:
        for case in case_file.cases:
            if select and select not in f"{case_file.topic}/{case['name']}":
                continue
            result = run_case(transport, case_file.topic, case, registry)
            results.append(result)
            if on_result:
                on_result(result)
    return results


def run_case(transport: Transport, topic: str, case: dict, registry: set[str] | None) -> CaseResult:
    result = CaseResult(topic, case["name"], case["description"], PASSED)
    required = case.get("requires_envs", [])
    missing = [env for env in required if registry is None or env not in registry]
    if missing:
        result.outcome = SKIPPED
        result.reason = ("GET /v1/registry/ did not answer" if registry is None
                         else "not registered on this server: " + ", ".join(missing))
        return result
    started = time.monotonic()
    variables: dict[str, Any] = {}
    try:
        for index, step in enumerate(case["steps"]):
            failure = run_step(transport, index, step, variables)
            if failure:
                result.outcome, result.failure = FAILED, failure
                break
    finally:
        for step in case.get("cleanup", []):
            try:
                run_step(transport, -1, step, variables, check=False)
            except UnsetVariable:
                pass  # an earlier step failed before saving it: nothing to clean up
            except OSError as error:
                result.warnings.append(f"cleanup request failed: {error}")
    result.seconds = time.monotonic() - started
    return result


def encode_request(request: dict, variables: dict[str, Any]) -> tuple[str, str, bytes | None, dict]:
    """Method, path, body bytes and headers of a step, placeholders filled in."""
    path = substitute_text(request["path"], variables)
    headers = {name: substitute_text(value, variables)
               for name, value in request.get("headers", {}).items()}
    data = None
    if "body" in request:
        body = substitute(request["body"], variables)
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
    elif "raw_body" in request:
        data = substitute_text(request["raw_body"], variables).encode("utf-8")
    return request["method"], path, data, headers


def run_step(transport: Transport, index: int, step: dict, variables: dict[str, Any],
             *, check: bool = True) -> StepFailure | None:
    try:
        method, path, data, headers = encode_request(step["request"], variables)
    except UnsetVariable as error:
        if not check:
            raise
        return StepFailure(index, step["request"]["method"], step["request"]["path"], None,
                           [f"cannot build the request: {error}"])
    shown_body = data.decode("utf-8", errors="replace") if data is not None else None
    try:
        response = transport.request(method, path, data, headers)
    except OSError as error:
        if not check:
            raise
        return StepFailure(index, method, path, shown_body, [f"request failed: {error!r}"])
    if not check:
        return None
    problems = check_response(response, step.get("expect", {}), variables)
    for name, pointer in step.get("save", {}).items():
        value = resolve(response.body, pointer) if response.body is not MISSING else MISSING
        if value is MISSING:
            problems.append(f"cannot save {name!r}: nothing at {pointer or '(root)'}")
        else:
            variables[name] = value
    if problems:
        return StepFailure(index, method, path, shown_body, problems, response)
    return None


def check_response(response: Response, expect: dict, variables: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    body = response.body
    if "status" in expect:
        problems += assertions.check_status(response.status, expect["status"])
    if "code" in expect:
        problems += assertions.check_code(body, expect["code"])
    if "schema" in expect:
        problems += assertions.check_schema(body, expect["schema"])
    if "headers_present" in expect:
        problems += assertions.check_headers_present(response.headers, expect["headers_present"])
    if "content_type" in expect:
        problems += assertions.check_content_type(response.headers, expect["content_type"])
    for assertion in expect.get("assert", []):
        operator = next(key for key in assertion if key != "pointer")
        try:
            pointer = substitute_text(assertion["pointer"], variables)
            expected = substitute(assertion[operator], variables)
        except UnsetVariable as error:
            problems.append(f"cannot check an assertion: {error}")
            continue
        problems += assertions.check_assertion(body, pointer, operator, expected)
    return problems
