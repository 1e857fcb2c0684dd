"""CartPole-v1 served by OpenEnv, the way its ``openenv init`` template serves an env.

Runs only in the OpenEnv peer's own virtualenv (bench/peers.py makes it):
``uvicorn openenv_cartpole:app`` serves it, as the template's Dockerfile does;
``python openenv_cartpole.py URL`` steps it with OpenEnv's own ``EnvClient``
over its WebSocket session protocol, timing the steps asked for on stdin
(one count per line; one elapsed time in seconds per line on stdout).
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any
from uuid import uuid4

import gymnasium as gym
from held import hold, raise_open_files
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
    observation: list[float] = Field(
        default_factory=list, description="position, velocity, angle, angular velocity"
    )


class CartPoleEnvironment(Environment):
    """Gymnasium's CartPole-v1 behind OpenEnv's Environment interface."""

    SUPPORTS_CONCURRENT_SESSIONS: bool = True

    def __init__(self):
        super().__init__()
        self._env = gym.make("CartPole-v1")
        self._state = State(episode_id=str(uuid4()), step_count=0)

    def reset(
        self, seed: int | None = None, episode_id: str | None = None, **kwargs: Any
    ) -> CartPoleObservation:
        observation, _ = self._env.reset(seed=seed)
        self._state = State(episode_id=episode_id or str(uuid4()), step_count=0)
        return CartPoleObservation(observation=observation.tolist(), done=False, reward=0.0)

    def step(self, action: CartPoleAction) -> CartPoleObservation:  # type: ignore[override]
        observation, reward, terminated, truncated, _ = self._env.step(action.action)
        self._state.step_count += 1
        return CartPoleObservation(
            observation=observation.tolist(),
            reward=float(reward),
            done=bool(terminated or truncated),
        )

    @property
    def state(self) -> State:
        return self._state

    def close(self) -> None:
        self._env.close()


app = create_app(
    CartPoleEnvironment,
    CartPoleAction,
    CartPoleObservation,
    env_name="cartpole",
    max_concurrent_envs=MAX_CONCURRENT_ENVS,
)


class CartPoleEnv(EnvClient[CartPoleAction, CartPoleObservation, State]):
    """The client as the template writes one."""

    def _step_payload(self, action: CartPoleAction) -> dict:
        return {"action": action.action}

    def _parse_result(self, payload: dict) -> StepResult[CartPoleObservation]:
        data = payload.get("observation", {})
        observation = CartPoleObservation(
            observation=data.get("observation", []),
            done=payload.get("done", False),
            reward=payload.get("reward"),
        )
        return StepResult(
            observation=observation, reward=payload.get("reward"), done=payload.get("done", False)
        )

    def _parse_state(self, payload: dict) -> State:
        return State(episode_id=payload.get("episode_id"), step_count=payload.get("step_count", 0))


class HeldSession:
    """One WebSocket session of its own, for held.hold."""

    def __init__(self, client: CartPoleEnv):
        self.client = client

    @classmethod
    async def open(cls, url: str) -> HeldSession:
        client = CartPoleEnv(base_url=url)
        await client.__aenter__()
        session = cls(client)
        await client.reset(seed=0)
        await session.step()
        return session

    async def step(self) -> None:
        await self.client.step(CartPoleAction(action=0))

    async def close(self) -> None:
        await self.client.close()


def hold_sessions(url: str, sessions: int) -> None:
    """Hold ``sessions`` sessions; say how many and how long, and keep them
    open until the next line on stdin (the bench reads the server's memory)."""
    raise_open_files(sessions + 256)

    def report(held: int, seconds: float) -> None:
        print(held, seconds, flush=True)
        sys.stdin.readline()

    asyncio.run(hold(lambda: HeldSession.open(url), sessions, report))
    print("released", flush=True)


def drive(url: str) -> None:
    """Step one session, resetting when an episode ends, for each count read;
    ``hold N`` holds N sessions at once instead."""
    actions = [CartPoleAction(action=0), CartPoleAction(action=1)]
    with CartPoleEnv(base_url=url).sync() as env:
        env.reset(seed=0)
        print("ready", flush=True)
        i = 0
        for line in sys.stdin:
            if line.startswith("hold"):
                hold_sessions(url, int(line.split()[1]))
                continue
            start = time.perf_counter()
            for _ in range(int(line)):
                if env.step(actions[i % 2]).done:
                    env.reset()
                i += 1
            print(time.perf_counter() - start, flush=True)


if __name__ == "__main__":
    drive(sys.argv[1])
