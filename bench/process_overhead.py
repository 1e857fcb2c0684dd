"""What --backend process costs per call: a CartPole step over HTTP on the
default backend and on the process backend, round by round, side by side,
and creates (with their close) per second on each. Prints medians and the
ratio; writes no results file (`make bench` owns those).

    .venv/bin/python bench/process_overhead.py [--rounds 5] [--calls 1000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from urllib.parse import urlsplit

from gym_http_server.testing import running_server


class Session:
    """One keep-alive connection to one server."""

    def __init__(self, url: str) -> None:
        address = urlsplit(url)
        self.connection = http.client.HTTPConnection(address.hostname, address.port)

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body)
        self.connection.request(method, path, data, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        payload = response.read()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {payload!r}")
        return json.loads(payload) if payload else {}


def steps_per_second(session: Session, calls: int) -> float:
    instance = session.call("POST", "/v1/envs/", {"env_id": "CartPole-v1"})["instance_id"]
    session.call("POST", f"/v1/envs/{instance}/reset/", {})
    start = time.perf_counter()
    for i in range(calls):
        if session.call("POST", f"/v1/envs/{instance}/step/", {"action": i % 2})["done"]:
            session.call("POST", f"/v1/envs/{instance}/reset/", {})
    rate = calls / (time.perf_counter() - start)
    session.call("DELETE", f"/v1/envs/{instance}")
    return rate


def creates_per_second(session: Session, creates: int) -> float:
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
        sessions = {"default": Session(default_url), "process": Session(process_url)}
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
