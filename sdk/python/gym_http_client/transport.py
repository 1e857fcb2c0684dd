"""How the sync client sends: pooled keep-alive sockets, or an httpx transport.

Both have one method, ``send(method, path, body, headers)``, answering
``(status, headers, body bytes)`` and raising ``GymTimeoutError`` or
``GymConnectionError`` when no answer came; retries, auth and decoding live in
``client.py`` above them.
"""

from __future__ import annotations

import http.client
import re
import select
import socket
import ssl
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from .errors import GymConnectionError, GymTimeoutError


def timeouts(timeout: float | httpx.Timeout | None) -> tuple[float | None, float | None]:
    """(connect, read) seconds: connecting gives up after at most 10 s."""
    if isinstance(timeout, httpx.Timeout):
        return timeout.connect, timeout.read
    if timeout is None:
        return None, None
    return min(timeout, 10.0), timeout


class ConnectionPool:
    """Keep-alive sockets to one origin, shared by threads.

    Each request goes out in one write (head and body together; ``http.client``
    writes them separately, which costs a second trip through the kernel and
    wakes the server twice) and ``http.client.HTTPResponse`` reads the answer.
    An idle socket the server has closed is readable (at end of file); it is
    dropped before use rather than discovered by sending on it, so a POST is
    never written to a dead socket and never has to be repeated.
    """

    def __init__(self, base_url: str, timeout: float | httpx.Timeout | None, max_idle: int):
        parts = urlsplit(base_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._host_header = parts.netloc.rpartition("@")[2]
        self._prefix = parts.path.rstrip("/")
        self._connect_timeout, self._read_timeout = timeouts(timeout)
        self._max_idle = max_idle
        self._idle: list[socket.socket] = []
        self._lock = threading.Lock()

    def send(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, Any, bytes]:
        """One exchange; transport failures raise GymTimeoutError or GymConnectionError."""
        request = serialize(method, self._prefix + path, self._host_header, body, headers)
        sock = None
        try:
            sock = self._acquire()
            sock.sendall(request)
            answer = http.client.HTTPResponse(sock, method=method)
            answer.begin()
            data = answer.read()
        except TimeoutError as exc:
            _close(sock)
            raise GymTimeoutError(f"{method} {path} timed out: {exc}") from exc
        except (OSError, http.client.HTTPException) as exc:
            _close(sock)
            raise GymConnectionError(f"{method} {path} failed: {exc!r}") from exc
        if answer.will_close:
            sock.close()
        else:
            self._release(sock)
        return answer.status, answer.headers, data

    def _acquire(self) -> socket.socket:
        while True:
            with self._lock:
                sock = self._idle.pop() if self._idle else None
            if sock is None:
                return self._connect()
            if not _readable(sock):
                return sock
            sock.close()

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self._host, self._port), self._connect_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._https:
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=self._host)
        sock.settimeout(self._read_timeout)
        return sock

    def _release(self, sock: socket.socket) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(sock)
                return
        sock.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for sock in idle:
            sock.close()


def serialize(
    method: str, target: str, host: str, body: bytes | None, headers: Mapping[str, str]
) -> bytes:
    """An HTTP/1.1 request as the bytes of one write; refuses what could smuggle a header."""
    if _ILLEGAL_TARGET(target) or _ILLEGAL_TOKEN(method):
        raise ValueError(f"cannot send {method!r} {target!r}: percent-encode the path")
    lines = [f"{method} {target} HTTP/1.1"]
    names = set()
    for name, value in headers.items():
        value = str(value)
        if _ILLEGAL_TOKEN(name) or _ILLEGAL_VALUE(value):
            raise ValueError(f"invalid header {name!r}: {value!r}")
        names.add(name.lower())
        lines.append(f"{name}: {value}")
    if "host" not in names:
        lines.append(f"Host: {host}")
    if "content-length" not in names and (body or method in _BODY_METHODS):
        lines.append(f"Content-Length: {len(body or b'')}")
    lines.append("\r\n")
    head = "\r\n".join(lines).encode("latin-1")
    return head + body if body else head


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_ILLEGAL_TARGET = re.compile(r"[^\x21-\x7e]").search
_ILLEGAL_TOKEN = re.compile(r"[^!#$%&'*+\-.^_`|~0-9A-Za-z]").search
_ILLEGAL_VALUE = re.compile(r"[\r\n\x00]").search


def _close(sock: socket.socket | None) -> None:
    if sock is not None:
        sock.close()


def _readable(sock: socket.socket) -> bool:
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class HTTPXSender:
    """The same ``send`` over an httpx transport, for callers who plug one in."""

    def __init__(self, base_url: str, timeout: float | httpx.Timeout | None, transport):
        connect, read = timeouts(timeout)
        self._prefix = base_url
        self._http = httpx.Client(transport=transport, timeout=httpx.Timeout(read, connect=connect))

    def send(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, Any, bytes]:
        try:
            raw = self._http.request(method, self._prefix + path, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise GymTimeoutError(f"{method} {path} timed out: {exc}") from exc
        except httpx.TransportError as exc:
            raise GymConnectionError(f"{method} {path} failed: {exc!r}") from exc
        return raw.status_code, raw.headers, raw.content

    def close(self) -> None:
        self._http.close()
