"""RemoteEnv: a real ``gymnasium.Env`` whose environment runs on a gym-http-server.

Spaces are rebuilt from the server's descriptions, so wrappers, ``check_env``
and libraries such as Stable-Baselines3 see ordinary Gymnasium spaces and
values with the right dtypes. Closing (directly or by leaving a ``with``
block) frees the instance on the server; closing twice is harmless.

``AsyncRemoteEnv`` is the same environment for asyncio: the same spaces and
values, ``await env.step(action)``, for driving many environments from one
event loop.
"""

from __future__ import annotations

import io
from typing import Any

import gymnasium as gym
import numpy as np
from PIL import Image

from . import spaces
from .async_client import AsyncHTTPClient
from .client import DEFAULT_BASE_URL, HTTPClient
from .errors import UnknownInstanceError

MSGPACK_FROM_ELEMENTS = 256
"""Observations with at least this many numbers travel as msgpack under ``encoding="auto"``."""


def array_elements(space: gym.Space) -> int:
    """How many numbers one observation of ``space`` carries as arrays."""
    if isinstance(space, (gym.spaces.Box, gym.spaces.MultiBinary, gym.spaces.MultiDiscrete)):
        return int(np.prod(space.shape))
    if isinstance(space, gym.spaces.Dict):
        return sum(array_elements(sub) for sub in space.spaces.values())
    if isinstance(space, gym.spaces.Tuple):
        return sum(array_elements(sub) for sub in space.spaces)
    return 0


def choose_encoding(client: Any, encoding: str, observation_space: gym.Space) -> None:
    """Set what ``client`` asks answers in. ``auto``: msgpack where observations
    are big arrays (images), where raw bytes beat nested JSON numbers many times
    over; JSON otherwise."""
    if encoding == "auto":
        big = array_elements(observation_space) >= MSGPACK_FROM_ELEMENTS
        encoding = "msgpack" if big else "json"
    client.encoding = encoding


class _Described:
    """What both env classes learn from ``describe_env``: spaces, render mode, metadata."""

    def _take_description(self, env_id: str, description: dict, seed: int | None) -> None:
        self.action_space = spaces.from_description(description["action_space"])
        self.observation_space = spaces.from_description(description["observation_space"])
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

    def _reset_result(self, answer: dict) -> tuple[Any, dict]:
        return spaces.from_json(self.observation_space, answer["observation"]), answer["info"]

    def _step_result(self, answer: dict) -> tuple[Any, float, bool, bool, dict]:
        return (
            spaces.from_json(self.observation_space, answer["observation"]),
            spaces.number(answer["reward"]),
            spaces.flag(answer["terminated"]),
            spaces.flag(answer["truncated"]),
            answer["info"],
        )

    @property
    def _renders_images(self) -> bool:
        return self.render_mode.startswith("rgb_array") and not self.render_mode.endswith("_list")

    def _frame(self, answer: Any) -> Any:
        """A frame from a PNG answer, or from ``{render_mode, frame}``."""
        if isinstance(answer, bytes):
            with Image.open(io.BytesIO(answer)) as image:
                return np.asarray(image.convert("RGB"), dtype=np.uint8)
        if self._renders_images:
            return np.asarray(answer["frame"], dtype=np.uint8)
        return answer["frame"]

    def _choose_encoding(self, client: Any, encoding: str) -> None:
        choose_encoding(client, encoding, self.observation_space)

    def _live_id(self) -> str:
        if self.instance_id is None:
            raise gym.error.ClosedEnvironmentError(f"{self.env_id} was closed")
        return self.instance_id


