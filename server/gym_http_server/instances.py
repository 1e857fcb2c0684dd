"""Live environments and who may touch them when.

The table owns all concurrency: a short lock guards the table itself, and each
environment has its own lock, so different environments step in parallel while
calls on one environment run one at a time. Resources never touch locks.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import gymnasium as gym

from . import deadlines, errors
from .monitor import Recording

log = logging.getLogger(__name__)

T = TypeVar("T")

# Ids of evicted entries a table still answers "expired" for, oldest forgotten first.
REMEMBERED_EXPIRED = 10_000


class Breakable:
    """An entry whose environment can break for good (its process died, a call
    overran its deadline): from then on its calls answer that error again,
    without touching the environment, until the client closes it."""

    broken: errors.EnvBroken | None = None

    def guarded(self, seconds: float | None, call: Callable[[], T]) -> T:
        """``call()`` under a deadline of ``seconds``; a broken entry's error instead."""
        if self.broken is not None:
            raise type(self.broken)(self.broken.message)
        try:
            with deadlines.within(seconds):
                return call()
        except errors.EnvBroken as error:
            self.broken = error
            raise

    def failure(self) -> dict | None:
        """What broke it, as the error body its calls answer; None while healthy."""
        if self.broken is None:
            return None
        return {"message": self.broken.message, "code": self.broken.code}


def reset_with_options(env: Any, env_id: str, seed: int | None, options: dict | None) -> Any:
    """``env.reset``, where an error the environment raises over client-chosen
    ``options`` is the client's 400, not the server's 500."""
    try:
        return env.reset(seed=seed, options=options)
    except (TypeError, ValueError, KeyError, AttributeError, AssertionError) as error:
        if not options:
            raise
        raise errors.InvalidResetOptions(
            f"reset options were refused by {env_id}: {type(error).__name__}: {errors.echo(error)}"
        )


@dataclass
class Instance(Breakable):
    """One environment and the counters clients can inspect."""

    instance_id: str
    env_id: str
    env: gym.Env
    seed: int | None = None
    kwargs: dict = field(default_factory=dict)
    episodes: int = 0
    total_steps: int = 0
    episode_steps: int = 0
    closed: bool = False
    # time.monotonic() of the last call that held the instance (the reaper's clock).
    last_used: float = field(default_factory=time.monotonic)
    recording: Recording | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _pending_seed: int | None = None
    # The last step ended the episode (terminated or truncated) and no reset followed.
    _episode_over: bool = False

    def __post_init__(self) -> None:
        if self.seed is not None:
            # Gymnasium seeds at reset; the creation seed applies to the first
            # reset that names none, and to the spaces' own samplers now.
            self._pending_seed = self.seed
            self.env.action_space.seed(self.seed)
            self.env.observation_space.seed(self.seed)

    def reset(
        self, seed: int | None, options: dict | None, timeout: float | None = None
    ) -> tuple[Any, dict]:
        pending = self._pending_seed if seed is None else None
        observation, info = self.guarded(
            timeout,
            lambda: reset_with_options(
                self.env, self.env_id, pending if seed is None else seed, options
            ),
        )
        if seed is None:
            self._pending_seed = None
        self.episodes += 1
        self.episode_steps = 0
        self._episode_over = False
        if self.recording is not None:
            self.recording.after_reset()
        return observation, info

    def step(
        self, action: Any, timeout: float | None = None
    ) -> tuple[Any, float, bool, bool, dict]:
        if self.episodes == 0 and self.broken is None:
            raise errors.ResetNeeded(
                f"Instance_id {self.instance_id} must be reset before its first step"
            )
        if self._episode_over and self.recording is not None:
            # gym's Monitor refused these too: a recording holds whole episodes.
            raise errors.ResetNeeded(
                f"Instance_id {self.instance_id} is recording and its episode has ended: "
                "reset it before the next step"
            )
        observation, reward, terminated, truncated, info = self.guarded(
            timeout, lambda: self.env.step(action)
        )
        if self.recording is not None:
            self.recording.after_step(info)
        self.total_steps += 1
        self.episode_steps += 1
        self._episode_over = bool(terminated or truncated)
        return observation, reward, bool(terminated), bool(truncated), info

    size = 1  # sub-environments, as the table counts them

    def close(self) -> None:
        try:
            self.stop_recording()
        finally:
            self.env.close()

    def render(self, timeout: float | None = None) -> Any:
        if self.env.render_mode is None:
            return None
        if self.episodes == 0 and self.broken is None:  # Gymnasium's order enforcing
            raise errors.ResetNeeded(
                f"Instance_id {self.instance_id} has no frame before its first reset"
            )
        return self.guarded(timeout, self.env.render)

    def start_recording(self, recording: Recording) -> None:
        self.recording = recording
        self.env = recording.env

    def stop_recording(self) -> Recording | None:
        """Flush and unwrap; a finished episode is on disk once this returns."""
        recording, self.recording = self.recording, None
        if recording is not None:
            self.env = recording.close()
        return recording


