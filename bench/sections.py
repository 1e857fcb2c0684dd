"""From a run's rates (calls/s per round, by row) to its sections' rows and ratios.

Ratios are taken round by round (each round measured every row side by
side), then summarised; "HTTP adds" rows are a call's time over HTTP minus
the same call's time in-process, in microseconds.
"""

from __future__ import annotations

import numpy as np
from record import series

BATCH_SIZES = (1, 16, 64, 256, 1024)
FRAME_BATCH = 8
GROUP_SIZE = 64


def build(
    rates: dict[str, np.ndarray],
    image_id: str,
    peers: list[str],
    peer_versions: dict | None = None,
    held: dict | None = None,
) -> list[dict]:
    """The sections this run measured, each as keyword arguments of record.write."""
    found = [single(rates), frames(rates, image_id), batches(rates), group_section(rates)]
    if "step JSON on Ray" in rates:
        found.append(ray(rates))
    if peers:
        found.append(peer_section(rates, peers, peer_versions, held or {}))
    return found


def rate(rates, name: str, unit: str = "steps/s", times: int = 1) -> dict:
    return series(rates[name] * times, unit)


def ratio(a: np.ndarray, b: np.ndarray) -> dict:
    return series(a / b, "x")


def added_us(http: np.ndarray, local: np.ndarray) -> np.ndarray:
    """Microseconds HTTP adds to a call: its time over HTTP minus in-process."""
    return 1e6 / http - 1e6 / local


def single(r) -> dict:
    rows = {
        "in-process step": rate(r, "in-process step"),
        "GET /healthz (the floor)": rate(r, "GET /healthz", "calls/s"),
        "step JSON": rate(r, "step JSON"),
        "step msgpack": rate(r, "step msgpack"),
    }
    for clients in (1, 4, 16):
        rows[f"{clients} concurrent clients, each its own CartPole, total"] = rate(
            r, f"{clients} concurrent clients"
        )
    rows["step JSON, time above the floor"] = series(
        1e6 / r["step JSON"] - 1e6 / r["GET /healthz"], "µs"
    )
    ratios = {
        "step JSON / healthz floor": ratio(r["step JSON"], r["GET /healthz"]),
        "step msgpack / healthz floor": ratio(r["step msgpack"], r["GET /healthz"]),
        "step JSON / in-process step": ratio(r["step JSON"], r["in-process step"]),
    }
    return {
        "section": "single",
        "title": "One CartPole step",
        "rows": rows,
        "ratios": ratios,
        "notes": "Concurrent clients are measured after the interleaved rows, one round "
        "of 1, 4 and 16 after another.",
    }


def frames(r, image_id: str) -> dict:
    n = FRAME_BATCH
    pong = {
        "one": (r["image msgpack"], r["image in-process"]),
        "batch": (
            r[f"batch of {n} images msgpack, sync"],
            r[f"batch of {n} images in-process, sync"],
        ),
    }
    cart = {
        "one": (r["step msgpack"], r["in-process step"]),
        "batch": (
            r[f"batch of {n} CartPoles msgpack, sync"],
            r[f"batch of {n} CartPoles in-process, sync"],
        ),
    }
    rows = {
        f"{image_id} step in-process": rate(r, "image in-process"),
        f"{image_id} step JSON": rate(r, "image JSON"),
        f"{image_id} step msgpack": rate(r, "image msgpack"),
        f"batch of {n} {image_id} in-process (sync make_vec)": rate(
            r, f"batch of {n} images in-process, sync", "calls/s"
        ),
        f"batch of {n} {image_id} msgpack": rate(
            r, f"batch of {n} images msgpack, sync", "calls/s"
        ),
        f"batch of {n} CartPole-v1 in-process (sync make_vec)": rate(
            r, f"batch of {n} CartPoles in-process, sync", "calls/s"
        ),
        f"batch of {n} CartPole-v1 msgpack": rate(
            r, f"batch of {n} CartPoles msgpack, sync", "calls/s"
        ),
        f"HTTP adds to one {image_id} step (msgpack)": series(added_us(*pong["one"]), "µs"),
        "HTTP adds to one CartPole-v1 step (msgpack)": series(added_us(*cart["one"]), "µs"),
        f"HTTP adds to a batch of {n} {image_id} steps": series(added_us(*pong["batch"]), "µs"),
        f"HTTP adds to a batch of {n} CartPole-v1 steps": series(added_us(*cart["batch"]), "µs"),
    }
    ratios = {
        f"HTTP cost of one {image_id} step / of one CartPole step": series(
            added_us(*pong["one"]) / added_us(*cart["one"]), "x"
        ),
        f"HTTP cost of a batch of {n}, {image_id} / CartPole": series(
            added_us(*pong["batch"]) / added_us(*cart["batch"]), "x"
        ),
        f"{image_id} step msgpack / JSON": ratio(r["image msgpack"], r["image JSON"]),
        f"{image_id} step msgpack / in-process": ratio(r["image msgpack"], r["image in-process"]),
    }
    return {
        "section": "frames",
        "title": "Frames: what HTTP adds to an image step",
        "rows": rows,
        "ratios": ratios,
        "notes": f"The {image_id} rows run on a server of their own, with frameskip 1.",
    }


