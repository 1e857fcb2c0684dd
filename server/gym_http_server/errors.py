"""Every error the API can answer with: one class per meaning, one JSON shape.

Each error carries the HTTP status and a stable snake_case ``code`` for
programs; ``message`` is for people. Where the original gym-http-api answered
400, the message keeps its wording, because its clients check it.
"""

from __future__ import annotations

import logging

import falcon
import orjson

log = logging.getLogger(__name__)

_ECHO_LIMIT = 80


def echo(value: object) -> str:
    """Quote client input in a message without reflecting megabytes of it."""
    text = str(value)
    return text if len(text) <= _ECHO_LIMIT else text[:_ECHO_LIMIT] + "..."


class ApiError(Exception):
    status = falcon.HTTP_400
    code = "bad_request"

    def __init__(self, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class UnknownInstance(ApiError):
    code = "unknown_instance"

    def __init__(self, instance_id: str):
        super().__init__(f"Instance_id {echo(instance_id)} unknown")


class UnknownVector(ApiError):
    status = falcon.HTTP_404
    code = "unknown_vector"

    def __init__(self, vector_id: str):
        super().__init__(f"Vector_id {echo(vector_id)} unknown")


class VectorExpired(ApiError):
    """A batch the idle reaper closed."""

    status = falcon.HTTP_404
    code = "vector_expired"

    def __init__(self, vector_id: str, ttl: float):
        super().__init__(
            f"Vector_id {echo(vector_id)} unknown: it expired after {ttl:g} s without use"
        )


class EnvBroken(ApiError):
    """An instance (or batch) that can no longer serve: its id answers this
    error on every later reset, step and render until it is closed."""


class EnvProcessDied(EnvBroken):
    """An instance whose environment ran in a process that has died (a worker
    process or Ray actor killed, crashed, or its node lost): that id answers
    this until it is closed; every other instance keeps serving."""

    code = "env_process_died"


class StepTimeout(EnvBroken):
    """A reset or step that overran its deadline (``--step-timeout``, or the
    request's shorter ``timeout``). Its worker is killed on the isolating
    backends; in-process the call is abandoned to its thread. Either way the
    id answers this until it is closed."""

    status = falcon.HTTP_504
    code = "step_timeout"


class BackendUnavailable(Exception):
    """A backend asked for at start-up that cannot run here (its extra is not installed)."""


class NumEnvsTooLarge(ApiError):
    code = "num_envs_too_large"


class WrongBatchSize(ApiError):
    code = "wrong_batch_size"


class InstanceExpired(ApiError):
    """An instance the idle reaper closed: a 400 that reads like an unknown
    instance to the original clients, with a code of its own."""

    code = "instance_expired"

    def __init__(self, instance_id: str, ttl: float):
        super().__init__(
            f"Instance_id {echo(instance_id)} unknown: it expired after {ttl:g} s without use"
        )


class MissingParameter(ApiError):
    code = "missing_parameter"

    def __init__(self, name: str):
        super().__init__(f"A required request parameter '{name}' was not provided")


class InvalidParameter(ApiError):
    code = "invalid_parameter"


class MalformedJson(ApiError):
    code = "malformed_json"


class MalformedMsgpack(ApiError):
    code = "malformed_msgpack"


class MalformedEnvId(ApiError):
    code = "malformed_env_id"

    def __init__(self, env_id: object, detail: str = ""):
        super().__init__(f"Attempted to look up malformed environment ID '{echo(env_id)}'{detail}")


class UnknownEnvId(ApiError):
    code = "unknown_env_id"


class DeprecatedEnvId(ApiError):
    code = "deprecated_env_id"


class EnvIdRefused(ApiError):
    code = "env_id_refused"


class KwargsTooLarge(ApiError):
    """``kwargs`` larger than the operator's --max-kwargs-bytes."""

    code = "kwargs_too_large"


class KwargNotAllowed(ApiError):
    """A ``kwargs`` name the operator's --allow-kwargs does not list (or a batch's own)."""

    code = "kwarg_not_allowed"


class EnvUnavailable(ApiError):
    code = "env_unavailable"


class EnvCreationFailed(ApiError):
    code = "env_creation_failed"


class InvalidRenderMode(ApiError):
    code = "invalid_render_mode"


class InvalidAction(ApiError):
    code = "invalid_action"


class InvalidResetOptions(ApiError):
    code = "invalid_reset_options"


class ResetNeeded(ApiError):
    code = "reset_needed"


class UnsupportedSpace(ApiError):
    code = "unsupported_space"


class InvalidDirectory(ApiError):
    code = "invalid_directory"


class RecordingExists(ApiError):
    code = "recording_exists"


class AlreadyRecording(ApiError):
    code = "already_recording"


class RecordingInProgress(ApiError):
    code = "recording_in_progress"


class VideoNeedsRgbArray(ApiError):
    code = "video_needs_rgb_array"


class VideoUnavailable(ApiError):
    status = falcon.HTTP_501
    code = "video_unavailable"


class PngNeedsRgbArray(ApiError):
    code = "png_needs_rgb_array"


class NoRecording(ApiError):
    code = "no_recording"


class UnknownRun(ApiError):
    status = falcon.HTTP_404
    code = "unknown_run"

    def __init__(self, run_id: str):
        super().__init__(f"No uploaded run has the id {echo(run_id)}")


class UnknownStaticFile(ApiError):
    status = falcon.HTTP_404
    code = "not_found"

    def __init__(self, name: str):
        super().__init__(f"No static file is named {echo(name)}")


class TooManyEnvs(ApiError):
    """Full. ``Retry-After`` only when the server knows when it frees room
    itself (an idle TTL); otherwise only clients' closes do, and no number
    would be true."""

    status = falcon.HTTP_429
    code = "too_many_envs"

    def __init__(self, message: str, retry_after: int | None = None):
        headers = None if retry_after is None else {"Retry-After": str(retry_after)}
        super().__init__(message, headers)


class ServerFull(ApiError):
    """The engine's answer, before any request is read, to a connection past
    --connection-limit (engines/waitress.py writes it on the socket)."""

    status = falcon.HTTP_503
    code = "server_full"


class Unauthorized(ApiError):
    status = falcon.HTTP_401
    code = "unauthorized"

    def __init__(self, message: str):
        super().__init__(message, {"WWW-Authenticate": 'Bearer realm="gym-http-server"'})


class BodyTooLarge(ApiError):
    status = falcon.HTTP_413
    code = "body_too_large"


class ShutdownDisabled(ApiError):
    status = falcon.HTTP_403
    code = "shutdown_disabled"


# Codes for falcon's own errors (routing, methods, headers), by status.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    411: "length_required",
    413: "body_too_large",
    415: "unsupported_media_type",
}


def _write(resp: falcon.Response, status, message: str, code: str) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = orjson.dumps({"message": message, "code": code})


def handle_api_error(req, resp, error: ApiError, params) -> None:
    for name, value in error.headers.items():
        resp.set_header(name, value)
    _write(resp, error.status, error.message, error.code)


def serialize_http_error(req, resp, error: falcon.HTTPError) -> None:
    """Falcon's own errors (404 route, 405 method, ...) in the API's shape."""
    status = error.status_code
    code = HTTP_CODES.get(status, "internal_error" if status >= 500 else "bad_request")
    message = error.title or "error"
    if error.description:
        message = f"{message}: {error.description}"
    resp.content_type = falcon.MEDIA_JSON
    resp.data = orjson.dumps({"message": message, "code": code})


def handle_unexpected(req, resp, error: Exception, params) -> None:
    """Last resort: a bug answers JSON and is logged, the server keeps serving."""
    log.exception("unhandled error on %r %r", req.method, req.path)
    _write(resp, falcon.HTTP_500, "Internal server error", "internal_error")


def install(app: falcon.App) -> None:
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(ApiError, handle_api_error)
    app.set_error_serializer(serialize_http_error)
