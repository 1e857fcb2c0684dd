"""A CPU-heavy env that needs no download: CartPole whose every step burns
about ten milliseconds of pure-Python CPU, as a physics simulator's would.

The bench imports this into its servers (``--import burnenv``). The work
holds the GIL, so two clients stepping two instances in one server process
take turns on one core; on the Ray backend each instance has a process.
"""

import gymnasium as gym
from gymnasium.envs.classic_control.cartpole import CartPoleEnv

BURN_LOOPS = 200_000


class BurnCartPole(CartPoleEnv):
    def step(self, action):
        total = 0
        for i in range(BURN_LOOPS):
            total += i * i
        return super().step(action)


gym.register("GymHttpBench/BurnCartPole-v0", entry_point=BurnCartPole, max_episode_steps=10**9)
