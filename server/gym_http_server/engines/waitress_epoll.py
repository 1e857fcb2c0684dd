"""waitress's event loop at a cost per turn that follows the busy sockets,
not all the open ones (Linux, where ``select.epoll`` exists).

waitress's ``poll()`` loop asks every connection whether it wants to read or
write, and registers each with a new poll object, on every turn. With
thousands of keep-alive connections held by clients that think between
steps, each turn is milliseconds of Python holding the GIL while the worker
threads that run requests wait for it: 1,024 clients that connect at once
took up to two minutes to be served. Here the registrations live in one
epoll object, and a dispatcher's interest is asked again only when something
can have changed it: an event on its socket, a worker thread that pulls
waitress's trigger while serving it (a request done, output left to flush),
its creation, or the server's periodic maintenance (which rescans all).
"""

from __future__ import annotations

import select
import threading

from waitress import wasyncore
from waitress.channel import HTTPChannel

READ = select.EPOLLIN | select.EPOLLPRI
WRITE = select.EPOLLOUT

_serving = threading.local()


def serving(channel: HTTPChannel | None) -> None:
    """Which channel this worker thread is serving (None: none)."""
    _serving.channel = channel


def served_channel() -> HTTPChannel | None:
    return getattr(_serving, "channel", None)


class EpollLoop:
    """The loop of one waitress server map; ``asyncore()`` is what the server
    runs in place of the ``wasyncore`` module."""

    def __init__(self, socket_map: dict) -> None:
        self.map = socket_map
        self.epoll = select.epoll()
        # fd -> (dispatcher, mask) as registered; a closed socket leaves epoll
        # on its own, so an entry can outlive its socket until its fd is reused.
        self.registered: dict[int, tuple[object, int]] = {}
        self._lock = threading.Lock()
        self._touched: set = set()
        self._fixed: list = []  # the listening sockets and the trigger: asked every turn
        self._rescan = True

    def touch(self, dispatcher) -> None:
        """Ask ``dispatcher`` its interest on the next turn (from any thread)."""
        with self._lock:
            self._touched.add(dispatcher)

    def rescan(self) -> None:
        """Ask every dispatcher on the next turn (after maintenance)."""
        self._rescan = True

    def asyncore(self):
        return _Asyncore(self)

    def run(self, timeout: float) -> None:
        try:
            while self.map:
                self.turn(timeout)
        finally:
            self.epoll.close()

    def turn(self, timeout: float) -> None:
        with self._lock:
            touched, self._touched = self._touched, set()
        if self._rescan:
            self._rescan = False
            candidates = list(self.map.values())
            self._fixed = [d for d in candidates if not isinstance(d, HTTPChannel)]
        else:
            candidates = [*touched, *self._fixed]
        for dispatcher in candidates:
            self._update(dispatcher)
        try:
            events = self.epoll.poll(timeout)
        except InterruptedError:
            return
        for fd, flags in events:
            dispatcher = self.map.get(fd)
            if dispatcher is None:
                self._forget(fd)
                continue
            wasyncore.readwrite(dispatcher, flags)
            self.touch(dispatcher)

    def _update(self, dispatcher) -> None:
        fd = getattr(dispatcher, "_fileno", None)
        if fd is None or self.map.get(fd) is not dispatcher:
            return  # closed since it was touched
        mask = READ if dispatcher.readable() else 0
        if dispatcher.writable() and not dispatcher.accepting:
            mask |= WRITE
        known = self.registered.get(fd)
        if known is not None and known[0] is dispatcher and known[1] == mask:
            return
        if known is not None:
            self._forget(fd)
        if mask:
            try:
                self.epoll.register(fd, mask)
            except FileExistsError:
                self.epoll.modify(fd, mask)
            self.registered[fd] = (dispatcher, mask)

    def _forget(self, fd: int) -> None:
        self.registered.pop(fd, None)
        try:
            self.epoll.unregister(fd)
        except OSError:
            pass  # its socket is closed, which took it out of epoll already


class _Asyncore:
    """The ``wasyncore`` module as a server sees it (``server.asyncore``),
    with ``loop`` running the epoll loop."""

    def __init__(self, event_loop: EpollLoop) -> None:
        self.event_loop = event_loop

    def loop(self, timeout=30.0, use_poll=False, map=None, count=None) -> None:
        self.event_loop.run(timeout)

    def __getattr__(self, name: str):
        return getattr(wasyncore, name)


def available() -> bool:
    return hasattr(select, "epoll")
