"""How the sync client sends: pooled keep-alive ``http.client`` connections, or an httpx transport.

Both have one method, ``send(method, path, body, headers)``, answering
``(status, headers, body bytes)`` and raising ``GymTimeoutError`` or
``GymConnectionError`` when no answer came; retries, auth and decoding live in
``client.py`` above them.
"""

from __future__ import annotations

import http.client
import select
import ssl
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from .errors import GymConnectionError, GymTimeoutError

STALE = (BrokenPipeError, ConnectionResetError)
"""What writing to a connection the server has closed raises."""

Probe = Callable[[], bool]
"""Whether a socket has something to read, checked without waiting."""

Idle = tuple[http.client.HTTPConnection, Probe]
"""An idle connection and the probe of its socket."""


def readable_probe(sock) -> Probe:
    """A probe, cheap to repeat, of whether ``sock`` has something to read.

    ``poll`` where the platform has one (no limit on descriptor numbers),
    ``select`` where it does not (Windows). Looked up when a connection is
    made, never at import, so the package imports on every platform.
    """
    poll = getattr(select, "poll", None)
    if poll is not None:
        poller = poll()
        poller.register(sock, select.POLLIN)
        return lambda: bool(poller.poll(0))
    return lambda: bool(select.select([sock], [], [], 0)[0])


def timeouts(timeout: float | httpx.Timeout | None) -> tuple[float | None, float | None]:
    """(connect, read) seconds: connecting gives up after at most 10 s."""
    if isinstance(timeout, httpx.Timeout):
        return timeout.connect, timeout.read
    if timeout is None:
        return None, None
    return min(timeout, 10.0), timeout


class ConnectionPool:
    """Keep-alive ``http.client`` connections to one origin, shared by threads.

    A request in flight has a connection of its own; idle ones wait in a list
    under a lock. A request is sent again, on a new connection, only when it
    provably never reached the server, so a POST is never applied twice:

    - an idle connection the server has closed is readable (at end of file);
      it is dropped before use (as urllib3 does), not discovered by sending;
    - if writing the request to a reused connection fails (``BrokenPipeError``,
      ``ConnectionResetError``), the server had closed it before reading the
      whole request, so it is sent once more on a new connection;
    - any failure after the request was written, ``RemoteDisconnected``
      included, is a ``GymConnectionError``: the server may have acted on the
      request, and only the retry policy (idempotent methods) may repeat it.
    """

    def __init__(self, base_url: str, timeout: float | httpx.Timeout | None, max_idle: int):
        parts = urlsplit(base_url)
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._ssl else 80)
        self._prefix = parts.path.rstrip("/")
        self._connect_timeout, self._read_timeout = timeouts(timeout)
        self._max_idle = max_idle
        self._idle: list[Idle] = []
        self._lock = threading.Lock()

    def send(
        self, method: str, path: str, body: bytes | None, headers: Mapping[str, str]
    ) -> tuple[int, Any, bytes]:
        """One exchange; transport failures raise GymTimeoutError or GymConnectionError."""
        target = self._prefix + path
        conn, probe = self._acquire()
        try:
            try:
                conn.request(method, target, body, headers)
            except STALE:
                if probe is None:  # a new connection: no stale one to blame
                    raise
                conn.close()
                conn, probe = self._connect(), None
                conn.request(method, target, body, headers)
            answer = conn.getresponse()
            data = answer.read()
        except http.client.InvalidURL as exc:
            conn.close()
            raise ValueError(f"cannot send {method} {target!r}: {exc}") from exc
        except TimeoutError as exc:
            conn.close()
            raise GymTimeoutError(f"{method} {path} timed out: {exc}") from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise GymConnectionError(f"{method} {path} failed: {exc!r}") from exc
        except BaseException:  # ValueError for a bad header, KeyboardInterrupt...
            conn.close()
            raise
        self._release(conn, probe)
        return answer.status, answer.headers, data

    def _acquire(self) -> tuple[http.client.HTTPConnection, Probe | None]:
        """A connection, and its probe if it served a request before (None: new)."""
        while True:
            with self._lock:
                idle = self._idle.pop() if self._idle else None
            if idle is None:
                return self._connect(), None
            conn, probe = idle
            if not _closed_by_server(probe):
                return conn, probe
            conn.close()

    def _connect(self) -> http.client.HTTPConnection:
        if self._ssl is not None:
            conn = http.client.HTTPSConnection(
                self._host, self._port, timeout=self._connect_timeout, context=self._ssl
            )
        else:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=self._connect_timeout)
        try:
            conn.connect()  # http.client turns Nagle off (TCP_NODELAY) on connecting
        except TimeoutError as exc:
            raise GymTimeoutError(f"connecting to {self._host}:{self._port} timed out") from exc
        except OSError as exc:
            raise GymConnectionError(f"cannot connect to {self._host}:{self._port}: {exc}") from exc
        conn.sock.settimeout(self._read_timeout)
        return conn

    def _release(self, conn: http.client.HTTPConnection, probe: Probe | None) -> None:
        if conn.sock is not None:  # None: the answer said Connection: close
            if probe is None:
                probe = readable_probe(conn.sock)
            with self._lock:
                if len(self._idle) < self._max_idle:
                    self._idle.append((conn, probe))
                    return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.close()


def _closed_by_server(probe: Probe) -> bool:
    """An idle connection with something to read has been closed (or broken) by the server."""
    return probe()


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
