"""The in-process backend: environments in the server process.

Without a deadline a call runs on the request's own thread, as it always
did. With one (``deadlines.current()``), it runs on a helper thread that
the request's thread waits for at most that long. Past it, the request
answers ``StepTimeout`` and the env is quarantined: the helper thread may
still be inside ``step`` (a thread cannot be killed), so nothing calls into
the env again, its close is skipped, and the helper thread and the env's
memory stay until the call returns on its own, if ever. Helper threads that
finish in time are kept for the next call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import gymnasium as gym
from gymnasium.vector import VectorEnv

from .. import catalog, deadlines
from .budget import Processes

QUARANTINED = (
    "the call was left running on its thread in the server process, and this "
    "environment is never called again"
)


class Helper(threading.Thread):
    """One helper thread: runs one call at a time for whoever waits on it."""

    def __init__(self) -> None:
        super().__init__(name="gym-http-env-call", daemon=True)
        self._work = threading.Condition()
        self._call: Callable[[], Any] | None = None
        self._done = threading.Event()
        self._outcome: tuple[bool, Any] = (True, None)
        self.abandoned = False
        self.start()

    def run(self) -> None:
        while True:
            with self._work:
                while self._call is None:
                    self._work.wait()
                call, self._call = self._call, None
            try:
                self._outcome = (True, call())
            except BaseException as error:  # handed to the waiting request as is
                self._outcome = (False, error)
            with self._work:
                self._done.set()
                if self.abandoned:
                    return

    def call(self, thunk: Callable[[], Any], seconds: float) -> tuple[bool, bool, Any]:
        """(in time, succeeded, value or exception)."""
        self._done.clear()
        with self._work:
            self._call = thunk
            self._work.notify()
        self._done.wait(seconds)
        with self._work:
            if not self._done.is_set():
                self.abandoned = True
                return False, False, None
        ok, value = self._outcome
        self._outcome = (True, None)
        return True, ok, value


class Helpers:
    """Helper threads kept between calls; one that overran is left to its call."""

    def __init__(self) -> None:
        self._idle: list[Helper] = []
        self._lock = threading.Lock()

    def run(self, thunk: Callable[[], Any], seconds: float) -> tuple[bool, bool, Any]:
        with self._lock:
            helper = self._idle.pop() if self._idle else None
        helper = helper or Helper()
        in_time, ok, value = helper.call(thunk, seconds)
        if in_time:
            with self._lock:
                self._idle.append(helper)
        return in_time, ok, value


class Guard:
    """Runs an env's calls under the current deadline; quarantines it after an overrun."""

    def __init__(self, helpers: Helpers, env_id: str) -> None:
        self.helpers = helpers
        self.env_id = env_id
        self.quarantined = False

    def __call__(self, thunk: Callable[[], Any]) -> Any:
        seconds = deadlines.current()
        if seconds is None:
            return thunk()
        in_time, ok, value = self.helpers.run(thunk, seconds)
        if not in_time:
            self.quarantined = True
            raise deadlines.overrun(seconds, f"The {self.env_id} environment", QUARANTINED)
        if not ok:
            raise value
        return value


class GuardedEnv(gym.Env):
    """A ``gym.Env`` in this process whose reset, step and render honour the deadline."""

    def __init__(self, env: gym.Env, guard: Guard) -> None:
        self.inner = env
        self.guard = guard
        self.action_space, self.observation_space = env.action_space, env.observation_space
        self.render_mode, self.metadata = env.render_mode, env.metadata

    @property
    def spec(self):
        """Read when asked: Gymnasium builds a wrapped env's spec, deep copies
        and all, on its first read (a fifth of the cost of a create)."""
        return self.inner.spec

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        return self.guard(lambda: self.inner.reset(seed=seed, options=options))

    def step(self, action):
        return self.guard(lambda: self.inner.step(action))

    def render(self):
        return self.guard(self.inner.render)

    def close(self) -> None:
        if not self.guard.quarantined:  # else its thread may still be inside it
            self.inner.close()

    @property
    def unwrapped(self) -> gym.Env:
        return self.inner.unwrapped


class GuardedVectorEnv(VectorEnv):
    """A batch in this process whose reset and step honour the deadline."""

    def __init__(self, env: VectorEnv, guard: Guard, on_close: Callable[[], None]) -> None:
        self.inner = env
        self.guard = guard
        self.on_close = on_close
        self.num_envs = env.num_envs
        self.action_space, self.observation_space = env.action_space, env.observation_space
        self.single_action_space = env.single_action_space
        self.single_observation_space = env.single_observation_space
        self.render_mode, self.metadata, self.spec = env.render_mode, env.metadata, env.spec
        self.closed = False

    def reset(self, *, seed=None, options: dict | None = None):
        return self.guard(lambda: self.inner.reset(seed=seed, options=options))

    def step(self, actions):
        return self.guard(lambda: self.inner.step(actions))

    def close(self, **kwargs) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            if not self.guard.quarantined:
                self.inner.close()
            elif hasattr(self.inner, "processes"):  # an async batch's workers can be ended
                for process in self.inner.processes:
                    process.kill()
        finally:
            self.on_close()


class InProcess:
    """Environments in this process: ``catalog.make`` under a deadline guard."""

    name = "inprocess"

    def __init__(self, processes: Processes | None = None) -> None:
        self.processes = processes or Processes(64)
        self.helpers = Helpers()

    def make(self, env_id: Any, render_mode: Any = None, kwargs: Any = None) -> gym.Env:
        spec_id, kwargs = catalog.checked(env_id, render_mode, kwargs)
        return GuardedEnv(catalog.build(spec_id, kwargs), Guard(self.helpers, spec_id))

    def make_vec(
        self, env_id: Any, num_envs: int, mode: str | None, kwargs: Any = None
    ) -> tuple[VectorEnv, str]:
        spec_id, mode, kwargs = catalog.checked_vec(env_id, mode, kwargs)
        workers = num_envs if mode == "async" else 0
        self.processes.take(workers, f"An async batch of {num_envs}")
        try:
            env = catalog.build_vec(spec_id, num_envs, mode, kwargs)
        except BaseException:
            self.processes.give_back(workers)
            raise
        guarded = GuardedVectorEnv(
            env, Guard(self.helpers, spec_id), lambda: self.processes.give_back(workers)
        )
        return guarded, mode

    def shutdown(self) -> None:
        pass
