"""waitress: the default engine, pure Python.

Tuned so that it never hangs a client: an epoll loop whose turns cost what
the busy sockets cost (waitress_epoll.py; where there is no epoll, waitress's
own poll() loop, since select() dies past 1,024 sockets), a connection limit
that is a flag, the open-files limit raised to fit it, a full server
answering 503 at once instead of leaving new clients in the kernel's
backlog, and a read deadline that frees the sockets of clients that connect
and never finish a request (slowloris).

Everything here that reaches into waitress beyond ``create_server`` (task,
channel and server internals, ``_map``) is pinned by ``waitress<4`` in
pyproject and checked by test_engines.py.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

import orjson
import waitress
from waitress import wasyncore
from waitress.buffers import ReadOnlyFileBasedBuffer
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask, WSGITask

from ..config import EngineConfig
from ..errors import HTTP_CODES, ServerFull
from ..security import FRAMING
from ..security import HEADERS as SECURITY_HEADERS
from ..service import Service
from . import announce, bind_error, raise_open_files_limit, waitress_epoll

log = logging.getLogger("gym_http_server")

# Enough for 4,096 rollout workers each holding a keep-alive connection, twice.
DEFAULT_CONNECTION_LIMIT = 8192
# A keep-alive connection between requests (a client thinking between steps)
# is closed after this long idle; the client simply reconnects.
IDLE_TIMEOUT_SECONDS = 300
# Bodies up to this many times the limit are read whole and refused by the app,
# so that clients that send before they read (most do) get the 413 rather than
# a reset; larger ones waitress refuses from the headers alone, while the client
# is still sending, in JSON too (JsonErrorTask).
BODY_FACTOR = 8
# How long a stop waits for requests already being served.
STOP_GRACE_SECONDS = 10.0
BACKLOG = 4096
# Connections accepted in one turn of the loop, at most.
ACCEPT_BATCH = 256
# Bodies from this size on are sent from where they are (BodyView).
LARGE_BODY_BYTES = 256 * 1024

FULL_BODY = orjson.dumps(
    {
        "message": "the server holds as many connections as it may "
        "(--connection-limit); retry shortly",
        "code": ServerFull.code,
    }
)
# What the app's security middleware adds, on waitress's own answers too.
ENGINE_HEADERS = [*SECURITY_HEADERS.items(), ("Content-Security-Policy", FRAMING)]
FULL_RESPONSE = (
    f"HTTP/1.1 {ServerFull.status}\r\nContent-Type: application/json\r\n"
    + "".join(f"{name}: {value}\r\n" for name, value in ENGINE_HEADERS)
    + "Retry-After: 1\r\nConnection: close\r\n"
    f"Content-Length: {len(FULL_BODY)}\r\n\r\n"
).encode() + FULL_BODY


class OneSendTask(WSGITask):
    """A response whose body is one known-length chunk (every response of
    this app) leaves in one send() with its headers, not two: one system
    call less for the server and one segment less for the client to wait on.
    A large one (frames, batches) is sent from the body itself instead, with
    its headers just before: no copy into waitress's buffers."""

    def write(self, data):
        if (
            self.wrote_header
            or not data
            or not self.has_body
            or self.chunked_response
            or self.content_length != len(data)
            or not self.complete
        ):
            return super().write(data)
        head = self.build_response_header()
        self.wrote_header = True
        self.content_bytes_written += len(data)
        if len(data) < LARGE_BODY_BYTES:
            self.channel.write_soon(head + data)
        else:
            self.channel.write_soon(head)
            self.channel.write_soon(BodyView(data))


