"""Every shared conformance case, run through this SDK's transport against the reference server."""

from __future__ import annotations

import json

import jsonschema
import pytest
from case_runner import SpecSchemas, load_case_files, run_case

from conftest import REPO
from gym_http_client import HTTPClient, RetryPolicy

CASES_DIR = REPO / "conformance" / "cases"
CASE_SCHEMA = REPO / "conformance" / "case.schema.json"
SPEC = REPO / "spec" / "openapi.yaml"
FILES = load_case_files(CASES_DIR)
CASES = [
    pytest.param(case, id=f"{data['topic']}/{case['name']}")
    for _, data in FILES
    for case in data["cases"]
]


@pytest.fixture(scope="module")
def schemas():
    return SpecSchemas(SPEC)


@pytest.fixture(scope="module")
def raw_http(base_url):
    """No retries: a case must see exactly the answer to the request it sent."""
    with HTTPClient(base_url, retry=RetryPolicy(max_retries=0)) as http:
        yield http


@pytest.mark.parametrize("path, data", FILES, ids=[p.name for p, _ in FILES])
def test_case_file_matches_the_case_format(path, data):
    jsonschema.Draft202012Validator(json.loads(CASE_SCHEMA.read_text())).validate(data)
    assert data["topic"] == path.stem


@pytest.mark.parametrize("case", CASES)
def test_conformance_case(case, raw_http, schemas, registered):
    missing = [env for env in case.get("requires_envs", []) if env not in registered]
    if missing:
        pytest.skip(f"SKIPPED: the server does not register {missing}")
    run_case(case, raw_http, schemas)


BROKEN = [
    {"request": {"method": "GET", "path": "/v1/envs/"}, "expect": {"status": 201}},
    {"request": {"method": "GET", "path": "/v1/envs/"}, "expect": {"schema": "CreateEnvResponse"}},
    {"request": {"method": "GET", "path": "/v1/envs/zz/"}, "expect": {"code": "invalid_action"}},
    {
        "request": {"method": "GET", "path": "/healthz"},
        "expect": {"assert": [{"pointer": "/status", "equals": "down"}]},
    },
    {
        "request": {"method": "GET", "path": "/healthz"},
        "expect": {"assert": [{"pointer": "/envs", "type": "boolean"}]},
    },
    {
        "request": {"method": "GET", "path": "/healthz"},
        "expect": {"assert": [{"pointer": "/nothing", "type": "string"}]},
    },
    {
        "request": {"method": "GET", "path": "/healthz"},
        "expect": {"assert": [{"pointer": "/status", "absent": True}]},
    },
    {"request": {"method": "GET", "path": "/healthz"}, "expect": {"headers_present": ["X-Nope"]}},
    {"request": {"method": "GET", "path": "/healthz"}, "expect": {"content_type": "text/html"}},
    {"request": {"method": "GET", "path": "/v1/envs/{{never_saved}}/"}},
]


@pytest.mark.parametrize(
    "step", BROKEN, ids=lambda s: json.dumps(s.get("expect", s["request"]))[:60]
)
def test_runner_fails_cases_whose_expectations_do_not_hold(step, raw_http, schemas):
    from case_runner import CaseFailure

    with pytest.raises(CaseFailure):
        run_case({"name": "broken", "description": "must fail", "steps": [step]}, raw_http, schemas)


def test_runner_saves_substitutes_and_cleans_up(raw_http, schemas):
    case = {
        "name": "save_and_reuse",
        "description": "values saved from one step feed the next",
        "steps": [
            {
                "request": {
                    "method": "POST",
                    "path": "/v1/envs/",
                    "body": {"env_id": "CartPole-v1"},
                },
                "save": {"iid": "/instance_id"},
            },
            {
                "request": {"method": "GET", "path": "/v1/envs/{{iid}}/"},
                "expect": {
                    "status": 200,
                    "assert": [
                        {"pointer": "/instance_id", "equals": "{{iid}}"},
                        {"pointer": "/episodes", "type": "integer"},
                        {"pointer": "/action_space/n", "one_of": [2, 3]},
                        {"pointer": "/total_steps", "lte": 0},
                    ],
                },
            },
        ],
        "cleanup": [{"request": {"method": "POST", "path": "/v1/envs/{{iid}}/close/"}}],
    }
    log = run_case(case, raw_http, schemas)
    instance_id = log[1].split("/")[3]
    assert instance_id not in raw_http.list_envs()
