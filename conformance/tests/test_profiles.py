"""Profiles and verdicts: the reference server conforms to every profile; a
legacy emulation (the reference app answering like openai/gym-http-api)
conforms to legacy and not to v1, for reasons a porter can read; env ids are
probed where a server has no registry; the CLI selects profiles and exits
by verdict."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from legacy_emulation import legacy_app

from conftest import TOKEN, serving
from gym_http_conformance import load_case_files, run_cases
from gym_http_conformance.cases import PROFILES, CaseFile
from gym_http_conformance.report import (
    CONFORMS,
    DOES_NOT_CONFORM,
    NOT_CHECKED,
    NOT_IMPLEMENTED,
    describe_failure,
    verdict_of,
    verdict_table,
    verdicts,
)
from gym_http_conformance.runner import FAILED, PASSED, SKIPPED, CaseResult, StepFailure
from gym_http_conformance.transport import Response

EXTENSIONS = {"registry", "recording", "results", "render", "service", "vector"}


def profiles_with_cases() -> set[str]:
    return {case["profile"] for case_file in load_case_files() for case in case_file.cases}


@pytest.fixture(scope="module")
def legacy_url():
    with serving(legacy_app()) as url:
        yield url


@pytest.fixture(scope="module")
def legacy_results(legacy_url):
    return run_cases(legacy_url, load_case_files())


def test_reference_server_conforms_to_every_profile(token_reference_url):
    """Run with a token, every case runs, the auth profile's too."""
    results = run_cases(token_reference_url, load_case_files(), token=TOKEN)
    table = verdicts(results)
    print("\n" + verdict_table(table))
    expected = {"legacy", "v1", "auth"} | EXTENSIONS
    assert {v.profile for v in table} == profiles_with_cases() >= expected
    assert all(v.verdict == CONFORMS and v.skipped == 0 for v in table), verdict_table(table)


def test_auth_cases_are_skipped_with_a_reason_without_a_token(reference_url):
    results = run_cases(reference_url, load_case_files(), profiles=["auth"])
    assert results and all(r.outcome == SKIPPED and "--token" in r.reason for r in results)


def test_auth_cases_fail_on_a_server_that_lets_anyone_in(reference_url):
    results = run_cases(reference_url, load_case_files(), profiles=["auth"], token="any")
    (verdict,) = verdicts(results)
    assert verdict.verdict == DOES_NOT_CONFORM and verdict.failed >= 3


def test_cli_without_a_token_exits_zero_and_says_auth_was_not_checked(reference_url):
    done = run_cli(reference_url, "--profile", "auth", "--profile", "service")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "auth: not checked" in done.stdout and "--token" in done.stdout


def test_legacy_emulation_conforms_to_legacy_and_not_to_v1(legacy_results):
    table = {v.profile: v for v in verdicts(legacy_results)}
    print("\n" + verdict_table(list(table.values())))
    assert table["legacy"].verdict == CONFORMS and table["legacy"].skipped == 0
    assert table["v1"].verdict == DOES_NOT_CONFORM
    assert table["v1"].failed > table["v1"].passed


def test_legacy_emulation_lacks_every_extension(legacy_results):
    table = {v.profile: v.verdict for v in verdicts(legacy_results)}
    assert {profile for profile in EXTENSIONS if table[profile] == NOT_IMPLEMENTED} == EXTENSIONS


def test_legacy_emulation_fails_v1_with_readable_reasons(legacy_results):
    by_id = {r.case_id: r for r in legacy_results}
    reset = describe_failure(by_id["lifecycle/create_reset_step_close"].failure)
    assert "POST /v1/envs/" in reset and 'request body: {"seed":7}' in reset
    assert 'response: 200 {"observation": [' in reset
    assert "ResetResponse" in reset and "'info' is a required property" in reset
    assert "spec: POST /v1/envs/{instance_id}/reset/ (resetEnv" in reset
    code = describe_failure(by_id["errors/unknown_instance_everywhere"].failure)
    assert "expected error code 'unknown_instance', got (nothing)" in code
    assert "code `unknown_instance` (400): No live instance has this id" in code
    missing = by_id["envs/registry_lists_creatable_ids"].failure
    assert missing.missing_route and missing.response.status == 404


def test_failure_shows_a_cut_short_response(legacy_url):
    case = {
        "name": "long",
        "profile": "v1",
        "description": "A 404 page where JSON was expected.",
        "steps": [
            {"request": {"method": "GET", "path": "/openapi.yaml"}, "expect": {"status": 200}}
        ],
    }
    [result] = run_cases(legacy_url, [CaseFile(None, "t", "", [case])])
    text = describe_failure(result.failure)
    assert "response: 404 <!doctype html>" in text
    assert "spec: GET /openapi.yaml (getSpec" in text


