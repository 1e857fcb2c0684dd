"""Schemathesis against the running reference server, time-boxed: stateless
(every check, negative data included) and stateful (the spec's OpenAPI links
from createEnv to everything an instance offers, and from createVectorEnv to
everything a batch offers); and schemathesis's own engine, as its CLI runs
it, with live instance and batch ids, ``--continue-on-failure``, and answers
asked for in JSON and in msgpack (decoded and checked against the spec alike),
each pass limited to LIVE_SECONDS.

Two checks meet the legacy contract head-on and are configured, not dropped:

- ``positive_data_acceptance`` expects schema-valid requests to succeed. The
  spec cannot say in a schema which ``env_id`` strings are registered, which
  instance ids are alive, or which values lie in an environment's action
  space, and the legacy contract answers all of these with 400 (``code``
  tells them apart). So creating an env, and every operation on an instance,
  also expects 400; so does upload, whose folder must hold a recording,
  which no schema can say. A batch's operations answer an unknown id with
  404 ``unknown_vector`` instead, and its creation may be 400 or 429 for the
  same reasons. Operations without such a dependency stay strict.
- ``ignored_auth`` needs a server that requires a token: the target is the
  reference server started with one, and every request carries it, so the
  check also sends each operation without it and with a wrong one and expects
  the 401 the spec's ``security`` promises.
- ``use_after_free`` expects 404 once a resource is deleted; the legacy
  contract answers 400 ``unknown_instance`` instead (spec: closeEnv). It is
  turned off here and the same property is checked, with the contract's status
  and code, by cases/envs.json ``closed_instance_is_unknown_to_every_endpoint``.
- ``ensure_resource_availability`` expects a created resource to answer until
  a DELETE; the original contract closes with ``POST .../close/`` as well,
  which it cannot know, so a batch closed that way and then stepped (404
  ``unknown_vector``, as it should) reads to it as lost. It is turned off; the
  cases in cases/vector.json create a batch and use it at once.
"""

from __future__ import annotations

import hypothesis
import ormsgpack
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from conftest import TOKEN
from gym_http_conformance.cases import package_file

MAX_EXAMPLES = 80

INSTANCE_OPERATIONS = [
    "describeEnv",
    "deleteEnv",
    "resetEnv",
    "stepEnv",
    "renderEnv",
    "closeEnv",
    "actionSpace",
    "sampleAction",
    "containsActionByPath",
    "containsAction",
    "observationSpace",
    "containsObservation",
    "monitorStart",
    "monitorClose",
    "actionSpaceJsonSchema",
    "observationSpaceJsonSchema",
    "resetEnvGroup",
]

# A batch's operations answer an unknown id with 404 unknown_vector.
VECTOR_OPERATIONS = [
    "describeVectorEnv",
    "deleteVectorEnv",
    "resetVectorEnv",
    "stepVectorEnv",
    "closeVectorEnv",
]


# Calls into an environment run under a deadline, and a request may ask for a
# shorter one (``timeout``): one too short for the call answers the spec's 504
# step_timeout, and that id answers it again until it is closed (spec:
# x-error-codes). So these operations may answer 504 to a schema-valid
# request; any other 5xx is still a server error.
DEADLINED = [
    "resetEnv",
    "stepEnv",
    "renderEnv",
    "createEnvGroup",
    "resetEnvGroup",
    "resetVectorEnv",
    "stepVectorEnv",
]
NOT_SERVER_ERRORS = ["2XX", "3XX", "4XX", 504]


def fuzz_config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
            "checks": {
                "enabled": True,
                "use_after_free": {"enabled": False},
                "ensure_resource_availability": {"enabled": False},
            },
            "auth": {"openapi": {"bearerAuth": {"bearer": TOKEN}}},
            "operations": [
                {
                    "include-operation-id": ["createEnv", "createVectorEnv"],
                    "checks": {"positive_data_acceptance": {"expected-statuses": [200, 400, 429]}},
                },
                {
                    "include-operation-id": ["createEnvGroup"],
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": [200, 400, 429, 504]},
                        "not_a_server_error": {"expected-statuses": NOT_SERVER_ERRORS},
                    },
                },
                {
                    "include-operation-id": [op for op in VECTOR_OPERATIONS if op not in DEADLINED],
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ["2XX", 400, 404]}
                    },
                },
                {
                    "include-operation-id": [op for op in VECTOR_OPERATIONS if op in DEADLINED],
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ["2XX", 400, 404, 504]},
                        "not_a_server_error": {"expected-statuses": NOT_SERVER_ERRORS},
                    },
                },
                {
                    "include-operation-id": [
                        *[op for op in INSTANCE_OPERATIONS if op not in DEADLINED],
                        "upload",
                    ],
                    "checks": {"positive_data_acceptance": {"expected-statuses": ["2XX", 400]}},
                },
                {
                    "include-operation-id": [op for op in INSTANCE_OPERATIONS if op in DEADLINED],
                    "checks": {
                        "positive_data_acceptance": {"expected-statuses": ["2XX", 400, 504]},
                        "not_a_server_error": {"expected-statuses": NOT_SERVER_ERRORS},
                    },
                },
                {
                    "include-operation-id": "getSpec",
                    "checks": {"response_schema_conformance": {"enabled": False}},
                },
            ],
        }
    )


