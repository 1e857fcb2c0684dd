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
    """The instance or batch is gone: never created, closed, expired, or its
    process died. Make a new one."""


class NotFoundError(GymHTTPError):
    """No such route, method or uploaded run (404, 405): often a server older than this client."""


class EnvBrokenError(UnknownInstanceError):
    """The instance (or batch) can no longer serve and never will: close it and
    create another. Retrying the same call cannot help, so it is never retried."""


class StepTimeoutError(EnvBrokenError):
    """A reset, step or render overran the server's deadline (504 ``step_timeout``)."""


class EnvProcessDiedError(EnvBrokenError):
    """The process running the environment died (400 ``env_process_died``)."""


class LimitError(GymHTTPError):
    """A server limit was hit: too many environments, a batch or a body too large."""


class AuthError(GymHTTPError):
    """The server refused the caller: missing or wrong token, or an operation it disallows."""


class UnsupportedError(GymHTTPError):
    """The server cannot do this at all (video without an encoder, a space kind it cannot carry)."""


class InternalServerError(GymHTTPError):
    """The server failed (5xx): a bug or an overloaded proxy, not the caller's fault."""


CATEGORY_CLASSES: dict[str, type[GymHTTPError]] = {
    "invalid_request": BadRequestError,
    "gone": UnknownInstanceError,
    "not_found": NotFoundError,
    "capacity": LimitError,
    "auth": AuthError,
    "unsupported": UnsupportedError,
    "server": InternalServerError,
}
"""The class for each category of the spec's error table (``x-error-categories``)."""

_CATEGORY_CODES = {
    "invalid_request": (
        "bad_request malformed_json malformed_msgpack missing_parameter invalid_parameter "
        "malformed_env_id unknown_env_id deprecated_env_id env_id_refused env_unavailable "
        "env_creation_failed kwargs_too_large kwarg_not_allowed invalid_render_mode "
        "invalid_action invalid_reset_options "
        "reset_needed invalid_directory recording_exists already_recording "
        "recording_in_progress video_needs_rgb_array png_needs_rgb_array no_recording "
        "wrong_batch_size length_required unsupported_media_type"
    ),
    "gone": (
        "unknown_instance instance_expired env_process_died step_timeout unknown_vector "
        "vector_expired"
    ),
    "not_found": "not_found method_not_allowed unknown_run",
    "capacity": "too_many_envs server_full num_envs_too_large body_too_large",
    "auth": "unauthorized shutdown_disabled",
    "unsupported": "unsupported_space video_unavailable",
    "server": "internal_error",
}

CODES: dict[str, type[GymHTTPError]] = {
    code: CATEGORY_CLASSES[category]
    for category, codes in _CATEGORY_CODES.items()
    for code in codes.split()
}
CODES.update(step_timeout=StepTimeoutError, env_process_died=EnvProcessDiedError)
"""Every code the server sends (the spec's ``x-error-codes``), to its class."""


NOT_RETRYABLE_CODES = frozenset({"step_timeout", "env_process_died"})
"""Codes whose status may look transient (504) but whose cause is not."""


def error_class(status: int | None, code: str | None) -> type[GymHTTPError]:
    """The class for an error response: by ``code`` first, by status otherwise
    (a proxy's error page, a code newer than this client)."""
    if code in CODES:
        return CODES[code]
    if status in (401, 403):
        return AuthError
    if status in (404, 405):
        return NotFoundError
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
