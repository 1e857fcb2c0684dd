"""RemoteEnv: a real ``gymnasium.Env`` whose environment runs on a gym-http-server.

Spaces are rebuilt from the server's descriptions, so wrappers, ``check_env``
and libraries such as Stable-Baselines3 see ordinary Gymnasium spaces and
values with the right dtypes. Closing (directly or by leaving a ``with``
block) frees the instance on the server; closing twice is harmless.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from . import spaces
from .client import DEFAULT_BASE_URL, HTTPClient
from .errors import UnknownInstanceError


class RemoteEnv(gym.Env):
    """An environment created at ``base_url``; ``kwargs`` go to ``gymnasium.make`` there."""

    def __init__(
        self,
        env_id: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        seed: int | None = None,
        render_mode: str | None = None,
        client: HTTPClient | None = None,
        token: str | None = None,
        timeout: float = 30.0,
        **kwargs: Any,
    ):
        self._owns_client = client is None
        self.client = client or HTTPClient(base_url, token=token, timeout=timeout)
        self.instance_id: str | None = None
        try:
            self.instance_id = self.client.create_env(
                env_id, seed=seed, render_mode=render_mode, kwargs=kwargs
            )
            description = self.client.describe_env(self.instance_id)
            self.action_space = spaces.from_description(description["action_space"])
            self.observation_space = spaces.from_description(description["observation_space"])
        except BaseException:
            self.close()
            raise
        self.env_id = env_id
        self.render_mode = description["render_mode"]
        self.metadata = {
            "render_modes": [m for m in description["render_modes"] if m != "human"],
            "render_fps": None,
        }
        self.description = description
        if seed is not None:
            self.action_space.seed(seed)
            self.observation_space.seed(seed)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        answer = self.client.reset_env(self._live_id(), seed=seed, options=options)
        return spaces.from_json(self.observation_space, answer["observation"]), answer["info"]

    def step(self, action: Any):
        answer = self.client.step_env(self._live_id(), spaces.to_json(self.action_space, action))
        return (
            spaces.from_json(self.observation_space, answer["observation"]),
            spaces.float_from_json(answer["reward"]),
            bool(answer["terminated"]),
            bool(answer["truncated"]),
            answer["info"],
        )

    def render(self):
        if self.render_mode is None:
            return None
        frame = self.client.render_env(self._live_id())["frame"]
        if self.render_mode.startswith("rgb_array") and not self.render_mode.endswith("_list"):
            return np.asarray(frame, dtype=np.uint8)
        return frame

    def close(self) -> None:
        instance_id, self.instance_id = self.instance_id, None
        try:
            if instance_id is not None:
                self.client.close_env(instance_id)
        except UnknownInstanceError:
            pass  # already gone on the server: closed is closed
        finally:
            if self._owns_client:
                self.client.close()

    def _live_id(self) -> str:
        if self.instance_id is None:
            raise gym.error.ClosedEnvironmentError(f"{self.env_id} was closed")
        return self.instance_id

    def __repr__(self) -> str:
        env_id = getattr(self, "env_id", "?")
        return f"<RemoteEnv {env_id} {self.instance_id} at {self.client.base_url}>"


def make(env_id: str, base_url: str = DEFAULT_BASE_URL, **kwargs: Any) -> RemoteEnv:
    """Like ``gymnasium.make``, but the environment runs on the server at ``base_url``."""
    return RemoteEnv(env_id, base_url=base_url, **kwargs)
