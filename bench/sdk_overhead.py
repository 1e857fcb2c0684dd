"""What do the SDKs cost per step? SDK step rates against raw keep-alive HTTP, in one run.

One server, CartPole-v1, each loop on its own instance, the loops interleaved
in many short rounds so that machine noise hits all of them alike; medians of
the rounds, and the client's own CPU time per step beside them.
- Python: a raw ``http.client`` keep-alive loop (JSON in, JSON out), then
  ``RemoteEnv.step`` and the drop-in ``Client.env_step``.
- Python async: 16 ``AsyncRemoteEnv``s stepped concurrently from one event
  loop, their total rate against one sync ``RemoteEnv``.
- Node: ``bench/sdk_overhead.mjs`` runs a raw ``node:http`` keep-alive loop
  and ``RemoteEnv.step`` the same way, against the same server.
Every loop resets when an episode ends, as a training loop does.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import gym_http_client
from gym_http_server.testing import running_server

HERE = Path(__file__).resolve().parent
CONCURRENT_ENVS = 16


def measure(step, calls: int) -> tuple[float, float]:
    """(steps per second, client CPU seconds per step) over ``calls`` steps."""
    cpu, start = time.process_time(), time.perf_counter()
    for i in range(calls):
        step(i)
    return calls / (time.perf_counter() - start), (time.process_time() - cpu) / calls


def raw_loop(base_url: str):
    """Steps over one keep-alive ``http.client`` connection: the floor for any Python client."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}

    def post(path: str, body: dict) -> dict:
        conn.request("POST", path, json.dumps(body), headers)
        return json.loads(conn.getresponse().read())

    instance_id = post("/v1/envs/", {"env_id": "CartPole-v1"})["instance_id"]
    post(f"/v1/envs/{instance_id}/reset/", {"seed": 0})

    def step(i: int) -> None:
        if post(f"/v1/envs/{instance_id}/step/", {"action": i % 2})["done"]:
            post(f"/v1/envs/{instance_id}/reset/", {})

    def close() -> None:
        conn.request("DELETE", f"/v1/envs/{instance_id}/")
        conn.getresponse().read()
        conn.close()

    return step, close


def remote_env_loop(base_url: str):
    env = gym_http_client.make("CartPole-v1", base_url=base_url)
    env.reset(seed=0)

    def step(i: int) -> None:
        _, _, terminated, truncated, _ = env.step(i % 2)
        if terminated or truncated:
            env.reset()

    return step, env.close


def legacy_client_loop(base_url: str):
    client = gym_http_client.Client(base_url)
    instance_id = client.env_create("CartPole-v1")
    client.env_reset(instance_id, seed=0)

    def step(i: int) -> None:
        if client.env_step(instance_id, i % 2)[2]:
            client.env_reset(instance_id)

    def close() -> None:
        client.env_close(instance_id)
        client.close()

    return step, close


def interleaved(loops: dict, rounds: int, calls: int) -> dict[str, tuple[float, float]]:
    """Median (rate, CPU per step) of each loop over rounds that run every loop in turn."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in loops}
    for step, _ in loops.values():  # warm up connections and caches
        measure(step, 50)
    for _ in range(rounds):
        for name, (step, _) in loops.items():
            samples[name].append(measure(step, calls))
    return {
        name: (statistics.median(r for r, _ in runs), statistics.median(c for _, c in runs))
        for name, runs in samples.items()
    }


def python_rates(base_url: str, rounds: int, calls: int) -> dict[str, tuple[float, float]]:
    loops = {
        "raw http.client": raw_loop(base_url),
        "RemoteEnv.step": remote_env_loop(base_url),
        "Client.env_step": legacy_client_loop(base_url),
    }
    try:
        return interleaved(loops, rounds, calls)
    finally:
        for _, close in loops.values():
            close()


async def concurrent_envs_rate(base_url: str, steps_each: int) -> float:
    async with gym_http_client.AsyncHTTPClient(base_url) as client:
        envs = await asyncio.gather(
            *(
                gym_http_client.AsyncRemoteEnv.create("CartPole-v1", client=client)
                for _ in range(CONCURRENT_ENVS)
            )
        )

        async def drive(env) -> None:
            await env.reset(seed=0)
            for i in range(steps_each):
                _, _, terminated, truncated, _ = await env.step(i % 2)
                if terminated or truncated:
                    await env.reset()

        try:
            start = time.perf_counter()
            await asyncio.gather(*(drive(env) for env in envs))
            return CONCURRENT_ENVS * steps_each / (time.perf_counter() - start)
        finally:
            await asyncio.gather(*(env.close() for env in envs))


def async_rates(base_url: str, rounds: int, calls: int) -> dict[str, float]:
    step, close = remote_env_loop(base_url)
    sync, concurrent = [], []
    try:
        for _ in range(rounds):
            sync.append(measure(step, calls)[0])
            steps_each = max(1, calls // CONCURRENT_ENVS)
            concurrent.append(asyncio.run(concurrent_envs_rate(base_url, steps_each)))
    finally:
        close()
    return {
        "sync RemoteEnv, 1 env": statistics.median(sync),
        f"AsyncRemoteEnv, {CONCURRENT_ENVS} envs": statistics.median(concurrent),
    }


def node_rates(base_url: str, rounds: int, calls: int) -> dict[str, tuple[float, float]] | None:
    node = shutil.which("node")
    if node is None:
        print("SKIPPED Node rows: no node on PATH")
        return None
    command = [node, str(HERE / "sdk_overhead.mjs"), base_url, str(rounds), str(calls)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return {name: tuple(row) for name, row in json.loads(result.stdout).items()}


def report(title: str, rates: dict[str, tuple[float, float]], raw: str) -> None:
    print(title)
    for name, (rate, cpu) in rates.items():
        ratio = "" if name == raw else f"   SDK/raw = {rate / rates[raw][0]:.2f}"
        print(f"  {name:22s} {rate:7.0f} steps/s  client CPU {cpu * 1e6:5.0f} us/step{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--calls", type=int, default=500, help="steps per loop per round")
    parser.add_argument("--no-node", action="store_true", help="Python rows only")
    args = parser.parse_args()

    with running_server("--log-level", "warning") as url:
        print(f"CartPole-v1, {args.rounds} interleaved rounds x {args.calls} steps, medians")
        report("Python", python_rates(url, args.rounds, args.calls), "raw http.client")
        concurrent = async_rates(url, args.rounds, args.calls)
        print("Python async, total steps/s")
        for name, rate in concurrent.items():
            print(f"  {name:22s} {rate:7.0f} steps/s")
        sync, many = concurrent.values()
        print(f"  {CONCURRENT_ENVS} async envs / 1 sync env = {many / sync:.2f}")
        if not args.no_node:
            rates = node_rates(url, args.rounds, args.calls)
            if rates is not None:
                report("Node", rates, "raw node:http")


if __name__ == "__main__":
    main()
