"""How much memory one environment holds, so a batch is bounded before it is built.

A ``sync`` batch builds ``num_envs`` copies of one environment in the
server's process, so it costs ``num_envs`` times one: little for most, but
Taxi builds its transition table per copy (about 0.8 MiB), and 1024 copies
took 830 MiB. Before a large ``sync`` batch is built, one copy is built and
its data measured (containers and arrays reachable from the environment's
attributes); a batch whose estimate passes ``BATCH_BUDGET_BYTES`` is a 400
``num_envs_too_large`` naming the size that fits. Batches from a vector
entry point (one vectorized env, CartPole's) and ``async`` batches (one
process each, bounded by the process budget) are not estimated.
"""

from __future__ import annotations

import sys
from typing import Any

import gymnasium as gym
import numpy as np

from . import errors

BATCH_BUDGET_BYTES = 256 * 1024 * 1024
# Smaller batches are not worth the extra copy.
ESTIMATE_FROM = 32
# Enough to see any table an env builds; beyond it, the count so far stands.
_MAX_OBJECTS = 2_000_000
_CONTAINERS = (dict, list, tuple, set, frozenset)


def data_bytes(env: gym.Env) -> int:
    """Bytes of the containers, arrays and scalars reachable from the
    unwrapped environment's attributes (each object counted once)."""
    root = env.unwrapped
    stack: list[Any] = list(vars(root).values())
    seen: set[int] = {id(root)}
    total = 0
    while stack and len(seen) < _MAX_OBJECTS:
        item = stack.pop()
        if id(item) in seen or isinstance(item, type):
            continue
        seen.add(id(item))
        if isinstance(item, np.ndarray):
            total += item.nbytes + sys.getsizeof(item) if item.base is None else 0
            continue
        total += sys.getsizeof(item)
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, _CONTAINERS):
            stack.extend(item)
    return total


def check_batch(spec_id: str, num_envs: int, mode: str, kwargs: dict) -> None:
    """``num_envs_too_large`` if ``num_envs`` copies would pass the budget."""
    if mode != "sync" or num_envs < ESTIMATE_FROM:
        return
    env = gym.make(spec_id, **kwargs)
    try:
        each = max(data_bytes(env), 1)
    finally:
        env.close()
    if each * num_envs > BATCH_BUDGET_BYTES:
        fits = max(1, BATCH_BUDGET_BYTES // each)
        raise errors.NumEnvsTooLarge(
            f"{num_envs} copies of {spec_id} would hold about {each * num_envs >> 20} MiB "
            f"({each >> 10} KiB each); a sync batch may hold "
            f"{BATCH_BUDGET_BYTES >> 20} MiB, so at most {fits} of them"
        )
