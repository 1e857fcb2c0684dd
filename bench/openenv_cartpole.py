"""CartPole-v1 served by OpenEnv, the way its ``openenv init`` template serves an env.

Runs only in the OpenEnv peer's own virtualenv (bench/peers.py makes it):
``uvicorn openenv_cartpole:app`` serves it, as the template's Dockerfile does;
``python openenv_cartpole.py URL`` steps it with OpenEnv's own ``EnvClient``
over its WebSocket session protocol, timing the steps asked for on stdin
(one count per line; one elapsed time in seconds per line on stdout).
"""

from __future__ import annotations

import sys
import time
from typing import Any
from uuid import uuid4

import gymnasium as gym
from openenv.core import EnvClient
from openenv.core.client_types import StepResult
from openenv.core.env_server.http_server import create_app
from openenv.core.env_server.interfaces import Environment
from openenv.core.env_server.types import Action, Observation, State
from pydantic import Field

MAX_CONCURRENT_ENVS = 4096  # the template's default is 1: one session at a time


class CartPoleAction(Action):
    action: int = Field(..., description="0 pushes the cart left, 1 right")


class CartPoleObservation(Observation):
    observation: list[float] = Field(default_factory=list, description="position, velocity, "
                                     "angle, angular velocity")


class CartPoleEnvironment(Environment):
    """Gymnasium's CartPole-v1 behind OpenEnv's Environment interface."""

    SUPPORTS_CONCURRENT_SESSIONS: bool = True

    def __init__(self):
        super().__init__()
        self._env = gym.make("CartPole-v1")
        self._state = State(episode_id=str(uuid4()), step_count=0)

    def reset(self, seed: int | None = None, episode_id: str | None = None,
              **kwargs: Any) -> CartPoleObservation:
        observation, _ = self._env.reset(seed=seed)
        self._state = State(episode_id=episode_id or str(uuid4()), step_count=0)
        return CartPoleObservation(observation=observation.tolist(), done=False, reward=0.0)

    def step(self, action: CartPoleAction) -> CartPoleObservation:  # type: ignore[override]
        observation, reward, terminated, truncated, _ = self._env.step(action.action)
        self._state.step_count += 1
        return CartPoleObservation(observation=observation.tolist(), reward=float(reward),
                                   done=bool(terminated or truncated))

    @property
    def state(self) -> State:
        return self._state

    def close(self) -> None:
        self._env.close()


app = create_app(CartPoleEnvironment, CartPoleAction, CartPoleObservation,
                 env_name="cartpole", max_concurrent_envs=MAX_CONCURRENT_ENVS)


class CartPoleEnv(EnvClient[CartPoleAction, CartPoleObservation, State]):
    """The client as the template writes one."""

    def _step_payload(self, action: CartPoleAction) -> dict:
        return {"action": action.action}

    def _parse_result(self, payload: dict) -> StepResult[CartPoleObservation]:
        data = payload.get("observation", {})
        observation = CartPoleObservation(observation=data.get("observation", []),
                                          done=payload.get("done", False),
                                          reward=payload.get("reward"))
        return StepResult(observation=observation, reward=payload.get("reward"),
                          done=payload.get("done", False))

    def _parse_state(self, payload: dict) -> State:
        return State(episode_id=payload.get("episode_id"),
                     step_count=payload.get("step_count", 0))


def drive(url: str) -> None:
    """Step one session, resetting when an episode ends, for each count read."""
    actions = [CartPoleAction(action=0), CartPoleAction(action=1)]
    with CartPoleEnv(base_url=url).sync() as env:
        env.reset(seed=0)
        print("ready", flush=True)
        i = 0
        for line in sys.stdin:
            start = time.perf_counter()
            for _ in range(int(line)):
                if env.step(actions[i % 2]).done:
                    env.reset()
                i += 1
            print(time.perf_counter() - start, flush=True)


if __name__ == "__main__":
    drive(sys.argv[1])
