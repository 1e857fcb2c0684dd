"""Serving the app with waitress until stopped."""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import threading

import waitress
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import WSGITask

from .app import create_app
from .config import Parts, ServerConfig

log = logging.getLogger("gym_http_server")

# waitress answers bodies over its own limit in plain text; keep it well above
# ours so that clients get the JSON 413 for all but absurd bodies.
_WAITRESS_BODY_FACTOR = 8


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


class OneSendChannel(HTTPChannel):
    task_class = OneSendTask


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
    """Serve the API with waitress until stopped (Ctrl-C or POST /v1/shutdown/).

    ``options`` are ServerConfig fields: max_envs, max_num_envs, max_body_bytes,
    allow_shutdown, data_dir.
    """
    import_env_modules(list(imports))
    config = ServerConfig(**options)
    parts = Parts.from_config(config)
    log.info("recordings and results in %s", parts.data_root.path)
    app = create_app(parts=parts)
    server = waitress.create_server(
        app, host=listen, port=port, threads=threads, ident="gym-http-server",
        max_request_body_size=config.max_body_bytes * _WAITRESS_BODY_FACTOR,
        clear_untrusted_proxy_headers=True,
    )
    use_one_send(server)
    parts.request_shutdown = lambda: _stop_soon(server)
    stop_on_sigterm()
    announce(listen, server.effective_port)
    try:
        server.run()
    finally:
        server.task_dispatcher.shutdown()
        parts.close_all()
        log.info("gym-http-server stopped")


def stop_on_sigterm() -> None:
    """SIGTERM stops the server like Ctrl-C does, through the ``finally`` that
    closes every instance and so flushes every recording."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def announce(host: str, port: int) -> None:
    """One line on stderr at any log level: people and tools (tests starting
    the server on port 0) read the address from it."""
    host = f"[{host}]" if ":" in host else host
    print(f"gym-http-server listening on http://{host}:{port}", file=sys.stderr, flush=True)


def _stop_soon(server) -> None:
    """Let the shutdown response go out, then empty waitress's socket map,
    which ends its loop; this runs in the loop's own thread via the trigger."""

    def stop() -> None:
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            pass  # a worker's own pull ran the thunk first and closed the trigger

    threading.Timer(0.2, stop).start()
