"""Idle eviction: a daemon thread that, every few seconds, asks each table of
environments to close what nobody has used for ``ttl`` seconds.

The reaper only keeps time. What "idle" means and how an environment is
closed (its recording flushed first) is the table's business: anything with
``evict_idle(ttl) -> list[str]`` can be swept, so batches of environments
join by being passed in beside the instance table.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

log = logging.getLogger(__name__)


class Sweepable(Protocol):
    def evict_idle(self, ttl: float) -> list[str]: ...

    def oldest_use(self) -> float | None: ...


class Reaper:
    def __init__(
        self,
        ttl: float,
        tables: Iterable[Sweepable],
        on_evict: Callable[[int], None] = lambda count: None,
    ) -> None:
        self.ttl = ttl
        self.tables = list(tables)
        self.on_evict = on_evict
        # Often enough that an instance lives at most about 10 % past its ttl.
        self.interval = min(max(ttl / 10, 0.05), 5.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gym-http-reaper", daemon=True)
        # A full server's 429 says when this reaper will next free capacity.
        for table in self.tables:
            capacity = getattr(table, "capacity", None)
            if capacity is not None:
                capacity.frees_in = self.seconds_until_eviction

    def seconds_until_eviction(self) -> float | None:
        """When the least recently used environment will have been closed: its
        idle time left, plus one sweep interval. None when nothing is live.
        A call in progress, or a client's own close, can make it wrong either
        way; it is the earliest moment eviction alone frees capacity."""
        uses = [use for table in self.tables if (use := table.oldest_use()) is not None]
        if not uses:
            return None
        return max(0.0, min(uses) + self.ttl - time.monotonic()) + self.interval

    def start(self) -> Reaper:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)

    def sweep(self) -> list[str]:
        evicted = [iid for table in self.tables for iid in table.evict_idle(self.ttl)]
        if evicted:
            log.info(
                "evicted %d idle instance(s) after %g s: %s",
                len(evicted),
                self.ttl,
                " ".join(evicted),
            )
            self.on_evict(len(evicted))
        return evicted

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:  # one bad close must not end eviction for good
                log.exception("idle eviction failed")
