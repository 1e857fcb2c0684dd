"""Transport: keep-alive connections, timeouts, bearer auth, retries, media types.

Only idempotent requests are retried (GET, HEAD, OPTIONS, PUT, DELETE). A
create, reset or step is a POST and is never retried: repeating one that
reached the server would create a second instance, restart an episode or take
an extra step. Closing goes through ``DELETE /v1/envs/{id}``, which is
idempotent, so a lost answer to a close is retried and a second close is
harmless (``RemoteEnv.close`` treats an already-unknown instance as closed).

Whether and how long to wait before a retry is decided by the pure function
``retry_delay``, so the policy is testable without a network.

The sync transport (``transport.py``) is the standard library's
``http.client`` on a small pool of keep-alive connections. A profile of a
CartPole step loop through httpx showed its Python layers (request and URL
models, cookie extraction, h11 events, header validation) costing more than
the server's work per step; through ``http.client`` a ``RemoteEnv`` step costs
what a plain ``http.client`` loop costs plus the SDK's own few microseconds
(encoding the action, reading the observation into the space's dtype). An
httpx transport can still be plugged in (``transport=``).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import numpy as np
import ormsgpack

from .errors import NOT_RETRYABLE_CODES, GymConnectionError, error_from_response
from .transport import ConnectionPool, HTTPXSender

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
TOKEN_ENV_VAR = "GYM_HTTP_TOKEN"
SERVER_TOKEN_ENV_VAR = "GYM_HTTP_SERVER_TOKEN"  # the server's older name, read after it
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
NO_BODY = object()
JSON = "application/json"
MSGPACK = "application/msgpack"
PNG = "image/png"
USER_AGENT = "gym-http-client-python"


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try again. ``max_retries=0`` turns retries off."""

    max_retries: int = 2
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 60.0


