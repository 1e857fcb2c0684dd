"""A token-protected server: every API call needs the bearer token, the open
routes (auth.OPEN_ROUTES) do not, and the token never reaches the log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from conftest import error_of, server_env
from gym_http_server import auth
from gym_http_server.cli import parser, token_from
from gym_http_server.testing import ANNOUNCEMENT, running_server

TOKEN = "s3cret-token-for-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def locked_url(tmp_path_factory):
    token_file = tmp_path_factory.mktemp("token") / "token"
    token_file.write_text(TOKEN + "\n")
    with running_server(
        "--token-file", str(token_file), "--log-level", "debug", env=server_env()
    ) as url:
        yield url


def unauthorized(response: httpx.Response) -> None:
    error_of(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/v1/envs/"),
        ("POST", "/v1/envs/"),
        ("GET", "/v1/registry/"),
        ("GET", "/v1/envs/0123abcd/render/"),
        ("POST", "/v1/envs/0123abcd/step/"),
        ("DELETE", "/v1/envs/0123abcd"),
        ("GET", "/v1/results/"),
        ("POST", "/v1/shutdown/"),
    ],
)
def test_every_api_call_without_the_token_is_401(locked_url, method, path):
    unauthorized(httpx.request(method, locked_url + path, json={"env_id": "CartPole-v1"}))


def test_a_path_that_is_no_route_is_404_with_or_without_the_token(locked_url):
    error_of(httpx.get(locked_url + "/no/such/route"), 404, "not_found")
    error_of(httpx.get(locked_url + "/no/such/route", headers=BEARER), 404, "not_found")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wrong",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"bearer{TOKEN}",
        TOKEN,
        f"Basic {TOKEN}",
        "Bearer",
        "",
        f"Bearer  {TOKEN}",
        "Bearer \u00e9\u00e9",
    ],
)
def test_a_wrong_token_is_401(locked_url, header):
    unauthorized(
        httpx.get(locked_url + "/v1/envs/", headers={"Authorization": header.encode("utf-8")})
    )


def test_the_right_token_opens_the_api(locked_url):
    with httpx.Client(base_url=locked_url, headers=BEARER) as http:
        instance_id = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
        assert http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 1}).status_code == 200
        assert http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0}).status_code == 200
        assert http.post(f"/v1/envs/{instance_id}/close/").status_code == 204


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/healthz/",
        "/metrics",
        "/metrics/",
        "/openapi.yaml",
        "/",
        "/dashboard",
        "/docs",
        "/static/api.js",
    ],
)
def test_health_metrics_the_spec_and_the_pages_stay_open(locked_url, path):
    assert httpx.get(locked_url + path).status_code == 200


def test_open_routes_are_one_list_and_match_whole_paths():
    assert set(auth.OPEN_ROUTES) == {
        "/healthz",
        "/metrics",
        "/openapi.yaml",
        "/",
        "/dashboard",
        "/docs",
        "/static/*",
    }
    assert auth.is_open("/healthz") and auth.is_open("/metrics/") and auth.is_open("/")
    assert auth.is_open("/static/plot.js")
    assert not auth.is_open("/healthzz") and not auth.is_open("/metrics/x")
    assert not auth.is_open("/v1/envs/healthz") and not auth.is_open("/v1/envs")
    assert not auth.is_open("/staticx") and not auth.is_open("/dashboard/x")


def test_token_sources_in_order(tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text("  from-file \n")
    monkeypatch.setenv("GYM_HTTP_TOKEN", "from-env")
    monkeypatch.setenv("GYM_HTTP_SERVER_TOKEN", "from-older-env")
    assert token_from(parser().parse_args(["--token", "from-flag"])) == "from-flag"
    assert token_from(parser().parse_args(["--token-file", str(token_file)])) == "from-file"
    assert token_from(parser().parse_args([])) == "from-env"
    monkeypatch.delenv("GYM_HTTP_TOKEN")
    assert token_from(parser().parse_args([])) == "from-older-env"
    monkeypatch.delenv("GYM_HTTP_SERVER_TOKEN")
    assert token_from(parser().parse_args([])) is None


def test_an_empty_token_file_is_refused_not_ignored(tmp_path):
    empty = tmp_path / "token"
    empty.write_text("\n")
    out = subprocess.run(
        [sys.executable, "-m", "gym_http_server", "--token-file", str(empty)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "empty" in out.stderr


def test_env_var_token_locks_the_server_and_the_log_never_shows_it(tmp_path):
    log_file = tmp_path / "server.log"
    with open(log_file, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gym_http_server",
                "-p",
                "0",
                "--log-level",
                "debug",
                "--data-dir",
                str(tmp_path / "data"),
            ],
            stderr=log,
            env={**os.environ, **server_env(), auth.TOKEN_ENV_VAR: TOKEN},
        )
        try:
            url = wait_for_url(log_file)
            unauthorized(httpx.get(url + "/v1/envs/"))
            assert httpx.get(url + "/v1/envs/", headers=BEARER).status_code == 200
            unauthorized(
                httpx.get(url + "/v1/envs/", headers={"Authorization": "Bearer leaked-guess"})
            )
        finally:
            process.terminate()
            assert process.wait(30) == 0
    text = log_file.read_text()
    # The access log names the route and status of each call, refused ones too.
    assert "GET /v1/envs 200" in text and "GET /v1/envs 401" in text
    assert TOKEN not in text and "leaked-guess" not in text


def wait_for_url(log_file) -> str:
    for _ in range(300):
        match = ANNOUNCEMENT.search(log_file.read_text())
        if match:
            return match.group(1)
        time.sleep(0.1)
    raise AssertionError("server did not start:\n" + log_file.read_text())


def test_binding_beyond_loopback_without_a_token_warns(tmp_path):
    from gym_http_server.server import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2")
    log_file = tmp_path / "server.log"
    with open(log_file, "w") as log:
        # 0.0.0.0 binds every interface; the test only talks to it on loopback.
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gym_http_server",
                "-l",
                "0.0.0.0",
                "-p",
                "0",
                "--data-dir",
                str(tmp_path / "data"),
            ],
            stderr=log,
            env={**os.environ, **server_env()},
        )
        try:
            wait_for_url(log_file)
        finally:
            process.terminate()
            process.wait(30)
    assert "without a token" in log_file.read_text()


@pytest.mark.parametrize(
    "args",
    [
        ["--token", "a", "--token-file", "f"],
        ["--env-ttl", "0"],
        ["--env-ttl", "-3"],
        ["--env-ttl", "inf"],
    ],
)
def test_contradictory_or_senseless_options_are_refused(args):
    out = subprocess.run(
        [sys.executable, "-m", "gym_http_server", *args], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2 and "error" in out.stderr


def test_the_spec_marks_open_exactly_the_open_routes(spec):
    """An operation with empty `security` is one the server lets in without the
    token, and every other one requires it (the spec's bearerAuth)."""
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        **spec["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    for template, item in spec["paths"].items():
        path = re.sub(r"\{[^}]+\}", "x", template)
        for method, operation in item.items():
            if method == "parameters":
                continue
            expected = [] if auth.is_open(path) else [{"bearerAuth": []}]
            assert operation.get("security") == expected, (method, template)
            if expected:
                assert "401" in operation["responses"], (method, template)
