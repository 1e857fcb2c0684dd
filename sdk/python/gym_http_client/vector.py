"""RemoteVectorEnv: a real ``gymnasium.vector.VectorEnv`` whose batch runs on a gym-http-server.

One request resets or steps every sub-environment, so the cost of a round
trip is shared by the whole batch. Spaces are rebuilt from the server's
descriptions and batched the way Gymnasium batches them, so vector wrappers
and training code (CleanRL-style loops) see ordinary Gymnasium values. The
batch resets its finished sub-environments itself, as the server describes
(``metadata["autoreset_mode"]``, next-step by default). Closing frees the batch
on the server; closing twice is harmless.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space, iterate

from . import spaces
from .client import DEFAULT_BASE_URL, HTTPClient
from .env import choose_encoding
from .errors import GymHTTPError

# Batched spaces whose elements travel as one nested array.
_ARRAY_SPACES = (gym.spaces.Box, gym.spaces.MultiDiscrete, gym.spaces.MultiBinary)


class RemoteVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` copies of ``env_id`` at ``base_url``, created with ``gymnasium.make_vec``
    there; ``kwargs`` go to every sub-environment. Answers come as msgpack by
    default (``encoding``, as for ``RemoteEnv``): a batch of frames travels as
    its raw bytes."""

    def __init__(
        self,
        env_id: str,
        num_envs: int,
        *,
        base_url: str = DEFAULT_BASE_URL,
        seed: int | None = None,
        vectorization_mode: str | None = None,
        client: HTTPClient | None = None,
        token: str | None = None,
        timeout: float = 30.0,
        encoding: str = "msgpack",
        **kwargs: Any,
    ):
        self._owns_client = client is None
        self.client = client or HTTPClient(base_url, token=token, timeout=timeout)
        self.vector_id: str | None = None
        self.env_id = env_id
        try:
            self.vector_id = self.client.create_vector_env(
                env_id,
                num_envs,
                vectorization_mode=vectorization_mode,
                seed=seed,
                kwargs=kwargs,
            )
            description = self.client.describe_vector_env(self.vector_id)
            self.num_envs = description["num_envs"]
            self.single_action_space = spaces.from_description(description["single_action_space"])
            self.single_observation_space = spaces.from_description(
                description["single_observation_space"]
            )
            self.action_space = batch_space(self.single_action_space, self.num_envs)
            self.observation_space = batch_space(self.single_observation_space, self.num_envs)
            if self._owns_client:
                choose_encoding(self.client, encoding, self.observation_space)
        except BaseException:
            self.close()
            raise
        self.description = description
        self.metadata = {"autoreset_mode": AutoresetMode(description["autoreset_mode"])}
        if seed is not None:
            self.action_space.seed(seed)
            self.single_action_space.seed(seed)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        answer = self.client.reset_vector_env(self._live_id(), seed=seed, options=options or None)
        observations = spaces.from_json(self.observation_space, answer["observations"])
        return observations, self._infos(answer["infos"])

    def step(self, actions: Any):
        answer = self.client.step_vector_env(self._live_id(), self._wire(actions))
        return (
            spaces.from_json(self.observation_space, answer["observations"]),
            np.asarray(answer["rewards"], dtype=np.float64),  # "NaN" strings parse too
            np.asarray(answer["terminations"], dtype=np.bool_),
            np.asarray(answer["truncations"], dtype=np.bool_),
            self._infos(answer["infos"]),
        )

    def _infos(self, infos: Any) -> Any:
        """Gymnasium's batched infos: each key's per-sub-environment list as an array."""
        if isinstance(infos, dict):
            return {key: self._infos(value) for key, value in infos.items()}
        if isinstance(infos, list) and len(infos) == self.num_envs:
            try:
                return np.asarray(infos)
            except ValueError:  # ragged values: one object per sub-environment
                array = np.empty(self.num_envs, dtype=object)
                array[:] = infos
                return array
        return infos

    def _wire(self, actions: Any) -> Any:
        """One action per sub-environment, as the server reads a batch."""
        if isinstance(self.action_space, _ARRAY_SPACES):
            return spaces.jsonable(np.asarray(actions))
        return [
            spaces.to_json(self.single_action_space, action)
            for action in iterate(self.action_space, actions)
        ]

    def close_extras(self, **kwargs: Any) -> None:
        vector_id, self.vector_id = self.vector_id, None
        try:
            if vector_id is not None:
                self.client.post_close_vector_env(vector_id)
        except GymHTTPError as error:
            if error.code != "unknown_vector":
                raise  # already gone on the server: closed is closed
        finally:
            if self._owns_client:
                self.client.close()

    def __enter__(self) -> RemoteVectorEnv:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _live_id(self) -> str:
        if self.vector_id is None:
            raise gym.error.ClosedEnvironmentError(f"{self.env_id} batch was closed")
        return self.vector_id

    def __repr__(self) -> str:
        num_envs = getattr(self, "num_envs", "?")
        where = self.client.base_url
        return f"<RemoteVectorEnv {self.env_id} x{num_envs} {self.vector_id} at {where}>"


def make_vec(
    env_id: str, num_envs: int = 1, base_url: str = DEFAULT_BASE_URL, **kwargs: Any
) -> RemoteVectorEnv:
    """Like ``gymnasium.make_vec``, but the batch runs on the server at ``base_url``."""
    return RemoteVectorEnv(env_id, num_envs, base_url=base_url, **kwargs)
