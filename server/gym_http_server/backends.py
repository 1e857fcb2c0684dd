"""Where environments run: the backend chosen when the app is built.

One small interface, two implementations, as Gymnasium has sync and async
vector envs. ``make`` checks the request here and hands back a ``gym.Env``
(reset, step, spaces, render, close); recording wraps that env in
Gymnasium's wrappers like any other. ``make_vec`` does the same for a batch
and hands back a ``VectorEnv``. The tables hold what they hand back and
never ask which backend made it.

- ``InProcess`` (the default): the envs live in the server process.
- ``RayBackend`` (``--backend ray``, module ``raybackend``): each instance
  and each batch lives in a Ray actor, and what ``make`` and ``make_vec``
  hand back forwards each call to it.
"""

from __future__ import annotations

from typing import Any, Protocol

import gymnasium as gym
from gymnasium.vector import VectorEnv

from . import catalog
from .errors import BackendUnavailable

BACKENDS = ("inprocess", "ray")
RAY_EXTRA = "gym-http-server[ray]"


class Backend(Protocol):
    def make(self, env_id: Any, render_mode: Any = None, kwargs: Any = None) -> gym.Env: ...

    def make_vec(self, env_id: Any, num_envs: int, mode: str | None,
                 kwargs: Any = None) -> tuple[VectorEnv, str]: ...

    def shutdown(self) -> None: ...


class InProcess:
    """Environments in this process: ``catalog.make`` and nothing more."""

    name = "inprocess"

    def make(self, env_id: Any, render_mode: Any = None, kwargs: Any = None) -> gym.Env:
        return catalog.make(env_id, render_mode, kwargs)

    def make_vec(self, env_id: Any, num_envs: int, mode: str | None,
                 kwargs: Any = None) -> tuple[VectorEnv, str]:
        return catalog.make_vec(env_id, num_envs, mode, kwargs)

    def shutdown(self) -> None:
        pass


def backend_for(name: str, *, ray_address: str | None = None, env_num_cpus: float | None = None,
                imports: tuple[str, ...] = ()) -> Backend:
    """The backend ``--backend NAME`` asks for, started; a clear error if it cannot run here."""
    if name == "inprocess":
        return InProcess()
    if name != "ray":
        raise BackendUnavailable(f"unknown backend '{name}': one of {', '.join(BACKENDS)}")
    try:
        from .raybackend import RayBackend
    except ImportError as error:
        raise BackendUnavailable(
            f"--backend ray needs Ray, which is not installed here ({error}): "
            f"pip install '{RAY_EXTRA}'"
        )
    return RayBackend(address=ray_address, env_num_cpus=env_num_cpus, imports=imports)
