"""A group of same-seed CartPoles in one request against the same number of
create+reset round trips, round by round, in one run against one server.
Checks that the group's observations are identical, prints medians and the
ratio; writes no results file (`make bench` measures the same rounds into
its ``groups`` section).

    .venv/bin/python bench/groups.py [--rounds 5] [--count 64]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from loops import Client

from gym_http_server.testing import running_server


def group(session: Client, count: int, seed: int) -> tuple[float, list[str]]:
    start = time.perf_counter()
    answer = session.call(
        "POST", "/v1/env_groups/", {"env_id": "CartPole-v1", "count": count, "seed": seed}
    )
    seconds = time.perf_counter() - start
    observations = answer["observations"]
    assert len(observations) == count and all(o == observations[0] for o in observations)
    return seconds, answer["instance_ids"]


def round_trips(session: Client, count: int, seed: int) -> tuple[float, list[str]]:
    ids, first = [], None
    start = time.perf_counter()
    for _ in range(count):
        instance = session.call("POST", "/v1/envs/", {"env_id": "CartPole-v1"})["instance_id"]
        observation = session.call("POST", f"/v1/envs/{instance}/reset/", {"seed": seed})
        ids.append(instance)
        first = first or observation["observation"]
        assert observation["observation"] == first
    return time.perf_counter() - start, ids


def close(session: Client, ids: list[str]) -> None:
    for instance in ids:
        session.call("DELETE", f"/v1/envs/{instance}")


def one_round(session: Client, count: int, seed: int) -> tuple[float, float]:
    """Seconds for a group of ``count``, then for ``count`` create+reset round
    trips, each closed before the next is timed."""
    seconds, ids = group(session, count, seed)
    close(session, ids)
    separate, ids = round_trips(session, count, seed)
    close(session, ids)
    return seconds, separate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count", type=int, default=64)
    args = parser.parse_args()
    with running_server("--max-envs", str(2 * args.count)) as url:
        session = Client(url)
        grouped, separate = [], []
        for seed in range(args.rounds):
            one, many = one_round(session, args.count, seed)
            grouped.append(one)
            separate.append(many)
    one, many = statistics.median(grouped), statistics.median(separate)
    print(
        json.dumps(
            {
                "count": args.count,
                "rounds": args.rounds,
                "group_ms_median": round(one * 1000, 2),
                "round_trips_ms_median": round(many * 1000, 2),
                "speedup": round(many / one, 2),
                "group_ms": [round(s * 1000, 2) for s in grouped],
                "round_trips_ms": [round(s * 1000, 2) for s in separate],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
