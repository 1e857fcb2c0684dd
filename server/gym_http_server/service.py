"""One running service: the parts built from a ServerConfig, what runs beside
requests (the idle reaper), and one close that ends them all.

Every way of serving goes through here: ``start_server`` (whatever engine),
``create_app(config)`` handed to another WSGI server, and tests. So a config
means the same thing everywhere: ``backend="ray"`` is the Ray backend and
``env_ttl`` is a running reaper, under waitress, granian or gunicorn alike.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable

from . import allocator
from .backends import backend_for
from .config import Parts, ServerConfig
from .reaper import Reaper

log = logging.getLogger("gym_http_server")


def import_env_modules(modules: tuple[str, ...]) -> None:
    """Operator-named modules that register extra Gymnasium environments."""
    for module in modules:
        importlib.import_module(module)
        log.info("imported %s", module)


class Service:
    """Owns the parts of one running server until ``close()``.

    ``Service.start(config)`` builds them (imports, backend, tables, data
    root, results, metrics) and starts the reaper; ``close()`` stops the
    reaper and closes every instance and batch (flushing every recording)
    and the backend, once, from whichever thread asks first.
    """

    def __init__(self, parts: Parts, reaper: Reaper | None = None) -> None:
        self.parts = parts
        self.config = parts.config
        self.reaper = reaper
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def start(cls, config: ServerConfig) -> Service:
        allocator.keep_large_blocks()
        import_env_modules(config.imports)
        backend = backend_for(config, imports=config.imports)
        try:
            parts = Parts.from_config(config, backend=backend)
        except BaseException:
            backend.shutdown()
            raise
        reaper = None
        if config.env_ttl:
            tables = [parts.table, parts.vectors]
            reaper = Reaper(config.env_ttl, tables, parts.metrics.evicted).start()
            log.info("instances unused for %g s are closed", config.env_ttl)
        log.info("recordings and results in %s", parts.data_root.path)
        return cls(parts, reaper)

    def on_shutdown_request(self, stop: Callable[[], None]) -> None:
        """What POST /v1/shutdown/ calls once accepted: the engine's stop."""
        self.parts.request_shutdown = stop

    def app(self):
        """The WSGI app serving this service's parts."""
        from .app import build_app

        return build_app(self.parts, service=self)

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            if self.reaper is not None:
                self.reaper.stop()
        finally:
            self.parts.close_all()
