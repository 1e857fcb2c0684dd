"""How much does HTTP cost per step? Ratios measured side by side in one run.

Every row is timed in rounds, and the rounds interleave all rows, so machine
noise (two cores shared with other work) hits them alike; the figures are
medians over rounds. Absolute figures vary from run to run; the ratios are the
result. Rows:

- in-process Gymnasium ``CartPole-v1`` steps (no HTTP at all),
- ``GET /healthz`` on one keep-alive connection: the bare HTTP floor,
- CartPole ``step`` over JSON and over msgpack, and on any ``--peer`` server,
- an image observation over JSON and over msgpack (ALE Pong when ``ale-py``
  is installed, else CartPole rendered to pixels), on a second server,
- 1, 4 and 16 concurrent clients, each stepping its own CartPole,
- CartPole ``step`` on a server with ``--backend ray`` (one actor call per
  step), against the same step in-process on the default backend,
- 2 clients each stepping its own CPU-heavy env (``burnenv``: a millisecond
  of pure Python per step) on the default backend, where both share one
  process and its GIL, and on the Ray backend, where each has a process,
- batches of 1, 16, 64, 256 and 1024 CartPoles (``POST /v1/vector_envs/``)
  stepped one request per batch over JSON and msgpack, and the same
  ``gymnasium.make_vec`` in-process, in env-steps/s (calls/s x batch size).

Writes the same figures to ``--out`` (bench/results.json by default).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import socket
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit

import gymnasium as gym
import numpy as np
import orjson
import ormsgpack

from gym_http_server.testing import running_server

BATCH_SIZES = (1, 16, 64, 256, 1024)
JSON = "application/json"
MSGPACK = "application/msgpack"
ENDLESS = {"max_episode_steps": 10**9}
BURN_ID = "GymHttpBench/BurnCartPole-v0"  # bench/burnenv.py


class Client:
    """One keep-alive connection speaking JSON or msgpack, as lean as a client
    gets: each request leaves in one send() (http.client sends the headers and
    the body apart, and the second segment costs the server another wake-up)."""

    def __init__(self, url: str, media: str = JSON):
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port or 80)
        self.host = parts.netloc.encode()
        self.prefix = parts.path.rstrip("/")
        self.media = media.encode()
        self.dumps = orjson.dumps if media == JSON else ormsgpack.packb
        self.loads = orjson.loads if media == JSON else ormsgpack.unpackb
        self.sock = self.reader = None

    def connect(self) -> None:
        self.sock = socket.create_connection(self.address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def call(self, method: str, path: str, body=None):
        if self.sock is None:
            self.connect()
        data = b"" if body is None else self.dumps(body)
        head = (f"{method} {self.prefix}{path} HTTP/1.1\r\n".encode() + b"Host: " + self.host
                + b"\r\nAccept: " + self.media + b"\r\nContent-Type: " + self.media
                + b"\r\nContent-Length: " + str(len(data)).encode() + b"\r\n\r\n")
        self.sock.sendall(head + data)
        status = int(self.reader.readline().split(None, 2)[1])
        length, close = 0, False
        while (line := self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        raw = self.reader.read(length)
        if close:
            self.close()
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {raw[:200]!r}")
        return self.loads(raw) if raw else None

    def close(self) -> None:
        if self.sock is not None:
            self.reader.close()
            self.sock.close()
            self.sock = self.reader = None


class RemoteStepper:
    """Steps one remote environment in a loop, resetting when an episode ends."""

    def __init__(self, client: Client, env_id: str, actions: int, kwargs: dict | None = None):
        self.client = client
        body = {"env_id": env_id}
        if kwargs:
            body["kwargs"] = kwargs
        self.instance_id = client.call("POST", "/v1/envs/", body)["instance_id"]
        self.step_path = f"/v1/envs/{self.instance_id}/step/"
        self.reset_path = f"/v1/envs/{self.instance_id}/reset/"
        self.actions = actions
        client.call("POST", self.reset_path, {"seed": 0})

    def __call__(self, i: int) -> None:
        result = self.client.call("POST", self.step_path, {"action": i % self.actions})
        if result["done"]:
            self.client.call("POST", self.reset_path, {})


def local_stepper(env_id: str, **kwargs):
    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    actions = env.action_space.n

    def step(i: int) -> None:
        if any(env.step(i % actions)[2:4]):
            env.reset()

    return step


class RemoteBatch:
    """Steps one remote batch of CartPoles in a loop; finished sub-envs reset
    themselves (NextStep autoreset). Answers become numpy arrays, as a
    training loop needs them."""

    def __init__(self, client: Client, num_envs: int):
        self.client = client
        body = {"env_id": "CartPole-v1", "num_envs": num_envs, "kwargs": ENDLESS}
        self.vector_id = client.call("POST", "/v1/vector_envs/", body)["vector_id"]
        self.step_path = f"/v1/vector_envs/{self.vector_id}/step/"
        client.call("POST", f"/v1/vector_envs/{self.vector_id}/reset/", {"seed": 0})
        actions = np.random.default_rng(0).integers(0, 2, size=(2, num_envs))
        if client.media == MSGPACK.encode():
            self.bodies = [{"actions": {"dtype": "int64", "shape": [num_envs],
                                        "data": a.astype("<i8").tobytes()}} for a in actions]
            self.observations = lambda o: np.frombuffer(o["data"], "<f4").reshape(o["shape"])
        else:
            self.bodies = [{"actions": a.tolist()} for a in actions]
            self.observations = lambda o: np.asarray(o, dtype=np.float32)

    def __call__(self, i: int) -> None:
        result = self.client.call("POST", self.step_path, self.bodies[i % 2])
        self.observations(result["observations"])


def local_batch(num_envs: int):
    envs = gym.make_vec("CartPole-v1", num_envs, vectorization_mode="vector_entry_point",
                        **ENDLESS)
    envs.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 2, size=(2, num_envs))

    def step(i: int) -> None:
        envs.step(actions[i % 2])

    return step


def per_second(fn, calls: int) -> float:
    start = time.perf_counter()
    for i in range(calls):
        fn(i)
    return calls / (time.perf_counter() - start)


def concurrent_rate(url: str, clients: int, calls: int, env_id: str = "CartPole-v1") -> float:
    """Total steps/s of ``clients`` threads, each with its own connection and env."""
    steppers = [RemoteStepper(Client(url), env_id, 2, ENDLESS) for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def run(stepper: RemoteStepper) -> None:
        barrier.wait()
        for i in range(calls):
            stepper(i)

    threads = [threading.Thread(target=run, args=(s,)) for s in steppers]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    rate = clients * calls / (time.perf_counter() - start)
    for stepper in steppers:
        stepper.client.call("DELETE", f"/v1/envs/{stepper.instance_id}")
        stepper.client.close()
    return rate


def image_env() -> tuple[str, dict, list[str]]:
    """ALE Pong when ale-py is installed; otherwise CartPole as pixels (pygame)."""
    if importlib.util.find_spec("ale_py"):
        return "ALE/Pong-v5", {"frameskip": 1, "repeat_action_probability": 0.0}, ["ale_py"]
    return "GymHttpBench/CartPolePixels-v0", {}, ["pixelenv"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=400, help="CartPole calls per row and round")
    parser.add_argument("--image-calls", type=int, default=30)
    parser.add_argument("--peer", action="append", default=[], metavar="URL",
                        help="another gym-http-api server to step CartPole on (repeatable)")
    parser.add_argument("--quick", action="store_true",
                        help="one short round of everything: checks the bench still runs")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results.json"))
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.calls, args.image_calls = 1, 20, 3

    image_id, image_kwargs, image_imports = image_env()
    for module in image_imports:
        importlib.import_module(module)
    imports = [arg for module in image_imports for arg in ("--import", module)]
    server_env = {"PYTHONPATH": os.pathsep.join([os.path.dirname(__file__),
                                                 os.environ.get("PYTHONPATH", "")])}
    # The image env lives on a server of its own: an emulator loaded into the
    # CartPole server would make its rows slower than they are.
    burn = ("--import", "burnenv")
    with running_server("--log-level", "warning", "--max-envs", "8192", *burn,
                        env=server_env) as url:
        with running_server("--log-level", "warning", *imports, env=server_env) as image_url:
            rows = build_rows(url, image_url, args, image_id, image_kwargs)
            rates = interleaved(rows, args.rounds)
        concurrency = {}
        for clients in (1, 4, 16):
            calls = max(args.calls // clients, 5)
            concurrency[clients] = statistics.median(
                concurrent_rate(url, clients, calls) for _ in range(args.rounds))
        # The Ray rows last, with a Ray of its own running: its processes
        # share the cores, so the rows above are measured without it, and the
        # in-process step is measured again next to the Ray one.
        with running_server("--log-level", "warning", "--backend", "ray", *burn,
                            env=server_env, timeout=120) as ray_url:
            rates.update(interleaved({
                "step JSON, next to Ray": (
                    RemoteStepper(Client(url), "CartPole-v1", 2, ENDLESS), args.calls),
                "step JSON on Ray": (
                    RemoteStepper(Client(ray_url), "CartPole-v1", 2, ENDLESS), args.calls),
            }, args.rounds))
            heavy = {}
            for backend, server in (("in-process", url), ("Ray", ray_url)):
                heavy[backend] = statistics.median(
                    concurrent_rate(server, 2, max(args.calls // 20, 3), BURN_ID)
                    for _ in range(args.rounds))
    report(args, rates, concurrency, image_id, heavy)


def interleaved(rows: dict, rounds: int) -> dict[str, float]:
    """Median calls/s of each row, over rounds that each run every row once."""
    rates: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, (fn, calls) in rows.items():
            rates.setdefault(name, []).append(per_second(fn, calls))
    return {name: statistics.median(values) for name, values in rates.items()}


def batch_calls(args, num_envs: int) -> int:
    """Fewer calls for batches over 64, but rounds long enough (tens of ms at
    least) that a scheduler hiccup on a shared machine does not make the row."""
    return max(args.calls * 64 // max(num_envs, 64), 3 if args.quick else 50)


def build_rows(url: str, image_url: str, args, image_id: str, image_kwargs: dict) -> dict:
    """Each row on a connection of its own, as a client stepping one env has."""
    health = Client(url)
    rows = {
        "in-process step": (local_stepper("CartPole-v1", **ENDLESS), args.calls),
        "GET /healthz": (lambda i: health.call("GET", "/healthz"), args.calls),
        "step JSON": (RemoteStepper(Client(url), "CartPole-v1", 2, ENDLESS), args.calls),
        "step msgpack": (RemoteStepper(Client(url, MSGPACK), "CartPole-v1", 2, ENDLESS),
                         args.calls),
    }
    for peer in args.peer:
        rows[f"step on {peer}"] = (RemoteStepper(Client(peer), "CartPole-v1", 2), args.calls)
    for n in BATCH_SIZES:
        calls = batch_calls(args, n)
        rows[f"batch of {n} in-process make_vec"] = (local_batch(n), calls)
        rows[f"batch of {n} JSON"] = (RemoteBatch(Client(url), n), calls)
        rows[f"batch of {n} msgpack"] = (RemoteBatch(Client(url, MSGPACK), n), calls)
    rows["image in-process"] = (local_stepper(image_id, **image_kwargs), args.image_calls)
    for name, media in (("image JSON", JSON), ("image msgpack", MSGPACK)):
        stepper = RemoteStepper(Client(image_url, media), image_id, 2, image_kwargs)
        rows[name] = (stepper, args.image_calls)
    return rows


def report(args, rate: dict, concurrency: dict, image_id: str, heavy: dict) -> None:
    floor, step, local = rate["GET /healthz"], rate["step JSON"], rate["in-process step"]
    ratios = {
        "step JSON / healthz floor": step / floor,
        "step msgpack / healthz floor": rate["step msgpack"] / floor,
        "step JSON / in-process step": step / local,
        "image msgpack / image JSON": rate["image msgpack"] / rate["image JSON"],
        "image msgpack / image in-process": rate["image msgpack"] / rate["image in-process"],
        "step JSON on Ray / step JSON": rate["step JSON on Ray"] / rate["step JSON, next to Ray"],
        "2 CPU-heavy clients, Ray / in-process": heavy["Ray"] / heavy["in-process"],
    }
    for peer in args.peer:
        ratios[f"step JSON / step on {peer}"] = step / rate[f"step on {peer}"]
    env_steps = {name: value * int(name.split()[2]) for name, value in rate.items()
                 if name.startswith("batch of ")}
    for n in BATCH_SIZES:
        for media in ("JSON", "msgpack"):
            http = env_steps[f"batch of {n} {media}"]
            ratios[f"batch of {n} {media} / in-process step"] = http / local
            ratios[f"batch of {n} {media} / in-process make_vec"] = (
                http / env_steps[f"batch of {n} in-process make_vec"])
    print(f"{args.rounds} round(s), medians; {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, image env {image_id}")
    print(f"{'row':44s} {'calls/s':>10s}")
    for name, value in rate.items():
        if not name.startswith("batch of "):
            print(f"  {name:42s} {value:10.0f}")
    for clients, value in concurrency.items():
        print(f"  {f'{clients} concurrent clients, steps/s total':42s} {value:10.0f}")
    for backend, value in heavy.items():
        print(f"  {f'2 CPU-heavy clients {backend}, steps/s':42s} {value:10.0f}")
    print(f"{'batches of CartPole-v1':44s} {'env-steps/s':>12s} {'calls/s':>10s}")
    for name, value in env_steps.items():
        print(f"  {name:42s} {value:12.0f} {rate[name]:10.0f}")
    print("ratios")
    for name, value in ratios.items():
        print(f"  {name:42s} {value:10.2f}")
    results = {
        "rounds": args.rounds, "cores": os.cpu_count(), "python": platform.python_version(),
        "numpy": np.__version__, "image_env": image_id, "calls_per_second": rate,
        "concurrent_steps_per_second": {str(k): v for k, v in concurrency.items()},
        "cpu_heavy_2_clients_steps_per_second": heavy,
        "env_steps_per_second": env_steps,
        "ratios": ratios,
    }
    with open(args.out, "w") as out:
        json.dump(results, out, indent=2)
        out.write("\n")
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
