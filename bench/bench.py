"""How much does HTTP cost per step? Ratios measured side by side in one run.

Every row is timed in rounds, and the rounds interleave all rows, so machine
noise (two cores shared with other work) hits them alike; ratios are taken
within each round, and every figure is kept per round, with its median and
range. Absolute figures vary from run to run; the ratios are the result.
One results file per section (bench/results/<section>.json, see record.py):

- ``single``: one CartPole step in-process, over JSON and over msgpack, against
  ``GET /healthz`` on one keep-alive connection (the bare HTTP floor), and 1, 4
  and 16 concurrent clients each stepping its own CartPole;
- ``frames``: what HTTP adds to an image step (ALE Pong when ``ale-py`` is
  installed, else CartPole rendered to pixels; on a server of its own) against
  what it adds to a CartPole step, single and in batches of 8, over msgpack;
- ``batches``: batches of 1 to 1024 CartPoles (``POST /v1/vector_envs/``), one
  request per batched step over JSON and msgpack, in env-steps/s, against one
  in-process CartPole and the same ``gymnasium.make_vec`` in-process;
- ``groups``: a group of 64 same-seed CartPoles created and reset in one
  request (``POST /v1/env_groups/``) against 64 create+reset round trips;
- ``ray``: a CartPole step on ``--backend ray`` against the default backend
  next to it, and 2 clients each stepping its own CPU-heavy env (bench/burnenv.py)
  on each backend;
- ``peers`` (``--peers``, or ``--peer URL``): the same step on installable peers
  (bench/peers.py), interleaved with ours, and sessions held at once on ours
  and on OpenEnv (bench/held.py).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import shlex
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import groups
import numpy as np
import record
import sections
from loops import (
    ENDLESS,
    MSGPACK,
    Client,
    Concurrent,
    RemoteBatch,
    RemoteStepper,
    concurrent_rate,
    local_batch,
    local_stepper,
    per_second,
)
from sections import BATCH_SIZES, FRAME_BATCH, GROUP_SIZE

from gym_http_server.testing import running_server

BURN_ID = "GymHttpBench/BurnCartPole-v0"  # bench/burnenv.py
# Time for the Ray server's spare actors, started by the creates, to be up.
SPARES_START_SECONDS = 3.0
HERE = Path(__file__).resolve().parent


def image_env() -> tuple[str, dict, list[str]]:
    """ALE Pong when ale-py is installed; otherwise CartPole as pixels (pygame)."""
    if importlib.util.find_spec("ale_py"):
        return "ALE/Pong-v5", {"frameskip": 1, "repeat_action_probability": 0.0}, ["ale_py"]
    return "GymHttpBench/CartPolePixels-v0", {}, ["pixelenv"]


def interleaved(rows: dict, rounds: int, into: dict) -> None:
    """Calls/s of each row in every round; each round runs every row once."""
    for _ in range(rounds):
        for name, (fn, calls) in rows.items():
            # A row stepped in another process times itself (peers.DrivenStepper).
            timed = fn.rate(calls) if hasattr(fn, "rate") else per_second(fn, calls)
            into.setdefault(name, []).append(timed)


def batch_calls(args, num_envs: int) -> int:
    """Fewer calls for batches over 64, but rounds long enough (tens of ms at
    least) that a scheduler hiccup on a shared machine does not make the row."""
    return max(args.calls * 64 // max(num_envs, 64), 3 if args.quick else 50)


def build_rows(url: str, image_url: str, args, image: tuple) -> dict:
    """Each row on a connection of its own, as a client stepping one env has."""
    image_id, image_kwargs, _ = image
    health = Client(url)
    rows = {
        "in-process step": (local_stepper("CartPole-v1", **ENDLESS), args.calls),
        "GET /healthz": (lambda i: health.call("GET", "/healthz"), args.calls),
        "step JSON": (RemoteStepper(Client(url), "CartPole-v1", 2, ENDLESS), args.calls),
        "step msgpack": (
            RemoteStepper(Client(url, MSGPACK), "CartPole-v1", 2, ENDLESS),
            args.calls,
        ),
    }
    for n in BATCH_SIZES:
        calls = batch_calls(args, n)
        rows[f"batch of {n} in-process make_vec"] = (local_batch(n), calls)
        rows[f"batch of {n} JSON"] = (RemoteBatch(Client(url), n), calls)
        rows[f"batch of {n} msgpack"] = (RemoteBatch(Client(url, MSGPACK), n), calls)
    n = FRAME_BATCH
    rows[f"batch of {n} CartPoles in-process, sync"] = (local_batch(n, mode="sync"), args.calls)
    rows[f"batch of {n} CartPoles msgpack, sync"] = (
        RemoteBatch(Client(url, MSGPACK), n, mode="sync"),
        args.calls,
    )
    rows["image in-process"] = (local_stepper(image_id, **image_kwargs), args.image_calls)
    for name, media in (("image JSON", None), ("image msgpack", MSGPACK)):
        client = Client(image_url, media) if media else Client(image_url)
        rows[name] = (RemoteStepper(client, image_id, 2, image_kwargs), args.image_calls)
    frame_calls = max(args.image_calls // 2, 3)
    rows[f"batch of {n} images in-process, sync"] = (
        local_batch(n, image_id, image_kwargs, mode="sync"),
        frame_calls,
    )
    rows[f"batch of {n} images msgpack, sync"] = (
        RemoteBatch(Client(image_url, MSGPACK), n, image_id, image_kwargs, mode="sync"),
        frame_calls,
    )
    return rows


def measure(args, image: tuple, peers: dict) -> dict[str, np.ndarray]:
    """Every row's calls/s in every round."""
    server_env = {"PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    imports = [arg for module in image[2] for arg in ("--import", module)]
    burn = ("--import", "burnenv", *args.server_args)
    rates: dict[str, list[float]] = {}
    with running_server(
        "--log-level", "warning", "--max-envs", "8192", *burn, env=server_env
    ) as url:
        # The image env lives on a server of its own: an emulator loaded into
        # the CartPole server would make its rows slower than they are.
        with running_server(
            "--log-level", "warning", *imports, *args.server_args, env=server_env
        ) as image_url:
            rows = build_rows(url, image_url, args, image)
            for name, stepper in peers.items():
                rows[name] = (stepper, args.calls)
            interleaved(rows, args.rounds, rates)
        session = Client(url)
        for seed in range(args.rounds):
            one, many = groups.one_round(session, GROUP_SIZE, seed)
            rates.setdefault(f"group of {GROUP_SIZE}", []).append(1 / one)
            rates.setdefault(f"{GROUP_SIZE} create+reset round trips", []).append(1 / many)
        for _ in range(args.rounds):
            for clients in (1, 4, 16):
                rates.setdefault(f"{clients} concurrent clients", []).append(
                    concurrent_rate(url, clients, max(args.calls // clients, 5))
                )
        if not args.no_ray:
            # The Ray rows last, with a Ray of its own running: its processes
            # share the cores, so the rows above are measured without it, and
            # the in-process step is measured again next to the Ray one.
            with running_server(
                "--log-level", "warning", "--backend", "ray", *burn, env=server_env, timeout=120
            ) as ray_url:
                interleaved(
                    {
                        "step JSON, next to Ray": (
                            RemoteStepper(Client(url), "CartPole-v1", 2, ENDLESS),
                            args.calls,
                        ),
                        "step JSON on Ray": (
                            RemoteStepper(Client(ray_url), "CartPole-v1", 2, ENDLESS),
                            args.calls,
                        ),
                    },
                    args.rounds,
                    rates,
                )
                # Made before the rounds, as the rows above: each create on Ray
                # starts a spare actor's process in the background, which
                # would share the cores with the first round otherwise.
                heavy = {
                    "in-process": Concurrent(url, 2, BURN_ID),
                    "Ray": Concurrent(ray_url, 2, BURN_ID),
                }
                time.sleep(SPARES_START_SECONDS)
                for _ in range(args.rounds):
                    for backend, clients in heavy.items():
                        rates.setdefault(f"2 CPU-heavy clients, {backend}", []).append(
                            clients.rate(max(args.calls // 20, 3))
                        )
                for clients in heavy.values():
                    clients.close()
    return {name: np.asarray(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=400, help="CartPole calls per row and round")
    parser.add_argument("--image-calls", type=int, default=30)
    parser.add_argument(
        "--peers", action="store_true", help="also step the installable peers (bench/peers.py)"
    )
    parser.add_argument(
        "--held",
        type=int,
        default=2048,
        metavar="N",
        help="with --peers, N sessions held at once on ours and OpenEnv (0: none)",
    )
    parser.add_argument(
        "--peer",
        action="append",
        default=[],
        metavar="URL",
        help="another gym-http-api server to step CartPole on (repeatable)",
    )
    parser.add_argument("--no-ray", action="store_true", help="leave out the Ray section")
    parser.add_argument(
        "--server-args",
        default="",
        metavar="ARGS",
        help="more options for this server's instances ('--threads 4', say)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one short round of everything: checks the bench still runs",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=record.RESULTS_DIR,
        metavar="DIR",
        help="where the section files go (default bench/results)",
    )
    parser.add_argument(
        "--append",
        action="store_true",
        help="add this run to the runs already in the section files",
    )
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.calls, args.image_calls = 1, 20, 3
        args.held = min(args.held, 32)
    run = record.new_run(args.rounds, record.machine())
    args.server_args = shlex.split(args.server_args)
    if args.server_args:
        run["server_args"] = args.server_args

    image = image_env()
    for module in image[2]:
        importlib.import_module(module)
    with ExitStack() as stack:
        peers, peer_versions = {}, {}
        if args.peers:
            import peers as installable

            peers, peer_versions, held = installable.start(stack, args.server_args)
        for url in args.peer:
            peers[f"step on {url}"] = RemoteStepper(Client(url), "CartPole-v1", 2)
        rates = measure(args, image, peers)
        held_rows = held(args.held) if args.peers and args.held else {}

    for section in sections.build(rates, image[0], list(peers), peer_versions, held_rows):
        extra = section.pop("versions", {})
        this = {**run, "versions": {**run["versions"], **extra}}
        path = record.write(**section, run=this, directory=args.results, append=args.append)
        print(f"written to {path}", file=sys.stderr)
    sections.show(rates)


if __name__ == "__main__":
    main()
