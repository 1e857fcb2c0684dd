"""What the bench times: a lean keep-alive client and the step loops built on it.

Every loop is a callable ``fn(i)`` doing one call; ``per_second`` times it.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import gymnasium as gym
import numpy as np
import orjson
import ormsgpack

JSON = "application/json"
MSGPACK = "application/msgpack"
ENDLESS = {"max_episode_steps": 10**9}


class Client:
    """One keep-alive connection speaking JSON or msgpack, as lean as a client
    gets: each request leaves in one send() (http.client sends the headers and
    the body apart, and the second segment costs the server another wake-up),
    and each answer is read into one buffer the client keeps (a new 806 KB
    object for each batch of 8 Pong frames cost this client about 300 µs more,
    most of it in page faults)."""

    def __init__(self, url: str, media: str = JSON):
        parts = urlsplit(url)
        self.address = (parts.hostname, parts.port or 80)
        self.host = parts.netloc.encode()
        self.prefix = parts.path.rstrip("/")
        self.media = media.encode()
        self.dumps = orjson.dumps if media == JSON else ormsgpack.packb
        self.loads = orjson.loads if media == JSON else ormsgpack.unpackb
        self.sock = self.reader = None
        self.buffer = bytearray(64 * 1024)

    def connect(self) -> None:
        self.sock = socket.create_connection(self.address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")

    def call(self, method: str, path: str, body=None):
        if self.sock is None:
            self.connect()
        data = b"" if body is None else self.dumps(body)
        head = (
            f"{method} {self.prefix}{path} HTTP/1.1\r\n".encode()
            + b"Host: "
            + self.host
            + b"\r\nAccept: "
            + self.media
            + b"\r\nContent-Type: "
            + self.media
            + b"\r\nContent-Length: "
            + str(len(data)).encode()
            + b"\r\n\r\n"
        )
        self.sock.sendall(head + data)
        version, status = self.reader.readline().split(None, 2)[:2]
        status = int(status)
        # An HTTP/1.0 server (Werkzeug's, under the 0.0.1 peer) closes after
        # each answer unless it says keep-alive.
        length, close = 0, version == b"HTTP/1.0"
        while (line := self.reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection":
                close = value.strip().lower() != b"keep-alive"
        raw = self.read_body(length)
        if close:
            self.close()
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {bytes(raw[:200])!r}")
        return self.loads(raw) if length else None

    def read_body(self, length: int) -> memoryview:
        """The answer's body, in the client's buffer until the next answer."""
        if length > len(self.buffer):
            self.buffer = bytearray(length)
        body = memoryview(self.buffer)[:length]
        if self.reader.readinto(body) != length:
            raise ConnectionError("the server closed the connection mid-answer")
        return body

    def close(self) -> None:
        if self.sock is not None:
            self.reader.close()
            self.sock.close()
            self.sock = self.reader = None


class RemoteStepper:
    """Steps one remote environment in a loop, resetting when an episode ends."""

    def __init__(self, client: Client, env_id: str, actions: int, kwargs: dict | None = None):
        self.client = client
        body = {"env_id": env_id}
        if kwargs:
            body["kwargs"] = kwargs
        self.instance_id = client.call("POST", "/v1/envs/", body)["instance_id"]
        self.step_path = f"/v1/envs/{self.instance_id}/step/"
        self.reset_path = f"/v1/envs/{self.instance_id}/reset/"
        self.actions = actions
        client.call("POST", self.reset_path, {"seed": 0})

    def __call__(self, i: int) -> None:
        result = self.client.call("POST", self.step_path, {"action": i % self.actions})
        if result["done"]:
            self.client.call("POST", self.reset_path, {})


def local_stepper(env_id: str, **kwargs):
    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    actions = env.action_space.n

    def step(i: int) -> None:
        if any(env.step(i % actions)[2:4]):
            env.reset()

    return step


class RemoteBatch:
    """Steps one remote batch in a loop; finished sub-envs reset themselves
    (NextStep autoreset). Answers become numpy arrays, as a training loop
    needs them."""

    def __init__(
        self,
        client: Client,
        num_envs: int,
        env_id: str = "CartPole-v1",
        kwargs: dict | None = None,
        actions: int = 2,
        mode: str | None = None,
    ):
        self.client = client
        body = {"env_id": env_id, "num_envs": num_envs, "kwargs": {**ENDLESS, **(kwargs or {})}}
        if mode:
            body["vectorization_mode"] = mode
        self.vector_id = client.call("POST", "/v1/vector_envs/", body)["vector_id"]
        self.step_path = f"/v1/vector_envs/{self.vector_id}/step/"
        client.call("POST", f"/v1/vector_envs/{self.vector_id}/reset/", {"seed": 0})
        chosen = np.random.default_rng(0).integers(0, actions, size=(2, num_envs))
        if client.media == MSGPACK.encode():
            self.bodies = [
                {
                    "actions": {
                        "dtype": "int64",
                        "shape": [num_envs],
                        "data": a.astype("<i8").tobytes(),
                    }
                }
                for a in chosen
            ]
            self.observations = lambda o: np.frombuffer(o["data"], o["dtype"]).reshape(o["shape"])
        else:
            self.bodies = [{"actions": a.tolist()} for a in chosen]
            self.observations = np.asarray

    def __call__(self, i: int) -> None:
        result = self.client.call("POST", self.step_path, self.bodies[i % 2])
        self.observations(result["observations"])


def local_batch(
    num_envs: int,
    env_id: str = "CartPole-v1",
    kwargs: dict | None = None,
    actions: int = 2,
    mode: str = "vector_entry_point",
):
    envs = gym.make_vec(env_id, num_envs, vectorization_mode=mode, **ENDLESS, **(kwargs or {}))
    envs.reset(seed=0)
    chosen = np.random.default_rng(0).integers(0, actions, size=(2, num_envs))

    def step(i: int) -> None:
        envs.step(chosen[i % 2])

    return step


def per_second(fn, calls: int) -> float:
    start = time.perf_counter()
    for i in range(calls):
        fn(i)
    return calls / (time.perf_counter() - start)


class Concurrent:
    """``clients`` threads, each with its own connection and env, made once
    and stepped for as many rounds as asked."""

    def __init__(self, url: str, clients: int, env_id: str = "CartPole-v1"):
        self.steppers = [RemoteStepper(Client(url), env_id, 2, ENDLESS) for _ in range(clients)]

    def rate(self, calls: int) -> float:
        """Total steps/s of every thread stepping its env ``calls`` times."""
        barrier = threading.Barrier(len(self.steppers) + 1)

        def run(stepper: RemoteStepper) -> None:
            barrier.wait()
            for i in range(calls):
                stepper(i)

        threads = [threading.Thread(target=run, args=(s,)) for s in self.steppers]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        return len(self.steppers) * calls / (time.perf_counter() - start)

    def close(self) -> None:
        for stepper in self.steppers:
            stepper.client.call("DELETE", f"/v1/envs/{stepper.instance_id}")
            stepper.client.close()


def concurrent_rate(url: str, clients: int, calls: int, env_id: str = "CartPole-v1") -> float:
    """One round of ``Concurrent`` on envs made for it."""
    steppers = Concurrent(url, clients, env_id)
    try:
        return steppers.rate(calls)
    finally:
        steppers.close()
