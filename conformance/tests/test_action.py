"""The reusable GitHub Actions action (conformance/action.yml): its inputs,
and its check step's script run here with bash, as the runner would run it,
against the legacy emulation."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from legacy_emulation import legacy_app

from conftest import serving

ACTION = Path(__file__).resolve().parents[1] / "action.yml"


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def step(name: str) -> dict:
    return next(s for s in action()["runs"]["steps"] if s.get("name") == name)


def test_action_takes_a_url_and_profiles_and_uploads_the_report():
    inputs = action()["inputs"]
    assert inputs["url"]["required"] is True
    assert inputs["profiles"]["default"] == ""
    upload = step("Upload the JUnit report")
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "${{ inputs.junit }}" and "always()" in upload["if"]
    install = step("Install gym-http-conformance")
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"


def test_action_inputs_reach_scripts_only_through_the_environment():
    """No ${{ }} inside a script: an input cannot inject shell code."""
    for s in action()["runs"]["steps"]:
        assert "${{" not in s.get("run", ""), s.get("name")


@pytest.fixture(scope="module")
def legacy_url():
    with serving(legacy_app()) as url:
        yield url


@pytest.mark.parametrize(
    "profiles, status, suites",
    [
        ("legacy", 0, ["legacy"]),
        ("legacy v1", 1, ["legacy", "v1"]),
    ],
)
def test_check_step_exits_by_the_verdict_of_its_profiles(
    legacy_url, tmp_path, profiles, status, suites
):
    check = step("Check the server")
    report = tmp_path / "report.xml"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "CONFORMANCE_URL": legacy_url,
        "CONFORMANCE_PROFILES": profiles,
        "CONFORMANCE_JUNIT": str(report),
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == status, done.stdout + done.stderr
    names = [suite.get("name") for suite in ET.parse(report).getroot().findall("testsuite")]
    assert names == suites