@schemathesis.serializer("application/msgpack")
def to_msgpack(ctx, value):
    """Request bodies the spec allows as msgpack are fuzzed as msgpack too.
    msgpack has no integers beyond 64 bits: those go as their decimal text."""
    return ormsgpack.packb(value, default=str, option=ormsgpack.OPT_PASSTHROUGH_BIG_INT)


schema = schemathesis.openapi.from_path(package_file("openapi.yaml"), config=fuzz_config())


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(hypothesis.HealthCheck)
)
def test_stateless_fuzzing_finds_nothing(case, fuzz_reference_url):
    case.call_and_validate(base_url=fuzz_reference_url)


@pytest.fixture
def state_machine(fuzz_reference_url):
    schema.config.update(base_url=fuzz_reference_url)
    return schema.as_state_machine()


def test_stateful_fuzzing_finds_nothing(state_machine):
    state_machine.run(
        settings=hypothesis.settings(
            max_examples=60,
            stateful_step_count=10,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )


# What an independent run does beyond the tests above, in a bounded time:
# schemathesis's own engine (as its CLI runs it) over every operation with
# live instance and batch ids, every check, --continue-on-failure, and the
# answers in JSON and in msgpack, each checked against the spec.
LIVE_SECONDS = 12
# These would close the live instance or batch (or stop the server) early.
ENDING_OPERATIONS = ["deleteEnv", "closeEnv", "deleteVectorEnv", "closeVectorEnv", "shutdown"]
ACCEPT = {"json": "application/json", "msgpack": "application/msgpack"}


@schemathesis.deserializer("application/msgpack")
def from_msgpack(ctx, response):
    """msgpack answers, with bin values (MsgpackArray data: type string, format
    binary in the spec) as hex text, so that they validate as strings."""
    return bytes_as_text(ormsgpack.unpackb(response.content))


def bytes_as_text(value):
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return [bytes_as_text(item) for item in value]
    if isinstance(value, dict):
        return {key: bytes_as_text(item) for key, item in value.items()}
    return value


@pytest.fixture
def live_ids(fuzz_reference_url):
    """A reset CartPole and a reset batch of three, closed afterwards."""
    import httpx

    with httpx.Client(
        base_url=fuzz_reference_url, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as http:
        iid = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
        vid = http.post("/v1/vector_envs/", json={"env_id": "CartPole-v1", "num_envs": 3}).json()[
            "vector_id"
        ]
        http.post(f"/v1/envs/{iid}/reset/")
        http.post(f"/v1/vector_envs/{vid}/reset/")
        yield {"instance_id": iid, "vector_id": vid}
        http.post(f"/v1/envs/{iid}/close/")
        http.post(f"/v1/vector_envs/{vid}/close/")


@pytest.mark.parametrize("answers", list(ACCEPT))
def test_engine_run_with_live_ids_finds_nothing(answers, live_ids, fuzz_reference_url):
    from schemathesis.engine import Status, events
    from schemathesis.engine import from_schema as engine_for

    config = fuzz_config()
    config.max_time = LIVE_SECONDS
    live = schemathesis.openapi.from_path(package_file("openapi.yaml"), config=config)
    live.config.update(
        base_url=fuzz_reference_url,
        continue_on_failure=True,
        headers={"Accept": ACCEPT[answers]},
        parameters=dict(live_ids),
    )
    live = live.exclude(operation_id=ENDING_OPERATIONS)
    cases, failures = 0, []
    for event in engine_for(live).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            cases += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                case = event.recorder.cases[case_id].value
                failures += [
                    (
                        event.recorder.label,
                        case.operation.label,
                        check.name,
                        check.failure_info.failure.title,
                        repr(case.body)[:200],
                        repr(case.query)[:100],
                    )
                    for check in checks
                    if check.status == Status.FAILURE
                ]
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append((getattr(event, "label", "engine"), "error", str(event.info)))
    print(f"{answers}: {cases} cases, {len(failures)} failures")
    assert cases > 100, cases
    assert failures == [], "\n".join(map(repr, failures))
