"""Sessions: each client its own keep-alive connection and its own env, as
rollout workers, GRPO groups and agent trainers use an env server; both
engines in one run. Rows, per engine:

- held sessions (1,024, 4,096, 16,384): each connects, creates and resets a
  CartPole, waits until all hold one, steps once and closes; successes,
  seconds until all were ready, server RSS per held session;
- CartPole at 1, 16, 96 and 256 sessions, each stepping its own env: steps/s
  and per-step latency p50/p99;
- an env whose step sleeps 50 ms (bench/sleepenv.py) at 64, 256 and 1,024
  sessions, with ``--threads 256``: steps/s as a share of the ideal N / 0.05 s;
- one connection stepping CartPole;

and a raw TCP echo between two processes (the floor under any HTTP server
here), with the ratios the README quotes.

The clients are asyncio raw HTTP/1.1 in this process (server/tests/keepalive.py),
so they share the machine with the server: compare rows within one run.
Writes bench/results/sessions.json (``--out`` another folder); bench/tables.py
renders the README table from it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, nullcontext
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).parent
sys.path[:0] = [str(HERE.parent / "server" / "tests"), str(HERE)]

from keepalive import Session, hold_sessions, raise_open_files  # noqa: E402
from record import RESULTS_DIR, machine, new_run, series, write  # noqa: E402
from sleepenv import SLEEP_ID, STEP_SECONDS  # noqa: E402

from gym_http_server.testing import running_server  # noqa: E402

HELD = (1024, 4096, 16384)
# waitress holds up to its --connection-limit (8,192 by default): 16,384 is granian's row.
HELD_BY_ENGINE = {"waitress": (1024, 4096), "granian": HELD}
CPU_SESSIONS = (1, 16, 96, 256)
SLEEP_SESSIONS = (64, 256, 1024)
IO_THREADS = 256


def server_rss(pid_of_port: int) -> int:
    """The RSS in bytes of the process listening on the port (Linux /proc)."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == pid_of_port and fields[3] == "0A":
                inode = fields[9]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            for fd in fds:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    status = Path(f"/proc/{pid}/status").read_text()
                    kib = int(
                        next(s for s in status.splitlines() if s.startswith("VmRSS")).split()[1]
                    )
                    return kib * 1024
        except OSError:
            continue
    return 0


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


async def held_row(url: str, count: int) -> dict:
    host, port = address(url)
    before = server_rss(port)
    peak = [0]
    started = time.monotonic()
    ready_at = [None]

    async def watch():
        while True:
            peak[0] = max(peak[0], server_rss(port))
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch())
    outcome = await hold_sessions(
        host,
        port,
        count,
        timeout=180,
        on_ready=lambda: (
            ready_at.__setitem__(0, time.monotonic() - started),
            peak.__setitem__(0, max(peak[0], server_rss(port))),
        ),
    )
    watcher.cancel()
    return {
        "sessions": count,
        "held": outcome["held"],
        "stepped": outcome["done"],
        "ready_seconds": ready_at[0],
        "rss_per_session_kib": round((peak[0] - before) / max(outcome["held"], 1) / 1024, 1),
        "errors": [repr(e)[:200] for e in outcome["errors"]],
    }


async def stepping_row(url: str, count: int, env_id: str, seconds: float) -> dict:
    """``count`` sessions each stepping its own env for ``seconds``."""
    host, port = address(url)
    sessions = [Session(host, port) for _ in range(count)]
    latencies: list[float] = []
    start = asyncio.Event()
    stop_at = [0.0]

    async def one(session: Session) -> None:
        await session.open()
        _, made = await session.call(
            "POST", "/v1/envs/", {"env_id": env_id, "kwargs": {"max_episode_steps": 10**9}}
        )
        iid = made["instance_id"]
        await session.call("POST", f"/v1/envs/{iid}/reset/", {"seed": 0})
        await start.wait()
        path = f"/v1/envs/{iid}/step/"
        while time.monotonic() < stop_at[0]:
            t = time.monotonic()
            status, body = await session.call("POST", path, {"action": 0})
            latencies.append(time.monotonic() - t)
            if status == 200 and body.get("done"):
                await session.call("POST", f"/v1/envs/{iid}/reset/")
        await session.call("POST", f"/v1/envs/{iid}/close/")
        session.close()

    tasks = [asyncio.create_task(one(s)) for s in sessions]
    await asyncio.sleep(0)
    # Everyone made and reset first; then the clock starts for all at once.
    while sum(s.writer is not None for s in sessions) < count:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    began = time.monotonic()
    stop_at[0] = began + seconds
    start.set()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - began
    latencies.sort()
    return {
        "sessions": count,
        "steps_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 2),
        "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 2),
    }


def engine_rows(engine: str, quick: bool) -> dict:
    """This engine's rows, labelled for the README table, one round each: each
    kind of row on a server of its own (with --quick, one server for all)."""
    rows: dict = {}
    with ExitStack() as stack:
        one = stack.enter_context(serving(engine, 2048, IO_THREADS)) if quick else None
        held_rows(rows, engine, (64,) if quick else HELD_BY_ENGINE[engine], one)
        with nullcontext(one) if quick else serving(engine, 2048) as url:
            cartpole_rows(
                rows,
                engine,
                url,
                CPU_SESSIONS[:2] if quick else CPU_SESSIONS,
                1.0 if quick else 6.0,
            )
        with nullcontext(one) if quick else serving(engine, 2048, IO_THREADS) as url:
            sleep_rows(
                rows,
                engine,
                url,
                SLEEP_SESSIONS[:1] if quick else SLEEP_SESSIONS,
                1.0 if quick else 6.0,
            )
    return rows


