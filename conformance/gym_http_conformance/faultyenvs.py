"""Environments that fail on purpose, for testing how a server contains them.

A server written in Python registers them with one import (the reference
server: ``--import gym_http_conformance.faultyenvs``). Each steps normally on
action 0 and fails on action 1:

- ``GymHttpTest/Crash-v0`` ends its process: ``os.abort()``, or a segfault with
  ``kwargs: {"how": "segfault"}`` (``{"how": "hog"}`` allocates a gibibyte
  instead, for memory limits). Only for servers that run envs in worker
  processes: in-process it takes the server down with it.
- ``GymHttpTest/Hang-v0`` never returns (it sleeps; ``kwargs: {"on": "make"}``
  hangs in its constructor instead, ``{"on": "reset"}`` in reset).
- ``GymHttpTest/Raise-v0`` raises ``RuntimeError``.

A normal step's ``info["pid"]`` is the process the env runs in, for tests
that kill it from outside.
"""

from __future__ import annotations

import ctypes
import os
import time

import gymnasium as gym
from gymnasium import spaces

CRASH_ID = "GymHttpTest/Crash-v0"
HANG_ID = "GymHttpTest/Hang-v0"
RAISE_ID = "GymHttpTest/Raise-v0"


class FaultyEnv(gym.Env):
    """Observation: the number of steps taken; action 1 is the fault."""

    observation_space = spaces.Discrete(1_000_000)
    action_space = spaces.Discrete(2)

    def __init__(self, how: str = "raise", on: str = "step") -> None:
        self.how, self.on = how, on
        self.steps = 0
        if on == "make":
            self.fail()

    def fail(self) -> None:
        if self.how == "abort":
            os.abort()
        if self.how == "segfault":
            ctypes.string_at(0)
        if self.how == "hog":  # a gibibyte at once: past any sensible worker memory limit
            self.hog = bytearray(2**30)
        if self.how == "hang":
            while True:
                time.sleep(3600)
        raise RuntimeError("this environment raises on action 1, as asked")

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        if self.on == "reset":
            self.fail()
        self.steps = 0
        return self.steps, {}

    def step(self, action):
        if action == 1:
            self.fail()
        self.steps += 1
        return self.steps, 1.0, False, False, {"pid": os.getpid()}


gym.register(CRASH_ID, entry_point=FaultyEnv, kwargs={"how": "abort"})
gym.register(HANG_ID, entry_point=FaultyEnv, kwargs={"how": "hang"})
gym.register(RAISE_ID, entry_point=FaultyEnv, kwargs={"how": "raise"})
