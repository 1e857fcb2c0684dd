"""The bodies and parameter values the original bindings really send.

The original server ignored the body of reset, close, monitor/close and
shutdown, and read parameters with ``get_required_param`` /
``get_optional_param``, where ``null``, ``""`` and ``[]`` all meant "not
given". Its bindings came to rely on both.
"""

from __future__ import annotations

import pytest

from conftest import error_of

BLANK_BODIES = [b"null", b'""', b"[]", b""]


@pytest.mark.parametrize("raw", BLANK_BODIES)
def test_reset_and_close_read_blank_bodies_as_no_parameters(http, raw):
    instance_id = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
    reset = http.post(f"/v1/envs/{instance_id}/reset/", content=raw)
    assert reset.status_code == 200, reset.text
    assert len(reset.json()["observation"]) == 4
    assert http.post(f"/v1/envs/{instance_id}/close/", content=raw).status_code == 204
    assert instance_id not in http.get("/v1/envs/").json()["all_envs"]


@pytest.mark.parametrize("raw", [b"[1]", b'"x"', b"0", b"true"])
def test_other_non_object_bodies_stay_400(http, create, raw):
    instance_id = create("CartPole-v1")
    for route in ["reset", "close"]:
        error_of(
            http.post(f"/v1/envs/{instance_id}/{route}/", content=raw), 400, "invalid_parameter"
        )
    assert instance_id in http.get("/v1/envs/").json()["all_envs"]


@pytest.mark.parametrize("raw", BLANK_BODIES)
def test_shutdown_reads_blank_bodies_as_no_parameters(http, raw):
    error_of(http.post("/v1/shutdown/", content=raw), 403, "shutdown_disabled")


def test_shutdown_refuses_other_non_object_bodies(http):
    error_of(http.post("/v1/shutdown/", content=b"[1]"), 400, "invalid_parameter")


@pytest.mark.parametrize("blank", ["", []])
def test_blank_required_parameter_was_not_provided(http, create, blank):
    body = error_of(http.post("/v1/envs/", json={"env_id": blank}), 400, "missing_parameter")
    assert body["message"] == "A required request parameter 'env_id' was not provided"
    instance_id = create("CartPole-v1")
    http.post(f"/v1/envs/{instance_id}/reset/")
    body = error_of(
        http.post(f"/v1/envs/{instance_id}/step/", json={"action": blank}), 400, "missing_parameter"
    )
    assert "'action'" in body["message"]
    assert http.get(f"/v1/envs/{instance_id}/").json()["total_steps"] == 0


def test_blank_optional_parameters_take_their_defaults(http, create):
    response = http.post(
        "/v1/envs/", json={"env_id": "CartPole-v1", "seed": "", "render_mode": "", "kwargs": []}
    )
    assert response.status_code == 200, response.text
    instance_id = response.json()["instance_id"]
    described = http.get(f"/v1/envs/{instance_id}/").json()
    assert described["seed"] is None and described["render_mode"] is None
    assert described["kwargs"] == {}
    reset = http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": "", "options": []})
    assert reset.status_code == 200, reset.text
    step = http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0, "render": ""})
    assert step.status_code == 200 and "render" not in step.json()
    http.post(f"/v1/envs/{instance_id}/close/", content=b'""')
