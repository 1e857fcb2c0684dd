"""The Ray backend: each environment, and each batch, in a Ray actor of its own.

The server keeps a ``RemoteEnv`` per instance: a ``gym.Env`` whose spaces,
render mode, metadata and spec were copied once when the actor built the
env (they never change), and whose ``reset``, ``step`` and ``render`` are
one actor call each. Describing an instance, sampling and membership tests
use the copied spaces and cost no call at all. Recording wraps the
``RemoteEnv`` on the server, so recordings are written by the server into
its own data folder, as on the in-process backend. A batch is a
``RemoteVectorEnv``, the same for ``gymnasium.make_vec``'s vector env.

An actor whose process dies turns every later call on that instance into
``EnvProcessDied``; other instances are other actors and keep serving.

Starting an actor's process takes about 600 ms on an idle 2-core machine;
building CartPole in a running one, a few ms. So, as the process backend keeps
spare workers, this backend keeps ``SPARE_ACTORS`` actors started ahead of
demand when actors reserve nothing (no ``--env-num-cpus`` or resources, which
spares would hold while idle), and a create takes one.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections import deque
from typing import Any

import gymnasium as gym
import ray
from gymnasium.vector import VectorEnv
from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError

from .. import catalog, deadlines, errors
from ..errors import BackendUnavailable
from .budget import Processes
from .described import adopt, describe

log = logging.getLogger(__name__)

# How long building one env may take when the operator set no --step-timeout.
SCHEDULE_TIMEOUT_SECONDS = 60.0
# Retry-After of a create refused because no node has the CPUs it asks for.
FULL_RETRY_AFTER_SECONDS = 5
CLOSE_TIMEOUT_SECONDS = 5.0
# What creating an env may take beyond --step-timeout: starting its actor's process.
ACTOR_START_SECONDS = 15.0
# Actors started ahead of demand, when actors reserve no resources.
SPARE_ACTORS = 2


@ray.remote
def ping() -> bool:
    return True


@ray.remote
class EnvActor:
    """Owns one environment; answers API errors as values (their classes
    take different constructor arguments, so they do not all unpickle)."""

    def __init__(self, imports: tuple[str, ...]) -> None:
        for module in imports:
            importlib.import_module(module)
        self.env: gym.Env | None = None

    def make(self, spec_id: str, kwargs: dict):
        try:
            self.env = catalog.build(spec_id, kwargs)
        except errors.ApiError as error:
            return Refusal(error)
        return describe(self.env)

    def make_vec(self, spec_id: str, num_envs: int, mode: str, kwargs: dict):
        try:
            self.env = catalog.build_vec(spec_id, num_envs, mode, kwargs)
        except errors.ApiError as error:
            return Refusal(error)
        return describe(self.env)

    def reset(self, seed, options):
        return self.env.reset(seed=seed, options=options)

    def step(self, action):
        return self.env.step(action)

    def render(self):
        return self.env.render()

    def close(self) -> None:
        if self.env is not None:
            self.env.close()


class Refusal:
    """An ``ApiError`` raised in the actor, carried back as its class and message."""

    def __init__(self, error: errors.ApiError) -> None:
        self.kind = type(error)
        self.message = error.message

    def error(self) -> errors.ApiError:
        error = self.kind.__new__(self.kind)
        errors.ApiError.__init__(error, self.message)
        return error


class ActorCalls:
    """Calls to one actor under the deadline; after one broke it, close only kills it."""

    actor: Any
    env_id: str
    gone = False

    def _call(self, reference):
        try:
            return answer(self.actor, reference, self.env_id)
        except errors.EnvBroken:
            self.gone = True
            raise

    def _stop(self) -> None:
        stop(self.actor, graceful=not self.gone)


class RemoteEnv(ActorCalls, gym.Env):
    """A ``gym.Env`` whose environment runs in ``actor``."""

    def __init__(self, actor, env_id: str, description: dict) -> None:
        self.actor = actor
        self.env_id = env_id
        adopt(self, description)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        return self._call(self.actor.reset.remote(seed, options))

    def step(self, action):
        return self._call(self.actor.step.remote(action))

    def render(self):
        return self._call(self.actor.render.remote())

    def close(self) -> None:
        self._stop()


class RemoteVectorEnv(ActorCalls, VectorEnv):
    """A ``VectorEnv`` whose batch runs in ``actor``."""

    def __init__(self, actor, env_id: str, description: dict) -> None:
        self.actor = actor
        self.env_id = env_id
        adopt(self, description)
        self.closed = False

    def reset(self, *, seed=None, options: dict | None = None):
        return self._call(self.actor.reset.remote(seed, options))

    def step(self, actions):
        return self._call(self.actor.step.remote(actions))

    def close(self, **kwargs) -> None:
        if not self.closed:
            self.closed = True
            self._stop()


def answer(actor, reference, env_id: str):
    """What an actor call returns within the deadline; its environment's
    exception as in-process, ``EnvProcessDied`` when the actor is gone, or
    ``StepTimeout`` (the actor killed) when it does not answer in time: a
    frozen node's actors are given up on then, not when Ray notices."""
    seconds = deadlines.current()
    try:
        return ray.get(reference, timeout=seconds)
    except GetTimeoutError:
        ray.kill(actor, no_restart=True)
        raise deadlines.overrun(
            seconds, f"The {env_id} environment", "its Ray actor was killed"
        ) from None
    except RayActorError:
        raise errors.EnvProcessDied(
            f"The process running this {env_id} environment has died; close it "
            "(DELETE) and create another"
        )
    except RayTaskError as error:
        cause = getattr(error, "cause", None)
        if isinstance(cause, Exception):
            raise cause from None
        raise


