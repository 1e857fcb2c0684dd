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
from typing import Any, BinaryIO
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


Connection = tuple[socket.socket, BinaryIO]
"""A socket and the buffered file its answers are read from."""


class ConnectionPool:
    """Keep-alive sockets to one origin, shared by threads.

    Each request goes out in one write (head and body together; ``http.client``
    writes them separately, which costs a second trip through the kernel and
    wakes the server twice), and the answer is read from the socket's buffered
    file with ``read_answer``, whose header parsing costs a fraction of the
    email parser's that ``http.client`` uses.
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
        self._idle: list[Connection] = []
        self._lock = threading.Lock()

    def send(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, Any, bytes]:
        """One exchange; transport failures raise GymTimeoutError or GymConnectionError."""
        request = serialize(method, self._prefix + path, self._host_header, body, headers)
        conn = None
        try:
            conn = self._acquire()
            conn[0].sendall(request)
            status, answer_headers, data, keep = read_answer(conn[1], method)
        except TimeoutError as exc:
            _close(conn)
            raise GymTimeoutError(f"{method} {path} timed out: {exc}") from exc
        except (OSError, ValueError, http.client.HTTPException) as exc:
            _close(conn)
            raise GymConnectionError(f"{method} {path} failed: {exc!r}") from exc
        if keep:
            self._release(conn)
        else:
            _close(conn)
        return status, answer_headers, data

    def _acquire(self) -> Connection:
        while True:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None:
                return self._connect()
            if not _readable(conn[0]):
                return conn
            _close(conn)

    def _connect(self) -> Connection:
        sock = socket.create_connection((self._host, self._port), self._connect_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._https:
            context = ssl.create_default_context()
            sock = context.wrap_socket(sock, server_hostname=self._host)
        sock.settimeout(self._read_timeout)
        return sock, sock.makefile("rb")

    def _release(self, conn: Connection) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        _close(conn)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            _close(conn)


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


def _close(conn: Connection | None) -> None:
    if conn is not None:
        conn[1].close()
        conn[0].close()


def _readable(sock: socket.socket) -> bool:
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


# -- reading answers (shared with the async client) --------------------------------

NO_BODY_FRAMING, CHUNKED, LENGTH, UNTIL_CLOSE = "none", "chunked", "length", "until close"
MAX_HEAD_LINES = 200


class Headers(dict):
    """Answer headers by lowercased name; ``get``, ``[]`` and ``in`` take any case."""

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())


def parse_headers(block: bytes) -> Headers:
    """Header lines as Headers; repeated names are joined with commas, as HTTP allows."""
    headers = Headers()
    name = None
    for line in block.decode("latin-1").split("\r\n"):
        if not line:
            continue
        if line[0] in " \t" and name is not None:  # obsolete line folding
            headers[name] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise http.client.HTTPException(f"malformed header line {line!r}")
        name, value = name.lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def parse_head(head: bytes) -> tuple[str, int, Headers]:
    """(HTTP version, status, headers) from a status line and header lines."""
    status_line, _, block = head.partition(b"\r\n")
    version, status, *_ = status_line.decode("latin-1").split(" ", 2)
    if not version.startswith("HTTP/"):
        raise http.client.BadStatusLine(status_line.decode("latin-1"))
    return version, int(status), parse_headers(block)


def body_framing(version: str, method: str, status: int, headers: Headers) -> tuple[str, int, bool]:
    """How the body ends, its length if given, and whether the connection stays open."""
    keep = version == "HTTP/1.1" and "close" not in (headers.get("connection") or "").lower()
    if method == "HEAD" or status in (204, 304):
        return NO_BODY_FRAMING, 0, keep
    if "chunked" in (headers.get("transfer-encoding") or "").lower():
        return CHUNKED, 0, keep
    length = headers.get("content-length")
    if length is None:
        return UNTIL_CLOSE, 0, False
    return LENGTH, int(length), keep


def chunk_size(line: bytes) -> int:
    return int(line.split(b";")[0].strip(), 16)


def read_answer(fp: BinaryIO, method: str) -> tuple[int, Headers, bytes, bool]:
    """(status, headers, body, whether the connection can be reused) of one HTTP/1.1 answer."""
    while True:
        version, status, headers = parse_head(_read_head(fp))
        if not 100 <= status < 200:
            break  # 1xx: informational, the answer follows
    framing, length, keep = body_framing(version, method, status, headers)
    if framing == NO_BODY_FRAMING:
        return status, headers, b"", keep
    if framing == CHUNKED:
        return status, headers, _read_chunks(fp), keep
    body = fp.read() if framing == UNTIL_CLOSE else fp.read(length)
    if framing == LENGTH and len(body) < length:
        raise http.client.IncompleteRead(body, length - len(body))
    return status, headers, body, keep


def _read_head(fp: BinaryIO) -> bytes:
    lines = []
    while True:
        line = fp.readline(65537)
        if not line:
            raise http.client.RemoteDisconnected("the server closed the connection")
        if line == b"\r\n" or line == b"\n":
            return b"".join(lines)
        lines.append(line)
        if len(lines) > MAX_HEAD_LINES:
            raise http.client.HTTPException("too many header lines")


def _read_chunks(fp: BinaryIO) -> bytes:
    chunks = []
    while True:
        size = chunk_size(fp.readline(65537))
        if size == 0:
            while fp.readline(65537) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        chunk = fp.read(size)
        if len(chunk) < size:
            raise http.client.IncompleteRead(chunk, size - len(chunk))
        chunks.append(chunk)
        fp.read(2)


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