def batches(r) -> dict:
    one = r["in-process step"]
    rows = {"one in-process CartPole-v1": rate(r, "in-process step")}
    ratios = {}
    for n in BATCH_SIZES:
        for kind in ("in-process make_vec", "JSON", "msgpack"):
            rows[f"batch of {n}, {kind}"] = rate(r, f"batch of {n} {kind}", "env-steps/s", n)
    for n in BATCH_SIZES:
        for kind in ("JSON", "msgpack"):
            ratios[f"batch of {n}, {kind} / one in-process CartPole"] = ratio(
                r[f"batch of {n} {kind}"] * n, one
            )
        ratios[f"batch of {n}, msgpack / in-process make_vec"] = ratio(
            r[f"batch of {n} msgpack"], r[f"batch of {n} in-process make_vec"]
        )
    return {
        "section": "batches",
        "title": "Batches of CartPoles",
        "rows": rows,
        "ratios": ratios,
        "notes": "Env-steps/s are calls/s times the number of sub-envs.",
    }


def group_section(r) -> dict:
    n = GROUP_SIZE
    grouped, separate = r[f"group of {n}"], r[f"{n} create+reset round trips"]
    rows = {
        f"a group of {n}, one request": series(1000 / grouped, "ms"),
        f"{n} create+reset round trips": series(1000 / separate, "ms"),
    }
    ratios = {f"group of {n} / {n} create+reset round trips, speed": ratio(grouped, separate)}
    return {
        "section": "groups",
        "title": "Groups of same-seed copies",
        "rows": rows,
        "ratios": ratios,
        "notes": f"{n} CartPole-v1 copies with one seed per round (POST /v1/env_groups/), "
        f"against {n} POST /v1/envs/ and {n} resets with that seed on one keep-alive "
        "connection; each group is closed before the round trips are timed.",
    }


def ray(r) -> dict:
    rows = {
        "CartPole step, default backend (next to Ray)": rate(r, "step JSON, next to Ray"),
        "CartPole step, Ray backend": rate(r, "step JSON on Ray"),
        "2 clients, CPU-heavy env, default backend": rate(r, "2 CPU-heavy clients, in-process"),
        "2 clients, CPU-heavy env, Ray backend": rate(r, "2 CPU-heavy clients, Ray"),
    }
    ratios = {
        "step on Ray / step on the default backend": ratio(
            r["step JSON on Ray"], r["step JSON, next to Ray"]
        ),
        "2 CPU-heavy clients, Ray / default backend": ratio(
            r["2 CPU-heavy clients, Ray"], r["2 CPU-heavy clients, in-process"]
        ),
    }
    return {"section": "ray", "title": "The Ray backend", "rows": rows, "ratios": ratios}


def peer_section(r, peers: list[str], peer_versions: dict | None, held: dict) -> dict:
    rows = {
        "GET /healthz (the floor)": rate(r, "GET /healthz", "calls/s"),
        "step JSON, this server": rate(r, "step JSON"),
    }
    ratios = {}
    for name in peers:
        rows[name] = rate(r, name)
    rows.update(held)
    for name in peers:
        ratios[f"this server / {name}"] = ratio(r["step JSON"], r[name])
    return {
        "section": "peers",
        "title": "Installable peers",
        "rows": rows,
        "ratios": ratios,
        "versions": {"peers": peer_versions or {}},
        "notes": "One CartPole-v1 step per call, each peer with its own client, interleaved "
        "with this server's rows; the peers' pins are in bench/peers.py. Held "
        "sessions (one measurement per run, after the rounds): that many clients "
        "at once, each holding a connection and a CartPole of its own, reset and "
        "stepped, then stepped once more when all are open; memory is the "
        "server's RSS while they are held; sessions not open 90 s after the start "
        "do not count (the time is then that deadline). This server's held "
        "sessions run on a "
        "fresh instance with --max-envs 8192 (gym-http-server 0.0.1 serves one "
        "connection at a time and holds none).",
    }


def show(rates: dict[str, np.ndarray]) -> None:
    print(f"{'row (calls/s)':56s} {'median':>10s} {'range':>20s}")
    for name, values in rates.items():
        print(
            f"  {name:54s} {np.median(values):10.0f} "
            f"{f'{values.min():.0f}–{values.max():.0f}':>20s}"
        )
