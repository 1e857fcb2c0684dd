"""The async transport: ``AsyncHTTPClient``, the twin of ``HTTPClient`` for one event loop.

Same methods (awaited), same errors, same retry policy (``retry_delay``). One
client drives many environments at once: each request in flight has its own
keep-alive connection, so concurrent steps of different environments travel
side by side.

Requests go through httpcore (the HTTP/1.1 layer httpx is built on), used
directly: ``httpx.AsyncClient`` on top of it adds its request and URL models,
cookie and event-hook layers to every step. An httpx async transport can
still be plugged in (``transport=``).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from .client import (
    DEFAULT_BASE_URL,
    NO_BODY,
    RETRYABLE_STATUSES,
    Endpoints,
    Response,
    RetryPolicy,
    error_code,
    make_response,
    pick,
    prepare,
    retry_delay,
)
from .errors import GymConnectionError, GymTimeoutError, error_from_response
from .transport import timeouts


class AsyncSender:
    """``send`` on httpcore connections: keep-alive, one per request in flight.

    Idle connections wait in a list (one event loop, so no lock); one the
    server has closed is dropped before use (httpcore's ``has_expired`` finds
    it readable). httpcore never sends a request again once any of it was
    written, so a failed step is a ``GymConnectionError`` and only the retry
    policy (idempotent methods) repeats a request. httpcore's own
    ``AsyncConnectionPool`` was measured first: with 16 requests in flight it
    walks every connection for every queued request, which cost more client
    CPU per step than the HTTP exchange itself.
    """

    def __init__(self, base_url: str, timeout: float | httpx.Timeout | None, max_idle: int):
        connect, read = timeouts(timeout)
        parts = urlsplit(base_url)
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        self._origin = httpcore.Origin(parts.scheme.encode(), (parts.hostname or "").encode(), port)
        self._ssl = ssl.create_default_context() if https else None
        self._prefix = base_url
        self._extensions = {"timeout": {"connect": connect, "read": read, "write": read}}
        self._max_idle = max_idle
        self._idle: list[httpcore.AsyncHTTPConnection] = []

    async def send(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, Any, bytes]:
        """One exchange; transport failures raise GymTimeoutError or GymConnectionError."""
        conn = await self._acquire()
        try:
            raw = await conn.request(
                method,
                self._prefix + path,
                headers=headers,
                content=body,
                extensions=self._extensions,
            )
        except BaseException as exc:
            await conn.aclose()
            if isinstance(exc, httpcore.LocalProtocolError):  # a header or path that cannot go
                raise ValueError(f"cannot send {method} {path!r}: {exc}") from exc
            if isinstance(exc, httpcore.TimeoutException):
                raise GymTimeoutError(f"{method} {path} timed out: {exc!r}") from exc
            if isinstance(exc, (httpcore.NetworkError, httpcore.ProtocolError, OSError)):
                raise GymConnectionError(f"{method} {path} failed: {exc!r}") from exc
            raise
        if conn.is_available() and len(self._idle) < self._max_idle:
            self._idle.append(conn)
        else:
            await conn.aclose()
        return raw.status, httpx.Headers(raw.headers), raw.content

    async def _acquire(self) -> httpcore.AsyncHTTPConnection:
        while self._idle:
            conn = self._idle.pop()
            if conn.is_available() and not conn.has_expired():
                return conn
            await conn.aclose()
        return httpcore.AsyncHTTPConnection(self._origin, ssl_context=self._ssl)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.aclose()


class AsyncHTTPXSender:
    """The same ``send`` over an httpx async transport, for callers who plug one in."""

    def __init__(self, base_url: str, timeout: float | httpx.Timeout | None, transport):
        connect, read = timeouts(timeout)
        self._prefix = base_url
        self._http = httpx.AsyncClient(
            transport=transport, timeout=httpx.Timeout(read, connect=connect)
        )

    async def send(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, Any, bytes]:
        url = self._prefix + path
        try:
            raw = await self._http.request(method, url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise GymTimeoutError(f"{method} {path} timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise GymConnectionError(f"{method} {path} failed: {exc!r}") from exc
        return raw.status_code, raw.headers, raw.content

    async def close(self) -> None:
        await self._http.aclose()


class AsyncHTTPClient(Endpoints):
    """The low-level v1 API for asyncio: ``await client.step_env(id, action)``."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        token: str | None = None,
        timeout: float | httpx.Timeout | None = 30.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 100,
        transport: httpx.AsyncBaseTransport | None = None,
        encoding: str = "json",
    ):
        self._configure(base_url, token, retry, encoding)
        self._sender = (
            AsyncSender(self.base_url, timeout, max_connections)
            if transport is None
            else AsyncHTTPXSender(self.base_url, timeout, transport)
        )

    async def request(
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
                status, answer_headers, data = await self._sender.send(method, path, body, headers)
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
            await asyncio.sleep(wait)

    async def call(self, method: str, path: str, body: Any = NO_BODY) -> Any:
        """Send a request and return its decoded body; raise the typed error for any non-2xx."""
        response = await self.request(method, path, json_body=body)
        if response.status >= 400:
            raise error_from_response(response.status, response.json, response.text)
        return response.json

    async def _call(
        self, method: str, path: str, body: Any = NO_BODY, key: str | None = None
    ) -> Any:
        return pick(await self.call(method, path, body), key)

    async def aclose(self) -> None:
        await self._sender.close()

    async def __aenter__(self) -> AsyncHTTPClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()