class BodyView(ReadOnlyFileBasedBuffer):
    """A body that waitress sends from where it is. Copied into waitress's
    own buffers it was copied twice more (and written to a temporary file past
    1 MiB); the file-wrapper buffer kind is the one waitress takes as it is."""

    def __init__(self, data: bytes) -> None:
        self.view = memoryview(data)
        self.remain = len(data)

    def prepare(self, size=None) -> int:
        return self.remain

    def get(self, numbytes=-1, skip=False):
        if numbytes == -1 or numbytes > self.remain:
            numbytes = self.remain
        start = len(self.view) - self.remain
        if skip:
            self.remain -= numbytes
        return self.view[start : start + numbytes]

    def skip(self, numbytes, allow_prune=0) -> None:
        if numbytes > self.remain:
            raise ValueError("skipping past the end of the body")
        self.remain -= numbytes

    def close(self) -> None:
        self.remain = 0


class JsonErrorTask(ErrorTask):
    """waitress's own refusals (a body over its limit, unparseable request
    lines or headers) in the API's JSON shape instead of plain text. waitress
    answers these from the headers alone, so an oversize body is refused while
    the client is still sending it."""

    def execute(self):
        error = self.request.error
        code = HTTP_CODES.get(error.code, "internal_error" if error.code >= 500 else "bad_request")
        body = orjson.dumps({"message": f"{error.reason}: {error.body}", "code": code})
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.response_headers.extend(ENGINE_HEADERS)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class EdgeChannel(HTTPChannel):
    """Knows since when it has been waiting for a request to be complete:
    from its connection, and from the first byte of each later request."""

    task_class = OneSendTask
    error_task_class = JsonErrorTask

    def __init__(self, *args, **kwargs) -> None:
        self.reading_since: float | None = time.time()
        super().__init__(*args, **kwargs)

    def service(self):
        """On a worker thread: its trigger pulls name this channel to the loop."""
        waitress_epoll.serving(self)
        try:
            super().service()
        finally:
            waitress_epoll.serving(None)

    def received(self, data):
        if data and self.request is None and self.reading_since is None:
            self.reading_since = time.time()
        done = super().received(data)
        if self.request is None:  # every byte so far made whole requests
            self.reading_since = None
        return done


class EdgeServer:
    """Mixed into the server(s) waitress makes: accept even when full (and
    answer 503 at once), and close connections past their read deadline."""

    read_timeout: float
    event_loop: waitress_epoll.EpollLoop | None = None

    def pull_trigger(self):
        """A worker thread changed the channel it serves: the loop asks it again."""
        channel = waitress_epoll.served_channel()
        if self.event_loop is not None and channel is not None:
            self.event_loop.touch(channel)
        super().pull_trigger()

    def readable(self):
        super().readable()  # runs maintenance on waitress's schedule
        return self.accepting

    def handle_accept(self):
        """Every connection waiting, not one per turn of the loop (each turn
        polls every socket: thousands arriving at once would take minutes)."""
        for _ in range(ACCEPT_BATCH):
            try:
                pair = self.accept()
            except OSError:
                return
            if pair is None:  # none left waiting
                return
            conn, addr = pair
            if len(self._map) >= self.adj.connection_limit:
                refuse(conn)
                continue
            try:
                self.set_socket_options(conn)
            except OSError:
                conn.close()
                continue
            channel = self.channel_class(self, conn, self.fix_addr(addr), self.adj, map=self._map)
            if self.event_loop is not None:
                self.event_loop.touch(channel)

    def maintenance(self, now):
        super().maintenance(now)
        cutoff = now - self.read_timeout
        for channel in list(self.active_channels.values()):
            since = getattr(channel, "reading_since", None)
            if since is not None and since < cutoff and not channel.requests:
                channel.will_close = True
        if self.event_loop is not None:
            self.event_loop.rescan()  # maintenance marks channels to close


def refuse(conn) -> None:
    """Full: say so at once (503 server_full, Retry-After) and close."""
    try:
        conn.setblocking(False)
        conn.send(FULL_RESPONSE)
    except OSError:
        pass
    finally:
        conn.close()