def test_env_ids_are_probed_where_there_is_no_registry():
    """The emulation has no /v1/registry/: the runner creates and closes each
    id once, runs cases whose ids exist, and skips the others, saying why."""
    cases = [
        {
            "name": "probes_left_nothing",
            "profile": "legacy",
            "description": "x",
            "requires_envs": ["CartPole-v1", "FrozenLake-v1"],
            "steps": [
                {
                    "request": {"method": "GET", "path": "/v1/envs/"},
                    "expect": {"status": 200, "assert": [{"pointer": "/all_envs", "length": 0}]},
                }
            ],
        },
        {
            "name": "needs_a_missing_env",
            "profile": "legacy",
            "description": "x",
            "requires_envs": ["CartPole-v1", "NoSuchEnvironment-v3"],
            "steps": [{"request": {"method": "GET", "path": "/v1/envs/"}}],
        },
    ]
    with serving(legacy_app()) as fresh_url:
        passed, skipped = run_cases(fresh_url, [CaseFile(None, "probe", "", cases)])
    assert passed.outcome == PASSED, passed.failure and describe_failure(passed.failure)
    assert skipped.outcome == SKIPPED
    assert "NoSuchEnvironment-v3" in skipped.reason and "answered 400" in skipped.reason
    assert "CartPole-v1" not in skipped.reason


def test_profile_selection_runs_only_that_profile(legacy_url):
    results = run_cases(legacy_url, load_case_files(), profiles=["legacy"])
    assert results and {r.profile for r in results} == {"legacy"}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gym_http_conformance", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_exits_zero_when_the_selected_profile_conforms(legacy_url, tmp_path):
    report = tmp_path / "legacy.xml"
    done = run_cli(legacy_url, "--profile", "legacy", "--junit", str(report))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "legacy" in done.stdout.splitlines()[-1] and "conforms" in done.stdout.splitlines()[-1]
    suites = ET.parse(report).getroot().findall("testsuite")
    assert [suite.get("name") for suite in suites] == ["legacy"]


def test_cli_prints_a_verdict_per_profile_and_fails_on_any(legacy_url, tmp_path):
    report = tmp_path / "all.xml"
    done = run_cli(legacy_url, "--junit", str(report))
    assert done.returncode == 1
    table = done.stdout[done.stdout.index("profile    passed") :].splitlines()
    rows = {line.split()[0]: line for line in table[1:]}
    assert rows["legacy"].endswith("conforms") and rows["v1"].endswith("does not conform")
    assert rows["registry"].endswith("not implemented")
    suites = ET.parse(report).getroot().findall("testsuite")
    names = [suite.get("name") for suite in suites]
    assert names == [p for p in PROFILES if p in names] and {"legacy", "v1"} <= set(names)
    verdict = {
        s.get("name"): s.find("properties/property[@name='verdict']").get("value") for s in suites
    }
    assert verdict["v1"] == DOES_NOT_CONFORM and verdict["legacy"] == CONFORMS


def test_cli_refuses_an_unknown_profile():
    done = run_cli("http://127.0.0.1:9", "--profile", "v2")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_a_case_file_without_profiles_is_refused(tmp_path):
    (tmp_path / "old.json").write_text(
        json.dumps(
            {
                "topic": "old",
                "description": "x",
                "cases": [
                    {
                        "name": "a",
                        "description": "x",
                        "steps": [{"request": {"method": "GET", "path": "/healthz"}}],
                    }
                ],
            }
        )
    )
    with pytest.raises(ValueError, match="needs one of"):
        load_case_files(tmp_path)


def result(outcome: str, status: int | None = None, expected: int = 200) -> CaseResult:
    failure = None
    if status is not None:
        failure = StepFailure(0, "GET", "/x", None, ["wrong"], Response(status, {}, ""), [expected])
    return CaseResult("t", "c", "d", outcome, "v1", failure=failure)


@pytest.mark.parametrize(
    "outcomes, verdict",
    [
        ([result(PASSED), result(SKIPPED)], CONFORMS),
        ([result(SKIPPED)], NOT_CHECKED),
        (
            [result(FAILED, 404), result(FAILED, 501), result(FAILED, 405), result(SKIPPED)],
            NOT_IMPLEMENTED,
        ),
        ([result(FAILED, 404), result(PASSED)], DOES_NOT_CONFORM),
        ([result(FAILED, 404), result(FAILED, 400)], DOES_NOT_CONFORM),
        ([result(FAILED, 404, expected=404)], DOES_NOT_CONFORM),
    ],
)
def test_verdict_of_a_profile(outcomes, verdict):
    assert verdict_of(outcomes) == verdict
