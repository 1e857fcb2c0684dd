"""Which environments a client may create, and creating them.

Clients only ever name ids that are already registered with Gymnasium: an id
of the form ``module:Entry`` would make the server import code on a client's
say-so, so it is refused before Gymnasium sees it, and so is any such string
in ``kwargs`` (see ``envargs``). Extra environments come in through the
operator's ``--import MODULE``.
"""

from __future__ import annotations

import logging
import threading
import warnings
from typing import Any

import gymnasium as gym
from gymnasium import error as gym_error
from gymnasium.envs.registration import EnvSpec, load_env_creator

from . import errors, footprint
from .envargs import refuse_imports
from .errors import echo

log = logging.getLogger(__name__)

# A server has no display: 'human' would open a window on the server machine.
REFUSED_RENDER_MODES = {"human"}


def find_spec(env_id: Any) -> EnvSpec:
    """The registered spec for ``env_id``, or an error naming what is wrong."""
    if not isinstance(env_id, str):
        raise errors.InvalidParameter("Parameter 'env_id' must be a string")
    if ":" in env_id:
        raise errors.EnvIdRefused(
            f"Environment ID '{echo(env_id)}' names a module to import; this server only "
            "creates registered environments (see GET /v1/registry/)"
        )
    try:
        return gym.spec(env_id)
    except gym_error.DeprecatedEnv as error:
        raise errors.DeprecatedEnvId(f"Environment ID '{echo(env_id)}' is deprecated: {error}")
    except gym_error.UnregisteredEnv as error:
        raise errors.UnknownEnvId(f"Environment ID '{echo(env_id)}' is not registered: {error}")
    except gym_error.Error:
        raise errors.MalformedEnvId(
            env_id, " (IDs have the form [namespace/](env-name)-v(version))"
        )


def render_modes(spec: EnvSpec) -> list[str]:
    creator = spec.entry_point
    if isinstance(creator, str):
        creator = load_env_creator(creator)
    return list(getattr(creator, "metadata", {}).get("render_modes", []))


def check_render_mode(spec: EnvSpec, render_mode: Any) -> None:
    if render_mode is None:
        return
    if not isinstance(render_mode, str):
        raise errors.InvalidParameter("Parameter 'render_mode' must be a string")
    if render_mode in REFUSED_RENDER_MODES:
        raise errors.InvalidRenderMode(
            f"render_mode '{render_mode}' needs a display, which a server does not have; "
            "use 'rgb_array' or 'ansi' and render on the client"
        )
    declared = render_modes(spec)
    if render_mode not in declared:
        allowed = [mode for mode in declared if mode not in REFUSED_RENDER_MODES]
        raise errors.InvalidRenderMode(
            f"render_mode '{echo(render_mode)}' is not one of {spec.id}'s render modes {allowed}"
        )


def make(env_id: Any, render_mode: Any = None, kwargs: Any = None) -> gym.Env:
    """A new environment, checked the same way whichever field a setting came in."""
    return build(*checked(env_id, render_mode, kwargs))


def checked(env_id: Any, render_mode: Any = None, kwargs: Any = None) -> tuple[str, dict]:
    """The registered id and the keyword arguments for ``build``, or the
    client's error; everything but running the constructor."""
    spec = find_spec(env_id)
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise errors.InvalidParameter("Parameter 'kwargs' must be an object")
    refuse_imports(kwargs)
    kwargs = dict(kwargs)
    if "render_mode" in kwargs:
        in_kwargs = kwargs.pop("render_mode")
        if render_mode is not None and in_kwargs != render_mode:
            raise errors.InvalidParameter("'render_mode' and 'kwargs.render_mode' disagree")
        render_mode = in_kwargs
    try:
        check_render_mode(spec, render_mode)
    except (ImportError, gym_error.Error) as error:
        raise errors.EnvUnavailable(f"Environment '{spec.id}' cannot be loaded here: {error}")
    if render_mode is not None:
        kwargs["render_mode"] = render_mode
    return spec.id, kwargs


