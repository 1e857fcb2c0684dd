"""The process backend: each instance and each batch in a worker process.

The mechanism is Stable-Baselines3's ``SubprocVecEnv`` (and Gymnasium's
``AsyncVectorEnv`` worker) on the standard library: a ``multiprocessing``
process per env, commands and answers over a ``Pipe``, the parent waiting
with a timeout on the pipe and on the process's sentinel together, so a
worker that overruns is killed and one that dies is seen at once. Workers
fork from a ``forkserver`` that has imported Gymnasium and the operator's
``--import`` modules already (never from the threaded server itself), and
a few are started ahead, off the request path; creating an env takes a ready
one. Each worker limits its own address space (``RLIMIT_AS``) first.

Errors come back as they would in-process: the API's errors by class and
message, the env's own exceptions pickled; a worker that is gone makes its
env answer ``EnvProcessDied`` for good.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import threading
from multiprocessing.connection import wait
from typing import Any

import gymnasium as gym
from gymnasium.vector import VectorEnv

from .. import catalog, deadlines, errors
from .budget import Processes
from .described import adopt, describe

log = logging.getLogger(__name__)

# Creating an env when the operator set no --step-timeout.
DEFAULT_CREATE_TIMEOUT = 60.0
# Workers started ahead of need.
SPARES = 2
KILLED = "its worker process was killed"
# The exit status of a worker that ran out of memory (its RLIMIT_AS).
OUT_OF_MEMORY = 75
# Imported once by the forkserver, so no worker imports them again.
PRELOADED = [
    "gym_http_server.backends.process",
    "gymnasium.envs.classic_control",
    "gymnasium.envs.toy_text",
]


def serve(conn, imports: tuple[str, ...], memory_bytes: int | None) -> None:
    """The worker: build one env (or batch), then answer calls until closed."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    import importlib

    for module in imports:
        importlib.import_module(module)
    env = None
    while True:
        try:
            command, args, kwargs = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        try:
            if command == "make":
                env = catalog.build(*args)
                value = describe(env)
            elif command == "make_vec":
                env = catalog.build_vec(*args)
                value = describe(env)
            elif command == "close":
                if env is not None:
                    env.close()
                conn.send(("ok", None))
                return
            else:
                value = getattr(env, command)(*args, **kwargs)
            answer = ("ok", value)
        except errors.ApiError as error:
            answer = ("refused", (type(error), error.message))
        except MemoryError:  # past --worker-memory: this env is done for
            os._exit(OUT_OF_MEMORY)
        except Exception as error:
            answer = ("raised", error)
        try:
            conn.send(answer)
        except Exception as error:  # an answer that does not pickle
            conn.send(("raised", RuntimeError(f"{type(error).__name__}: {error}")))


def refusal(kind: type, message: str) -> errors.ApiError:
    error = kind.__new__(kind)
    errors.ApiError.__init__(error, message)
    return error


class Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, context, imports: tuple[str, ...], memory_bytes: int | None) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=serve, args=(child, imports, memory_bytes), name="gym-http-env"
        )
        self.process.start()
        child.close()
        self.gone: str | None = None  # why it can no longer be called
        self.stopped = False

    def call(self, what: str, seconds: float | None, command: str, *args, **kwargs) -> Any:
        if self.gone is not None:
            raise errors.EnvProcessDied(f"{what}: {self.gone}; close it and create another")
        try:
            self.conn.send((command, args, kwargs))
        except OSError:
            pass  # a dead worker: its sentinel says so below
        ready = wait([self.conn, self.process.sentinel], seconds)
        if not ready:
            self.stop()
            self.gone = KILLED + " after it overran its deadline"
            raise deadlines.overrun(seconds, what, KILLED)
        try:
            status, value = self.conn.recv() if self.conn.poll() else ("died", None)
        except (EOFError, OSError):
            status, value = "died", None
        if status == "died":
            self.gone = self.death()
            raise errors.EnvProcessDied(
                f"{what}: {self.gone}; close it (DELETE) and create another"
            )
        if status == "refused":
            raise refusal(*value)
        if status == "raised":
            raise value
        return value

    def death(self) -> str:
        """How the worker ended, once it has."""
        self.process.join(1)
        code = self.process.exitcode
        self.stop()
        if code is not None and code < 0:
            return f"its worker process was killed by {signal.Signals(-code).name}"
        if code == OUT_OF_MEMORY:
            return "its worker process ran out of memory (--worker-memory)"
        return f"its worker process exited (status {code})"

    def close(self, seconds: float) -> None:
        """Let the env close itself (flush what it holds), then end the worker."""
        if self.gone is None:
            try:
                self.call("closing", seconds, "close")
                self.process.join(1)
            except errors.ApiError:
                pass
        self.stop()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()
        self.process.close()
        if self.gone is None:
            self.gone = "it was closed"


