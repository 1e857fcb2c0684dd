"""Transport: one pooled httpx connection per client, timeouts, bearer auth, retries.

Only idempotent requests are retried (GET, HEAD, OPTIONS, PUT, DELETE). A
create, reset or step is a POST and is never retried: repeating one that
reached the server would create a second instance, restart an episode or take
an extra step. Closing goes through ``DELETE /v1/envs/{id}``, which is
idempotent, so a lost answer to a close is retried and a second close is
harmless (``RemoteEnv.close`` treats an already-unknown instance as closed).

Whether and how long to wait before a retry is decided by the pure function
``retry_delay``, so the policy is testable without a network.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from .errors import GymConnectionError, GymHTTPError, GymTimeoutError, error_from_response

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
TOKEN_ENV_VAR = "GYM_HTTP_TOKEN"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
NO_BODY = object()


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
    retry_after: str | None = None,
    now: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before retrying, or None to give up.

    ``attempt`` counts the attempts made so far (1 after the first). ``status``
    is None when no response arrived (connection refused, reset, timed out).
    Backoff doubles per attempt up to ``max_delay``, minus up to 25% jitter so
    clients that failed together do not retry together. A ``Retry-After``
    header (seconds or an HTTP date) wins when it asks for a sane wait.
    """
    if method.upper() not in IDEMPOTENT_METHODS or attempt > policy.max_retries:
        return None
    if status is not None and status not in RETRYABLE_STATUSES:
        return None
    server_wait = parse_retry_after(retry_after, now)
    if server_wait is not None and server_wait <= policy.max_retry_after:
        return server_wait
    backoff = min(policy.base_delay * 2 ** (attempt - 1), policy.max_delay)
    return backoff * (1 - 0.25 * rand())


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


@dataclass
class Response:
    """What came back: the status, the headers and the body as JSON (None if empty or not JSON)."""

    status: int
    headers: httpx.Headers
    json: Any = None
    text: str = ""
    is_json: bool = field(default=False)


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


class HTTPClient:
    """The low-level v1 API: ``request`` for raw access, one method per call the SDK makes."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        token: str | None = None,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 10,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        token = token if token is not None else os.environ.get(TOKEN_ENV_VAR)
        headers = {"Accept": "application/json", "User-Agent": "gym-http-client-python"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            headers=headers,
            timeout=timeout
            if isinstance(timeout, httpx.Timeout)
            else httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
        )

    # -- transport -------------------------------------------------------

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
        headers = dict(headers or {})
        if json_body is not NO_BODY:
            content = json.dumps(json_body, allow_nan=False)
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
        url = self.base_url + path
        attempt = 0
        while True:
            attempt += 1
            try:
                raw = self._http.request(method, url, content=content, headers=headers)
            except httpx.TimeoutException as exc:
                failure: GymHTTPError = GymTimeoutError(f"{method} {path} timed out: {exc}")
                wait = retry_delay(self.retry, method, attempt)
            except httpx.TransportError as exc:
                failure = GymConnectionError(f"{method} {path} failed: {exc!r}")
                wait = retry_delay(self.retry, method, attempt)
            else:
                wait = retry_delay(
                    self.retry,
                    method,
                    attempt,
                    status=raw.status_code,
                    retry_after=raw.headers.get("Retry-After"),
                )
                if wait is None:
                    return _response(raw)
                time.sleep(wait)
                continue
            if wait is None:
                raise failure
            time.sleep(wait)

    def call(self, method: str, path: str, body: Any = NO_BODY) -> Any:
        """Send a request and return its JSON body; raise the typed error for any non-2xx."""
        response = self.request(method, path, json_body=body)
        if response.status >= 400:
            raise error_from_response(response.status, response.json, response.text)
        return response.json

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HTTPClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- the v1 API --------------------------------------------------------

    def create_env(
        self,
        env_id: str,
        *,
        seed: int | None = None,
        render_mode: str | None = None,
        kwargs: Mapping[str, Any] | None = None,
    ) -> str:
        body = create_body(env_id, seed=seed, render_mode=render_mode, kwargs=kwargs)
        return self.call("POST", "/v1/envs/", body)["instance_id"]

    def list_envs(self) -> dict[str, str]:
        return self.call("GET", "/v1/envs/")["all_envs"]

    def describe_env(self, instance_id: str) -> dict:
        return self.call("GET", f"/v1/envs/{instance_id}/")

    def reset_env(
        self, instance_id: str, *, seed: int | None = None, options: Mapping[str, Any] | None = None
    ) -> dict:
        body: dict[str, Any] = {}
        if seed is not None:
            body["seed"] = seed
        if options is not None:
            body["options"] = dict(options)
        return self.call("POST", f"/v1/envs/{instance_id}/reset/", body)

    def step_env(self, instance_id: str, action: Any, *, render: bool = False) -> dict:
        return self.call(
            "POST", f"/v1/envs/{instance_id}/step/", {"action": action, "render": render}
        )

    def render_env(self, instance_id: str) -> dict:
        return self.call("GET", f"/v1/envs/{instance_id}/render/")

    def close_env(self, instance_id: str) -> None:
        self.call("DELETE", f"/v1/envs/{instance_id}/")

    def action_space(self, instance_id: str) -> dict:
        return self.call("GET", f"/v1/envs/{instance_id}/action_space/")["info"]

    def observation_space(self, instance_id: str) -> dict:
        return self.call("GET", f"/v1/envs/{instance_id}/observation_space/")["info"]

    def sample_action(self, instance_id: str) -> Any:
        return self.call("GET", f"/v1/envs/{instance_id}/action_space/sample")["action"]

    def contains_action(self, instance_id: str, action: Any) -> bool:
        return self.call(
            "POST", f"/v1/envs/{instance_id}/action_space/contains", {"action": action}
        )["member"]

    def contains_observation(self, instance_id: str, observation: Any) -> bool:
        return self.call(
            "POST",
            f"/v1/envs/{instance_id}/observation_space/contains",
            {"observation": observation},
        )["member"]

    def registry(self) -> list[dict]:
        return self.call("GET", "/v1/registry/")["envs"]

    def health(self) -> dict:
        return self.call("GET", "/healthz")


def _response(raw: httpx.Response) -> Response:
    text = raw.text
    try:
        return Response(
            raw.status_code, raw.headers, raw.json() if text else None, text, bool(text)
        )
    except ValueError:
        return Response(raw.status_code, raw.headers, None, text, False)
