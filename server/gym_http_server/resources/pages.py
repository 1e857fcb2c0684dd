"""The pages people open: the dashboard, the API docs, and the files they load.

Everything comes from package data (this package's ``static`` folder, and
Swagger UI from the ``openapi-ui-bundles`` package), so the pages work with
no internet, and a Content-Security-Policy tells the browser to load nothing
from anywhere else.
"""

from __future__ import annotations

from importlib import resources as package_files

from openapi_ui_bundles import swagger_ui

from ..errors import UnknownStaticFile

# Swagger UI 5 (OpenAPI 3.1); inline styles are how it lays out the operations.
CSP = (
    "default-src 'self'; img-src 'self' blob: data:; "
    "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'"
)

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
STATIC = package_files.files("gym_http_server").joinpath("static")
SWAGGER_UI_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")


def static_files() -> dict[str, bytes]:
    """What /static/{name} serves, read once: the spec lists the same names."""
    files = {f.name: f.read_bytes() for f in STATIC.iterdir() if f.name.endswith((".js", ".css"))}
    for name in SWAGGER_UI_FILES:
        files[name] = (swagger_ui.static_path / name).read_bytes()
    return files


def media_type(name: str) -> str:
    return MEDIA_TYPES[name[name.rindex(".") :]]


class Page:
    """One HTML page of the static folder."""

    def __init__(self, name: str):
        self.document = STATIC.joinpath(name).read_bytes()

    def on_get(self, req, resp):
        resp.content_type = MEDIA_TYPES[".html"]
        resp.set_header("Content-Security-Policy", CSP)
        resp.cache_control = ["no-cache"]
        resp.data = self.document


class StaticFile:
    def __init__(self) -> None:
        self.files = static_files()

    def on_get(self, req, resp, name):
        if name not in self.files:
            raise UnknownStaticFile(name)
        resp.content_type = media_type(name)
        resp.cache_control = ["no-cache"]
        resp.data = self.files[name]
