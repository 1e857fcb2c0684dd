"""What --backend process costs per call: a CartPole step over HTTP on the
default backend and on the process backend, round by round, side by side,
and creates (with their close) per second on each. Prints medians and the
ratio; writes no results file (`make bench` owns those).

    .venv/bin/python bench/process_overhead.py [--rounds 5] [--calls 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

from loops import Client

from gym_http_server.testing import running_server


def steps_per_second(session: Client, calls: int) -> float:
    instance = session.call("POST", "/v1/envs/", {"env_id": "CartPole-v1"})["instance_id"]
    session.call("POST", f"/v1/envs/{instance}/reset/", {})
    start = time.perf_counter()
    for i in range(calls):
        if session.call("POST", f"/v1/envs/{instance}/step/", {"action": i % 2})["done"]:
            session.call("POST", f"/v1/envs/{instance}/reset/", {})
    rate = calls / (time.perf_counter() - start)
    session.call("DELETE", f"/v1/envs/{instance}")
    return rate


def creates_per_second(session: Client, creates: int) -> float:
    start = time.perf_counter()
    for _ in range(creates):
        instance = session.call("POST", "/v1/envs/", {"env_id": "CartPole-v1"})["instance_id"]
        session.call("DELETE", f"/v1/envs/{instance}")
    return creates / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--creates", type=int, default=30)
    args = parser.parse_args()
    rates: dict[str, list[float]] = {}
    with (
        running_server("--log-level", "warning") as default_url,
        running_server("--log-level", "warning", "--backend", "process") as process_url,
    ):
        sessions = {"default": Client(default_url), "process": Client(process_url)}
        for _ in range(args.rounds):
            for name, session in sessions.items():
                rates.setdefault(f"step, {name}", []).append(steps_per_second(session, args.calls))
                rates.setdefault(f"create+close, {name}", []).append(
                    creates_per_second(session, args.creates)
                )
    for name, values in rates.items():
        print(
            f"{name:24s} median {statistics.median(values):8.1f}/s  "
            f"(min {min(values):.1f}, max {max(values):.1f}, {len(values)} rounds)"
        )
    ratios = [d / p for d, p in zip(rates["step, default"], rates["step, process"], strict=True)]
    print(
        f"step time, process / default: median {statistics.median(ratios):.2f}x "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
    )


if __name__ == "__main__":
    main()