def stop(actor, graceful: bool = True) -> None:
    """Let the env close itself (flush what it holds), then end the actor; a
    dead or frozen one is only killed, so a close never waits on it."""
    try:
        if graceful:
            ray.get(actor.close.remote(), timeout=CLOSE_TIMEOUT_SECONDS)
    except (RayActorError, RayTaskError, GetTimeoutError):
        pass  # a dead or stuck actor has nothing left to flush
    finally:
        ray.kill(actor, no_restart=True)


class RayBackend:
    """Environments as Ray actors on a local Ray started here, or on a cluster."""

    name = "ray"

    def __init__(
        self,
        processes: Processes,
        address: str | None = None,
        env_num_cpus: float | None = None,
        imports: tuple[str, ...] = (),
        create_timeout: float | None = None,
        resources: dict | None = None,
        spread: bool = False,
    ) -> None:
        self.processes = processes  # Ray places its processes itself; kept for the interface
        self.imports = tuple(imports)
        # A new actor is a new Python process on its node: creating one may take
        # the step deadline plus that start-up.
        self.create_timeout = (
            SCHEDULE_TIMEOUT_SECONDS
            if create_timeout is None
            else create_timeout + ACTOR_START_SECONDS
        )
        self.options = {} if env_num_cpus is None else {"num_cpus": env_num_cpus}
        if resources:
            self.options["resources"] = dict(resources)
        if spread:
            self.options["scheduling_strategy"] = "SPREAD"
        where = address or "a local Ray started here"
        try:
            if address is None:  # a Ray of our own, stopped with us
                ray.init(
                    address="local",
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.WARNING,
                )
            else:
                ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        except Exception as error:  # a missing ray[client], no cluster there, a bad address
            raise BackendUnavailable(f"cannot join Ray at {where}: {error}") from None
        self._check_it_runs_work(where)
        self._spares: deque = deque()
        self._spares_lock = threading.Lock()
        self.spare_count = 0 if self.options.get("num_cpus") or resources else SPARE_ACTORS
        self._refill()
        log.info(
            "environments run as Ray actors (%s), %d started ahead of demand",
            where,
            self.spare_count,
        )

    def _check_it_runs_work(self, where: str) -> None:
        """One tiny task at start: a cluster that connects but refuses work (an
        auth token that differs, say) is one clear error now, not a server that
        says ok and fails every create."""
        try:
            ray.get(ping.options(num_cpus=0).remote(), timeout=self.create_timeout)
        except Exception as error:
            ray.shutdown()
            raise BackendUnavailable(
                f"Ray at {where} accepted the connection but did not run a task within "
                f"{self.create_timeout:g} s ({type(error).__name__}: {error}); if it names "
                "authorization, this machine's Ray auth token (RAY_AUTH_TOKEN or "
                "~/.ray/auth_token) is not the cluster's"
            ) from None

    def make(self, env_id: Any, render_mode: Any = None, kwargs: Any = None) -> gym.Env:
        spec_id, kwargs = catalog.checked(env_id, render_mode, kwargs)
        self._refuse_if_full()
        actor, description = self._create(spec_id, lambda a: a.make.remote(spec_id, kwargs))
        return RemoteEnv(actor, spec_id, description)

    def make_vec(
        self, env_id: Any, num_envs: int, mode: str | None, kwargs: Any = None
    ) -> tuple[VectorEnv, str]:
        spec_id, mode, kwargs = catalog.checked_vec(env_id, mode, kwargs)
        self._refuse_if_full()
        actor, description = self._create(
            spec_id, lambda a: a.make_vec.remote(spec_id, num_envs, mode, kwargs)
        )
        return RemoteVectorEnv(actor, spec_id, description), mode

    def _create(self, spec_id: str, build) -> tuple[Any, dict]:
        """An actor that has built the env (``build(actor)`` asks it to), and its
        description. A spare that died while it waited is no fault of this env:
        a new actor is tried once then."""
        with self._spares_lock:
            spare = self._spares.popleft() if self._spares else None
        self._refill()
        if spare is not None:
            try:
                return spare, self._built(spare, spec_id, build(spare))
            except errors.EnvProcessDied:
                log.warning("a spare Ray actor had died; building %s in a new one", spec_id)
        actor = self._new_actor()
        return actor, self._built(actor, spec_id, build(actor))

    def _new_actor(self):
        return EnvActor.options(**self.options).remote(self.imports)

    def _refill(self) -> None:
        """Start spares up to ``spare_count``; their processes start in the background."""
        with self._spares_lock:
            while len(self._spares) < self.spare_count:
                self._spares.append(self._new_actor())

    def _refuse_if_full(self) -> None:
        """A quick 429 when the cluster lacks what an actor asks for, rather than a wait."""
        wanted = {"CPU": self.options.get("num_cpus", 0), **self.options.get("resources", {})}
        wanted = {name: amount for name, amount in wanted.items() if amount}
        if not wanted:
            return
        free = ray.available_resources()
        short = [name for name, amount in wanted.items() if free.get(name, 0.0) < amount]
        if short:
            raise errors.TooManyEnvs(
                f"The Ray cluster has too little {', '.join(short)} free for another "
                "environment; close some first",
                retry_after=FULL_RETRY_AFTER_SECONDS,
            )

    def _built(self, actor, spec_id: str, reference) -> dict:
        """The description the actor answers once it has built its env, or the error."""
        try:
            description = ray.get(reference, timeout=self.create_timeout)
        except GetTimeoutError:
            ray.kill(actor)
            raise errors.TooManyEnvs(
                f"No Ray node built {spec_id} within {self.create_timeout:g} s (the cluster "
                "is full, or the environment is slow to build); close some first",
                retry_after=FULL_RETRY_AFTER_SECONDS,
            )
        except RayActorError:
            ray.kill(actor)
            raise errors.EnvProcessDied(f"The process building {spec_id} died")
        if isinstance(description, Refusal):
            ray.kill(actor)
            raise description.error()
        return description

    def shutdown(self) -> None:
        """End the spares and disconnect; a local Ray started by ``__init__``
        stops with all its processes."""
        with self._spares_lock:
            spares, self._spares, self.spare_count = list(self._spares), deque(), 0
        for spare in spares:
            try:
                ray.kill(spare, no_restart=True)
            except Exception:  # already gone with its node
                pass
        ray.shutdown()
