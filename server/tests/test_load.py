"""Load and soak, bounded: many concurrent clients with zero errors and
consistent step counts; thousands of create/step/close cycles without the
server's memory growing with them."""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlsplit

import pytest

from conftest import ServerProcess

SEPARATE_CLIENTS, STEPS_EACH = 32, 1_000
SHARING_CLIENTS, SHARED_STEPS_EACH = 8, 250
SOAK_CYCLES, SOAK_WARMUP = 5_000, 500
# A leak of 4 KB per cycle would be 20 MB over the soak.
SOAK_RSS_GROWTH_LIMIT = 20 * 1024 * 1024


class Client:
    """One keep-alive connection, as a training loop holds it."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def call(self, method: str, path: str, body=None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        self.connection.request(method, path, data, {"Content-Type": "application/json"})
        response = self.connection.getresponse()
        payload = response.read()
        return response.status, json.loads(payload) if payload else None

    def close(self) -> None:
        self.connection.close()


@pytest.fixture(scope="module")
def load_server(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("load"), "--threads", "8")
    yield server
    server.kill()


def step_loop(client: Client, iid: str, steps: int, errors: list) -> None:
    for n in range(steps):
        status, body = client.call("POST", f"/v1/envs/{iid}/step/", {"action": n % 2})
        if status != 200:
            errors.append((status, body))
        elif body["done"]:
            status, body = client.call("POST", f"/v1/envs/{iid}/reset/")
            if status != 200:
                errors.append((status, body))


def test_concurrent_clients_get_no_errors_and_every_step_counts(load_server):
    setup = Client(load_server.url)
    separate = [
        setup.call("POST", "/v1/envs/", {"env_id": "CartPole-v1"})[1]["instance_id"]
        for _ in range(SEPARATE_CLIENTS)
    ]
    shared = setup.call("POST", "/v1/envs/", {"env_id": "CartPole-v1"})[1]["instance_id"]
    for iid in [*separate, shared]:
        assert setup.call("POST", f"/v1/envs/{iid}/reset/", {"seed": 0})[0] == 200
    errors: list = []
    clients = [Client(load_server.url) for _ in range(SEPARATE_CLIENTS + SHARING_CLIENTS)]
    threads = [
        threading.Thread(target=step_loop, args=(client, iid, STEPS_EACH, errors))
        for client, iid in zip(clients[:SEPARATE_CLIENTS], separate, strict=True)
    ]
    threads += [
        threading.Thread(target=step_loop, args=(client, shared, SHARED_STEPS_EACH, errors))
        for client in clients[SEPARATE_CLIENTS:]
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    seconds = time.monotonic() - started
    total = SEPARATE_CLIENTS * STEPS_EACH + SHARING_CLIENTS * SHARED_STEPS_EACH
    print(
        f"load: {len(threads)} clients, {total} steps in {seconds:.1f} s "
        f"({total / seconds:.0f} steps/s), {len(errors)} errors"
    )
    assert errors == []
    for iid in separate:
        assert setup.call("GET", f"/v1/envs/{iid}/")[1]["total_steps"] == STEPS_EACH
    shared_steps = setup.call("GET", f"/v1/envs/{shared}/")[1]["total_steps"]
    assert shared_steps == SHARING_CLIENTS * SHARED_STEPS_EACH
    for iid in [*separate, shared]:
        assert setup.call("POST", f"/v1/envs/{iid}/close/")[0] == 204
    for client in [setup, *clients]:
        client.close()


def cycle(client: Client) -> None:
    status, body = client.call("POST", "/v1/envs/", {"env_id": "CartPole-v1"})
    assert status == 200, body
    iid = body["instance_id"]
    assert client.call("POST", f"/v1/envs/{iid}/reset/")[0] == 200
    assert client.call("POST", f"/v1/envs/{iid}/step/", {"action": 0})[0] == 200
    assert client.call("POST", f"/v1/envs/{iid}/close/")[0] == 204


def test_soak_of_create_step_close_cycles_keeps_memory_flat(load_server):
    client = Client(load_server.url)
    for _ in range(SOAK_WARMUP):
        cycle(client)
    before = load_server.rss_bytes()
    started = time.monotonic()
    for _ in range(SOAK_CYCLES):
        cycle(client)
    seconds = time.monotonic() - started
    after = load_server.rss_bytes()
    growth = after - before
    print(
        f"soak: {SOAK_CYCLES} cycles in {seconds:.1f} s; server RSS {before / 2**20:.1f} MiB "
        f"-> {after / 2**20:.1f} MiB ({growth / 2**20:+.2f} MiB, "
        f"{growth / SOAK_CYCLES:+.0f} B/cycle)"
    )
    assert client.call("GET", "/v1/envs/")[1]["all_envs"] == {}
    client.close()
    assert growth < SOAK_RSS_GROWTH_LIMIT
