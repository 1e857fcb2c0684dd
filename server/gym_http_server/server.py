"""Serving the API until stopped, on the engine asked for."""

from __future__ import annotations

import ipaddress
import logging
import os

from . import engines
from .config import EngineConfig, ServerConfig
from .service import Service

# SDL (pygame, which Gymnasium's classic-control envs draw with) installs its
# own SIGINT and SIGTERM handlers when it starts, and they do not stop this
# process; set before any environment can import pygame, this keeps ours.
os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
# A server has no display (the human render mode is refused): SDL's dummy video
# driver draws rgb_array frames without looking for one, and without printing
# "XDG_RUNTIME_DIR is invalid" on every first render.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

log = logging.getLogger("gym_http_server")


def start_server(
    listen: str = "127.0.0.1",
    port: int = 5000,
    *,
    engine: str = "waitress",
    threads: int = EngineConfig.threads,
    connection_limit: int | None = None,
    read_timeout: float | None = None,
    imports: list[str] | tuple[str, ...] = (),
    **options,
) -> None:
    """Serve the API until stopped (SIGTERM, Ctrl-C or POST /v1/shutdown/),
    then close every instance and batch, flushing every recording.

    ``engine`` is "waitress" (the default) or "granian" (the ``granian``
    extra); ``threads``, ``connection_limit`` and ``read_timeout`` are the
    engine's. ``options`` are ServerConfig fields: max_envs, max_num_envs,
    max_body_bytes, allow_shutdown, data_dir, token, env_ttl, cors_origins,
    backend, ray_address, env_num_cpus. A bad value raises ConfigError
    before anything starts.
    """
    serving = EngineConfig(
        engine=engine, threads=threads, connection_limit=connection_limit, read_timeout=read_timeout
    )
    config = ServerConfig(imports=tuple(imports), **options)
    if not 0 <= port <= 65535:
        raise engines.ConfigError(f"port must be from 0 to 65535, not {port!r}")
    engines.check_engine(serving)
    if port:
        engines.check_port(listen, port)
    service = Service.start(config)
    try:
        warn_if_exposed(listen, config)
        engines.serve(service, listen, port, serving)
    finally:
        service.close()
        log.info("gym-http-server stopped")


def warn_if_exposed(listen: str, config: ServerConfig) -> None:
    if config.token or is_loopback(listen):
        return
    log.warning(
        "listening on %s without a token: anyone who can reach this port can create, "
        "step and close every environment; pass --token-file FILE (or set "
        "GYM_HTTP_TOKEN)",
        listen,
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
