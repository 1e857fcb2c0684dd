"""``GymHttpTest/AllSpaces-v0``, the fixture environment of the conformance cases.

A server written in Python registers it with one import; the reference server
with ``gym-http-server --import gym_http_conformance.allspaces``, any other
Gymnasium-backed server with::

    import gym_http_conformance.allspaces  # registers GymHttpTest/AllSpaces-v0

It has Dict observation and action spaces covering Discrete, Box, MultiBinary,
MultiDiscrete, Text and Tuple, and puts numpy values into ``info``, so the
cases see every space kind and every codec path with a real Gymnasium env.
Episodes last ``length`` steps (kwarg, default 5), then terminate; the time
limit is 50 steps. ``GymHttpTest/GraphOneOf-v0`` (same module) has the
other two kinds, Graph and OneOf, in its Dict observation and action spaces.
Servers not written in Python implement the same spaces and behaviour to run
the cases that need it (the rest run without it).

Needs ``gymnasium`` and ``numpy``, which the runner itself does not.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

ENV_ID = "GymHttpTest/AllSpaces-v0"
GRAPH_ENV_ID = "GymHttpTest/GraphOneOf-v0"


class AllSpacesEnv(gym.Env):
    metadata = {"render_modes": ["ansi", "rgb_array"]}

    def __init__(self, length: int = 5, render_mode: str | None = None):
        self.length = length
        self.render_mode = render_mode
        self.observation_space = spaces.Dict(
            {
                "discrete": spaces.Discrete(3),
                "box": spaces.Box(-1.0, 1.0, (2,), np.float32),
                "multi_binary": spaces.MultiBinary(4),
                "multi_discrete": spaces.MultiDiscrete([3, 2]),
                "text": spaces.Text(max_length=8),
                "tuple": spaces.Tuple((spaces.Discrete(2), spaces.Box(0.0, 1.0, (1,), np.float32))),
            }
        )
        self.action_space = spaces.Dict(
            {
                "move": spaces.Discrete(4),
                "flags": spaces.MultiBinary(3),
                "levels": spaces.MultiDiscrete([2, 3]),
                "say": spaces.Text(min_length=1, max_length=5, charset="abc"),
                "force": spaces.Box(-2.0, 2.0, (2,), np.float32),
            }
        )
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


class GraphOneOfEnv(gym.Env):
    """Graph and OneOf spaces: observations are three-node graphs and a choice;
    the reward of a step is the number of nodes of the action's graph, plus
    the index of its choice. Episodes last ``length`` steps."""

    metadata = {"render_modes": []}

    def __init__(self, length: int = 5):
        self.length = length
        self.observation_space = spaces.Dict(
            {
                "graph": spaces.Graph(spaces.Box(-1.0, 1.0, (2,), np.float32), spaces.Discrete(3)),
                "choice": spaces.OneOf(
                    (spaces.Discrete(3), spaces.Box(0.0, 1.0, (2,), np.float32))
                ),
            }
        )
        self.action_space = spaces.Dict(
            {
                "graph": spaces.Graph(spaces.Discrete(2), None),
                "choice": spaces.OneOf((spaces.Discrete(2), spaces.Text(3, charset="ab"))),
            }
        )
        self._t = 0

    def _observation(self):
        graph, choice = self.observation_space["graph"], self.observation_space["choice"]
        return {"graph": graph.sample(num_nodes=3), "choice": choice.sample()}

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.observation_space.seed(int(self.np_random.integers(2**31)))
        self._t = 0
        return self._observation(), {}

    def step(self, action):
        self._t += 1
        reward = float(len(action["graph"].nodes) + int(action["choice"][0]))
        return self._observation(), reward, self._t >= self.length, False, {}


gym.register(GRAPH_ENV_ID, entry_point=GraphOneOfEnv, max_episode_steps=50)
