"""Worker processes as one budget (``--max-processes``).

Every process the server starts for environments draws from it: an
``async`` batch's one per sub-environment, the process backend's one per
instance or batch (and its prestarted spares). A request that would go over
is refused with 429 before anything starts.
"""

from __future__ import annotations

import threading

from ..errors import TooManyEnvs


class Processes:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self._lock = threading.Lock()

    def take(self, count: int, what: str) -> None:
        if not self.try_take(count):
            raise TooManyEnvs(
                f"{what} needs {count} worker process{'es' if count != 1 else ''}; this "
                f"server runs {self.used} of its limit of {self.limit} (--max-processes); "
                "close some instances or batches first"
            )

    def try_take(self, count: int) -> bool:
        with self._lock:
            if self.used + count > self.limit:
                return False
            self.used += count
            return True

    def give_back(self, count: int) -> None:
        with self._lock:
            self.used -= count
