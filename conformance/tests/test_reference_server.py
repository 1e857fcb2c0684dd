"""The runner passes every case against the reference server, and its CLI
reports and exits the way CI expects."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

from gym_http_conformance import load_case_files, run_cases
from gym_http_conformance.report import describe_failure
from gym_http_conformance.runner import FAILED, PASSED, SKIPPED


def test_every_case_passes_against_the_reference_server(reference_url):
    results = run_cases(reference_url, load_case_files())
    failed = [f"{r.case_id}\n{describe_failure(r.failure)}" for r in results if r.outcome == FAILED]
    assert not failed, "\n\n".join(failed)
    skipped = [f"{r.case_id}: {r.reason}" for r in results if r.outcome == SKIPPED]
    if skipped:
        print("\nSKIPPED cases:\n  " + "\n  ".join(skipped), file=sys.stderr)
    assert sum(r.outcome == PASSED for r in results) >= 60


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "gym_http_conformance", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_writes_junit_and_exits_zero_when_all_pass(reference_url, tmp_path):
    report = tmp_path / "conformance.xml"
    done = run_cli(reference_url, "--junit", str(report), "-k", "lifecycle/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS lifecycle/create_reset_step_close" in done.stdout
    root = ET.parse(report).getroot()
    cases = root.findall("./testsuite/testcase")
    assert {case.get("name") for case in cases} >= {"create_reset_step_close"}
    assert not root.findall(".//failure")
    assert [suite.get("name") for suite in root.findall("testsuite")] == ["v1"]
    assert done.stdout.splitlines()[-1].split() == ["v1", "3", "0", "0", "conforms"]


def test_cli_exits_non_zero_and_shows_the_failing_exchange(reference_url, tmp_path):
    broken = tmp_path / "cases"
    broken.mkdir()
    (broken / "wrong.json").write_text("""{
      "topic": "wrong", "description": "A case that expects what the server does not do.",
      "cases": [{"name": "healthz_is_not_teapot", "profile": "service",
                 "description": "Expects 418 from /healthz.",
                 "steps": [{"request": {"method": "GET", "path": "/healthz"},
                            "expect": {"status": 418}}]}]}""")
    report = tmp_path / "report.xml"
    done = run_cli(reference_url, "--cases", str(broken), "--junit", str(report))
    assert done.returncode == 1
    assert "FAIL wrong/healthz_is_not_teapot" in done.stdout
    assert "GET /healthz" in done.stdout and "expected status 418, got 200" in done.stdout
    assert "spec: GET /healthz (health" in done.stdout
    assert done.stdout.splitlines()[-1].split() == [
        "service",
        "0",
        "1",
        "0",
        "does",
        "not",
        "conform",
    ]
    assert len(ET.parse(report).getroot().findall(".//failure")) == 1


def test_cli_refuses_a_url_that_is_not_http():
    done = run_cli("ftp://example.invalid/")
    assert done.returncode == 2 and "not an http(s) URL" in done.stderr


def test_cli_reports_an_unreachable_server_as_failures(tmp_path):
    done = run_cli("http://127.0.0.1:9", "-k", "service/openapi")
    assert done.returncode == 1
    assert "request failed" in done.stdout
