"""granian: the Rust HTTP server (the ``granian`` extra), for many sessions.

One worker, embedded in this process: sockets and HTTP parsing on granian's
Rust runtime, the app on ``threads`` Python threads, and the service (the
instance table) here, where the reaper and the stop can reach it. More
workers would be more processes, each with its own table: an instance made
through one would be unknown to the others.

granian's multi-threaded server is the one that runs a worker in-process;
granian keeps it for free-threaded Python and refuses it under the GIL
(``_check_gil``), which costs nothing here: one worker, its Python threads
taking turns on the GIL as waitress's do. That and ``AbstractServer.serve``
(which skips MTServer's free-threading notice) are the internals this
module uses, pinned by ``granian<2.9`` in pyproject and checked by
test_engines.py.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server.common import AbstractServer
from granian.server.mt import MTServer

from ..config import EngineConfig
from ..service import Service
from . import announce, check_port, raise_open_files_limit

log = logging.getLogger("gym_http_server")

# Connections held at once when --connection-limit is not given: as many as
# the open-files limit allows, up to this.
MOST_CONNECTIONS = 65536
BACKLOG = 4096


class EmbeddedServer(MTServer):
    """granian's in-process server with its one worker under the GIL."""

    def _check_gil(self) -> None:
        pass


def serve(service: Service, listen: str, port: int, engine: EngineConfig) -> None:
    host = address_of(listen)
    port = check_port(host, port)
    fits = raise_open_files_limit(engine.connection_limit or MOST_CONNECTIONS)
    limit = engine.connection_limit or min(fits, MOST_CONNECTIONS)
    if limit > fits:
        raise OSError(
            f"--connection-limit {limit} needs {limit} open files and this process "
            f"may open about {fits}: raise the hard limit (ulimit -Hn, LimitNOFILE=) "
            "or lower --connection-limit"
        )
    server = EmbeddedServer(
        target="gym_http_server",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=1,
        blocking_threads=engine.threads,
        backlog=BACKLOG,
        backpressure=limit,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=int(engine.read_seconds * 1000)),
        log_level=granian_level(),
        log_dictconfig=LOGGING,
    )
    app = service.app()
    service.on_shutdown_request(server.signal_handler_interrupt)
    ready = threading.Thread(
        target=announce_when_listening,
        args=(listen, host, port),
        name="gym-http-announce",
        daemon=True,
    )
    ready.start()
    AbstractServer.serve(server, target_loader=lambda target: app)


def address_of(listen: str) -> str:
    """granian binds IP addresses only; a name (localhost) is resolved first."""
    bare = listen.strip("[]")
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in bare else socket.AF_INET, bare)
        return bare
    except OSError:
        return socket.getaddrinfo(bare, None, type=socket.SOCK_STREAM)[0][4][0]


def announce_when_listening(listen: str, host: str, port: int, wait: float = 60.0) -> None:
    """The worker binds in its own thread; announce once it accepts."""
    probe_host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            socket.create_connection((probe_host, port), timeout=1).close()
        except OSError:
            time.sleep(0.02)
            continue
        announce(listen, port)
        return
    log.error("granian did not start listening on %s:%d within %g s", host, port, wait)


def granian_level() -> LogLevels:
    """granian's own notices (starting, spawning) only when debugging."""
    ours = logging.getLogger("gym_http_server").getEffectiveLevel()
    return LogLevels.debug if ours <= logging.DEBUG else LogLevels.warning


# granian's log lines go through the process's logging (stderr, one format).
LOGGING = {
    "loggers": {
        "_granian": {"handlers": [], "propagate": True},
        "granian.access": {"handlers": [], "propagate": True},
    },
}
