"""How long one call into an environment may take.

A resource decides the deadline (the operator's ``--step-timeout``, or the
shorter ``timeout`` a request asks for); the instance sets it around its
call with ``within``; the backend's env enforces it: a worker process is
waited for with a timeout and killed after, a Ray call is got with a timeout
and its actor killed after, an in-process call runs on a helper thread that is
waited for with a timeout and abandoned after (a thread cannot be killed).
The deadline travels beside the call, not through it, so recording wrappers
between the instance and the backend's env need not know about it.
"""

from __future__ import annotations

import threading

from .errors import StepTimeout

_local = threading.local()


class within:
    """Calls into environments made by this thread inside the block end by
    ``seconds``. A class, not a generator: it wraps every step."""

    __slots__ = ("seconds", "previous")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds

    def __enter__(self) -> None:
        self.previous = getattr(_local, "seconds", None)
        _local.seconds = self.seconds

    def __exit__(self, *exc_info) -> None:
        _local.seconds = self.previous


def current() -> float | None:
    """The deadline of this thread's call, in seconds; None is no deadline."""
    return getattr(_local, "seconds", None)


def overrun(seconds: float, what: str, consequence: str) -> StepTimeout:
    return StepTimeout(
        f"{what} did not answer within its deadline of {seconds:g} s; {consequence}. "
        "Close this instance (DELETE) and create another"
    )
