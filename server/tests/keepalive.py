"""Many clients at once, each on its own keep-alive connection, as rollout
workers use an env server: raw HTTP/1.1 on asyncio streams, so that one test
process can hold thousands of sessions without a thread each."""

from __future__ import annotations

import asyncio
import resource

import orjson


def raise_open_files(need: int) -> None:
    """The soft limit up to what ``need`` sockets take (never past the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need + 256 if hard == resource.RLIM_INFINITY else min(need + 256, hard)
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


class Session:
    """One connection, kept alive; ``call`` sends a request and reads the answer."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = orjson.dumps(body) if body is not None else b""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        return await read_response(self.reader)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return status, (orjson.loads(body) if body else {})


async def hold_sessions(
    host: str,
    port: int,
    count: int,
    env_id: str = "CartPole-v1",
    steps: int = 1,
    timeout: float = 120.0,
    on_ready=lambda: None,
) -> dict:
    """``count`` sessions: each connects, creates and resets an env, waits
    until every session holds one, then steps and closes it, all on its one
    connection. Answers how many got through each phase."""
    sessions = [Session(host, port) for _ in range(count)]
    ready = asyncio.Event()
    held, settled = [0], [0]
    done: list[bool] = []

    def settle() -> None:  # held, or failed before holding: nobody waits for it
        settled[0] += 1
        if settled[0] == count:
            on_ready()
            ready.set()

    async def one(session: Session) -> None:
        holding = False
        try:
            await session.open()
            status, made = await session.call("POST", "/v1/envs/", {"env_id": env_id})
            assert status == 200, made
            iid = made["instance_id"]
            status, _ = await session.call("POST", f"/v1/envs/{iid}/reset/", {"seed": 0})
            assert status == 200
            held[0] += 1
            holding = True
            settle()
            await ready.wait()
            for _ in range(steps):
                status, stepped = await session.call("POST", f"/v1/envs/{iid}/step/", {"action": 0})
                assert status == 200 and "observation" in stepped, stepped
            status, _ = await session.call("POST", f"/v1/envs/{iid}/close/")
            assert status == 204
            done.append(True)
        finally:
            if not holding:
                settle()
            session.close()

    results = await asyncio.wait_for(
        asyncio.gather(*(one(s) for s in sessions), return_exceptions=True), timeout
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    return {"held": held[0], "done": len(done), "errors": errors[:5]}
