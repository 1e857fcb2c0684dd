"""Serving the app with waitress until stopped."""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import threading

import waitress
from waitress import wasyncore

from .app import create_app
from .config import Parts, ServerConfig

log = logging.getLogger("gym_http_server")

# waitress answers bodies over its own limit in plain text; keep it well above
# ours so that clients get the JSON 413 for all but absurd bodies.
_WAITRESS_BODY_FACTOR = 8


def import_env_modules(modules: list[str]) -> None:
    """Operator-named modules that register extra Gymnasium environments."""
    for module in modules:
        importlib.import_module(module)
        log.info("imported %s", module)


def start_server(listen: str = "127.0.0.1", port: int = 5000, *, threads: int = 8,
                 imports: list[str] | tuple[str, ...] = (), **options) -> None:
    """Serve the API with waitress until stopped (Ctrl-C or POST /v1/shutdown/).

    ``options`` are ServerConfig fields: max_envs, max_body_bytes,
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
    parts.request_shutdown = lambda: _stop_soon(server)
    stop_on_sigterm()
    announce(listen, server.effective_port)
    try:
        server.run()
    finally:
        server.task_dispatcher.shutdown()
        parts.table.close_all()
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
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))

    threading.Timer(0.2, stop).start()
