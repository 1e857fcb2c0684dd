"""Where environments run: the backend chosen when the app is built.

One small interface, three implementations, as Gymnasium has sync and async
vector envs. ``make`` checks the request here and hands back a ``gym.Env``
(reset, step, spaces, render, close); recording wraps that env in
Gymnasium's wrappers like any other. ``make_vec`` does the same for a batch
and hands back a ``VectorEnv``. The tables hold what they hand back and
never ask which backend made it.

- ``inprocess`` (the default): the envs live in the server process; a call
  with a deadline runs on a helper thread (``deadlines``).
- ``process`` (``--backend process``): each instance and each batch in a
  worker process of its own, behind a pipe.
- ``ray`` (``--backend ray``): each instance and each batch in a Ray actor.

What every env they hand back shares: reset, step and render honour the
deadline of ``deadlines.current()`` and answer ``StepTimeout`` past it; an
env whose process has died answers ``EnvProcessDied``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import gymnasium as gym
from gymnasium.vector import VectorEnv

from ..errors import BackendUnavailable
from .budget import Processes
from .inprocess import InProcess

if TYPE_CHECKING:
    from ..config import ServerConfig

BACKENDS = ("inprocess", "process", "ray")
RAY_EXTRA = "gym-http-server[ray]"

__all__ = ["BACKENDS", "RAY_EXTRA", "Backend", "InProcess", "Processes", "backend_for"]


class Backend(Protocol):
    name: str
    # Worker processes (async batches' and the process backend's) against --max-processes.
    processes: Processes

    def make(self, env_id: Any, render_mode: Any = None, kwargs: Any = None) -> gym.Env: ...

    def make_vec(
        self, env_id: Any, num_envs: int, mode: str | None, kwargs: Any = None
    ) -> tuple[VectorEnv, str]: ...

    def shutdown(self) -> None: ...


def backend_for(config: ServerConfig, imports: tuple[str, ...] = ()) -> Backend:
    """The backend ``config.backend`` names, started; a clear error if it cannot run here."""
    processes = Processes(config.max_processes)
    if config.backend == "inprocess":
        return InProcess(processes)
    if config.backend == "process":
        from .process import ProcessBackend

        return ProcessBackend(
            processes,
            imports=tuple(imports),
            create_timeout=config.step_timeout,
            memory_mib=config.worker_memory_mib,
        )
    if config.backend != "ray":
        raise BackendUnavailable(
            f"unknown backend '{config.backend}': one of {', '.join(BACKENDS)}"
        )
    try:
        from .ray import RayBackend
    except ImportError as error:
        raise BackendUnavailable(
            f"--backend ray needs Ray, which is not installed here ({error}): "
            f"pip install '{RAY_EXTRA}'"
        )
    return RayBackend(
        processes,
        address=config.ray_address,
        env_num_cpus=config.env_num_cpus,
        imports=tuple(imports),
        create_timeout=config.step_timeout,
        resources=dict(config.env_resources),
        spread=config.env_scheduling == "spread",
    )
