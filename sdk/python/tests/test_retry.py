"""Retries: the pure decision function, then the transport against a scripted HTTP peer.

The peer is a plain ``http.server`` on a loopback port that answers from a
script (503 then 200...), so the transport's real sockets, headers and sleeps
are exercised; the gym server itself cannot be made to fail on demand.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from gym_http_client import GymConnectionError, HTTPClient, InternalServerError, RetryPolicy
from gym_http_client.client import parse_retry_after, retry_delay

POLICY = RetryPolicy(max_retries=3, base_delay=0.5, max_delay=4.0, max_retry_after=30.0)


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "get"])
def test_idempotent_methods_are_retried_on_transient_failures(method):
    assert retry_delay(POLICY, method, 1, status=503, rand=lambda: 0.0) == 0.5
    assert retry_delay(POLICY, method, 1, rand=lambda: 0.0) == 0.5  # no response at all


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_posts_are_never_retried(method):
    """create, reset and step are POSTs: a repeat would change the episode."""
    assert retry_delay(POLICY, method, 1, status=503) is None
    assert retry_delay(POLICY, method, 1) is None
    assert retry_delay(POLICY, method, 1, status=429, retry_after="1") is None


@pytest.mark.parametrize("status", [200, 204, 400, 401, 403, 404, 413, 501])
def test_answers_that_will_not_change_are_not_retried(status):
    assert retry_delay(POLICY, "GET", 1, status=status) is None


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status):
    assert retry_delay(POLICY, "GET", 1, status=status) is not None


def test_backoff_doubles_up_to_the_cap():
    delays = [
        retry_delay(
            RetryPolicy(max_retries=10, base_delay=0.5, max_delay=4.0), "GET", n, rand=lambda: 0.0
        )
        for n in range(1, 7)
    ]
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_jitter_shortens_by_at_most_a_quarter():
    assert retry_delay(POLICY, "GET", 2, rand=lambda: 1.0) == pytest.approx(0.75)
    assert retry_delay(POLICY, "GET", 2, rand=lambda: 0.5) == pytest.approx(0.875)


def test_gives_up_after_max_retries():
    assert retry_delay(POLICY, "GET", 3) is not None
    assert retry_delay(POLICY, "GET", 4) is None
    assert retry_delay(RetryPolicy(max_retries=0), "GET", 1) is None


def test_retry_after_seconds_and_dates_are_honoured():
    assert retry_delay(POLICY, "GET", 1, status=503, retry_after="7") == 7.0
    now = 1_700_000_000.0
    date = formatdate(now + 12, usegmt=True)
    assert retry_delay(POLICY, "GET", 1, status=429, retry_after=date, now=now) == pytest.approx(
        12.0
    )
    assert parse_retry_after(formatdate(now - 5, usegmt=True), now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_unreasonable_retry_after_falls_back_to_backoff():
    assert retry_delay(POLICY, "GET", 1, status=503, retry_after="3600", rand=lambda: 0.0) == 0.5


class ScriptedPeer:
    """An HTTP server answering each request with the next (status, headers) of a script."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[tuple[str, str, dict]] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                peer.requests.append((self.command, self.path, dict(self.headers)))
                status, headers = peer.script.pop(0) if peer.script else (200, {})
                body = json.dumps(
                    {"ok": True} if status < 400 else {"message": "busy", "code": "internal_error"}
                ).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


FAST = RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.05)


def test_get_is_retried_until_it_succeeds():
    with ScriptedPeer([(503, {}), (502, {})]) as peer, HTTPClient(peer.url, retry=FAST) as http:
        assert http.call("GET", "/v1/envs/") == {"ok": True}
        assert len(peer.requests) == 3


def test_get_gives_up_with_the_last_typed_error():
    with ScriptedPeer([(503, {})] * 5) as peer, HTTPClient(peer.url, retry=FAST) as http:
        with pytest.raises(InternalServerError) as caught:
            http.call("GET", "/v1/envs/")
        assert caught.value.status == 503 and len(peer.requests) == 3


def test_step_is_sent_once_even_when_the_server_is_busy():
    with ScriptedPeer([(503, {}), (200, {})]) as peer, HTTPClient(peer.url, retry=FAST) as http:
        with pytest.raises(InternalServerError):
            http.step_env("abcd1234", 1)
        assert [r[0] for r in peer.requests] == ["POST"]


def test_retry_after_header_sets_the_wait():
    with (
        ScriptedPeer([(429, {"Retry-After": "0.3"})]) as peer,
        HTTPClient(peer.url, retry=FAST) as http,
    ):
        started = time.monotonic()
        http.call("GET", "/healthz")
        assert time.monotonic() - started >= 0.3 and len(peer.requests) == 2


def test_bearer_token_and_keep_alive():
    with ScriptedPeer([]) as peer, HTTPClient(peer.url, token="s3cret") as http:
        http.call("GET", "/a")
        http.call("GET", "/b")
        assert all(r[2].get("Authorization") == "Bearer s3cret" for r in peer.requests)
        assert peer.requests[0][2].get("Connection", "keep-alive").lower() == "keep-alive"


def test_token_from_the_environment(monkeypatch):
    monkeypatch.setenv("GYM_HTTP_TOKEN", "from-env")
    with ScriptedPeer([]) as peer, HTTPClient(peer.url) as http:
        http.call("GET", "/a")
        assert peer.requests[0][2]["Authorization"] == "Bearer from-env"


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_server_is_a_connection_error_after_retries():
    url = f"http://127.0.0.1:{unused_port()}"
    with HTTPClient(url, retry=FAST) as http:
        with pytest.raises(GymConnectionError) as caught:
            http.call("GET", "/healthz")
        assert caught.value.status is None
