"""The SDK against a token-protected server: the token it is given (or finds
in GYM_HTTP_TOKEN) opens every call; without it, calls fail as AuthError."""

from __future__ import annotations

import pytest

from conftest import server_args
from gym_http_client import AuthError, Client, HTTPClient, RemoteEnv
from gym_http_server.testing import running_server

TOKEN = "sdk-python-token"


@pytest.fixture(scope="module")
def locked_url():
    # The one variable both sides read.
    with running_server(*server_args(), env={"GYM_HTTP_TOKEN": TOKEN}) as url:
        yield url


def test_http_client_with_the_token_creates_steps_and_closes(locked_url):
    with HTTPClient(locked_url, token=TOKEN) as http:
        instance_id = http.create_env("CartPole-v1", seed=3)
        http.reset_env(instance_id)
        assert http.step_env(instance_id, 1)["done"] is False
        http.close_env(instance_id)
        assert instance_id not in http.list_envs()


def test_without_the_token_every_call_is_an_auth_error(locked_url, monkeypatch):
    monkeypatch.delenv("GYM_HTTP_TOKEN", raising=False)
    monkeypatch.delenv("GYM_HTTP_SERVER_TOKEN", raising=False)
    with HTTPClient(locked_url) as http:
        assert http.health()["status"] == "ok"  # open
        with pytest.raises(AuthError) as refused:
            http.create_env("CartPole-v1")
    assert refused.value.status == 401 and refused.value.code == "unauthorized"
    with HTTPClient(locked_url, token="wrong") as http, pytest.raises(AuthError):
        http.list_envs()


def test_the_token_comes_from_the_environment(locked_url, monkeypatch):
    monkeypatch.setenv("GYM_HTTP_TOKEN", TOKEN)
    with HTTPClient(locked_url) as http:
        assert isinstance(http.list_envs(), dict)


def test_the_servers_older_token_variable_is_read_too(locked_url, monkeypatch):
    monkeypatch.delenv("GYM_HTTP_TOKEN", raising=False)
    monkeypatch.setenv("GYM_HTTP_SERVER_TOKEN", TOKEN)
    with HTTPClient(locked_url) as http:
        assert isinstance(http.list_envs(), dict)


def test_remote_env_and_the_legacy_client_take_a_token(locked_url):
    env = RemoteEnv("CartPole-v1", base_url=locked_url, token=TOKEN)
    try:
        env.reset(seed=1)
        env.step(env.action_space.sample())
    finally:
        env.close()
    legacy = Client(locked_url, token=TOKEN)
    try:
        instance_id = legacy.env_create("CartPole-v1")
        legacy.env_reset(instance_id)
        legacy.env_close(instance_id)
    finally:
        legacy.close()
