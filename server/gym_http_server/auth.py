"""Bearer-token access: with a token configured, every request needs
``Authorization: Bearer <token>`` except those to the open routes.

The open routes are those that hold nothing a token protects: what an
operator's tooling reads (liveness probes, metrics scrapers), the public
contract, and the pages a browser loads before it can send anything (their
own API calls need the token like any other). They are one constant, so a
route joins by adding a line; an entry ending in ``/*`` opens every path
under it.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from .errors import Unauthorized

# Paths as the client sends them, trailing slash stripped (as routing does).
OPEN_ROUTES: tuple[str, ...] = (
    "/healthz",
    "/metrics",
    "/openapi.yaml",
    "/",
    "/dashboard",
    "/docs",
    "/static/*",
)

# The token's environment variable: the same name the SDKs read, so one
# variable serves both sides; the server's older name is still read after it.
TOKEN_ENV_VAR = "GYM_HTTP_TOKEN"
TOKEN_ENV_VARS = (TOKEN_ENV_VAR, "GYM_HTTP_SERVER_TOKEN")


def token_from_environment() -> str | None:
    return next((os.environ[name] for name in TOKEN_ENV_VARS if os.environ.get(name)), None)


def is_open(path: str) -> bool:
    path = path.rstrip("/") or "/"
    return any(
        path == route or (route.endswith("/*") and path.startswith(route[:-1]))
        for route in OPEN_ROUTES
    )


def read_token_file(path: str) -> str:
    """The token in a file (first line, surrounding whitespace dropped), so
    that it never appears in ``ps``; an empty file is an error, not "no auth"."""
    token = Path(path).read_text(encoding="utf-8").strip()
    if not token:
        raise ValueError(f"token file {path} is empty")
    return token


class TokenAuth:
    """Falcon middleware: 401 ``unauthorized`` unless the bearer token matches.

    It runs once a route is found, so that metrics and the access log name
    the route of a refused call; a path that is no route stays a 404 (the
    routes are public in the spec anyway). CORS preflights (``OPTIONS``)
    pass: browsers never send credentials on them, and they only reveal the
    methods a route allows.
    """

    def __init__(self, token: str):
        self._expected = token.encode()

    def process_resource(self, req, resp, resource, params) -> None:
        if req.method == "OPTIONS" or is_open(req.path):
            return
        given = req.get_header("Authorization")
        if given is None:
            raise Unauthorized("This server needs 'Authorization: Bearer <token>'")
        scheme, _, credentials = given.partition(" ")
        # The scheme is case-insensitive (RFC 7235); the token is compared exactly.
        matches = hmac.compare_digest(credentials.encode("latin-1", "replace"), self._expected)
        if scheme.lower() != "bearer" or not matches:
            raise Unauthorized("The bearer token is not this server's")
