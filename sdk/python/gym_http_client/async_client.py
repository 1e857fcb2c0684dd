"""The async transport: ``AsyncHTTPClient``, the twin of ``HTTPClient`` for one event loop.

Same methods (awaited), same errors, same retry policy (``retry_delay``). One
client drives many environments at once: each request in flight has its own
keep-alive connection, so concurrent steps of different environments travel
side by side.

Requests go out as the sync client's do, in one write, on asyncio streams. ``httpx.AsyncClient``
was measured first: a step through it cost over a millisecond of client CPU
(anyio and h11 layers, and failed imports retried on every request), so 16
environments on one loop stepped slower in total than one sync environment.
An httpx async transport can still be plugged in (``transport=``).
"""

from __future__ import annotations

import asyncio
import http.client
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from .client import (
    DEFAULT_BASE_URL,
    NO_BODY,
    RETRYABLE_STATUSES,
    Endpoints,
    Response,
    RetryPolicy,
    default_headers,
    make_response,
    pick,
    prepare,
    retry_delay,
)
from .errors import GymConnectionError, GymTimeoutError, error_from_response
from .transport import (
    CHUNKED,
    NO_BODY_FRAMING,
    UNTIL_CLOSE,
    Headers,
    body_framing,
    chunk_size,
    parse_head,
    serialize,
    timeouts,
)

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class AsyncConnectionPool:
    """Keep-alive asyncio stream connections to one origin, for one event loop."""

    def __init__(self, base_url: str, timeout: float | httpx.Timeout | None, max_idle: int):
        parts = urlsplit(base_url)
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._ssl else 80)
        self._host_header = parts.netloc.rpartition("@")[2]
        self._prefix = parts.path.rstrip("/")
        self._connect_timeout, self._read_timeout = timeouts(timeout)
        self._max_idle = max_idle
        self._idle: list[Streams] = []

    async def send(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, Any, bytes]:
        """One exchange; transport failures raise GymTimeoutError or GymConnectionError."""
        request = serialize(method, self._prefix + path, self._host_header, body, headers)
        streams = None
        try:
            streams = await self._acquire()
            reader, writer = streams
            writer.write(request)
            await writer.drain()
            answer = read_response(reader, method)
            status, answer_headers, data, keep = await within(answer, self._read_timeout)
        except BaseException as exc:
            if streams is not None:
                streams[1].close()
            if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
                raise GymTimeoutError(f"{method} {path} timed out") from exc
            if isinstance(exc, (OSError, EOFError, ValueError, http.client.HTTPException)):
                raise GymConnectionError(f"{method} {path} failed: {exc!r}") from exc
            raise
        if keep and len(self._idle) < self._max_idle:
            self._idle.append(streams)
        else:
            streams[1].close()
        return status, answer_headers, data

    async def _acquire(self) -> Streams:
        while self._idle:
            reader, writer = self._idle.pop()
            if not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        connecting = asyncio.open_connection(self._host, self._port, ssl=self._ssl)
        return await within(connecting, self._connect_timeout)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for _, writer in idle:
            writer.close()


async def within(awaitable, seconds: float | None):
    """``await awaitable``, giving up after ``seconds`` (None: never)."""
    if seconds is None:
        return await awaitable
    if hasattr(asyncio, "timeout"):  # 3.11+: no extra task per request
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)


async def read_response(
    reader: asyncio.StreamReader, method: str
) -> tuple[int, Headers, bytes, bool]:
    """(status, headers, body, whether the connection can be reused) of one HTTP/1.1 answer."""
    while True:
        version, status, headers = parse_head(await reader.readuntil(b"\r\n\r\n"))
        if not 100 <= status < 200:
            break  # 1xx: informational, the answer follows
    framing, length, keep = body_framing(version, method, status, headers)
    if framing == NO_BODY_FRAMING:
        return status, headers, b"", keep
    if framing == CHUNKED:
        return status, headers, await read_chunks(reader), keep
    if framing == UNTIL_CLOSE:
        return status, headers, await reader.read(), keep
    return status, headers, await reader.readexactly(length), keep


async def read_chunks(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size = chunk_size(await reader.readuntil(b"\r\n"))
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


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
    ):
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.headers = default_headers(token)
        self._sender = (
            AsyncConnectionPool(self.base_url, timeout, max_connections)
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
                    self.retry, method, attempt, status=status, retry_after=retry_after
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
