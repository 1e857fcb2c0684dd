"""The suite fails servers that break the contract: each deliberately broken
variant of the reference app must fail at least one case, and the unbroken
app, served the same way, must fail none."""

from __future__ import annotations

import pytest
from faults import FAULTS, broken_app

from conftest import serving
from gym_http_conformance import load_case_files, run_cases
from gym_http_conformance.report import describe_failure
from gym_http_conformance.runner import FAILED, PASSED
from gym_http_server import create_app


def test_unbroken_app_passes_every_case():
    with serving(create_app()) as url:
        results = run_cases(url, load_case_files())
    failed = [f"{r.case_id}\n{describe_failure(r.failure)}" for r in results if r.outcome == FAILED]
    assert not failed, "\n\n".join(failed)
    assert sum(r.outcome == PASSED for r in results) >= 45


def test_at_least_eight_distinct_faults_are_tried():
    assert len(FAULTS) >= 8


@pytest.mark.parametrize("fault", FAULTS)
def test_broken_server_is_caught(fault):
    with serving(broken_app(fault)) as url:
        results = run_cases(url, load_case_files())
    caught = [r.case_id for r in results if r.outcome == FAILED]
    print(f"{fault}: caught by {len(caught)} cases: {', '.join(caught[:6])}")
    assert caught, f"no case fails a server with the fault {fault!r}"
