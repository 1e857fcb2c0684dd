"""Errors are typed by ``code`` first: a 400 unknown instance is not a bad request."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import gym_http_client
from gym_http_client import (
    AuthError,
    BadRequestError,
    EnvBrokenError,
    EnvProcessDiedError,
    GymConnectionError,
    GymHTTPError,
    GymTimeoutError,
    HTTPClient,
    InternalServerError,
    LimitError,
    NotFoundError,
    RetryPolicy,
    StepTimeoutError,
    UnknownInstanceError,
    UnsupportedError,
)
from gym_http_client.client import retry_delay
from gym_http_client.errors import CATEGORY_CLASSES, CODES, error_class, error_from_response
from gym_http_server.testing import running_server

SPEC = Path(__file__).resolve().parents[3] / "spec" / "openapi.yaml"


def error_table() -> list[dict]:
    """The spec's ``x-error-codes``: every code the server sends, its status,
    retry flag and category."""
    return yaml.safe_load(SPEC.read_text())["components"]["x-error-codes"]


def test_every_code_in_the_spec_is_mapped_and_nothing_else():
    assert set(CODES) == {entry["code"] for entry in error_table()}


def test_every_category_in_the_spec_has_a_class():
    categories = yaml.safe_load(SPEC.read_text())["components"]["x-error-categories"]
    assert set(CATEGORY_CLASSES) == set(categories)


@pytest.mark.parametrize("entry", error_table(), ids=lambda entry: entry["code"])
def test_each_code_gets_the_class_of_its_category(entry):
    assert issubclass(
        error_class(entry["status"], entry["code"]), CATEGORY_CLASSES[entry["category"]]
    )


@pytest.mark.parametrize("entry", error_table(), ids=lambda entry: entry["code"])
def test_an_idempotent_request_is_retried_exactly_when_the_spec_says(entry):
    delay = retry_delay(
        RetryPolicy(), "GET", 1, status=entry["status"], code=entry["code"], rand=lambda: 0.0
    )
    assert (delay is not None) is entry["retry"]
    assert retry_delay(RetryPolicy(), "POST", 1, status=entry["status"]) is None


@pytest.mark.parametrize(
    "status, code, expected",
    [
        (400, "unknown_instance", UnknownInstanceError),
        (504, "step_timeout", StepTimeoutError),
        (400, "env_process_died", EnvProcessDiedError),
        (504, None, InternalServerError),
        (400, "invalid_action", BadRequestError),
        (400, "missing_parameter", BadRequestError),
        (404, "not_found", NotFoundError),
        (404, None, NotFoundError),
        (404, "unknown_vector", UnknownInstanceError),
        (400, "num_envs_too_large", LimitError),
        (429, "too_many_envs", LimitError),
        (413, "body_too_large", LimitError),
        (403, "shutdown_disabled", AuthError),
        (501, "video_unavailable", UnsupportedError),
        (500, "internal_error", InternalServerError),
        (401, None, AuthError),
        (403, None, AuthError),
        (429, None, LimitError),
        (502, None, InternalServerError),
        (400, None, BadRequestError),
        (418, "some_future_code", BadRequestError),
    ],
)
def test_error_class_is_chosen_by_code_then_status(status, code, expected):
    assert error_class(status, code) is expected


def test_every_error_carries_status_code_and_message():
    error = error_from_response(
        400, {"message": "Instance_id x unknown", "code": "unknown_instance"}
    )
    assert (error.status, error.code, error.message) == (
        400,
        "unknown_instance",
        "Instance_id x unknown",
    )
    assert str(error) == "Instance_id x unknown"
    plain = error_from_response(502, None, "<html>bad gateway</html>")
    assert isinstance(plain, InternalServerError) and plain.code is None
    assert plain.message == "<html>bad gateway</html>"


def test_hierarchy():
    for cls in (
        GymConnectionError,
        BadRequestError,
        UnknownInstanceError,
        LimitError,
        AuthError,
        UnsupportedError,
        InternalServerError,
    ):
        assert issubclass(cls, GymHTTPError)
    assert issubclass(GymTimeoutError, GymConnectionError)
    assert issubclass(gym_http_client.ServerError, GymHTTPError)


def test_unknown_instance_from_the_server(http):
    with pytest.raises(UnknownInstanceError) as caught:
        http.reset_env("00000000")
    assert caught.value.status == 400 and caught.value.code == "unknown_instance"


def test_step_before_reset_is_a_bad_request(http):
    instance_id = http.create_env("CartPole-v1")
    with pytest.raises(BadRequestError) as caught:
        http.step_env(instance_id, 0)
    assert caught.value.code == "reset_needed"
    http.close_env(instance_id)


def test_body_too_large_is_a_limit(http):
    instance_id = http.create_env("CartPole-v1")
    with pytest.raises(LimitError) as caught:
        http.step_env(instance_id, "x" * (2 * 1024 * 1024))
    assert caught.value.status == 413 and caught.value.code == "body_too_large"
    http.close_env(instance_id)


def test_too_many_envs_is_a_limit():
    with running_server("--max-envs", "1") as url, HTTPClient(url) as http:
        http.create_env("CartPole-v1")
        with pytest.raises(LimitError) as caught:
            http.create_env("CartPole-v1")
        assert caught.value.status == 429 and caught.value.code == "too_many_envs"


def test_a_step_past_the_deadline_is_a_step_timeout_error_and_not_retried():
    args = ("--step-timeout", "0.5", "--import", "gym_http_conformance.faultyenvs")
    with running_server(*args) as url:
        env = gym_http_client.make("GymHttpTest/Hang-v0", base_url=url)
        env.reset()
        with pytest.raises(StepTimeoutError) as caught:
            env.step(1)
        assert isinstance(caught.value, EnvBrokenError)
        assert caught.value.status == 504 and caught.value.code == "step_timeout"
        with pytest.raises(StepTimeoutError):  # the instance stays broken
            env.step(0)
        env.close()


def test_broken_instances_answers_are_never_retried():
    from gym_http_client.client import error_code

    assert error_code(b'{"message": "m", "code": "step_timeout"}') == "step_timeout"
    assert error_code(b"<html>504 Gateway Time-out</html>") is None
    for code in ("step_timeout", "env_process_died"):
        assert retry_delay(RetryPolicy(), "GET", 1, status=504, code=code) is None
    assert retry_delay(RetryPolicy(), "GET", 1, status=504, rand=lambda: 0.0) is not None


def test_legacy_errors_are_both_server_errors_and_typed(client):
    instance_id = client.env_create("CartPole-v1")
    client.env_reset(instance_id)
    with pytest.raises(BadRequestError) as caught:
        client.env_step(instance_id, 5)
    assert isinstance(caught.value, gym_http_client.ServerError)
    assert caught.value.status_code == 400 and caught.value.code == "invalid_action"
    client.env_close(instance_id)


def test_timeout_is_typed():
    """A listening socket that never answers: the request must time out, not hang."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with HTTPClient(url, timeout=0.3, retry=gym_http_client.RetryPolicy(max_retries=0)) as http:
            with pytest.raises(GymTimeoutError):
                http.call("GET", "/healthz")
