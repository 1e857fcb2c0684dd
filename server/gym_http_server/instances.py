"""Live environments and who may touch them when.

The table owns all concurrency: a short lock guards the table itself, and each
environment has its own lock, so different environments step in parallel while
calls on one environment run one at a time. Resources never touch locks.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from . import errors
from .monitor import Recording

log = logging.getLogger(__name__)


@dataclass
class Instance:
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
    expired: bool = False
    # time.monotonic() of the last call that held the instance (the reaper's clock).
    last_used: float = field(default_factory=time.monotonic)
    recording: Recording | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _pending_seed: int | None = None

    def __post_init__(self) -> None:
        if self.seed is not None:
            # Gymnasium seeds at reset; the creation seed applies to the first
            # reset that names none, and to the spaces' own samplers now.
            self._pending_seed = self.seed
            self.env.action_space.seed(self.seed)
            self.env.observation_space.seed(self.seed)

    def reset(self, seed: int | None, options: dict | None) -> tuple[Any, dict]:
        if seed is None:
            seed, self._pending_seed = self._pending_seed, None
        try:
            observation, info = self.env.reset(seed=seed, options=options)
        except (TypeError, ValueError, KeyError, AttributeError, AssertionError) as error:
            if not options:
                raise
            raise errors.InvalidResetOptions(
                f"reset options were refused by {self.env_id}: {type(error).__name__}: "
                f"{errors.echo(error)}"
            )
        self.episodes += 1
        self.episode_steps = 0
        if self.recording is not None:
            self.recording.after_reset()
        return observation, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        if self.episodes == 0:
            raise errors.ResetNeeded(
                f"Instance_id {self.instance_id} must be reset before its first step"
            )
        observation, reward, terminated, truncated, info = self.env.step(action)
        if self.recording is not None:
            self.recording.after_step(info)
        self.total_steps += 1
        self.episode_steps += 1
        return observation, reward, bool(terminated), bool(truncated), info

    def render(self) -> Any:
        if self.env.render_mode is None:
            return None
        if self.episodes == 0:  # Gymnasium's order enforcing would raise its own error
            raise errors.ResetNeeded(
                f"Instance_id {self.instance_id} has no frame before its first reset"
            )
        return self.env.render()

    def start_recording(self, recording: Recording) -> None:
        self.recording = recording
        self.env = recording.env

    def stop_recording(self) -> Recording | None:
        """Flush and unwrap; a finished episode is on disk once this returns."""
        recording, self.recording = self.recording, None
        if recording is not None:
            self.env = recording.close()
        return recording


# Ids of evicted instances the table still answers `instance_expired` for.
REMEMBERED_EXPIRED = 10_000


class InstanceTable:
    """All live instances by id, bounded by ``max_envs``.

    Idle eviction is the table's business too (``evict_idle``): the reaper
    only keeps time, so anything else that holds environments (batches) joins
    it by offering the same method.
    """

    def __init__(self, max_envs: int, remembered_expired: int = REMEMBERED_EXPIRED) -> None:
        self.max_envs = max_envs
        self._lock = threading.Lock()
        self._instances: dict[str, Instance] = {}
        # instance id -> the idle time after which it was evicted; oldest first.
        self._expired: OrderedDict[str, float] = OrderedDict()
        self._remembered_expired = remembered_expired

    def add(self, env_id: str, env: gym.Env, **details: Any) -> Instance:
        with self._lock:
            if len(self._instances) >= self.max_envs:
                env.close()
                raise errors.TooManyEnvs(
                    f"This server already runs its limit of {self.max_envs} environments; "
                    "close one first"
                )
            instance_id = self._new_id()
            instance = Instance(instance_id, env_id, env, **details)
            self._instances[instance_id] = instance
            return instance

    def _new_id(self) -> str:
        while True:
            instance_id = secrets.token_hex(4)
            if instance_id not in self._instances:
                return instance_id

    @contextmanager
    def use(self, instance_id: str) -> Iterator[Instance]:
        """The instance, held exclusively for the duration of the block."""
        with self._lock:
            instance = self._instances.get(instance_id)
        if instance is None:
            raise self._gone(instance_id)
        with instance.lock:
            if instance.closed:
                raise self._gone(instance_id)
            instance.last_used = time.monotonic()
            try:
                yield instance
            finally:
                instance.last_used = time.monotonic()

    def _gone(self, instance_id: str) -> errors.ApiError:
        """The error for an id that names no live instance."""
        with self._lock:
            ttl = self._expired.get(instance_id)
        if ttl is None:
            return errors.UnknownInstance(instance_id)
        return errors.InstanceExpired(instance_id, ttl)

    def close(self, instance_id: str) -> None:
        with self._lock:
            instance = self._instances.pop(instance_id, None)
        if instance is None:
            raise self._gone(instance_id)
        self._close(instance)

    def _close(self, instance: Instance) -> None:
        with instance.lock:
            _shut(instance)

    def evict_idle(self, ttl: float) -> list[str]:
        """Close every instance unused for ``ttl`` seconds; the ids closed.

        An instance in use (its lock held) is never evicted, however long the
        call takes: the try-lock below skips it, and its clock restarts when
        the call ends.
        """
        cutoff = time.monotonic() - ttl
        evicted: list[Instance] = []
        with self._lock:
            for instance in list(self._instances.values()):
                if instance.last_used > cutoff or not instance.lock.acquire(blocking=False):
                    continue
                if instance.last_used > cutoff:  # used between the two reads
                    instance.lock.release()
                    continue
                instance.expired = True
                del self._instances[instance.instance_id]
                self._remember_expired(instance.instance_id, ttl)
                evicted.append(instance)
        for instance in evicted:
            try:
                _shut(instance)
            except Exception:  # an env's own close failing must not keep the others open
                log.exception("closing evicted instance %s failed", instance.instance_id)
            finally:
                instance.lock.release()
        return [instance.instance_id for instance in evicted]

    def _remember_expired(self, instance_id: str, ttl: float) -> None:
        self._expired[instance_id] = ttl
        while len(self._expired) > self._remembered_expired:
            self._expired.popitem(last=False)

    def close_all(self) -> None:
        with self._lock:
            ids = list(self._instances)
        for instance_id in ids:
            try:
                self.close(instance_id)
            except errors.UnknownInstance:
                pass

    def recording_directories(self) -> set:
        """Folders some live instance is recording into now."""
        with self._lock:
            instances = list(self._instances.values())
        return {i.recording.directory for i in instances if i.recording is not None}

    def env_ids(self) -> dict[str, str]:
        with self._lock:
            return {iid: instance.env_id for iid, instance in self._instances.items()}

    def __len__(self) -> int:
        with self._lock:
            return len(self._instances)


def _shut(instance: Instance) -> None:
    """Close an instance whose lock the caller holds; its recording is flushed first."""
    instance.closed = True
    try:
        instance.stop_recording()
    finally:
        instance.env.close()
