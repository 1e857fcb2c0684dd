"""What a stand-in for an environment in another process (a worker, a Ray
actor) knows without asking: its spaces, render mode, metadata and spec,
sent once when the environment is built."""

from __future__ import annotations

from typing import Any

from gymnasium.vector import VectorEnv

ENV_FIELDS = ("action_space", "observation_space", "render_mode", "metadata", "spec")
BATCH_FIELDS = (
    "num_envs",
    "action_space",
    "observation_space",
    "single_action_space",
    "single_observation_space",
    "render_mode",
    "metadata",
    "spec",
)


def describe(env: Any) -> dict:
    """The fields a stand-in takes over, read where the environment lives."""
    fields = BATCH_FIELDS if isinstance(env, VectorEnv) else ENV_FIELDS
    return {name: getattr(env, name) for name in fields}


def adopt(stand_in: Any, description: dict) -> None:
    """Give the stand-in the fields ``describe`` read."""
    for name, value in description.items():
        setattr(stand_in, name, value)