def serving(engine: str, max_envs: int, threads: int | None = None):
    """A server on ``engine`` that can make the 50 ms env too."""
    env = {"PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    more = ["--threads", str(threads)] if threads else []
    return running_server(
        "--engine",
        engine,
        "--max-envs",
        str(max_envs),
        *more,
        "--import",
        "sleepenv",
        "--log-level",
        "warning",
        env=env,
    )


def held_rows(rows: dict, engine: str, counts, url: str | None) -> None:
    for count in counts:
        with nullcontext(url) if url else serving(engine, count + 64) as where:
            row = asyncio.run(held_row(where, count))
        print(engine, row, flush=True)
        rows[f"{engine}: {count:,} held sessions, held"] = series([row["held"]], "sessions")
        if row["ready_seconds"] is not None:
            rows[f"{engine}: {count:,} held sessions, seconds to all ready"] = series(
                [round(row["ready_seconds"], 2)], "s"
            )
        rows[f"{engine}: {count:,} held sessions, server memory per session"] = series(
            [row["rss_per_session_kib"]], "KiB"
        )


def cartpole_rows(rows: dict, engine: str, url: str, counts, seconds: float) -> None:
    for count in counts:
        row = asyncio.run(stepping_row(url, count, "CartPole-v1", seconds))
        print(engine, "cartpole", row, flush=True)
        name = "one connection" if count == 1 else f"{count} sessions"
        rows[f"{engine}: CartPole step, {name}"] = series([row["steps_per_s"]], "steps/s")
        rows[f"{engine}: CartPole step, {name}, p50"] = series([row["p50_ms"]], "ms")
        rows[f"{engine}: CartPole step, {name}, p99"] = series([row["p99_ms"]], "ms")


def sleep_rows(rows: dict, engine: str, url: str, counts, seconds: float) -> None:
    for count in counts:
        row = asyncio.run(stepping_row(url, count, SLEEP_ID, seconds))
        share = round(row["steps_per_s"] / (count / STEP_SECONDS), 3)
        print(engine, "sleep", row, share, flush=True)
        rows[f"{engine}: 50 ms env, {count} sessions, {IO_THREADS} threads, share of ideal"] = (
            series([share], "x")
        )


ECHO_SERVER = """
import socket, sys
listener = socket.create_server(("127.0.0.1", 0))
print(listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
while data := conn.recv(65536):
    conn.sendall(data)
"""


def echo_rate(seconds: float) -> float:
    """Round trips/s of a raw TCP echo between this process and another, one
    connection, a step-sized message: the floor under any HTTP server here."""
    server = subprocess.Popen(
        [sys.executable, "-c", ECHO_SERVER], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(server.stdout.readline())
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            message = b"x" * 200
            trips, stop = 0, time.monotonic() + seconds
            while time.monotonic() < stop:
                conn.sendall(message)
                received = 0
                while received < len(message):
                    received += len(conn.recv(65536))
                trips += 1
        return trips / seconds
    finally:
        server.kill()
        server.wait()


def ratio_rows(rows: dict, engines: list[str]) -> dict:
    """The ratios the README quotes, from this run's rows."""

    def rate(engine: str, name: str) -> float | None:
        row = rows.get(f"{engine}: CartPole step, {name}")
        return row["median"] if row else None

    ratios = {}
    for engine in engines:
        base = rate(engine, "16 sessions")
        for count in CPU_SESSIONS[2:]:
            more = rate(engine, f"{count} sessions")
            if base and more:
                ratios[f"{engine}: {count} sessions / 16 sessions"] = series([more / base], "x")
    singles = {engine: rate(engine, "one connection") for engine in engines}
    if singles.get("granian") and singles.get("waitress"):
        ratios["one connection, granian / waitress"] = series(
            [singles["granian"] / singles["waitress"]], "x"
        )
    echo = rows.get("raw TCP echo between two processes, one connection")
    fastest = max((r for r in singles.values() if r), default=None)
    if echo and fastest:
        ratios["one connection, the faster engine / raw TCP echo"] = series(
            [fastest / echo["median"]], "x"
        )
    return ratios


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engines", default="waitress,granian")
    p.add_argument(
        "--quick",
        action="store_true",
        help="a second of the smallest rows, so that the bench never rots",
    )
    p.add_argument("--out", default=str(RESULTS_DIR), help="the results folder")
    p.add_argument("--append", action="store_true", help="join the runs already there")
    args = p.parse_args()
    raise_open_files(max(HELD) + 1024)
    run = new_run(rounds=1, started=machine())
    rows: dict = {}
    engines = args.engines.split(",")
    for engine in engines:
        rows.update(engine_rows(engine, args.quick))
    rows["raw TCP echo between two processes, one connection"] = series(
        [round(echo_rate(1.0 if args.quick else 6.0), 1)], "round trips/s"
    )
    path = write(
        "sessions",
        "Sessions: each client its own connection and env, per engine",
        run,
        rows,
        ratios=ratio_rows(rows, engines),
        notes=NOTES,
        directory=args.out,
        append=args.append,
    )
    print("wrote", path)


NOTES = (
    "Held: each session connects, creates and resets a CartPole, waits until all "
    "hold one, steps and closes, on its own keep-alive connection; memory is the "
    "server's RSS growth per held session. CartPole: each session steps its own env "
    "for 6 s. 50 ms env: a step that sleeps 50 ms (bench/sleepenv.py), as a share of "
    "the ideal N / 0.05 s. Clients: asyncio raw HTTP/1.1 in the bench process, on the "
    "same machine as the server. Raw TCP echo: 200-byte messages to an echo "
    "process and back on one connection, for 6 s."
)


if __name__ == "__main__":
    main()
