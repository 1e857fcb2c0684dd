"""The sync transport: keep-alive connections, timeouts, safe headers, a plugged-in httpx transport.

Peers here are plain sockets on loopback ports, so the client's real
connections are exercised; a peer can do what the gym server will not do on
demand (close an idle connection, drop a request unanswered, never answer).
"""

from __future__ import annotations

import select
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

import gym_http_client
from gym_http_client import GymConnectionError, GymTimeoutError, HTTPClient, RetryPolicy, transport
from gym_http_server import create_app

BODY = b'{"ok": true}'
CHUNKED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    b'5\r\n{"ok"\r\n7\r\n: true}\r\n0\r\n\r\n'
)
UNTIL_CLOSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + BODY
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
    len(BODY),
    BODY,
)


class ClosingPeer:
    """Answers one request per connection with a keep-alive 200, then closes that connection.

    With ``answer=b""`` it reads the request and closes without answering.
    """

    def __init__(self, answer: bytes = OK):
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(
                    next(
                        (
                            line.split(b":")[1]
                            for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-length")
                        ),
                        b"0",
                    )
                )
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests.append(head)
                conn.sendall(self.answer)

    def close(self):
        self.listener.close()


@pytest.mark.parametrize("poll", [True, False], ids=["poll", "no-poll"])
@pytest.mark.parametrize(
    "answer", [OK, CHUNKED, UNTIL_CLOSE], ids=["content-length", "chunked", "until-close"]
)
def test_a_connection_the_server_closed_while_idle_is_replaced_and_a_step_is_sent_once(
    answer, poll, monkeypatch
):
    """Also where ``select.poll`` does not exist (Windows): the probe falls back on ``select``."""
    if not poll:
        monkeypatch.delattr(select, "poll")
    peer = ClosingPeer(answer)
    try:
        with HTTPClient(peer.url, retry=RetryPolicy(max_retries=0)) as http:
            assert http.call("POST", "/v1/envs/abcd1234/step/", {"action": 0}) == {"ok": True}
            time.sleep(0.1)  # idle long enough for the peer's close to arrive
            assert http.call("POST", "/v1/envs/abcd1234/step/", {"action": 1}) == {"ok": True}
        assert len(peer.requests) == 2
    finally:
        peer.close()


def test_a_request_that_could_not_be_written_to_a_reused_connection_goes_out_on_a_new_one(
    monkeypatch,
):
    """The server closed the connection without reading the request, so sending it again is safe.

    The check that drops closed idle connections is switched off, to reach the
    moment a server closes a connection just as a request is written to it.
    """
    monkeypatch.setattr(transport, "_closed_by_server", lambda conn: False)
    peer = ClosingPeer()
    try:
        with HTTPClient(peer.url, retry=RetryPolicy(max_retries=0)) as http:
            assert http.call("POST", "/v1/envs/abcd1234/step/", {"action": 0}) == {"ok": True}
            time.sleep(0.1)  # idle long enough for the peer's close to arrive
            assert http.call("POST", "/v1/envs/abcd1234/step/", {"action": 1}) == {"ok": True}
        assert len(peer.requests) == 2
    finally:
        peer.close()


def test_a_step_the_server_dropped_without_answering_is_not_sent_again():
    """The server may have taken the step before it went away: only the caller may repeat it."""
    peer = ClosingPeer(b"")
    try:
        with HTTPClient(peer.url) as http:
            with pytest.raises(GymConnectionError):
                http.step_env("abcd1234", 1)
        assert len(peer.requests) == 1
    finally:
        peer.close()


def test_requests_reuse_one_keep_alive_connection(base_url):
    with HTTPClient(base_url) as http:
        http.health()
        first = http._sender._idle[-1]
        for _ in range(5):
            http.health()
        assert http._sender._idle == [first]


def test_a_server_that_never_answers_times_out():
    with socket.create_server(("127.0.0.1", 0)) as silent:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with HTTPClient(url, timeout=0.3, retry=RetryPolicy(max_retries=0)) as http:
            started = time.monotonic()
            with pytest.raises(GymTimeoutError):
                http.health()
            assert time.monotonic() - started < 5


def test_header_values_cannot_smuggle_headers(base_url):
    with HTTPClient(base_url) as http:
        with pytest.raises(ValueError):
            http.request("GET", "/healthz", headers={"X-Trace": "1\r\nX-Admin: yes"})
        with pytest.raises(ValueError):
            http.request("GET", "/healthz?x=a b")


def test_an_httpx_transport_can_be_plugged_in():
    """Here the server's app runs in-process, through httpx's WSGI transport."""
    transport = httpx.WSGITransport(app=create_app())
    with HTTPClient("http://gym.test", transport=transport) as http:
        with gym_http_client.make("CartPole-v1", client=http) as env:
            observation, _ = env.reset(seed=3)
            assert observation.shape == (4,)
            assert env.step(0)[1] == 1.0
        assert http.list_envs() == {}


WITHOUT_POLL = """
import select
del select.poll
import gym_http_client
from gym_http_client import HTTPClient, RemoteEnv
with HTTPClient(URL) as http:
    for _ in range(3):
        http.call("GET", "/healthz")
env = RemoteEnv("CartPole-v1", base_url=URL)
env.reset(seed=1)
env.step(env.action_space.sample())
env.close()
print("ok")
"""


def test_the_package_imports_and_runs_where_select_has_no_poll(base_url):
    """As on Windows: nothing platform-only is looked up at import, and requests
    on reused keep-alive connections work."""
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_POLL.replace("URL", repr(base_url))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
