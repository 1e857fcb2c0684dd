"""Server settings and the parts an app is built from."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from .backends import BACKENDS, Backend, InProcess, Processes
from .catalog import Registry
from .dataroot import DataRoot
from .envargs import DEFAULT_MAX_KWARGS_BYTES, KwargsPolicy, parse_allowed
from .instances import InstanceTable
from .metrics import Metrics
from .results import ResultsStore
from .vectors import VectorTable

DEFAULT_MAX_ENVS = 1024
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_NUM_ENVS = 1024
DEFAULT_MAX_PROCESSES = 32
# Worker threads that run requests (waitress's threads, granian's blocking threads).
DEFAULT_THREADS = 8
# Seconds a connection has to deliver a whole request, counted from when it
# connects or starts one: what frees the sockets of clients that never finish.
# granian also counts an idle keep-alive connection's wait for its next request
# as reading, so its default is waitress's idle allowance (engines/waitress.py).
DEFAULT_READ_TIMEOUT = {"waitress": 30.0, "granian": 300.0}
ENGINES = ("waitress", "granian")
# Above these a value is a typo, not a setting.
MAX_THREADS = 4096
MAX_CONNECTION_LIMIT = 1_000_000


class ConfigError(ValueError):
    """A setting out of range or that this way of serving cannot honour:
    one line, said before anything starts."""


@dataclass(frozen=True)
class ServerConfig:
    """What an operator can set; every field has a CLI flag of the same name."""

    max_envs: int = DEFAULT_MAX_ENVS
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    allow_shutdown: bool = False
    # The most sub-environments one batch (POST /v1/vector_envs/) may have.
    max_num_envs: int = DEFAULT_MAX_NUM_ENVS
    # recordings/ (clients' folders) and server/ (results.sqlite3, the secret);
    # None is a per-user data folder.
    data_dir: str | None = None
    # The largest `kwargs` a client may pass, in bytes of JSON.
    max_kwargs_bytes: int = DEFAULT_MAX_KWARGS_BYTES
    # "ENV_ID=NAME,NAME" entries: only these kwargs names (None: any the constructor takes).
    allow_kwargs: tuple[str, ...] | None = None
    # Whether describing an instance shows its recording's absolute path on the server.
    show_data_path: bool = False
    # Required as `Authorization: Bearer <token>` on all but auth.OPEN_ROUTES; None is no auth.
    token: str | None = field(default=None, repr=False)
    # Seconds an instance may go unused before the reaper closes it; None keeps it forever.
    env_ttl: float | None = None
    # Origins browsers may call from (CORS); empty is none.
    cors_origins: tuple[str, ...] = ()
    # Where environments run: "inprocess" (this process) or "ray" (one Ray actor each).
    backend: str = "inprocess"
    # With backend "ray": None starts a local Ray; "auto" or "ray://host:port" joins a cluster.
    ray_address: str | None = None
    # With backend "ray": CPUs each environment's actor reserves; None is Ray's default.
    env_num_cpus: float | None = None
    # With backend "ray": custom resources each actor reserves, as (name, amount) pairs.
    env_resources: tuple[tuple[str, float], ...] = ()
    # With backend "ray": "default" (Ray packs actors) or "spread" (over the nodes).
    env_scheduling: str = "default"
    # Seconds a reset, step or render may take (and, on the process and Ray backends,
    # creating an env); a request may ask for less. None is no deadline.
    step_timeout: float | None = None
    # Worker processes at once: async batches' and the process backend's together.
    max_processes: int = DEFAULT_MAX_PROCESSES
    # With backend "process": each worker's address-space limit in MiB; None is none.
    worker_memory_mib: int | None = None
    # Modules imported at start to register extra environments (--import).
    imports: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("max_envs", "max_num_envs", "max_body_bytes"):
            at_least(name, getattr(self, name), 1)
        at_least("max_kwargs_bytes", self.max_kwargs_bytes, 2)
        if self.env_ttl is not None:
            positive("env_ttl", self.env_ttl)
        if self.env_num_cpus is not None:
            at_least("env_num_cpus", self.env_num_cpus, 0)
        if self.step_timeout is not None:
            positive("step_timeout", self.step_timeout)
        at_least("max_processes", self.max_processes, 1)
        if self.worker_memory_mib is not None:
            at_least("worker_memory_mib", self.worker_memory_mib, 1)
        if self.backend not in BACKENDS:
            raise ConfigError(f"backend: '{self.backend}' is not one of {', '.join(BACKENDS)}")
        if self.backend != "ray" and (
            self.ray_address
            or self.env_num_cpus is not None
            or self.env_resources
            or self.env_scheduling != "default"
        ):
            raise ConfigError(
                "ray_address, env_num_cpus, env_resources and env_scheduling "
                "need backend 'ray' (--backend ray)"
            )
        if self.env_scheduling not in ("default", "spread"):
            raise ConfigError(f"env_scheduling: '{self.env_scheduling}' is not default or spread")
        for name, amount in self.env_resources:
            at_least(f"env_resources[{name}]", amount, 0)


@dataclass(frozen=True)
class EngineConfig:
    """How the service is served: what an engine owns (sockets, threads)."""

    engine: str = "waitress"
    threads: int = DEFAULT_THREADS
    # Most connections open at once; None is the engine's own default.
    connection_limit: int | None = None
    # None is the engine's own default (DEFAULT_READ_TIMEOUT).
    read_timeout: float | None = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(f"engine: '{self.engine}' is not one of {', '.join(ENGINES)}")
        at_least("threads", self.threads, 1, MAX_THREADS)
        if self.connection_limit is not None:
            at_least("connection_limit", self.connection_limit, 1, MAX_CONNECTION_LIMIT)
        if self.read_timeout is not None:
            positive("read_timeout", self.read_timeout)

    @property
    def read_seconds(self) -> float:
        return self.read_timeout or DEFAULT_READ_TIMEOUT[self.engine]


def at_least(name: str, value, low, high=None) -> None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or math.isnan(value) or value < low or (high is not None and value > high):
        within = f"at least {low}" if high is None else f"from {low} to {high}"
        raise ConfigError(f"{name} must be {within}, not {value!r}")


def positive(name: str, value) -> None:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not 0 < value < math.inf:
        raise ConfigError(f"{name} must be a positive number of seconds, not {value!r}")


@dataclass
class Parts:
    """What resources work with; tests build apps from their own parts."""

    config: ServerConfig
    table: InstanceTable
    data_root: DataRoot
    results: ResultsStore
    registry: Registry = field(default_factory=Registry)
    # Called after POST /v1/shutdown/ is accepted; the engine serving the app stops.
    request_shutdown: Callable[[], None] = lambda: None
    # Batches; they share the instances' capacity (--max-envs counts sub-envs).
    vectors: VectorTable | None = None
    metrics: Metrics | None = None
    # Where instances' and batches' environments run.
    backend: Backend = field(default_factory=InProcess)
    # What clients may pass as kwargs; made from config.
    kwargs_policy: KwargsPolicy = field(init=False)

    def __post_init__(self) -> None:
        allowed = self.config.allow_kwargs
        self.kwargs_policy = KwargsPolicy(
            self.config.max_kwargs_bytes, parse_allowed(allowed) if allowed else None
        )
        if self.vectors is None:
            self.vectors = VectorTable(self.table.capacity)
        if self.metrics is None:
            self.metrics = Metrics(
                self.table.__len__,
                self.broken_count,
                self.vectors.__len__,
                lambda: self.table.capacity.used,
            )

    def broken_count(self) -> int:
        """Instances and batches that answer env_process_died or step_timeout."""
        return len(self.table.broken_ids()) + len(self.vectors.broken_ids())

    def close_all(self) -> None:
        """Every instance and batch, as the server stops."""
        try:
            self.table.close_all()
        finally:
            try:
                self.vectors.close_all()
            finally:
                self.backend.shutdown()

    @classmethod
    def from_config(
        cls,
        config: ServerConfig,
        table: InstanceTable | None = None,
        backend: Backend | None = None,
    ) -> Parts:
        data_root = DataRoot(config.data_dir)
        table = table if table is not None else InstanceTable(config.max_envs)
        return cls(
            config=config,
            table=table,
            data_root=data_root,
            results=ResultsStore(data_root),
            backend=backend or InProcess(Processes(config.max_processes)),
        )
