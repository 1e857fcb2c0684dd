"""Both engines at the edge: thousands of held sessions, and the clients
that try to lock everyone else out (idle sockets, slowloris headers, a flood
beyond the connection limit). Real servers, real sockets, real envs."""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from keepalive import hold_sessions, raise_open_files

from conftest import ServerProcess, error_of

try:
    import granian
except ImportError:
    granian = None

needs_granian = pytest.mark.skipif(
    granian is None,
    reason="SKIPPED: granian is not installed (pip install "
    "'gym-http-server[granian]'; `make test` installs it)",
)
MSGPACK = "application/msgpack"
ENGINES = ["waitress", pytest.param("granian", marks=needs_granian)]
PYPROJECT = Path(__file__).parents[1] / "pyproject.toml"


@pytest.fixture
def server(tmp_path):
    made: list[ServerProcess] = []

    def start(*args: str) -> ServerProcess:
        made.append(ServerProcess(tmp_path / str(len(made)), *args))
        return made[-1]

    yield start
    for each in made:
        each.kill()


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def healthz_seconds(url: str) -> float:
    """A new client's /healthz, on a connection of its own."""
    started = time.monotonic()
    response = httpx.get(f"{url}/healthz", timeout=10)
    assert response.status_code == 200, response.text
    return time.monotonic() - started