def retry_delay(
    policy: RetryPolicy,
    method: str,
    attempt: int,
    *,
    status: int | None = None,
    code: str | None = None,
    retry_after: str | None = None,
    now: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before retrying, or None to give up.

    ``attempt`` counts the attempts made so far (1 after the first). ``status``
    is None when no response arrived (connection refused, reset, timed out);
    ``code`` is the error body's, when it has one.
    Backoff doubles per attempt up to ``max_delay``, minus up to 25% jitter so
    clients that failed together do not retry together. A ``Retry-After``
    header (seconds or an HTTP date) wins when it asks for a sane wait.
    """
    if method.upper() not in IDEMPOTENT_METHODS or attempt > policy.max_retries:
        return None
    if status is not None and status not in RETRYABLE_STATUSES:
        return None
    if code in NOT_RETRYABLE_CODES:  # a 504 step_timeout: the instance is broken for good
        return None
    server_wait = parse_retry_after(retry_after, now)
    if server_wait is not None and server_wait <= policy.max_retry_after:
        return server_wait
    backoff = min(policy.base_delay * 2 ** (attempt - 1), policy.max_delay)
    return backoff * (1 - 0.25 * rand())


def error_code(data: bytes) -> str | None:
    """The ``code`` of an error body, if it is one."""
    try:
        body = json.loads(data)
    except (ValueError, TypeError):
        return None
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, str) else None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """A Retry-After header in seconds from now; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


# -- media types ---------------------------------------------------------------


def decode_msgpack(data: bytes) -> Any:
    """A msgpack body as the values its JSON twin holds, with each numeric
    array (a ``{dtype, shape, data}`` map whose ``data`` is binary) as numpy,
    and a 0-d one as the numpy scalar the environment returned."""
    return _with_arrays(ormsgpack.unpackb(data))


def _with_arrays(value: Any) -> Any:
    if type(value) is dict:
        data = value.get("data")
        if type(data) is bytes and "dtype" in value and "shape" in value:
            dtype = np.dtype(value["dtype"]).newbyteorder("<")
            array = (
                np.frombuffer(data, dtype).reshape(value["shape"]).astype(dtype.newbyteorder("="))
            )
            return array[()] if array.ndim == 0 else array
        return {key: _with_arrays(item) for key, item in value.items()}
    if type(value) is list:
        return [_with_arrays(item) for item in value]
    return value


DECODERS: dict[str, Callable[[bytes], Any]] = {
    JSON: json.loads,
    MSGPACK: decode_msgpack,
    PNG: bytes,
    "application/yaml": lambda data: data.decode("utf-8"),
    "text/plain": lambda data: data.decode("utf-8"),
}
"""One decoder per response media type, chosen by the answer's ``Content-Type``."""

ACCEPT = {"json": JSON, "msgpack": f"{MSGPACK}, {JSON};q=0.5"}
"""What each encoding asks for; a server that has no msgpack answers JSON, which still decodes."""


_STRICT_JSON = json.JSONEncoder(allow_nan=False)
"""One encoder for every request: ``json.dumps(allow_nan=False)`` builds a new one per call."""


def encode_json(value: Any) -> bytes:
    """A request body as strict JSON (non-finite floats must already be strings)."""
    return _STRICT_JSON.encode(value).encode()


def decode_body(content_type: str | None, data: bytes) -> tuple[Any, bool]:
    """The body as values and whether it could be read. Unlabelled bodies are tried as JSON."""
    if not data:
        return None, False
    media = (content_type or "").partition(";")[0].strip().lower()
    decode = DECODERS.get(media, json.loads)
    try:
        return decode(data), True
    except (ValueError, TypeError):
        return None, False


@dataclass
class Response:
    """What came back: the status, the headers, the decoded body (None if empty
    or unreadable) and the raw bytes.

    ``headers`` look names up case-insensitively (``.get``, ``[]``, ``.items()``).
    """

    status: int
    headers: Any
    json: Any = None
    content: bytes = b""
    is_json: bool = field(default=False)

    @property
    def text(self) -> str:
        """The body as text, decoded when asked for: decoding every answer
        cost a batch of 8 Pong frames (806 KB of msgpack) 330 µs."""
        return self.content.decode("utf-8", "replace")


def make_response(status: int, headers: Any, data: bytes) -> Response:
    body, readable = decode_body(headers.get("Content-Type"), data)
    return Response(status, headers, body, data, readable)


def create_body(
    env_id: str,
    *,
    seed: int | None = None,
    render_mode: str | None = None,
    kwargs: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The body of ``POST /v1/envs/``: only the fields given, as the original sent."""
    body: dict[str, Any] = {"env_id": env_id}
    if seed is not None:
        body["seed"] = seed
    if render_mode is not None:
        body["render_mode"] = render_mode
    if kwargs:
        body["kwargs"] = dict(kwargs)
    return body


def reset_body(seed: Any = None, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The seed and options of a reset (one instance, a group or a batch): only those given."""
    body: dict[str, Any] = {}
    if seed is not None:
        body["seed"] = seed
    if options is not None:
        body["options"] = dict(options)
    return body


def default_headers(token: str | None) -> dict[str, str]:
    """Sent with every request; the token falls back to ``$GYM_HTTP_TOKEN``, then
    ``$GYM_HTTP_SERVER_TOKEN``, so that one variable serves server and client."""
    if token is None:
        token = os.environ.get(TOKEN_ENV_VAR) or os.environ.get(SERVER_TOKEN_ENV_VAR)
    headers = {"Accept": JSON, "User-Agent": USER_AGENT}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def merge_headers(base: Mapping[str, str], extra: Mapping[str, str]) -> dict[str, str]:
    """``base`` overridden by ``extra``, names compared case-insensitively."""
    lowered = {name.lower() for name in extra}
    merged = {name: value for name, value in base.items() if name.lower() not in lowered}
    merged.update(extra)
    return merged


# -- the v1 calls, written once ---------------------------------------------------


class Endpoints:
    """One method per v1 call the SDK makes, for the sync and the async client alike.

    Each method returns ``self._call(...)``: the answer on ``HTTPClient``, an
    awaitable of it on ``AsyncHTTPClient``. ``key`` picks one field of the body.
    """

    headers: dict[str, str]

    def _configure(
        self, base_url: str, token: str | None, retry: RetryPolicy | None, encoding: str
    ) -> None:
        """What the sync and the async client share: base URL, retries, headers."""
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.headers = default_headers(token)
        self.encoding = encoding

    def _call(self, method: str, path: str, body: Any = NO_BODY, key: str | None = None) -> Any:
        raise NotImplementedError

    @property
    def encoding(self) -> str:
        """``"json"`` or ``"msgpack"``: what answers are asked for. msgpack carries
        numeric arrays as raw bytes (numpy arrays here); JSON as nested lists."""
        return "msgpack" if self.headers.get("Accept", "").startswith(MSGPACK) else "json"

    @encoding.setter
    def encoding(self, encoding: str) -> None:
        if encoding not in ACCEPT:
            raise ValueError(f"encoding must be one of {sorted(ACCEPT)}, not {encoding!r}")
        self.headers["Accept"] = ACCEPT[encoding]

    def create_env(
        self,
        env_id: str,
        *,
        seed: int | None = None,
        render_mode: str | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        """The new instance id."""
        body = create_body(env_id, seed=seed, render_mode=render_mode, kwargs=kwargs)
        return self._call("POST", "/v1/envs/", body, "instance_id")

    def create_group(
        self,
        env_id: str,
        count: int,
        *,
        seed: int | None = None,
        options: Mapping[str, Any] | None = None,
        render_mode: str | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        """``count`` instances of ``env_id``, each reset with ``seed`` and ``options``:
        ``{instance_ids, observations, infos}``. All or none (``LimitError`` when
        the group does not fit)."""
        body = create_body(env_id, seed=seed, render_mode=render_mode, kwargs=kwargs)
        body["count"] = count
        if options is not None:
            body["options"] = dict(options)
        return self._call("POST", "/v1/env_groups/", body)

    def reset_group(
        self,
        instance_ids: Sequence[str],
        *,
        seed: int | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Any:
        """Reset each instance with one seed and options: ``{observations, infos}``."""
        body = {"instance_ids": list(instance_ids), **reset_body(seed, options)}
        return self._call("POST", "/v1/env_groups/reset/", body)

    def json_schema(self, instance_id: str, space: str = "action") -> Any:
        """The JSON Schema (2020-12) of the ``"action"`` or ``"observation"`` space."""
        if space not in ("action", "observation"):
            raise ValueError(f"space must be 'action' or 'observation', not {space!r}")
        return self._call("GET", f"/v1/envs/{instance_id}/{space}_space/json_schema")

    def action_space_json_schema(self, instance_id: str) -> Any:
        return self.json_schema(instance_id, "action")

    def observation_space_json_schema(self, instance_id: str) -> Any:
        return self.json_schema(instance_id, "observation")

    def list_envs(self) -> Any:
        """``{instance_id: env_id}`` for every live instance."""
        return self._call("GET", "/v1/envs/", key="all_envs")

    def describe_env(self, instance_id: str) -> Any:
        return self._call("GET", f"/v1/envs/{instance_id}/")

    def reset_env(
        self, instance_id: str, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> Any:
        return self._call("POST", f"/v1/envs/{instance_id}/reset/", reset_body(seed, options))

    def step_env(self, instance_id: str, action: Any, *, render: bool = False) -> Any:
        body = {"action": action, "render": render}
        return self._call("POST", f"/v1/envs/{instance_id}/step/", body)

    def render_env(self, instance_id: str) -> Any:
        return self._call("GET", f"/v1/envs/{instance_id}/render/")

    def render_png(self, instance_id: str) -> Any:
        """The current ``rgb_array`` frame as PNG bytes (a server without PNG
        frames answers ``{render_mode, frame}`` instead)."""
        return self._call("GET", f"/v1/envs/{instance_id}/render/?format=png")

    def close_env(self, instance_id: str) -> Any:
        return self._call("DELETE", f"/v1/envs/{instance_id}/")

    def action_space(self, instance_id: str) -> Any:
        return self._call("GET", f"/v1/envs/{instance_id}/action_space/", key="info")

    def observation_space(self, instance_id: str) -> Any:
        return self._call("GET", f"/v1/envs/{instance_id}/observation_space/", key="info")

    def sample_action(self, instance_id: str) -> Any:
        return self._call("GET", f"/v1/envs/{instance_id}/action_space/sample", key="action")

    def contains_action(self, instance_id: str, action: Any) -> Any:
        path = f"/v1/envs/{instance_id}/action_space/contains"
        return self._call("POST", path, {"action": action}, "member")

    def contains_observation(self, instance_id: str, observation: Any) -> Any:
        path = f"/v1/envs/{instance_id}/observation_space/contains"
        return self._call("POST", path, {"observation": observation}, "member")

    def monitor_start(
        self,
        instance_id: str,
        directory: str,
        *,
        force: bool = False,
        resume: bool = False,
        video_callable: bool | int = False,
    ) -> Any:
        """Record every finished episode into ``directory`` (inside the server's
        data folder); ``video_callable`` ``True`` or N films episodes too."""
        body = {
            "directory": directory,
            "force": force,
            "resume": resume,
            "video_callable": video_callable,
        }
        return self._call("POST", f"/v1/envs/{instance_id}/monitor/start/", body)

    def monitor_close(self, instance_id: str) -> Any:
        return self._call("POST", f"/v1/envs/{instance_id}/monitor/close/")

    def upload(self, training_dir: str, *, api_key: str, algorithm_id: str | None = None) -> Any:
        """Store a recorded run: ``{run_id, created, env_id, episodes}``."""
        body = {"training_dir": training_dir, "api_key": api_key}
        if algorithm_id is not None:
            body["algorithm_id"] = algorithm_id
        return self._call("POST", "/v1/upload/", body)

    def results(self, *, env_id: str | None = None, limit: int | None = None) -> Any:
        """Uploaded runs, newest first."""
        query = urlencode({k: v for k, v in {"env_id": env_id, "limit": limit}.items() if v})
        return self._call("GET", "/v1/results/" + (f"?{query}" if query else ""), key="runs")

    def result(self, run_id: str) -> Any:
        """One uploaded run with every episode's reward and length."""
        return self._call("GET", f"/v1/results/{quote(run_id, safe='')}")

    def registry(self) -> Any:
        return self._call("GET", "/v1/registry/", key="envs")

    def health(self) -> Any:
        return self._call("GET", "/healthz")

    def metrics(self) -> Any:
        """The Prometheus text exposition."""
        return self._call("GET", "/metrics")

    def spec(self) -> Any:
        """The OpenAPI document the server implements, as YAML text."""
        return self._call("GET", "/openapi.yaml")

    def shutdown(self) -> Any:
        """Stop the server (when it allows that: otherwise AuthError ``shutdown_disabled``)."""
        return self._call("POST", "/v1/shutdown/")

    def post_close_env(self, instance_id: str) -> Any:
        """The original protocol's close (POST), never retried; ``close_env`` is the DELETE."""
        return self._call("POST", f"/v1/envs/{instance_id}/close/")

    def contains_action_by_path(self, instance_id: str, x: int | str) -> Any:
        """The original protocol's membership test of a Discrete action, in the path."""
        path = f"/v1/envs/{instance_id}/action_space/contains/{quote(str(x), safe='')}"
        return self._call("GET", path, key="member")

    # -- batches ---------------------------------------------------------------

    def create_vector_env(
        self,
        env_id: str,
        num_envs: int,
        *,
        vectorization_mode: str | None = None,
        seed: int | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> Any:
        """The new batch's id."""
        body: dict[str, Any] = {"env_id": env_id, "num_envs": num_envs}
        if vectorization_mode is not None:
            body["vectorization_mode"] = vectorization_mode
        if seed is not None:
            body["seed"] = seed
        if kwargs:
            body["kwargs"] = dict(kwargs)
        return self._call("POST", "/v1/vector_envs/", body, "vector_id")

    def list_vector_envs(self) -> Any:
        """``{vector_id: {env_id, num_envs}}`` for every live batch."""
        return self._call("GET", "/v1/vector_envs/", key="all_vector_envs")

    def describe_vector_env(self, vector_id: str) -> Any:
        return self._call("GET", f"/v1/vector_envs/{vector_id}/")

    def reset_vector_env(
        self, vector_id: str, *, seed: Any = None, options: Mapping[str, Any] | None = None
    ) -> Any:
        return self._call("POST", f"/v1/vector_envs/{vector_id}/reset/", reset_body(seed, options))

    def step_vector_env(self, vector_id: str, actions: Any) -> Any:
        return self._call("POST", f"/v1/vector_envs/{vector_id}/step/", {"actions": actions})

    def close_vector_env(self, vector_id: str) -> Any:
        """DELETE, so retried like ``close_env``."""
        return self._call("DELETE", f"/v1/vector_envs/{vector_id}/")

    def post_close_vector_env(self, vector_id: str) -> Any:
        return self._call("POST", f"/v1/vector_envs/{vector_id}/close/")


OPERATIONS = {
    "listEnvs": "list_envs",
    "createEnv": "create_env",
    "describeEnv": "describe_env",
    "deleteEnv": "close_env",
    "resetEnv": "reset_env",
    "stepEnv": "step_env",
    "renderEnv": "render_env",
    "closeEnv": "post_close_env",
    "actionSpace": "action_space",
    "sampleAction": "sample_action",
    "containsActionByPath": "contains_action_by_path",
    "containsAction": "contains_action",
    "observationSpace": "observation_space",
    "containsObservation": "contains_observation",
    "actionSpaceJsonSchema": "action_space_json_schema",
    "observationSpaceJsonSchema": "observation_space_json_schema",
    "createEnvGroup": "create_group",
    "resetEnvGroup": "reset_group",
    "monitorStart": "monitor_start",
    "monitorClose": "monitor_close",
    "listVectorEnvs": "list_vector_envs",
    "createVectorEnv": "create_vector_env",
    "describeVectorEnv": "describe_vector_env",
    "deleteVectorEnv": "close_vector_env",
    "resetVectorEnv": "reset_vector_env",
    "stepVectorEnv": "step_vector_env",
    "closeVectorEnv": "post_close_vector_env",
    "upload": "upload",
    "listResults": "results",
    "getResult": "result",
    "listRegistry": "registry",
    "shutdown": "shutdown",
    "getSpec": "spec",
    "health": "health",
    "getMetrics": "metrics",
}
"""The spec's operationId of each API call, to its ``Endpoints`` method (the
pages for browsers, ``/``, ``/dashboard``, ``/docs`` and ``/static/``, are not calls)."""


def pick(body: Any, key: str | None) -> Any:
    return body if key is None else body[key]


def prepare(
    base_headers: Mapping[str, str],
    json_body: Any,
    content: str | bytes | None,
    headers: Mapping[str, str] | None,
) -> tuple[bytes | None, Mapping[str, str]]:
    """The bytes to send and the headers to send them with."""
    if json_body is not NO_BODY:
        content = encode_json(json_body)
        base = {**base_headers, "Content-Type": JSON}
    else:
        base = base_headers
    if isinstance(content, str):
        content = content.encode()
    return content, merge_headers(base, headers) if headers else base


# -- the sync client ----------------------------------------------------------------


class HTTPClient(Endpoints):
    """The low-level v1 API: ``request`` for raw access, one method per call the SDK makes."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        token: str | None = None,
        timeout: float | httpx.Timeout | None = 30.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 10,
        transport: httpx.BaseTransport | None = None,
        encoding: str = "json",
    ):
        self._configure(base_url, token, retry, encoding)
        self._sender = (
            ConnectionPool(self.base_url, timeout, max_connections)
            if transport is None
            else HTTPXSender(self.base_url, timeout, transport)
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = NO_BODY,
        content: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send one request, retrying when the policy allows; any status is returned."""
        method = method.upper()
        body, headers = prepare(self.headers, json_body, content, headers)
        attempt = 0
        while True:
            attempt += 1
            try:
                status, answer_headers, data = self._sender.send(method, path, body, headers)
            except GymConnectionError:
                wait = retry_delay(self.retry, method, attempt)
                if wait is None:
                    raise
            else:
                if status not in RETRYABLE_STATUSES:
                    return make_response(status, answer_headers, data)
                retry_after = answer_headers.get("Retry-After")
                wait = retry_delay(
                    self.retry,
                    method,
                    attempt,
                    status=status,
                    code=error_code(data),
                    retry_after=retry_after,
                )
                if wait is None:
                    return make_response(status, answer_headers, data)
            time.sleep(wait)

    def call(self, method: str, path: str, body: Any = NO_BODY) -> Any:
        """Send a request and return its decoded body; raise the typed error for any non-2xx."""
        response = self.request(method, path, json_body=body)
        if response.status >= 400:
            raise error_from_response(response.status, response.json, response.text)
        return response.json

    def _call(self, method: str, path: str, body: Any = NO_BODY, key: str | None = None) -> Any:
        return pick(self.call(method, path, body), key)

    def close(self) -> None:
        self._sender.close()

    def __enter__(self) -> HTTPClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
