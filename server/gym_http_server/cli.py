"""``gym-http-server``: the command line."""

from __future__ import annotations

import argparse
import logging

from . import __version__, logs
from .auth import TOKEN_ENV_VAR, read_token_file, token_from_environment
from .backends import BACKENDS, RAY_EXTRA
from .config import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_ENVS,
    DEFAULT_MAX_NUM_ENVS,
    DEFAULT_MAX_PROCESSES,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_THREADS,
    ENGINES,
    MAX_CONNECTION_LIMIT,
    MAX_THREADS,
    ConfigError,
)
from .envargs import DEFAULT_MAX_KWARGS_BYTES, parse_allowed
from .errors import BackendUnavailable
from .server import start_server


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """One line, no usage block: what is wrong and with which flag."""
        self.exit(2, f"{self.prog}: error: {message}\n")


def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="gym-http-server",
        description="Serve Gymnasium environments over HTTP (the gym-http-api v1 protocol).",
    )
    p.add_argument(
        "-l", "--listen", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    p.add_argument(
        "-p",
        "--port",
        type=integer(0, 65535),
        default=5000,
        help="port (default: %(default)s; 0 picks a free one)",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        default="waitress",
        help="what serves HTTP: waitress (pure Python) or granian (Rust; needs "
        "'gym-http-server[granian]'; for thousands of sessions) "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--threads",
        type=integer(1, MAX_THREADS),
        default=DEFAULT_THREADS,
        help="threads running requests; raise it for environments whose step "
        "waits on I/O (default: %(default)s)",
    )
    p.add_argument(
        "--connection-limit",
        type=integer(1, MAX_CONNECTION_LIMIT),
        default=None,
        metavar="N",
        help="most connections open at once; a full waitress answers "
        "503 server_full (default: 8192 on waitress, as many as the open-files "
        "limit allows on granian)",
    )
    p.add_argument(
        "--read-timeout",
        type=positive_seconds,
        default=None,
        metavar="SECONDS",
        help="close a connection that takes longer than SECONDS "
        "to send a whole request, counted from when it connects or starts one "
        f"(default: {DEFAULT_READ_TIMEOUT['waitress']:g} on waitress; "
        f"{DEFAULT_READ_TIMEOUT['granian']:g} on granian, which counts an idle "
        "keep-alive connection's wait for its next request too)",
    )
    p.add_argument(
        "--max-envs",
        type=integer(1),
        default=DEFAULT_MAX_ENVS,
        help="most environments alive at once (default: %(default)s)",
    )
    p.add_argument(
        "--max-num-envs",
        type=integer(1),
        default=DEFAULT_MAX_NUM_ENVS,
        help="most sub-environments in one batch (default: %(default)s)",
    )
    p.add_argument(
        "--max-body-bytes",
        type=integer(1),
        default=DEFAULT_MAX_BODY_BYTES,
        help="largest request body accepted (default: %(default)s)",
    )
    p.add_argument(
        "--max-kwargs-bytes",
        type=integer(2),
        default=DEFAULT_MAX_KWARGS_BYTES,
        metavar="BYTES",
        help="largest 'kwargs' a client may pass, as JSON (default: %(default)s)",
    )
    p.add_argument(
        "--allow-kwargs",
        action="append",
        default=None,
        metavar="ENV_ID=NAME,...",
        help="let clients set only these kwargs of ENV_ID (repeatable; once given, "
        "other envs take only render_mode and max_episode_steps; "
        "default: any the constructor accepts)",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="folder for recordings and uploaded results; clients' folders are "
        "always inside it (default: a per-user data folder)",
    )
    p.add_argument(
        "--show-data-path",
        action="store_true",
        help="show clients a recording's absolute path on the server when they "
        "describe an instance (default: only its folder inside the data folder)",
    )
    p.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="import MODULE at start to register extra environments (repeatable)",
    )
    p.add_argument(
        "--allow-shutdown", action="store_true", help="let POST /v1/shutdown/ stop the server"
    )
    p.add_argument(
        "--token",
        default=None,
        help="require 'Authorization: Bearer TOKEN' on every API call (visible in ps: "
        f"prefer --token-file or ${TOKEN_ENV_VAR})",
    )
    p.add_argument(
        "--token-file",
        default=None,
        metavar="FILE",
        help="read the token from FILE (its first line)",
    )
    p.add_argument(
        "--env-ttl",
        type=positive_seconds,
        default=None,
        metavar="SECONDS",
        help="close instances unused for SECONDS (default: never)",
    )
    p.add_argument(
        "--cors-origin",
        dest="cors_origins",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let browser pages from ORIGIN call the API, e.g. "
        "https://example.org (repeatable; '*' for any; default: none)",
    )
    p.add_argument(
        "--backend",
        choices=BACKENDS,
        default="inprocess",
        help="where environments run: in this process, each in a worker process "
        f"of its own, or each in a Ray actor (needs '{RAY_EXTRA}'; "
        "default: %(default)s)",
    )
    p.add_argument(
        "--step-timeout",
        type=positive_seconds,
        default=None,
        metavar="SECONDS",
        help="a reset, step or render that takes longer answers 504 step_timeout "
        "and the instance is broken for good (on the process and Ray "
        "backends creating an env has this deadline too; default: none)",
    )
    p.add_argument(
        "--max-processes",
        type=positive_int,
        default=DEFAULT_MAX_PROCESSES,
        metavar="N",
        help="most worker processes at once: async batches' and "
        "--backend process's together (default: %(default)s)",
    )
    p.add_argument(
        "--worker-memory",
        dest="worker_memory_mib",
        type=positive_int,
        default=None,
        metavar="MIB",
        help="with --backend process: each worker's "
        "address-space limit (RLIMIT_AS) in MiB (default: none)",
    )
    p.add_argument(
        "--ray-address",
        default=None,
        metavar="ADDRESS",
        help="with --backend ray: 'auto' or ray://host:port joins a running Ray "
        "cluster (default: start a local Ray, stopped with the server)",
    )
    p.add_argument(
        "--env-num-cpus",
        type=non_negative,
        default=None,
        metavar="CPUS",
        help="with --backend ray: CPUs each environment's actor reserves "
        "(fractions allowed; default: Ray's default for actors)",
    )
    p.add_argument(
        "--env-resource",
        dest="env_resources",
        type=resource_amount,
        action="append",
        default=[],
        metavar="NAME=AMOUNT",
        help="with --backend ray: a custom resource each actor reserves, so envs go "
        "only to nodes started with it, e.g. simulator=1 (repeatable)",
    )
    p.add_argument(
        "--env-scheduling",
        choices=["default", "spread"],
        default="default",
        help="with --backend ray: 'spread' places actors over the nodes rather "
        "than packing them (default: %(default)s)",
    )
    p.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error", "critical"],
        help="debug adds an access-log line per request: one of %(choices)s (default: %(default)s)",
    )
    p.add_argument(
        "--log-format",
        default="text",
        choices=logs.FORMATS,
        help="text lines, or one JSON object a line for log collectors (default: %(default)s)",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p


def integer(low: int, high: int | None = None):
    """An argparse type: a whole number from low (to high)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
        if value < low or (high is not None and value > high):
            within = f"at least {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"must be {within}, not {value}")
        return value

    parse.__name__ = "integer"
    return parse


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text}")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text}")
    return value


def resource_amount(text: str) -> tuple[str, float]:
    name, _, amount = text.partition("=")
    try:
        value = float(amount)
    except ValueError:
        value = -1.0
    if not name or not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not NAME=AMOUNT (a non-negative number): {text}")
    return name, value


def non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}")
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"not a non-negative number: {text}")
    return value


class AtMostEvery(logging.Filter):
    """One record per interval, the next one saying how many were held back.

    waitress warns "Task queue depth is N" on every request that waits for a
    thread: under a busy client (many environments stepped at once) that is
    hundreds of lines a second saying one thing, that requests queue.
    """

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds, self.last, self.held = seconds, -seconds, 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = record.created
        if now - self.last < self.seconds:
            self.held += 1
            return False
        if self.held:
            record.msg = (
                f"{record.msg} ({self.held} more such warnings in the last {now - self.last:.0f} s)"
            )
        self.last, self.held = now, 0
        return True


def token_from(args: argparse.Namespace) -> str | None:
    """--token, else --token-file, else $GYM_HTTP_TOKEN, else $GYM_HTTP_SERVER_TOKEN."""
    if args.token:
        return args.token
    if args.token_file:
        return read_token_file(args.token_file)
    return token_from_environment()


def main(argv: list[str] | None = None) -> None:
    cli = parser()
    args = cli.parse_args(argv)
    if args.token and args.token_file:
        cli.error("give --token or --token-file, not both")
    if args.backend != "ray" and (
        args.ray_address
        or args.env_num_cpus is not None
        or args.env_resources
        or args.env_scheduling != "default"
    ):
        cli.error(
            "--ray-address, --env-num-cpus, --env-resource and --env-scheduling need --backend ray"
        )
    try:
        parse_allowed(args.allow_kwargs or ())
    except ValueError as error:
        cli.error(str(error))
    if args.backend != "process" and args.worker_memory_mib is not None:
        cli.error("--worker-memory needs --backend process")
    try:
        token = token_from(args)
    except (OSError, ValueError) as error:
        cli.error(f"--token-file: {error}")
    logs.configure(args.log_level, args.log_format)
    logging.getLogger("waitress.queue").addFilter(AtMostEvery(60.0))
    try:
        start_server(
            args.listen,
            args.port,
            engine=args.engine,
            threads=args.threads,
            connection_limit=args.connection_limit,
            read_timeout=args.read_timeout,
            imports=args.imports,
            max_envs=args.max_envs,
            max_num_envs=args.max_num_envs,
            max_body_bytes=args.max_body_bytes,
            allow_shutdown=args.allow_shutdown,
            data_dir=args.data_dir,
            show_data_path=args.show_data_path,
            max_kwargs_bytes=args.max_kwargs_bytes,
            allow_kwargs=tuple(args.allow_kwargs) if args.allow_kwargs else None,
            token=token,
            env_ttl=args.env_ttl,
            cors_origins=tuple(args.cors_origins),
            backend=args.backend,
            ray_address=args.ray_address,
            env_num_cpus=args.env_num_cpus,
            env_resources=tuple(args.env_resources),
            env_scheduling=args.env_scheduling,
            step_timeout=args.step_timeout,
            max_processes=args.max_processes,
            worker_memory_mib=args.worker_memory_mib,
        )
    except KeyboardInterrupt:
        pass
    except (BackendUnavailable, ConfigError) as error:
        cli.error(str(error))
    except OSError as error:  # what the system refused at start (open files, sockets)
        cli.error(str(error))
    except ImportError as error:
        cli.error(f"--import failed: {error}")
