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
from .clauses import clause
from .pointer import MISSING, resolve
from .substitution import UnsetVariable, substitute, substitute_text
from .transport import Response, Transport

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"

# Cases of this profile need the server's token ({{token}} in a case).
AUTH_PROFILE = "auth"
NO_TOKEN = (
    "the auth profile needs the server's token: pass --token TOKEN, set GYM_HTTP_TOKEN, "
    "or `make conformance TOKEN=...`"
)


@dataclass
class StepFailure:
    """The step that failed: what was sent, what came back, what was wrong."""

    index: int
    method: str
    path: str
    body: str | None
    problems: list[str]
    response: Response | None = None
    expected_status: list[int] = field(default_factory=list)
    clause: str = ""  # what the spec promises for this request

    @property
    def missing_route(self) -> bool:
        """The server has no such route: 404, 405 or 501 where something else was expected."""
        return (
            self.response is not None
            and self.response.status in (404, 405, 501)
            and self.response.status not in self.expected_status
        )


@dataclass
class CaseResult:
    topic: str
    name: str
    description: str
    outcome: str
    profile: str = "v1"
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


def probe_env(transport: Transport, env_id: str) -> str | None:
    """Create ``env_id`` and close it again; None when that worked, else why not."""
    data = json.dumps({"env_id": env_id}).encode()
    try:
        response = transport.request(
            "POST", "/v1/envs/", data, {"Content-Type": "application/json"}
        )
    except OSError as error:
        return f"POST /v1/envs/ failed: {error!r}"
    instance_id = resolve(response.body, "/instance_id")  # MISSING when not JSON
    if response.status != 200 or not isinstance(instance_id, str):
        return f"POST /v1/envs/ answered {response.status} {response.text.strip()[:120]}"
    try:
        transport.request("POST", f"/v1/envs/{instance_id}/close/")
    except OSError:
        pass  # created is what was asked; a failing close is the close cases' business
    return None


class EnvAvailability:
    """Which env ids a server can create: its registry when it has one
    (an extension), otherwise one create-and-close probe per id needed."""

    def __init__(self, transport: Transport, registry: set[str] | None = None):
        self.transport = transport
        self.registry = registry if registry is not None else registered_env_ids(transport)
        self.probed: dict[str, str | None] = {}

    def missing(self, env_ids: list[str]) -> dict[str, str]:
        """The ids that cannot be created, each with the reason."""
        absent = {}
        for env_id in env_ids:
            if self.registry is not None:
                if env_id not in self.registry:
                    absent[env_id] = "not in GET /v1/registry/"
                continue
            if env_id not in self.probed:
                self.probed[env_id] = probe_env(self.transport, env_id)
            if self.probed[env_id] is not None:
                absent[env_id] = self.probed[env_id]
        return absent


# The conformance fixture environment, registered by importing this package's
# allspaces module into the server (reference server: --import MODULE).
FIXTURE_NAMESPACE = "GymHttpTest/"
FIXTURE_HINT = (
    "; it is this suite's fixture: a Python server registers it by importing "
    "gym_http_conformance.allspaces (gym-http-server: "
    "--import gym_http_conformance.allspaces)"
)


TOKEN_HINT = "; the server needs a token: " + NO_TOKEN.split(": ", 1)[1]


def how_to_lift(missing: dict[str, str]) -> str:
    """What the server's operator can do about a skip, where this suite knows."""
    if any(" answered 401 " in why for why in missing.values()):
        return TOKEN_HINT
    return FIXTURE_HINT if any(i.startswith(FIXTURE_NAMESPACE) for i in missing) else ""


def run_cases(
    base_url: str,
    case_files: Iterable[CaseFile],
    *,
    select: str = "",
    profiles: Iterable[str] | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
    token: str | None = None,
) -> list[CaseResult]:
    """Run every case (whose ``topic/name`` contains ``select``, of the given
    ``profiles``, all when None) against ``base_url``, sending ``token`` as a
    bearer token on every request when given."""
    transport = Transport(base_url, token=token)
    wanted = set(profiles) if profiles else None
    envs = EnvAvailability(transport)
    results = []
    for case_file in case_files:
        for case in case_file.cases:
            if select and select not in f"{case_file.topic}/{case['name']}":
                continue
            if wanted is not None and case["profile"] not in wanted:
                continue
            result = run_case(transport, case_file.topic, case, envs)
            results.append(result)
            if on_result:
                on_result(result)
    return results


def run_case(
    transport: Transport, topic: str, case: dict, envs: EnvAvailability | set[str] | None
) -> CaseResult:
    """One case; ``envs`` may also be a set of registered ids, or None to probe."""
    if not isinstance(envs, EnvAvailability):
        envs = EnvAvailability(transport, envs)
    result = CaseResult(topic, case["name"], case["description"], PASSED, case.get("profile", "v1"))
    token = getattr(transport, "token", None)
    if result.profile == AUTH_PROFILE and not token:
        result.outcome = SKIPPED
        result.reason = NO_TOKEN
        return result
    missing = envs.missing(case.get("requires_envs", []))
    if missing:
        result.outcome = SKIPPED
        result.reason = (
            "cannot create "
            + "; ".join(f"{env_id} ({why})" for env_id, why in missing.items())
            + how_to_lift(missing)
        )
        return result
    started = time.monotonic()
    variables: dict[str, Any] = {"token": token} if token else {}
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
                result.warnings.append(f"cleanup request failed: {error!r}")
    result.seconds = time.monotonic() - started
    return result


def encode_request(request: dict, variables: dict[str, Any]) -> tuple[str, str, bytes | None, dict]:
    """Method, path, body bytes and headers of a step, placeholders filled in."""
    path = substitute_text(request["path"], variables)
    headers = {
        name: substitute_text(value, variables)
        for name, value in request.get("headers", {}).items()
    }
    data = None
    if "body" in request:
        body = substitute(request["body"], variables)
        data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
        if not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = "application/json"
    elif "raw_body" in request:
        data = substitute_text(request["raw_body"], variables).encode("utf-8")
    return request["method"], path, data, headers


def run_step(
    transport: Transport, index: int, step: dict, variables: dict[str, Any], *, check: bool = True
) -> StepFailure | None:
    try:
        method, path, data, headers = encode_request(step["request"], variables)
    except UnsetVariable as error:
        if not check:
            raise
        return StepFailure(
            index,
            step["request"]["method"],
            step["request"]["path"],
            None,
            [f"cannot build the request: {error}"],
        )
    shown_body = data.decode("utf-8", errors="replace") if data is not None else None
    try:
        response = transport.request(method, path, data, headers)
    except OSError as error:
        if not check:
            raise
        return StepFailure(index, method, path, shown_body, [f"request failed: {error!r}"])
    if not check:
        return None
    expect = step.get("expect", {})
    problems = check_response(response, expect, variables)
    for name, pointer in step.get("save", {}).items():
        value = resolve(response.body, pointer) if response.body is not MISSING else MISSING
        if value is MISSING:
            problems.append(f"cannot save {name!r}: nothing at {pointer or '(root)'}")
        else:
            variables[name] = value
    if problems:
        expected = expect.get("status", [])
        return StepFailure(
            index,
            method,
            path,
            shown_body,
            problems,
            response,
            expected if isinstance(expected, list) else [expected],
            clause(method, path, expect),
        )
    return None


def check_response(response: Response, expect: dict, variables: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    body = response.body
    if "status" in expect:
        problems += assertions.check_status(response.status, expect["status"])
    if "code" in expect:
        problems += assertions.check_code(body, expect["code"], response.status)
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
