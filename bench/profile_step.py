"""Where a CartPole step's CPU time goes in the server, above the healthz floor.

The server runs in a process of its own under yappi (CPU clock, every
thread, built-ins included), started through its own command line; this
process steps CartPole-v1 over JSON and calls ``GET /healthz`` on keep-alive
connections, in rounds, and has the server profile each phase alone. Each
function's own time is charged to the package its code belongs to; per
request, the step's buckets minus the floor's say what a step costs above it.
A profiler slows the Python code it watches, so the shares matter more than
the absolute microseconds, which are higher than without it.

So each round first measures the same two phases with no profiler: the
server process's CPU time per request (user and system, from the kernel),
and of it the time inside the WSGI app (thread CPU time around each call):
what is left is the engine's (waitress: reading, parsing, queueing to a
worker thread, writing). These are the true microseconds above the floor;
the profile says how they split by package.

Writes bench/results/profile.json (a section like the bench's) and
bench/results/profile.txt (the costliest functions of a step).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import record
from loops import ENDLESS, Client, RemoteStepper

HERE = Path(__file__).resolve().parent
KNOWN = (
    "waitress",
    "falcon",
    "gym_http_server",
    "gymnasium",
    "numpy",
    "orjson",
    "ormsgpack",
    "prometheus_client",
)


def bucket(module: str) -> str:
    """The package a function belongs to, from its file (or a built-in's module)."""
    path = module.replace(os.sep, "/")
    for name in KNOWN:
        if f"/{name}/" in path or path.split(".")[0] == name:
            return name
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if path.startswith("/") or path.endswith(".py"):
        return "Python standard library"
    return "C built-ins (sockets, select, locks, ...)"


def short(module: str) -> str:
    """A function's file as a reader finds it: from its package, or the stdlib's."""
    path = module.replace(os.sep, "/")
    for marker in (
        "site-packages/",
        "/server/",
        f"/python{sys.version_info[0]}.{sys.version_info[1]}/",
    ):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def time_the_app() -> list[int]:
    """Make every app the server builds count its own thread CPU time (ns)
    into the list returned, one item: the app's share of a request."""
    from gym_http_server.service import Service

    spent = [0]
    build = Service.app

    def timed_app(service):
        app = build(service)

        def timed(environ, start_response):
            started = time.thread_time_ns()
            try:
                return app(environ, start_response)
            finally:
                spent[0] += time.thread_time_ns() - started

        return timed

    Service.app = timed_app
    return spent


def serve(port: int) -> None:
    """The server under yappi; stdin says when to profile ('start', 'stop N')
    and when to report CPU times ('cpu')."""
    import yappi

    from gym_http_server.cli import main as server_main

    yappi.set_clock_type("cpu")
    app_ns = time_the_app()

    def control() -> None:
        for line in sys.stdin:
            command = line.split()
            if command[0] == "cpu":
                times = os.times()
                cpu = {"process": times.user + times.system, "app": app_ns[0] / 1e9}
                print(json.dumps(cpu), flush=True)
            elif command[0] == "start":
                yappi.clear_stats()
                yappi.start(builtins=True, profile_threads=True)
            else:
                yappi.stop()
                requests = int(command[1])
                stats = yappi.get_func_stats()
                totals: dict[str, float] = {}
                for stat in stats:
                    name = bucket(stat.module)
                    totals[name] = totals.get(name, 0.0) + stat.tsub * 1e6 / requests
                top = sorted(stats, key=lambda s: -s.tsub)[:40]
                lines = [
                    f"{s.tsub * 1e6 / requests:9.2f} µs {s.ncall / requests:6.2f}x  "
                    f"{s.name}  ({short(s.module)}:{s.lineno})"
                    for s in top
                ]
                print(json.dumps({"buckets": totals, "top": lines}), flush=True)
            print("ok", flush=True)

    threading.Thread(target=control, daemon=True).start()
    server_main(["-l", "127.0.0.1", "-p", str(port), "--log-level", "warning"])


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=5).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the profiled server did not start")
            time.sleep(0.2)


def cpu_times(server: subprocess.Popen) -> dict:
    server.stdin.write("cpu\n")
    server.stdin.flush()
    found = json.loads(server.stdout.readline())
    assert server.stdout.readline().strip() == "ok"
    return found


def unprofiled(server: subprocess.Popen, fn, calls: int) -> dict:
    """Server CPU µs per call, in all and in the app, with no profiler running."""
    before = cpu_times(server)
    for i in range(calls):
        fn(i)
    after = cpu_times(server)
    return {key: (after[key] - before[key]) * 1e6 / calls for key in before}