class InWorker:
    """What the stand-ins for an environment and for a batch in ``worker``
    share: the description the worker sent, calls under the current
    deadline, and giving the worker (and its ``processes``) back on close."""

    what = "environment"  # how errors name it

    def __init__(
        self,
        backend: ProcessBackend,
        worker: Worker,
        env_id: str,
        description: dict,
        processes: int,
    ) -> None:
        self.backend, self.worker, self.env_id, self.processes = backend, worker, env_id, processes
        adopt(self, description)
        self.closed = False

    def _call(self, command: str, *args, **kwargs):
        return self.worker.call(
            f"The {self.env_id} {self.what}", deadlines.current(), command, *args, **kwargs
        )

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        return self._call("reset", seed=seed, options=options)

    def step(self, action):
        return self._call("step", action)

    def close(self, **kwargs) -> None:
        if not self.closed:
            self.closed = True
            self.backend.release(self.worker, self.processes)


class ProcessEnv(InWorker, gym.Env):
    """A ``gym.Env`` whose environment runs in ``worker``."""

    def render(self):
        return self._call("render")


class ProcessVectorEnv(InWorker, VectorEnv):
    """A ``VectorEnv`` whose batch runs in ``worker``."""

    what = "batch"


class ProcessBackend:
    """Environments in worker processes, drawn from the process budget."""

    name = "process"

    def __init__(
        self,
        processes: Processes,
        imports: tuple[str, ...] = (),
        create_timeout: float | None = None,
        memory_mib: int | None = None,
    ) -> None:
        self.processes = processes
        self.imports = tuple(imports)
        self.create_timeout = create_timeout or DEFAULT_CREATE_TIMEOUT
        self.close_timeout = min(self.create_timeout, 5.0)
        self.memory_bytes = memory_mib * 1024 * 1024 if memory_mib else None
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload([*PRELOADED, *self.imports])
        self._spares: list[Worker] = []
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._stopping = False
        self._filler = threading.Thread(target=self._fill, name="gym-http-spares", daemon=True)
        self._filler.start()
        self._wanted.set()
        log.info(
            "environments run in worker processes (at most %d, %s each)",
            processes.limit,
            f"{memory_mib} MiB" if memory_mib else "no memory limit",
        )

    def _fill(self) -> None:
        """Keep ``SPARES`` workers started ahead, within the budget."""
        while self._wanted.wait():
            self._wanted.clear()
            while not self._stopping:
                with self._lock:
                    if len(self._spares) >= SPARES:
                        break
                if not self.processes.try_take(1):
                    break
                try:
                    worker = Worker(self.context, self.imports, self.memory_bytes)
                except Exception:
                    self.processes.give_back(1)
                    log.exception("starting a worker process failed")
                    break
                with self._lock:
                    if self._stopping:
                        worker.stop()
                        self.processes.give_back(1)
                        return
                    self._spares.append(worker)
            if self._stopping:
                return

    def _worker(self, extra: int, what: str) -> Worker:
        """A started worker, its process (and ``extra`` more) taken from the budget."""
        self.processes.take(extra, what)
        with self._lock:
            worker = self._spares.pop() if self._spares else None
        try:
            if worker is None:
                self.processes.take(1, what)
                try:
                    worker = Worker(self.context, self.imports, self.memory_bytes)
                except BaseException:
                    self.processes.give_back(1)
                    raise
        except BaseException:
            self.processes.give_back(extra)
            raise
        self._wanted.set()
        return worker

    def _built(self, worker: Worker, processes: int, what: str, command: str, *args) -> dict:
        try:
            return worker.call(what, self.create_timeout, command, *args)
        except BaseException:
            self.release(worker, processes)
            raise

    def make(self, env_id: Any, render_mode: Any = None, kwargs: Any = None) -> gym.Env:
        spec_id, kwargs = catalog.checked(env_id, render_mode, kwargs)
        worker = self._worker(0, f"An instance of {spec_id}")
        what = f"Creating {spec_id}"
        description = self._built(worker, 1, what, "make", spec_id, kwargs)
        return ProcessEnv(self, worker, spec_id, description, 1)

    def make_vec(
        self, env_id: Any, num_envs: int, mode: str | None, kwargs: Any = None
    ) -> tuple[VectorEnv, str]:
        spec_id, mode, kwargs = catalog.checked_vec(env_id, mode, kwargs)
        extra = num_envs if mode == "async" else 0
        worker = self._worker(extra, f"A batch of {num_envs} {spec_id}")
        what = f"Creating a batch of {spec_id}"
        description = self._built(
            worker, 1 + extra, what, "make_vec", spec_id, num_envs, mode, kwargs
        )
        return ProcessVectorEnv(self, worker, spec_id, description, 1 + extra), mode

    def release(self, worker: Worker, processes: int) -> None:
        try:
            worker.close(self.close_timeout)
        finally:
            self.processes.give_back(processes)
            self._wanted.set()

    def shutdown(self) -> None:
        with self._lock:
            self._stopping = True
            spares, self._spares = self._spares, []
        self._wanted.set()
        for worker in spares:
            worker.stop()
            self.processes.give_back(1)
