"""An environment whose step waits 50 ms and uses no CPU: a simulator in
another process, a browser, a tool or model call. The bench's I/O-bound rows
(``--import sleepenv`` with bench/ on PYTHONPATH)."""

from __future__ import annotations

import time

import gymnasium as gym
import numpy as np

SLEEP_ID = "GymHttpBench/Sleep50ms-v0"
STEP_SECONDS = 0.05


class SleepEnv(gym.Env):
    observation_space = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(4, np.float32), {}

    def step(self, action):
        time.sleep(STEP_SECONDS)
        return np.zeros(4, np.float32), 1.0, False, False, {}


if SLEEP_ID not in gym.registry:
    gym.register(SLEEP_ID, entry_point=SleepEnv)
