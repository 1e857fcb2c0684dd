"""The server itself: health, its contract, its registry, shutdown."""

from __future__ import annotations

from importlib import resources as package_files

import falcon

from .. import __version__, metrics, params
from ..config import Parts
from ..errors import ShutdownDisabled


class Health:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp):
        capacity = self.parts.table.capacity
        resp.media = {
            "status": "ok",
            "version": __version__,
            "envs": len(self.parts.table),
            "vector_envs": len(self.parts.vectors),
            "sub_envs": capacity.used,
            "max_envs": capacity.max_envs,
            "broken_envs": self.parts.broken_count(),
        }


class MetricsText:
    """Prometheus text format; open like /healthz (auth.OPEN_ROUTES)."""

    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp):
        resp.content_type = metrics.CONTENT_TYPE
        resp.data = self.parts.metrics.exposition()


class Spec:
    """The OpenAPI document this server implements, byte for byte."""

    def __init__(self) -> None:
        self.document = package_files.files("gym_http_server").joinpath("openapi.yaml").read_bytes()

    def on_get(self, req, resp):
        resp.content_type = "application/yaml"
        resp.data = self.document


class Registry:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp):
        resp.media = {"envs": self.parts.registry.entries()}


class Shutdown:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_post(self, req, resp):
        params.read_object(req)  # no parameters
        if not self.parts.config.allow_shutdown:
            raise ShutdownDisabled(
                "Shutdown over HTTP is disabled; start the server with --allow-shutdown"
            )
        self.parts.close_all()
        self.parts.request_shutdown()
        resp.status = falcon.HTTP_202
        resp.media = {"message": "Server is shutting down"}
