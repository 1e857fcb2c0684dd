"""Every shared conformance case, run through this SDK's transport against the reference server."""

from __future__ import annotations

import json

import pytest
from case_runner import failure_text, run_case

from gym_http_client import HTTPClient, RetryPolicy
from gym_http_conformance import runner
from gym_http_conformance.cases import load_case_files

CASES = [
    pytest.param(case_file.topic, case, id=f"{case_file.topic}/{case['name']}")
    for case_file in load_case_files()
    for case in case_file.cases
]


@pytest.fixture(scope="module")
def raw_http(base_url):
    """No retries: a case must see exactly the answer to the request it sent."""
    with HTTPClient(base_url, retry=RetryPolicy(max_retries=0)) as http:
        yield http


@pytest.mark.parametrize("topic, case", CASES)
def test_conformance_case(topic, case, raw_http, registered):
    result = run_case(case, raw_http, registered, topic)
    if result.outcome == runner.SKIPPED:
        pytest.skip(f"SKIPPED: {result.reason}")
    assert result.outcome == runner.PASSED, failure_text(result)


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
def test_runner_fails_cases_whose_expectations_do_not_hold(step, raw_http, registered):
    case = {"name": "broken", "description": "must fail", "steps": [step]}
    assert run_case(case, raw_http, registered).outcome == runner.FAILED


def test_runner_saves_substitutes_and_cleans_up(raw_http, registered):
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
    before = set(raw_http.list_envs())
    result = run_case(case, raw_http, registered)
    assert result.outcome == runner.PASSED, failure_text(result)
    assert set(raw_http.list_envs()) == before