class Capacity:
    """Sub-environments alive across every table, bounded by ``max_envs``:
    an instance counts one, a batch its ``num_envs``."""

    def __init__(self, max_envs: int) -> None:
        self.max_envs = max_envs
        self.used = 0
        self._lock = threading.Lock()
        # Seconds until the server itself frees capacity (an idle reaper sets
        # it), or None: only clients' closes free it, which nobody can predict.
        self.frees_in: Callable[[], float | None] = lambda: None

    def take(self, count: int) -> None:
        with self._lock:
            fits = self.used + count <= self.max_envs
            if fits:
                self.used += count
        if not fits:
            raise self._refusal(count)

    def check(self, count: int) -> None:
        """Refuse early what ``take`` would refuse now, before building it."""
        with self._lock:
            fits = self.used + count <= self.max_envs
        if not fits:
            raise self._refusal(count)

    def _refusal(self, count: int) -> errors.TooManyEnvs:
        """Built outside the lock: ``frees_in`` reads the tables."""
        wait = self.frees_in()
        return errors.TooManyEnvs(
            f"This server already runs {self.used} of its limit of {self.max_envs} "
            f"environments, too many to add {count}; close some first",
            retry_after=None if wait is None else max(1, math.ceil(wait)),
        )

    def give_back(self, count: int) -> None:
        with self._lock:
            self.used -= count


