"""Every request body the spec documents is valid against the spec's own
schema (JSON Schema 2020-12, as OpenAPI 3.1 defines it), and the server
accepts it: a generator working from the schema can produce every documented
form, and what the schema allows the server does not refuse for its shape."""

from __future__ import annotations

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conftest import SPEC_PATH

SPEC = yaml.safe_load(SPEC_PATH.read_text())
ROOT = "urn:gym-http-server:openapi"
REGISTRY = Registry().with_resource(ROOT, Resource.from_contents(SPEC, DRAFT202012))

# Bodies the prose of an operation documents, which must carry them as examples.
DOCUMENTED = {
    "createEnv",
    "resetEnv",
    "stepEnv",
    "containsAction",
    "containsObservation",
    "monitorStart",
    "monitorClose",
    "createVectorEnv",
    "resetVectorEnv",
    "stepVectorEnv",
    "upload",
}


def pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def request_examples():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            for media, content in operation["requestBody"]["content"].items():
                for name, example in content.get("examples", {}).items():
                    where = pointer(
                        "paths", path, method, "requestBody", "content", media, "schema"
                    )
                    yield pytest.param(
                        operation["operationId"],
                        path,
                        method,
                        where,
                        example["value"],
                        id=f"{operation['operationId']}:{name}",
                    )


EXAMPLES = list(request_examples())


def validator(where: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{ROOT}#/{where}"}, registry=REGISTRY)


@pytest.mark.parametrize(("operation", "path", "method", "where", "body"), EXAMPLES)
def test_every_documented_request_body_is_valid_against_its_schema(
    operation, path, method, where, body
):
    errors = [error.message for error in validator(where).iter_errors(body)]
    assert not errors, errors


def test_every_operation_whose_prose_lists_bodies_has_them_as_examples():
    assert {param.values[0] for param in EXAMPLES} >= DOCUMENTED


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({}, True),
        (None, True),
        ({"seed": 7.0}, True),
        ({"seed": 7.5}, False),
        ({"seed": -1}, False),
        ({"seed": "7"}, False),
    ],
)
def test_reset_schema_takes_every_form_once_and_refuses_the_rest(body, valid):
    where = pointer(
        "paths",
        "/v1/envs/{instance_id}/reset/",
        "post",
        "requestBody",
        "content",
        "application/json",
        "schema",
    )
    assert validator(where).is_valid(body) is valid


@pytest.mark.parametrize("schema", ["CreateEnvRequest", "CreateVectorEnvRequest"])
def test_env_ids_are_constrained_alike_for_instances_and_batches(schema):
    env_id = SPEC["components"]["schemas"][schema]["properties"]["env_id"]
    check = validator(pointer("components", "schemas", schema))
    assert env_id["minLength"] == 1 and env_id["pattern"] == "^[^:]+$"
    assert not check.is_valid({"env_id": "gymnasium.envs:CartPoleEnv", "num_envs": 2})


def test_a_null_action_is_refused_by_the_schema_and_the_server(base_url):
    for schema in ["StepRequest", "VectorStepRequest"]:
        field = "actions" if schema.startswith("Vector") else "action"
        assert not validator(pointer("components", "schemas", schema)).is_valid({field: None})
    instance = httpx.post(f"{base_url}/v1/envs/", json={"env_id": "CartPole-v1"}).json()
    iid = instance["instance_id"]
    try:
        httpx.post(f"{base_url}/v1/envs/{iid}/reset/")
        refused = httpx.post(f"{base_url}/v1/envs/{iid}/step/", json={"action": None})
        assert refused.status_code == 400 and refused.json()["code"] == "missing_parameter"
    finally:
        httpx.post(f"{base_url}/v1/envs/{iid}/close/")


LIVE = {
    "createEnv",
    "resetEnv",
    "stepEnv",
    "containsAction",
    "containsObservation",
    "monitorClose",
    "createVectorEnv",
    "resetVectorEnv",
    "stepVectorEnv",
}


@pytest.mark.parametrize(
    ("operation", "path", "method", "where", "body"), [p for p in EXAMPLES if p.values[0] in LIVE]
)
def test_the_server_accepts_every_documented_request_body(
    operation, path, method, where, body, base_url
):
    """Against a fresh CartPole (a batch of three for the batch routes)."""
    with httpx.Client(base_url=base_url, timeout=60) as http:
        made = []
        try:
            iid = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
            made.append(f"/v1/envs/{iid}/close/")
            vid = http.post(
                "/v1/vector_envs/", json={"env_id": "CartPole-v1", "num_envs": 3}
            ).json()["vector_id"]
            made.append(f"/v1/vector_envs/{vid}/close/")
            http.post(f"/v1/envs/{iid}/reset/")
            http.post(f"/v1/vector_envs/{vid}/reset/")
            url = path.replace("{instance_id}", iid).replace("{vector_id}", vid)
            answer = http.request(method.upper(), url, json=body)
            assert answer.status_code in (200, 204), answer.text
            created = answer.json() if answer.status_code == 200 else {}
            for key, route in [("instance_id", "envs"), ("vector_id", "vector_envs")]:
                if key in created:
                    made.append(f"/v1/{route}/{created[key]}/close/")
        finally:
            for close in made:
                http.post(close)