def edge(server, read_timeout: float) -> None:
    """On the server waitress made, and on each of several when it listens on
    more than one; all run one epoll loop where there is epoll."""
    socket_map = server.map if hasattr(server, "map") else server._map
    event_loop = waitress_epoll.EpollLoop(socket_map) if waitress_epoll.available() else None
    if event_loop is not None:
        server.asyncore = event_loop.asyncore()
    for candidate in [server, *getattr(server, "map", {}).values()]:
        if isinstance(candidate, BaseWSGIServer):
            candidate.channel_class = EdgeChannel
            candidate.__class__ = type(
                f"Edge{type(candidate).__name__}", (EdgeServer, type(candidate)), {}
            )
            candidate.read_timeout = read_timeout
            candidate.event_loop = event_loop


def serve(service: Service, listen: str, port: int, engine: EngineConfig) -> None:
    limit = engine.connection_limit or DEFAULT_CONNECTION_LIMIT
    fits = raise_open_files_limit(limit)
    if fits < limit:
        if engine.connection_limit:
            raise OSError(
                f"--connection-limit {limit} needs {limit} open files and this "
                f"process may open about {fits}: raise the hard limit "
                "(ulimit -Hn, LimitNOFILE=) or lower --connection-limit"
            )
        log.warning(
            "the open-files limit holds %d connections, not %d: more clients wait "
            "with a 503 (raise the hard limit to hold more)",
            fits,
            limit,
        )
        limit = max(fits, 1)
    try:
        server = waitress.create_server(
            service.app(),
            host=listen,
            port=port,
            threads=engine.threads,
            ident="gym-http-server",
            max_request_body_size=service.config.max_body_bytes * BODY_FACTOR,
            clear_untrusted_proxy_headers=True,
            asyncore_use_poll=True,
            connection_limit=limit,
            channel_timeout=IDLE_TIMEOUT_SECONDS,
            cleanup_interval=max(1, min(30, int(engine.read_seconds / 2))),
            backlog=BACKLOG,
        )
    except OSError as error:
        raise bind_error(listen, port, error) from None
    edge(server, engine.read_seconds)
    stop = GracefulStop(server)
    service.on_shutdown_request(stop.request)
    stop_on_signals(stop)
    announce(listen, server.effective_port)
    try:
        server.run()
    finally:
        server.task_dispatcher.shutdown()


class GracefulStop:
    """Stop as an operator expects, whatever asked (SIGTERM, SIGINT, POST
    /v1/shutdown/): stop accepting connections, let the requests being served
    finish (at most ``grace`` seconds), then end waitress's loop, after which
    start_server closes the service and so flushes every recording."""

    def __init__(self, server, grace: float = STOP_GRACE_SECONDS) -> None:
        self.server = server
        self.grace = grace
        self.requested = threading.Event()

    def request(self) -> None:
        """From any thread; a second request changes nothing."""
        if not self.requested.is_set():
            self.requested.set()
            threading.Thread(target=self._stop, name="gym-http-stop", daemon=True).start()

    def _stop(self) -> None:
        self._in_loop(lambda: wasyncore.dispatcher.close(self.server))
        deadline = time.monotonic() + self.grace
        while self._busy() and time.monotonic() < deadline:
            time.sleep(0.02)
        self._in_loop(lambda: wasyncore.close_all(self.server._map))

    def _busy(self) -> bool:
        dispatcher = self.server.task_dispatcher
        if dispatcher.active_count or dispatcher.queue:
            return True
        channels = [c for c in list(self.server._map.values()) if isinstance(c, HTTPChannel)]
        return any(c.requests or c.total_outbufs_len for c in channels)

    def _in_loop(self, thunk) -> None:
        """Run ``thunk`` in waitress's loop thread, which owns the sockets."""
        try:
            self.server.trigger.pull_trigger(thunk)
        except OSError:
            pass  # the loop has ended already


def stop_on_signals(stop: GracefulStop) -> None:
    """SIGTERM and SIGINT stop gracefully; a second one stops at once (the
    ``finally`` of start_server still closes the service)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum, frame) -> None:
        if stop.requested.is_set():
            raise KeyboardInterrupt
        log.info("%s: stopping", signal.Signals(signum).name)
        stop.request()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
