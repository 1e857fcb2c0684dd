"""Engines: what binds the sockets, runs the threads and turns signals into
the service's one stop. One module per engine (``waitress``, ``granian``),
each ``serve(service, listen, port, engine_config)`` until stopped; what an
engine needs of its library's internals lives in its module alone."""

from __future__ import annotations

import errno
import importlib
import resource
import socket
import sys

from ..config import ConfigError, EngineConfig
from ..service import Service

# Open files the process needs beside its connections (envs, recordings, Ray, logs).
SPARE_FILES = 512


class PortInUse(ConfigError):
    """The address is taken: said in one line, before anything starts."""


GRANIAN_EXTRA = "gym-http-server[granian]"


def check_engine(engine: EngineConfig) -> None:
    """What the engine cannot do, refused before anything starts."""
    if engine.engine == "granian":
        try:
            import granian  # noqa: F401
        except ImportError as error:
            raise ConfigError(
                f"--engine granian needs granian, which is not installed here "
                f"({error}): pip install '{GRANIAN_EXTRA}'"
            ) from None


def serve(service: Service, listen: str, port: int, engine: EngineConfig) -> None:
    module = importlib.import_module(f"{__name__}.{engine.engine}")
    module.serve(service, listen, port, engine)


def raise_open_files_limit(connections: int) -> int:
    """Raise the soft open-files limit up to the hard one, as far as
    ``connections`` (plus spares) need; answer how many connections fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = connections + SPARE_FILES
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    return max(soft - SPARE_FILES, 0)


def check_port(listen: str, port: int) -> int:
    """The port to serve on (a free one for 0), or PortInUse in one line."""
    family = socket.AF_INET6 if ":" in listen else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((listen.strip("[]"), port))
            return probe.getsockname()[1]
    except OSError as error:
        raise bind_error(listen, port, error) from None


def bind_error(listen: str, port: int, error: OSError) -> ConfigError:
    if error.errno == errno.EADDRINUSE:
        return PortInUse(
            f"{listen}:{port} is already in use: stop what listens there, "
            "or pick another port (-p PORT, 0 for any free one)"
        )
    if error.errno == errno.EACCES:
        return PortInUse(
            f"{listen}:{port}: permission denied (ports below 1024 need root); pick another port"
        )
    return ConfigError(f"cannot listen on {listen}:{port}: {error.strerror or error}")


def announce(host: str, port: int) -> None:
    """One line on stderr at any log level: people and tools (tests starting
    the server on port 0) read the address from it."""
    host = f"[{host}]" if ":" in host else host
    print(f"gym-http-server listening on http://{host}:{port}", file=sys.stderr, flush=True)
