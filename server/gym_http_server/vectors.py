"""Batches of environments: one Gymnasium vector env stepped by one request.

A batch is what ``gymnasium.make_vec`` returns, held in a ``Table`` like
instances are (same locking, same capacity), counting ``num_envs``
sub-environments against ``--max-envs``. Actions arrive batched: a list (or,
in msgpack, an array) with one action per sub-environment.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gymnasium import spaces as gym_spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import concatenate, create_empty_array

from . import errors, params, spaces
from .instances import Breakable, Capacity, Table, reset_with_options

MODES = ("vector_entry_point", "sync", "async")

# Batched action spaces that decode as one array, checked in one call.
ARRAY_SPACES = (gym_spaces.Box, gym_spaces.MultiDiscrete, gym_spaces.MultiBinary)


def async_limit() -> int:
    """``async`` runs one worker process per sub-environment: at most one per core."""
    return max(2, os.cpu_count() or 1)


@dataclass
class VectorInstance(Breakable):
    """One vector env and the counters clients can inspect."""

    vector_id: str
    env_id: str
    env: VectorEnv
    vectorization_mode: str
    seed: int | None = None
    kwargs: dict = field(default_factory=dict)
    resets: int = 0
    steps: int = 0
    closed: bool = False
    # time.monotonic() of the last call that held the batch (the reaper's clock).
    last_used: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _pending_seed: int | None = None

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._pending_seed = self.seed
            self.env.action_space.seed(self.seed)
            self.env.single_action_space.seed(self.seed)

    @property
    def size(self) -> int:
        return self.env.num_envs

    @property
    def autoreset_mode(self) -> str:
        mode = self.env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
        return AutoresetMode(mode).value

    def reset(
        self, seed: int | None, options: dict | None, timeout: float | None = None
    ) -> tuple[Any, dict]:
        pending = self._pending_seed if seed is None else None
        observations, infos = self.guarded(
            timeout,
            lambda: reset_with_options(
                self.env, self.env_id, pending if seed is None else seed, options
            ),
        )
        if seed is None:
            self._pending_seed = None
        self.resets += 1
        return observations, infos

    def step(self, actions: Any, timeout: float | None = None) -> tuple[Any, Any, Any, Any, dict]:
        if self.resets == 0 and self.broken is None:
            raise errors.ResetNeeded(
                f"Vector_id {self.vector_id} must be reset before its first step"
            )
        result = self.guarded(timeout, lambda: self.env.step(actions))
        self.steps += 1
        return result

    def decode_actions(self, data: Any) -> Any:
        """One action per sub-environment, as an element of the batched action space."""
        if data is None:
            raise errors.MissingParameter("actions")
        count = None
        if isinstance(data, list):
            count = len(data)
        elif isinstance(data, np.ndarray) and data.ndim:
            count = data.shape[0]
        if count != self.size:
            raise errors.WrongBatchSize(
                f"'actions' must hold one action per sub-environment ({self.size}), "
                f"not {'a single value' if count is None else count}"
            )
        space, single = self.env.action_space, self.env.single_action_space
        try:
            if isinstance(space, ARRAY_SPACES):
                actions = spaces.decode(space, data)
                inside = spaces.member(space, actions)
            else:
                items = [spaces.decode(single, item) for item in data]
                inside = all(spaces.member(single, item) for item in items)
                actions = concatenate(single, items, create_empty_array(single, self.size))
        except spaces.Unsupported:
            raise errors.UnsupportedSpace(
                f"Actions of {type(single).__name__} spaces cannot be sent over HTTP"
            )
        except ValueError as error:
            raise errors.InvalidAction(
                f"'actions' is not a batch of the action space {single}: {errors.echo(error)}"
            )
        if not inside:
            raise errors.InvalidAction(
                f"Actions {params.echo_json(data)} are not all in the action space {single}"
            )
        return actions

    def close(self) -> None:
        self.env.close()


class VectorTable(Table[VectorInstance]):
    """All live batches by id, sharing the instances' capacity."""

    def __init__(self, capacity: Capacity | int) -> None:
        super().__init__(capacity, errors.UnknownVector, errors.VectorExpired)

    def add(self, env_id: str, env: VectorEnv, mode: str, **details: Any) -> VectorInstance:
        try:
            return self.put(
                lambda vector_id: VectorInstance(vector_id, env_id, env, mode, **details),
                size=env.num_envs,
            )
        except errors.TooManyEnvs:
            env.close()
            raise

    def broken_ids(self) -> dict[str, str]:
        """Batches that can no longer serve, with the code their calls answer."""
        return {v.vector_id: v.broken.code for v in self.entries() if v.broken is not None}

    def listing(self) -> dict[str, dict]:
        return {v.vector_id: {"env_id": v.env_id, "num_envs": v.size} for v in self.entries()}
