"""Held sessions: many clients at once, each holding a connection and an env.

A session connects, makes (or is given) a CartPole, resets it and steps it;
once every session has been tried, each held one steps once more, and the
server's memory is read while they are all still open. A session counts as
held if all of that succeeded. Shared by this server's rows (asyncio over
raw HTTP/1.1 keep-alive) and OpenEnv's driver (its own EnvClient).
"""

from __future__ import annotations

import asyncio
import json
import resource
import time
from urllib.parse import urlsplit

OPENING_AT_ONCE = 128
OPENING_DEADLINE = 90.0  # for all of them together
STEP_TIMEOUT = 30.0


def raise_open_files(wanted: int) -> None:
    """Room for ``wanted`` sockets in this process (the soft limit, up to the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def hold(
    open_session, sessions: int, measure, deadline: float = OPENING_DEADLINE
) -> tuple[int, float, object]:
    """Open ``sessions`` sessions (``open_session()`` returns one with ``step()`` and
    ``close()``); (how many held, seconds until all were tried, what
    ``measure(held, seconds)`` says while they are still open). Sessions not
    open within ``deadline`` seconds of the start do not count."""
    gate = asyncio.Semaphore(OPENING_AT_ONCE)

    async def one():
        async with gate:
            try:
                return await open_session()
            except Exception:  # refused, reset, a peer's client's own error types
                return None

    start = time.perf_counter()
    tasks = [asyncio.ensure_future(one()) for _ in range(sessions)]
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    seconds = time.perf_counter() - start
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    opened = [task.result() for task in done if task.result() is not None]

    async def again(session) -> bool:
        try:
            await asyncio.wait_for(session.step(), STEP_TIMEOUT)
            return True
        except Exception:
            return False

    held = sum(await asyncio.gather(*(again(s) for s in opened)))
    measured = measure(held, seconds)
    await asyncio.gather(*(s.close() for s in opened), return_exceptions=True)
    return held, seconds, measured


class HttpSession:
    """One keep-alive connection to this server holding one CartPole."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port)
        self.step_path = ""

    @classmethod
    async def open(cls, url: str) -> HttpSession:
        session = cls(url)
        session.reader, session.writer = await asyncio.open_connection(*session.address)
        made = await session.call("POST", "/v1/envs/", {"env_id": "CartPole-v1"})
        instance = made["instance_id"]
        await session.call("POST", f"/v1/envs/{instance}/reset/", {"seed": 0})
        session.step_path = f"/v1/envs/{instance}/step/"
        await session.step()
        return session

    async def call(self, method: str, path: str, body: dict):
        data = json.dumps(body).encode()
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: "
            f"application/json\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        raw = await self.reader.readexactly(length)
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status}")
        return json.loads(raw) if raw else None

    async def step(self) -> None:
        await self.call("POST", self.step_path, {"action": 0})

    async def close(self) -> None:
        self.writer.close()


def hold_http(url: str, sessions: int, pid: int) -> tuple[int, float, float]:
    """(held, seconds, server RSS in MiB while held) for this server at ``url``."""
    raise_open_files(sessions + 256)
    return asyncio.run(
        hold(lambda: HttpSession.open(url), sessions, lambda held, seconds: rss_mib(pid))
    )
