"""The suite fails servers that break the contract: each deliberately broken
variant of the reference app must fail exactly the profiles it breaks (a
fault in something every profile relies on fails each of them), and the
unbroken app, served the same way, must fail none."""

from __future__ import annotations

import pytest
from faults import FAULTS, broken_app

from conftest import serving
from gym_http_conformance import load_case_files, run_cases
from gym_http_conformance.report import CONFORMS, NOT_CHECKED, describe_failure, verdicts
from gym_http_conformance.runner import FAILED, PASSED
from gym_http_server import create_app

# The profiles each fault breaks. Why more than one, where there are more:
BREAKS = {
    # close answered 204 in the original too; the fault hits monitor/close as
    # well, which recording and results cases call, and the close of batches
    "close_answers_200": {"legacy", "v1", "recording", "results", "vector"},
    "step_lacks_truncated": {"v1", "msgpack"},  # msgpack cases save JSON steps
    # reward is an original field; msgpack answers keep a number, unlike JSON ones
    "reward_is_a_string": {"legacy", "v1", "msgpack"},
    "done_always_false": {"legacy", "v1"},  # so is done
    # batches are seeded at creation and reset too, and refuse actions alike
    "seed_ignored": {"v1", "vector", "msgpack"},
    "invalid_action_is_500": {"v1", "vector"},
    "accepts_out_of_space_action": {"v1"},
    "close_is_a_no_op": {"legacy", "v1"},
    # recording and render promise unknown_instance on their own routes
    "unknown_instance_coded_bad_request": {"v1", "recording", "render", "msgpack"},
    # every profile's routes answer without their trailing slash; the legacy
    # ones (sample, contains/{x}) never had one; recording's cases all use it
    "trailing_slash_required": {
        "legacy",
        "v1",
        "registry",
        "results",
        "render",
        "vector",
        "msgpack",
    },
    "sample_outside_space": {"legacy", "v1"},  # sample is an original route
    # every profile but registry has errors, and each must be JSON
    "errors_in_plain_text": {
        "legacy",
        "v1",
        "recording",
        "results",
        "render",
        "service",
        "vector",
        "msgpack",
    },
    # an instance created with a render mode drives another's environment, and
    # a recorded one counts another's episodes
    "instances_share_state": {"v1", "render", "recording", "results", "msgpack"},
    "msgpack_reward_differs": {"msgpack"},
}


def test_unbroken_app_passes_every_case():
    with serving(create_app()) as url:
        results = run_cases(url, load_case_files())
    failed = [f"{r.case_id}\n{describe_failure(r.failure)}" for r in results if r.outcome == FAILED]
    assert not failed, "\n\n".join(failed)
    assert sum(r.outcome == PASSED for r in results) >= 60


def test_at_least_eight_distinct_faults_are_tried():
    assert len(FAULTS) >= 8
    assert set(BREAKS) == set(FAULTS)


@pytest.mark.parametrize("fault", FAULTS)
def test_broken_server_fails_the_profiles_it_breaks(fault):
    with serving(broken_app(fault)) as url:
        results = run_cases(url, load_case_files())
    # Broken apps take no token: the auth profile is not checked on them.
    failing = {
        v.profile
        for v in verdicts(results)
        if v.verdict != CONFORMS and not (v.profile == "auth" and v.verdict == NOT_CHECKED)
    }
    caught = [r.case_id for r in results if r.outcome == FAILED]
    print(f"{fault}: caught by {len(caught)} cases: {', '.join(caught[:6])}")
    assert failing == BREAKS[fault]
