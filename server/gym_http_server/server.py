"""Serving the app with waitress until stopped."""

from __future__ import annotations

import importlib
import ipaddress
import logging
import os
import signal
import sys
import threading
import time

import orjson
import waitress
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask, WSGITask

from .app import create_app
from .backends import backend_for
from .config import Parts, ServerConfig
from .errors import HTTP_CODES
from .reaper import Reaper

# SDL (pygame, which Gymnasium's classic-control envs draw with) installs its
# own SIGINT and SIGTERM handlers when it starts, and they do not stop this
# process; set before any environment can import pygame, this keeps ours.
os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
# A server has no display (the human render mode is refused): SDL's dummy video
# driver draws rgb_array frames without looking for one, and without printing
# "XDG_RUNTIME_DIR is invalid" on every first render.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

log = logging.getLogger("gym_http_server")

# Bodies up to this many times the limit are read whole and refused by the app,
# so that clients that send before they read (most do) get the 413 rather than
# a reset; larger ones waitress refuses from the headers alone, while the client
# is still sending, in JSON too (JsonErrorTask).
WAITRESS_BODY_FACTOR = 8

# How long a stop waits for requests already being served.
STOP_GRACE_SECONDS = 10.0


class OneSendTask(WSGITask):
    """A response whose body is one known-length chunk (every response of
    this app) leaves in one send() with its headers, not two: one system
    call less for the server and one segment less for the client to wait on."""

    def write(self, data):
        if (self.wrote_header or not data or not self.has_body or self.chunked_response
                or self.content_length != len(data) or not self.complete):
            return super().write(data)
        head = self.build_response_header()
        self.wrote_header = True
        self.content_bytes_written += len(data)
        self.channel.write_soon(head + data)


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
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class OneSendChannel(HTTPChannel):
    task_class = OneSendTask
    error_task_class = JsonErrorTask


def use_one_send(server) -> None:
    """On the server waitress made, and on each of several when it listens on more than one."""
    for candidate in [server, *getattr(server, "map", {}).values()]:
        if isinstance(candidate, BaseWSGIServer):
            candidate.channel_class = OneSendChannel


def import_env_modules(modules: list[str]) -> None:
    """Operator-named modules that register extra Gymnasium environments."""
    for module in modules:
        importlib.import_module(module)
        log.info("imported %s", module)


def start_server(listen: str = "127.0.0.1", port: int = 5000, *, threads: int = 8,
                 imports: list[str] | tuple[str, ...] = (), **options) -> None:
    """Serve the API with waitress until stopped (SIGTERM, Ctrl-C or POST /v1/shutdown/).

    ``options`` are ServerConfig fields: max_envs, max_num_envs, max_body_bytes,
    allow_shutdown, data_dir, token, env_ttl, cors_origins, backend,
    ray_address, env_num_cpus.
    """
    import_env_modules(list(imports))
    config = ServerConfig(**options)
    backend = backend_for(config, imports=tuple(imports))
    try:
        parts = Parts.from_config(config, backend=backend)
    except BaseException:
        backend.shutdown()
        raise
    try:  # anything failing now still stops the backend (a local Ray) again
        log.info("recordings and results in %s", parts.data_root.path)
        warn_if_exposed(listen, config)
        app = create_app(parts=parts)
        server = waitress.create_server(
            app, host=listen, port=port, threads=threads, ident="gym-http-server",
            max_request_body_size=config.max_body_bytes * WAITRESS_BODY_FACTOR,
            clear_untrusted_proxy_headers=True,
        )
        use_one_send(server)
        stop = GracefulStop(server)
        parts.request_shutdown = stop.request
        stop_on_signals(stop)
        reaper = None
        if config.env_ttl:
            tables = [parts.table, parts.vectors]
            reaper = Reaper(config.env_ttl, tables, parts.metrics.evicted).start()
            log.info("instances unused for %g s are closed", config.env_ttl)
    except BaseException:
        parts.close_all()
        raise
    announce(listen, server.effective_port)
    try:
        server.run()
    finally:
        if reaper is not None:
            reaper.stop()
        server.task_dispatcher.shutdown()
        parts.close_all()
        log.info("gym-http-server stopped")


def warn_if_exposed(listen: str, config: ServerConfig) -> None:
    if config.token or is_loopback(listen):
        return
    log.warning("listening on %s without a token: anyone who can reach this port can create, "
                "step and close every environment; pass --token-file FILE (or set "
                "GYM_HTTP_TOKEN)", listen)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class GracefulStop:
    """Stop as an operator expects, whatever asked (SIGTERM, SIGINT, POST
    /v1/shutdown/): stop accepting connections, let the requests being served
    finish (at most ``grace`` seconds), then end waitress's loop, after which
    start_server closes every instance and so flushes every recording."""

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
    ``finally`` of start_server still closes every instance)."""
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum, frame) -> None:
        if stop.requested.is_set():
            raise KeyboardInterrupt
        log.info("%s: stopping", signal.Signals(signum).name)
        stop.request()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def announce(host: str, port: int) -> None:
    """One line on stderr at any log level: people and tools (tests starting
    the server on port 0) read the address from it."""
    host = f"[{host}]" if ":" in host else host
    print(f"gym-http-server listening on http://{host}:{port}", file=sys.stderr, flush=True)