class RemoteEnv(_Described, gym.Env):
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
        encoding: str = "msgpack",
        **kwargs: Any,
    ):
        self._owns_client = client is None
        self.client = client or HTTPClient(base_url, token=token, timeout=timeout)
        self.instance_id: str | None = None
        self.env_id = env_id
        try:
            self.instance_id = self.client.create_env(
                env_id, seed=seed, render_mode=render_mode, kwargs=kwargs
            )
            description = self.client.describe_env(self.instance_id)
            self._take_description(env_id, description, seed)
            if self._owns_client:
                self._choose_encoding(self.client, encoding)
        except BaseException:
            self.close()
            raise

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        return self._reset_result(
            self.client.reset_env(self._live_id(), seed=seed, options=options)
        )

    def step(self, action: Any):
        action = spaces.to_json(self.action_space, action)
        return self._step_result(self.client.step_env(self._live_id(), action))

    def render(self):
        """The frame; ``rgb_array`` frames travel as PNG and come back as uint8 arrays."""
        if self.render_mode is None:
            return None
        if self._renders_images:
            return self._frame(self.client.render_png(self._live_id()))
        return self._frame(self.client.render_env(self._live_id()))

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

    def __repr__(self) -> str:
        return f"<RemoteEnv {self.env_id} {self.instance_id} at {self.client.base_url}>"


class AsyncRemoteEnv(_Described):
    """An environment on the server, driven with ``await``; create it with ``make_async``.

    ``reset`` and ``step`` answer exactly what ``RemoteEnv``'s do. Share one
    ``AsyncHTTPClient`` (``client=``) between the environments of one loop.
    """

    def __init__(
        self,
        client: AsyncHTTPClient,
        env_id: str,
        instance_id: str,
        description: dict,
        *,
        seed: int | None = None,
        owns_client: bool = False,
    ):
        self.client = client
        self.instance_id: str | None = instance_id
        self._owns_client = owns_client
        self._take_description(env_id, description, seed)

    @classmethod
    async def create(
        cls,
        env_id: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        seed: int | None = None,
        render_mode: str | None = None,
        client: AsyncHTTPClient | None = None,
        token: str | None = None,
        timeout: float = 30.0,
        encoding: str = "msgpack",
        **kwargs: Any,
    ) -> AsyncRemoteEnv:
        """Create the instance and describe it; ``kwargs`` go to ``gymnasium.make`` there."""
        owns_client = client is None
        client = client or AsyncHTTPClient(base_url, token=token, timeout=timeout)
        instance_id = None
        try:
            instance_id = await client.create_env(
                env_id, seed=seed, render_mode=render_mode, kwargs=kwargs
            )
            description = await client.describe_env(instance_id)
            env = cls(client, env_id, instance_id, description, seed=seed, owns_client=owns_client)
            if owns_client:
                env._choose_encoding(client, encoding)
            return env
        except BaseException:
            if instance_id is not None:
                await client.close_env(instance_id)
            if owns_client:
                await client.aclose()
            raise

    async def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        answer = await self.client.reset_env(self._live_id(), seed=seed, options=options)
        return self._reset_result(answer)

    async def step(self, action: Any):
        action = spaces.to_json(self.action_space, action)
        return self._step_result(await self.client.step_env(self._live_id(), action))

    async def render(self):
        if self.render_mode is None:
            return None
        if self._renders_images:
            return self._frame(await self.client.render_png(self._live_id()))
        return self._frame(await self.client.render_env(self._live_id()))

    async def close(self) -> None:
        instance_id, self.instance_id = self.instance_id, None
        try:
            if instance_id is not None:
                await self.client.close_env(instance_id)
        except UnknownInstanceError:
            pass  # already gone on the server: closed is closed
        finally:
            if self._owns_client:
                await self.client.aclose()

    async def __aenter__(self) -> AsyncRemoteEnv:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<AsyncRemoteEnv {self.env_id} {self.instance_id} at {self.client.base_url}>"


def make(env_id: str, base_url: str = DEFAULT_BASE_URL, **kwargs: Any) -> RemoteEnv:
    """Like ``gymnasium.make``, but the environment runs on the server at ``base_url``."""
    return RemoteEnv(env_id, base_url=base_url, **kwargs)


async def make_async(
    env_id: str, base_url: str = DEFAULT_BASE_URL, **kwargs: Any
) -> AsyncRemoteEnv:
    """``make`` for asyncio: ``env = await make_async("CartPole-v1", base_url=...)``."""
    return await AsyncRemoteEnv.create(env_id, base_url=base_url, **kwargs)
