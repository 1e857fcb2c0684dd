"""A test environment with image observations, registered through ``--import pixelenvs``.

Observations are 64×64 RGB frames (uint8), drawn from the env's seeded random
generator, so two instances reset with one seed see the same pictures.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

PIXELS = "GymHttpTest/Pixels-v0"


class PixelsEnv(gym.Env):
    observation_space = gym.spaces.Box(0, 255, (64, 64, 3), np.uint8)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return self._frame(), {}

    def step(self, action):
        return self._frame(), float(action), False, False, {}

    def _frame(self):
        return self.np_random.integers(0, 256, (64, 64, 3), dtype=np.uint8)


gym.register(PIXELS, entry_point=PixelsEnv, max_episode_steps=100)
