"""Test environments of the server's own tests, registered through ``--import testenvs``.

``GymHttpTest/AllSpaces-v0`` (every space kind) is the conformance suite's
fixture, registered by importing ``gym_http_conformance.allspaces``; this
module adds ``GymHttpTest/Rendezvous-v0`` for the concurrency tests and
``GymHttpTest/Wrapper-v0`` (an env that makes the env id it is given) for the
attack tests.
"""

from __future__ import annotations

import threading

import gymnasium as gym
from gymnasium import spaces

from gym_http_conformance.allspaces import ENV_ID, AllSpacesEnv

__all__ = ["ENV_ID", "RENDEZVOUS_ID", "WRAPPER_ID", "AllSpacesEnv", "RendezvousEnv", "WrapperEnv"]


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


class WrapperEnv(gym.Env):
    """Makes the env ``env_id`` names and plays it, as wrappers that take an env
    id do (shimmy's GymV26Environment-v0 among them)."""

    def __init__(self, env_id: str = "CartPole-v1", render_mode=None):
        self.inner = gym.make(env_id)
        self.observation_space = self.inner.observation_space
        self.action_space = self.inner.action_space

    def reset(self, *, seed=None, options=None):
        return self.inner.reset(seed=seed, options=options)

    def step(self, action):
        return self.inner.step(action)


WRAPPER_ID = "GymHttpTest/Wrapper-v0"
gym.register(WRAPPER_ID, entry_point=WrapperEnv)