def build(spec_id: str, kwargs: dict) -> gym.Env:
    """Run the constructor of a checked id: in this process, or in a backend's worker."""
    try:
        return gym.make(spec_id, **kwargs)
    except (ImportError, gym_error.DependencyNotInstalled) as error:
        raise errors.EnvUnavailable(f"Environment '{spec_id}' cannot be loaded here: {error}")
    except Exception as error:  # constructor code run on client-chosen kwargs
        raise errors.EnvCreationFailed(
            f"Environment '{spec_id}' could not be created with these kwargs: "
            f"{type(error).__name__}: {echo(error)}"
        )


class Registry:
    """The ids this server can create, found once by creating each: an entry
    point can import fine and still need a missing dependency when built."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict] | None = None

    def entries(self) -> list[dict]:
        with self._lock:
            if self._entries is None:
                specs = list(gym.registry.values())
                self._entries = [_entry(spec) for spec in specs if _creatable(spec)]
            return self._entries


def _creatable(spec: EnvSpec) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            gym.make(spec.id, disable_env_checker=True).close()
            return True
        except Exception:  # a missing optional dependency of any kind
            return False


def _entry(spec: EnvSpec) -> dict:
    return {
        "env_id": spec.id,
        "max_episode_steps": spec.max_episode_steps,
        "reward_threshold": spec.reward_threshold,
        "nondeterministic": spec.nondeterministic,
    }


def make_vec(env_id: Any, num_envs: int, mode: str | None, kwargs: Any = None):
    """A new batch from ``gymnasium.make_vec``: the env's own vector entry point
    where it has one, else ``sync``, unless ``mode`` names one."""
    spec_id, mode, kwargs = checked_vec(env_id, mode, kwargs)
    return build_vec(spec_id, num_envs, mode, kwargs), mode


def checked_vec(env_id: Any, mode: str | None, kwargs: Any = None) -> tuple[str, str, dict]:
    """The registered id, the vectorization mode and the keyword arguments
    for ``build_vec``, or the client's error."""
    spec = find_spec(env_id)
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, dict):
        raise errors.InvalidParameter("Parameter 'kwargs' must be an object")
    refuse_imports(kwargs)
    steps = kwargs.get("max_episode_steps")
    if steps is not None and (type(steps) is not int or steps < 1):
        # a vector entry point takes it as given and fails only when stepped
        raise errors.InvalidParameter("'kwargs.max_episode_steps' must be a positive integer")
    try:
        check_render_mode(spec, kwargs.get("render_mode"))
    except (ImportError, gym_error.Error) as error:
        raise errors.EnvUnavailable(f"Environment '{spec.id}' cannot be loaded here: {error}")
    if mode is None:
        mode = "vector_entry_point" if spec.vector_entry_point is not None else "sync"
    elif mode == "vector_entry_point" and spec.vector_entry_point is None:
        raise errors.InvalidParameter(
            f"Environment '{spec.id}' has no vector entry point; use 'sync' or 'async'"
        )
    return spec.id, mode, kwargs


def build_vec(spec_id: str, num_envs: int, mode: str, kwargs: dict):
    """Run ``gymnasium.make_vec`` on checked arguments: here, or in a backend's
    worker; a large sync batch only if its estimated memory fits (``footprint``)."""
    try:
        footprint.check_batch(spec_id, num_envs, mode, kwargs)
    except errors.ApiError:
        raise
    except (ImportError, gym_error.DependencyNotInstalled) as error:
        raise errors.EnvUnavailable(f"Environment '{spec_id}' cannot be loaded here: {error}")
    except Exception as error:  # the one copy failed: the batch would too
        raise errors.EnvCreationFailed(
            f"Environment '{spec_id}' could not be created with these kwargs: "
            f"{type(error).__name__}: {echo(error)}"
        )
    try:
        return gym.make_vec(spec_id, num_envs=num_envs, vectorization_mode=mode, **kwargs)
    except (ImportError, gym_error.DependencyNotInstalled) as error:
        raise errors.EnvUnavailable(f"Environment '{spec_id}' cannot be loaded here: {error}")
    except Exception as error:  # constructor code run on client-chosen kwargs
        raise errors.EnvCreationFailed(
            f"Environment '{spec_id}' could not be batched with these kwargs: "
            f"{type(error).__name__}: {echo(error)}"
        )