class Table(Generic[T]):
    """Live entries by id, each counting ``size`` sub-environments against a
    shared ``Capacity``. An entry has ``lock``, ``closed``, ``last_used``,
    ``size`` and ``close()``; the table never asks what else it is.

    Idle eviction is the table's business too (``evict_idle``): the reaper
    only keeps time. An evicted id answers ``expired(id, ttl)`` for as long
    as the table remembers it, and ``unknown(id)`` after that.
    """

    def __init__(
        self,
        capacity: Capacity | int,
        unknown: Callable[[str], Exception],
        expired: Callable[[str, float], Exception] | None = None,
        remembered_expired: int = REMEMBERED_EXPIRED,
    ) -> None:
        self.capacity = capacity if isinstance(capacity, Capacity) else Capacity(capacity)
        self._unknown = unknown
        self._expired_error = expired or (lambda entry_id, ttl: unknown(entry_id))
        self._lock = threading.Lock()
        self._entries: dict[str, T] = {}
        # entry id -> the idle time after which it was evicted; oldest first.
        self._expired: OrderedDict[str, float] = OrderedDict()
        self._remembered_expired = remembered_expired

    @property
    def max_envs(self) -> int:
        return self.capacity.max_envs

    def put(self, build: Callable[[str], T], size: int = 1) -> T:
        """The entry ``build(new_id)`` makes, once ``size`` fits the capacity."""
        self.capacity.take(size)  # before the table's lock: a refusal reads the tables
        try:
            with self._lock:
                entry_id = self._new_id()
                entry = build(entry_id)
                self._entries[entry_id] = entry
                return entry
        except BaseException:
            self.capacity.give_back(size)
            raise

    def _new_id(self) -> str:
        while True:
            entry_id = secrets.token_hex(4)
            if entry_id not in self._entries:
                return entry_id

    @contextmanager
    def use(self, entry_id: str) -> Iterator[T]:
        """The entry, held exclusively for the duration of the block."""
        with self._lock:
            entry = self._entries.get(entry_id)
        if entry is None:
            raise self._gone(entry_id)
        with entry.lock:
            if entry.closed:
                raise self._gone(entry_id)
            entry.last_used = time.monotonic()
            try:
                yield entry
            finally:
                entry.last_used = time.monotonic()

    def _gone(self, entry_id: str) -> Exception:
        """The error for an id that names no live entry."""
        with self._lock:
            ttl = self._expired.get(entry_id)
        return self._unknown(entry_id) if ttl is None else self._expired_error(entry_id, ttl)

    def close(self, entry_id: str) -> None:
        with self._lock:
            entry = self._entries.pop(entry_id, None)
        if entry is None:
            raise self._gone(entry_id)
        with entry.lock:
            self._shut(entry)

    def _shut(self, entry: T) -> None:
        """Close an entry whose lock the caller holds."""
        entry.closed = True
        try:
            entry.close()
        finally:
            self.capacity.give_back(entry.size)

    def evict_idle(self, ttl: float) -> list[str]:
        """Close every entry unused for ``ttl`` seconds; the ids closed.

        An entry in use (its lock held) is never evicted, however long the
        call takes: the try-lock below skips it, and its clock restarts when
        the call ends.
        """
        cutoff = time.monotonic() - ttl
        evicted: list[tuple[str, T]] = []
        with self._lock:
            for entry_id, entry in list(self._entries.items()):
                if entry.last_used > cutoff or not entry.lock.acquire(blocking=False):
                    continue
                if entry.last_used > cutoff:  # used between the two reads
                    entry.lock.release()
                    continue
                del self._entries[entry_id]
                self._remember_expired(entry_id, ttl)
                evicted.append((entry_id, entry))
        for entry_id, entry in evicted:
            try:
                self._shut(entry)
            except Exception:  # an env's own close failing must not keep the others open
                log.exception("closing evicted %s failed", entry_id)
            finally:
                entry.lock.release()
        return [entry_id for entry_id, _ in evicted]

    def _remember_expired(self, entry_id: str, ttl: float) -> None:
        self._expired[entry_id] = ttl
        while len(self._expired) > self._remembered_expired:
            self._expired.popitem(last=False)

    def close_all(self) -> list[str]:
        """Close every entry, each even when others fail to close: a failure
        is logged and the rest still close. The ids whose close failed."""
        with self._lock:
            entries = list(self._entries.items())
            self._entries.clear()
        failed = []
        for entry_id, entry in entries:
            try:
                with entry.lock:
                    if not entry.closed:
                        self._shut(entry)
            except Exception:
                log.exception("closing %s on stop failed", entry_id)
                failed.append(entry_id)
        return failed

    def oldest_use(self) -> float | None:
        """The ``last_used`` time of the least recently used entry, if any."""
        with self._lock:
            return min((entry.last_used for entry in self._entries.values()), default=None)

    def entries(self) -> list[T]:
        with self._lock:
            return list(self._entries.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class InstanceTable(Table[Instance]):
    """All live instances by id, bounded by ``max_envs``."""

    def __init__(
        self, max_envs: Capacity | int, remembered_expired: int = REMEMBERED_EXPIRED
    ) -> None:
        super().__init__(
            max_envs, errors.UnknownInstance, errors.InstanceExpired, remembered_expired
        )

    def add(self, env_id: str, env: gym.Env, **details: Any) -> Instance:
        try:
            return self.put(lambda instance_id: Instance(instance_id, env_id, env, **details))
        except errors.TooManyEnvs:
            env.close()
            raise

    def broken_ids(self) -> dict[str, str]:
        """Instances that can no longer serve, with the code their calls answer."""
        return {i.instance_id: i.broken.code for i in self.entries() if i.broken is not None}

    def recording_directories(self) -> set:
        """Folders some live instance is recording into now."""
        return {i.recording.directory for i in self.entries() if i.recording is not None}

    def env_ids(self) -> dict[str, str]:
        return {i.instance_id: i.env_id for i in self.entries()}


def add_group(
    table: InstanceTable, env_id: str, envs: list[gym.Env], **details: Any
) -> list[Instance]:
    """Instances for ``envs``, all or none: one capacity check for the group,
    every id in the table before any request can see one of them."""
    with table._lock:
        try:
            table.capacity.take(len(envs))
        except errors.TooManyEnvs:
            for env in envs:
                env.close()
            raise
        group = []
        for env in envs:
            instance_id = table._new_id()
            group.append(Instance(instance_id, env_id, env, **details))
            table._entries[instance_id] = group[-1]
        return group
