"""One error type per meaning, so callers catch by type instead of parsing text.

The server answers every error with ``{message, code}``. The type is chosen by
``code`` first: v1 keeps the original's status codes, so an unknown instance
is a 400 just like a malformed request, and only ``code`` tells them apart.
The status decides only when a body carries no known code (a proxy's error
page, an older server).
"""

from __future__ import annotations

from typing import Any


class GymHTTPError(Exception):
    """Base of every error this package raises; carries ``status``, ``code``, ``message``."""

    def __init__(
        self, message: str, *, status: int | None = None, code: str | None = None, body: Any = None
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(status={self.status!r}, code={self.code!r}, message={self.message!r})"


class GymConnectionError(GymHTTPError):
    """The server could not be reached, or the connection broke mid-request."""


class GymTimeoutError(GymConnectionError):
    """No answer within the configured timeout."""


class BadRequestError(GymHTTPError):
    """The request was refused as it stands: invalid action, unknown env id, missing field..."""


class UnknownInstanceError(GymHTTPError):
    """No live instance has this id: it was never created, or is closed."""


class LimitError(GymHTTPError):
    """A server limit was hit: too many environments, or a body too large."""


class AuthError(GymHTTPError):
    """The server refused the caller: missing or wrong token, or an operation it disallows."""


class UnsupportedError(GymHTTPError):
    """The server cannot do this at all (video without an encoder, a space kind it cannot carry)."""


class InternalServerError(GymHTTPError):
    """The server failed (5xx): a bug or an overloaded proxy, not the caller's fault."""


CODES: dict[str, type[GymHTTPError]] = {
    "unknown_instance": UnknownInstanceError,
    "instance_expired": UnknownInstanceError,
    "too_many_envs": LimitError,
    "body_too_large": LimitError,
    "shutdown_disabled": AuthError,
    "unauthorized": AuthError,
    "forbidden": AuthError,
    "not_implemented": UnsupportedError,
    "video_unavailable": UnsupportedError,
    "unsupported_space": UnsupportedError,
    "internal_error": InternalServerError,
}
"""Codes with a meaning of their own; every other 4xx code is a BadRequestError."""


def error_class(status: int | None, code: str | None) -> type[GymHTTPError]:
    """The class for an error response: by ``code`` first, by status otherwise."""
    if code in CODES:
        return CODES[code]
    if status in (401, 403):
        return AuthError
    if status in (413, 429):
        return LimitError
    if status == 501:
        return UnsupportedError
    if status is not None and status >= 500:
        return InternalServerError
    return BadRequestError


def error_from_response(status: int, body: Any, text: str = "") -> GymHTTPError:
    """Build the typed error for a non-2xx answer, whatever its body looks like."""
    message = text or f"HTTP {status}"
    code = None
    if isinstance(body, dict):
        message = str(body.get("message", message))
        code = body.get("code") if isinstance(body.get("code"), str) else None
    return error_class(status, code)(message, status=status, code=code, body=body)
