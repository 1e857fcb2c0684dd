"""A small environment with every space kind, registered through ``--import testenvs``.

``GymHttpTest/AllSpaces-v0`` has Dict observation and action spaces covering
Discrete, Box, MultiBinary, MultiDiscrete, Text and Tuple, and puts numpy
values into ``info``, so tests see every codec path with a real Gymnasium env.
Episodes last ``length`` steps (kwarg, default 5), then terminate.
"""

from __future__ import annotations

import threading

import gymnasium as gym
import numpy as np
from gymnasium import spaces

ENV_ID = "GymHttpTest/AllSpaces-v0"


class AllSpacesEnv(gym.Env):
    metadata = {"render_modes": ["ansi", "rgb_array"]}

    def __init__(self, length: int = 5, render_mode: str | None = None):
        self.length = length
        self.render_mode = render_mode
        self.observation_space = spaces.Dict({
            "discrete": spaces.Discrete(3),
            "box": spaces.Box(-1.0, 1.0, (2,), np.float32),
            "multi_binary": spaces.MultiBinary(4),
            "multi_discrete": spaces.MultiDiscrete([3, 2]),
            "text": spaces.Text(max_length=8),
            "tuple": spaces.Tuple((spaces.Discrete(2), spaces.Box(0.0, 1.0, (1,), np.float32))),
        })
        self.action_space = spaces.Dict({
            "move": spaces.Discrete(4),
            "flags": spaces.MultiBinary(3),
            "levels": spaces.MultiDiscrete([2, 3]),
            "say": spaces.Text(min_length=1, max_length=5, charset="abc"),
            "force": spaces.Box(-2.0, 2.0, (2,), np.float32),
        })
        self._t = 0

    def _observation(self):
        return self.observation_space.sample()

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.observation_space.seed(int(self.np_random.integers(2**31)))
        self._t = 0
        return self._observation(), {"t": np.int64(0), "options": options or {}}

    def step(self, action):
        self._t += 1
        reward = np.float32(action["move"]) - float(np.sum(np.abs(action["force"])))
        terminated = self._t >= self.length
        info = {
            "t": np.int64(self._t),
            "force": np.asarray(action["force"], dtype=np.float64),
            "said": action["say"],
            "ratio": np.float32(0.5),
            "unbounded": np.inf,
            "flags": np.asarray(action["flags"]),
        }
        return self._observation(), reward, terminated, False, info

    def render(self):
        if self.render_mode == "ansi":
            return f"t={self._t}\n"
        if self.render_mode == "rgb_array":
            return np.full((2, 3, 3), self._t, dtype=np.uint8)
        return None


gym.register(ENV_ID, entry_point=AllSpacesEnv, max_episode_steps=50)


class RendezvousEnv(gym.Env):
    """Each step waits up to ``wait`` seconds for a step of another instance to
    arrive at the same time; ``info["met"]`` says whether one did. Two
    instances stepped concurrently meet only if the server runs them in
    parallel."""

    observation_space = spaces.Discrete(1)
    action_space = spaces.Discrete(1)
    barrier = threading.Barrier(2)

    def __init__(self, wait: float = 5.0):
        self.wait = wait

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return 0, {}

    def step(self, action):
        try:
            type(self).barrier.wait(timeout=self.wait)
            met = True
        except threading.BrokenBarrierError:
            type(self).barrier.reset()
            met = False
        return 0, 0.0, False, False, {"met": met}


RENDEZVOUS_ID = "GymHttpTest/Rendezvous-v0"
gym.register(RENDEZVOUS_ID, entry_point=RendezvousEnv)
