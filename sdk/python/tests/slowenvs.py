"""A test environment whose steps take time on the server, as a simulator's would.

Imported by a test server (``--import slowenvs``); the waiting is a sleep, so
it costs the server no CPU and concurrent steps of different instances
overlap, as they would for a real slow environment.
"""

from __future__ import annotations

import time

import gymnasium as gym
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

STEP_SECONDS = 0.002
SLOW_CARTPOLE = "GymHttpTest/SlowCartPole-v0"


class SlowCartPole(CartPoleEnv):
    """CartPole whose every step takes STEP_SECONDS longer."""

    def step(self, action):
        time.sleep(STEP_SECONDS)
        return super().step(action)


gym.register(id=SLOW_CARTPOLE, entry_point=SlowCartPole, max_episode_steps=500)
