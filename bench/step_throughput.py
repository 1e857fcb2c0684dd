"""How much does HTTP cost per step? Ratios measured side by side in one run.

Runs the same CartPole step loop three ways, interleaved in rounds so that
machine noise hits all of them alike, and prints per-call medians and ratios:
- in-process Gymnasium (the floor),
- ``GET /healthz`` on the same keep-alive connection (the bare HTTP round trip),
- ``POST /v1/envs/{id}/step/`` through the server.
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import httpx

from gym_http_server.testing import running_server


def per_call(fn, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - start) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()

    env = gym.make("CartPole-v1", max_episode_steps=10**9)
    env.reset(seed=0)

    def local_step(i):
        if any(env.step(i % 2)[2:4]):
            env.reset()

    with running_server("--log-level", "warning") as url, httpx.Client(base_url=url) as http:
        created = http.post("/v1/envs/", json={"env_id": "CartPole-v1",
                                               "kwargs": {"max_episode_steps": 10**9}})
        instance_id = created.json()["instance_id"]
        http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 0})

        def remote_step(i):
            if http.post(f"/v1/envs/{instance_id}/step/", json={"action": i % 2}).json()["done"]:
                http.post(f"/v1/envs/{instance_id}/reset/")

        def round_trip(i):
            http.get("/healthz")

        timings = {"in-process step": [], "bare HTTP round trip": [], "HTTP step": []}
        loops = [local_step, round_trip, remote_step]
        for _ in range(args.rounds):
            for name, fn in zip(timings, loops, strict=True):
                timings[name].append(per_call(fn, args.calls))

    median = {name: statistics.median(values) for name, values in timings.items()}
    print(f"{args.rounds} rounds x {args.calls} calls, medians per call:")
    for name, seconds in median.items():
        print(f"  {name:22s} {seconds * 1e6:9.1f} us")
    step, bare = median["HTTP step"], median["bare HTTP round trip"]
    local = median["in-process step"]
    print(f"HTTP step / bare round trip : {step / bare:6.2f}x")
    print(f"HTTP step / in-process step : {step / local:6.1f}x")
    print(f"server work per step        : {(step - bare) * 1e6:6.1f} us over the bare round trip")


if __name__ == "__main__":
    main()