class HeldSession:
    """One env on one keep-alive connection, stepped while the attack runs."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)
        self.iid = self.http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
        self.http.post(f"/v1/envs/{self.iid}/reset/", json={"seed": 0})

    def step(self) -> None:
        response = self.http.post(f"/v1/envs/{self.iid}/step/", json={"action": 0})
        assert response.status_code == 200, response.text
        if response.json()["done"]:
            self.http.post(f"/v1/envs/{self.iid}/reset/")

    def close(self) -> None:
        self.http.close()


def open_sockets(url: str, count: int) -> list[socket.socket]:
    host, port = address(url)
    sockets = []
    for _ in range(count):
        sock = socket.create_connection((host, port), timeout=10)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


def closed_by_server(sock: socket.socket) -> bool:
    """The server closed it (or answered it to close it): it waits on it no longer."""
    try:
        sock.recv(1 << 16)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def trickle(sockets: list[socket.socket], stop: threading.Event, every: float = 0.25) -> None:
    """Slowloris: a request line, then one header byte at a time, never finished."""
    for sock in sockets:
        try:
            sock.send(b"POST /v1/envs/ HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            pass
    while not stop.wait(every):
        for sock in sockets:
            try:
                sock.send(b"X")
            except OSError:
                pass


@pytest.mark.parametrize("engine", ENGINES)
def test_a_thousand_held_sessions_each_on_its_own_connection_all_step(server, engine):
    count = 1000
    raise_open_files(count + 64)
    running = server("--engine", engine, "--max-envs", str(count + 50))
    host, port = address(running.url)
    outcome = asyncio.run(hold_sessions(host, port, count, timeout=240))
    assert outcome == {"held": count, "done": count, "errors": []}
    assert httpx.get(f"{running.url}/healthz").json()["envs"] == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_idle_sockets_and_slowloris_headers_lock_nobody_out(server, engine):
    running = server("--engine", engine, "--read-timeout", "2")
    held = HeldSession(running.url)
    idle = open_sockets(running.url, 300)  # three times waitress's old limit
    slow = open_sockets(running.url, 200)
    stop = threading.Event()
    dripping = threading.Thread(target=trickle, args=(slow, stop), daemon=True)
    dripping.start()
    try:
        waits = []
        for _ in range(6):
            waits.append(healthz_seconds(running.url))
            held.step()
            time.sleep(0.3)
        assert max(waits) < 1.0, waits
        # Past the read deadline (plus a sweep), the server has let them all go.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if all(closed_by_server(s) for s in idle + slow):
                break
            time.sleep(0.5)
        still_open = sum(not closed_by_server(s) for s in idle + slow)
        assert still_open == 0, f"{still_open} of 500 sockets still held after the deadline"
        held.step()
        assert healthz_seconds(running.url) < 1.0
    finally:
        stop.set()
        dripping.join(5)
        for sock in idle + slow:
            sock.close()
        held.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_flood_beyond_the_connection_limit_waits_boundedly_and_held_sessions_step(server, engine):
    limit = 40
    running = server("--engine", engine, "--connection-limit", str(limit), "--read-timeout", "2")
    held = HeldSession(running.url)
    flood = open_sockets(running.url, limit + 20)
    try:
        held.step()  # its connection was there first: it keeps stepping
        started = time.monotonic()
        if engine == "waitress":
            # Full: a new client hears so at once, in JSON, with Retry-After.
            response = httpx.get(f"{running.url}/healthz", timeout=10)
            assert time.monotonic() - started < 1.0
            body = error_of(response, 503, "server_full")
            assert response.headers["Retry-After"] == "1" and body["message"]
        # Either way the flood's sockets never finish a request, so the read
        # deadline frees them and a new client is served soon after.
        deadline = time.monotonic() + 20
        while True:
            response = httpx.get(f"{running.url}/healthz", timeout=20)
            if response.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert response.status_code == 200, response.text
        assert time.monotonic() - started < 2 + 10
        held.step()
    finally:
        for sock in flood:
            sock.close()
        held.close()


def test_waitress_internals_its_engine_uses_are_in_place():
    """engines/waitress.py subclasses these and reads these attributes; if a
    waitress release moves them, this fails before users do."""
    import waitress
    from waitress import wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer
    from waitress.task import ErrorTask, WSGITask

    version = tuple(int(p) for p in importlib.metadata.version("waitress").split(".")[:2])
    assert (3, 0) <= version < (4, 0) and '"waitress>=3.0,<4"' in PYPROJECT.read_text()
    for name in ("write", "build_response_header"):
        assert callable(getattr(WSGITask, name))
    assert "def execute" in inspect.getsource(ErrorTask)
    assert {"task_class", "error_task_class"} <= set(dir(HTTPChannel))
    received = inspect.getsource(HTTPChannel.received)
    assert "self.request" in received and "self.requests.append" in received
    readable = inspect.getsource(BaseWSGIServer.readable)
    assert "self.maintenance(now)" in readable and "connection_limit" in readable
    assert "channel.will_close = True" in inspect.getsource(BaseWSGIServer.maintenance)
    accept = inspect.getsource(BaseWSGIServer.handle_accept)  # what EdgeServer's repeats
    assert "self.set_socket_options(conn)" in accept and "self.fix_addr(addr)" in accept
    assert "self.channel_class(self, conn, addr, self.adj, map=self._map)" in accept
    assert callable(wasyncore.close_all) and callable(wasyncore.dispatcher.close)
    # What the epoll loop (engines/waitress_epoll.py) relies on: the server runs
    # self.asyncore.loop; events go through readwrite; a worker's changes to a
    # channel end in a trigger pull, on the channel's own server.
    assert "self.asyncore.loop(" in inspect.getsource(BaseWSGIServer.run)
    assert callable(wasyncore.readwrite)
    service = inspect.getsource(HTTPChannel.service)
    assert service.rstrip().endswith("self.last_activity = time.time()")
    assert "self.server.pull_trigger()" in service
    assert "self.server.pull_trigger()" in inspect.getsource(HTTPChannel.write_soon)
    made = waitress.create_server(
        lambda env, start: [], host="127.0.0.1", port=0, asyncore_use_poll=True, connection_limit=5
    )
    try:
        assert isinstance(made, BaseWSGIServer) and made.channel_class is HTTPChannel
        assert isinstance(made._map, dict) and isinstance(made.active_channels, dict)
        assert made.asyncore is wasyncore and made._fileno in made._map
        assert callable(made.trigger.pull_trigger)
        dispatcher = made.task_dispatcher
        assert isinstance(dispatcher.active_count, int) and len(dispatcher.queue) == 0
    finally:
        made.task_dispatcher.shutdown()
        made.close()
        made.trigger.close()


@needs_granian
def test_granian_internals_its_engine_uses_are_in_place():
    """engines/granian.py embeds granian's in-process server under the GIL:
    if a granian release moves what that relies on, this fails first."""
    from granian.http import HTTP1Settings
    from granian.server.common import AbstractServer
    from granian.server.mt import MTServer

    version = tuple(int(p) for p in importlib.metadata.version("granian").split(".")[:2])
    assert version == (2, 8) and '"granian>=2.8,<2.9"' in PYPROJECT.read_text()
    assert "self._check_gil()" in inspect.getsource(MTServer._serve)
    assert "target_loader" in inspect.signature(AbstractServer.serve).parameters
    assert callable(MTServer.signal_handler_interrupt)
    accepted = inspect.signature(AbstractServer.__init__).parameters
    assert {
        "blocking_threads",
        "backpressure",
        "backlog",
        "http1_settings",
        "log_dictconfig",
        "workers",
    } <= set(accepted)
    assert "header_read_timeout" in HTTP1Settings.__dataclass_fields__


@pytest.mark.parametrize("engine", ENGINES)
def test_a_large_answer_read_slowly_arrives_whole_and_in_order(server, engine):
    """A 720 KB msgpack frame to a client that reads a little at a time: the
    server sends what the socket takes and the rest when it drains (on
    waitress, from the body itself), and the next answer on the connection
    comes after it, whole."""
    running = server("--engine", engine)
    http = httpx.Client(base_url=running.url, timeout=30)
    made = http.post("/v1/envs/", json={"env_id": "CartPole-v1", "render_mode": "rgb_array"})
    instance_id = made.json()["instance_id"]
    http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 3})
    expected = http.get(f"/v1/envs/{instance_id}/render/", headers={"Accept": MSGPACK}).content
    assert len(expected) > 512 * 1024
    host, port = address(running.url)
    with socket.create_connection((host, port)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        request = (
            f"GET /v1/envs/{instance_id}/render/ HTTP/1.1\r\nHost: x\r\nAccept: {MSGPACK}\r\n\r\n"
        ).encode()
        sock.sendall(request + request.replace(b"render/", b""))  # then a describe
        received = b""
        while b"\r\n\r\n" not in received:
            received += sock.recv(4096)
        head, _, body = received.partition(b"\r\n\r\n")
        length = int(
            next(
                line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
            ).split(b":")[1]
        )
        while len(body) < length:
            time.sleep(0.001)
            body += sock.recv(16384)
        assert body[:length] == expected
        rest = body[length:]
        while b"\r\n\r\n" not in rest:
            rest += sock.recv(65536)
        assert rest.startswith(b"HTTP/1.1 200")


def test_a_body_view_gives_waitress_what_its_buffers_do():
    """get without skip peeks, skip advances, len is what is left: what
    waitress's _flush_some does with a buffer when a send is partial."""
    from gym_http_server.engines.waitress import BodyView

    body = BodyView(b"abcdef")
    assert len(body) == 6 and bytes(body.get(4)) == b"abcd" and len(body) == 6
    body.skip(4)
    assert len(body) == 2 and bytes(body.get()) == b"ef"
    assert bytes(body.get(10, skip=True)) == b"ef" and len(body) == 0
    with pytest.raises(ValueError):
        body.skip(1)