def profiled(server: subprocess.Popen, fn, calls: int) -> dict:
    server.stdin.write("start\n")
    server.stdin.flush()
    assert server.stdout.readline().strip() == "ok"
    for i in range(calls):
        fn(i)
    server.stdin.write(f"stop {calls}\n")
    server.stdin.flush()
    found = json.loads(server.stdout.readline())
    assert server.stdout.readline().strip() == "ok"
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--results", type=Path, default=record.RESULTS_DIR, metavar="DIR")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        return serve(args.serve)
    run = record.new_run(args.rounds, record.machine())
    port = __import__("peers").free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        wait_for(url, server)
        health = Client(url)
        step = RemoteStepper(Client(url), "CartPole-v1", 2, ENDLESS)
        for i in range(200):  # warm up both paths before any profile
            health.call("GET", "/healthz")
            step(i)
        phases: dict[str, list[dict]] = {"step": [], "floor": []}
        plain: dict[str, list[dict]] = {"step": [], "floor": []}
        for _ in range(args.rounds):
            plain["floor"].append(
                unprofiled(server, lambda i: health.call("GET", "/healthz"), args.calls)
            )
            plain["step"].append(unprofiled(server, step, args.calls))
            phases["floor"].append(
                profiled(server, lambda i: health.call("GET", "/healthz"), args.calls)
            )
            phases["step"].append(profiled(server, step, args.calls))
    finally:
        server.terminate()
        server.wait(30)
    write(args, run, phases, plain)


def unprofiled_rows(plain: dict) -> dict:
    """Per request with no profiler: the server's CPU time, the app's share,
    the engine's (the rest), for the step, the floor, and above the floor."""

    def part(phase: str, where: str) -> list[float]:
        if where == "engine":
            return [r["process"] - r["app"] for r in plain[phase]]
        return [r[where] for r in plain[phase]]

    rows = {}
    for where, label in (
        ("process", "in all"),
        ("app", "in the app (Falcon and below)"),
        ("engine", "in the engine (waitress)"),
    ):
        step, floor = part("step", where), part("floor", where)
        rows[f"no profiler: step, {label}"] = record.series(step, "µs")
        rows[f"no profiler: GET /healthz, {label}"] = record.series(floor, "µs")
        rows[f"no profiler: step above the floor, {label}"] = record.series(
            [s - f for s, f in zip(step, floor, strict=True)], "µs"
        )
    return rows


def write(args, run: dict, phases: dict, plain: dict) -> None:
    names = sorted(
        {name for found in phases["step"] + phases["floor"] for name in found["buckets"]}
    )

    def per_round(phase: str, name: str) -> list[float]:
        return [found["buckets"].get(name, 0.0) for found in phases[phase]]

    above = {
        name: [
            s - f for s, f in zip(per_round("step", name), per_round("floor", name), strict=True)
        ]
        for name in names
    }
    order = sorted(names, key=lambda name: -sorted(above[name])[len(above[name]) // 2])
    rows = unprofiled_rows(plain)
    rows.update(
        {
            f"under yappi: step above the floor: {name}": record.series(above[name], "µs")
            for name in order
        }
    )
    total = {phase: [sum(found["buckets"].values()) for found in phases[phase]] for phase in phases}
    rows["under yappi: step above the floor, in all"] = record.series(
        [s - f for s, f in zip(total["step"], total["floor"], strict=True)], "µs"
    )
    rows["under yappi: step, in all"] = record.series(total["step"], "µs")
    rows["under yappi: GET /healthz (the floor), in all"] = record.series(total["floor"], "µs")
    path = record.write(
        "profile",
        "Where a step's CPU time goes in the server",
        run,
        rows,
        notes=f"Server CPU time per request, {args.calls} requests per phase and "
        "round, first with no profiler (the server process's CPU time from the "
        "kernel; the app's, thread CPU time around each WSGI call), then under "
        "yappi, where a package's row is its own code's time (callees in other "
        "packages are charged to them) and every figure is inflated by the profiler.",
        directory=args.results,
    )
    top = phases["step"][len(phases["step"]) // 2]["top"]
    text = (
        f"# The costliest functions of a CartPole step in the server (own CPU time per "
        f"step under yappi, calls per step), one round of {args.calls} steps; "
        f"{run['date']}, load average {run['machine']['load_average_at_start'][0]}\n"
    )
    (path.parent / "profile.txt").write_text(text + "\n".join(top) + "\n")
    print(f"written to {path} and profile.txt", file=sys.stderr)


if __name__ == "__main__":
    main()
