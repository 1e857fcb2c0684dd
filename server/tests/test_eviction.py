"""Idle eviction (--env-ttl): an instance nobody uses is closed by the reaper,
its recording flushed; its id then answers 400 `instance_expired` on every
instance route; an instance in use is never evicted."""

from __future__ import annotations

import json
import threading
import time

import gymnasium as gym
import httpx
import pytest

from conftest import error_of, server_env
from gym_http_server import errors
from gym_http_server.instances import InstanceTable
from gym_http_server.reaper import Reaper
from gym_http_server.testing import running_server
from testenvs import RENDEZVOUS_ID

TTL = 0.6
# Enough for each instance route to get past its parameters to the instance.
EVERY_PARAMETER = {"action": 0, "observation": 0, "directory": "x"}

INSTANCE_ROUTES = [
    ("GET", ""),
    ("DELETE", ""),
    ("POST", "/reset/"),
    ("POST", "/step/"),
    ("GET", "/render/"),
    ("POST", "/close/"),
    ("GET", "/action_space/"),
    ("GET", "/action_space/sample"),
    ("GET", "/action_space/contains/0"),
    ("POST", "/action_space/contains"),
    ("GET", "/observation_space/"),
    ("POST", "/observation_space/contains"),
    ("POST", "/monitor/start/"),
    ("POST", "/monitor/close/"),
    ("GET", "/action_space/json_schema"),
    ("GET", "/observation_space/json_schema"),
]


@pytest.fixture(scope="module")
def ttl_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("data")
    with running_server(
        "--import", "testenvs", "--env-ttl", str(TTL), "--data-dir", str(data_dir), env=server_env()
    ) as url:
        with httpx.Client(base_url=url, timeout=30) as http:
            yield http, data_dir


def test_an_idle_instance_expires_on_every_route_and_its_recording_is_flushed(ttl_server):
    http, data_dir = ttl_server
    iid = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
    assert (
        http.post(f"/v1/envs/{iid}/monitor/start/", json={"directory": "idle"}).status_code == 204
    )
    http.post(f"/v1/envs/{iid}/reset/", json={"seed": 3})
    steps, done = 0, False
    while not done:
        done = http.post(f"/v1/envs/{iid}/step/", json={"action": 0}).json()["done"]
        steps += 1
    time.sleep(TTL * 2.5)
    assert iid not in http.get("/v1/envs/").json()["all_envs"]
    for method, suffix in INSTANCE_ROUTES:
        answer = http.request(method, f"/v1/envs/{iid}{suffix}", json=EVERY_PARAMETER)
        body = error_of(answer, 400, "instance_expired")
        assert body["message"].startswith(f"Instance_id {iid} unknown")  # as the original
    (stats,) = (data_dir / "recordings" / "idle").glob("openaigym.episode_batch.*.stats.json")
    assert json.loads(stats.read_text())["episode_lengths"] == [steps]
    (evictions,) = [
        line
        for line in http.get("/metrics").text.splitlines()
        if line.startswith("gym_http_evictions_total ")
    ]
    assert float(evictions.split()[1]) >= 1


def test_an_instance_in_use_never_expires(ttl_server):
    http, _ = ttl_server
    busy = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
    idle = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
    http.post(f"/v1/envs/{busy}/reset/")
    deadline = time.monotonic() + TTL * 4
    while time.monotonic() < deadline:
        step = http.post(f"/v1/envs/{busy}/step/", json={"action": 0})
        assert step.status_code == 200, step.text
        if step.json()["done"]:
            http.post(f"/v1/envs/{busy}/reset/")
        time.sleep(TTL / 6)
    assert busy in http.get("/v1/envs/").json()["all_envs"]
    error_of(http.get(f"/v1/envs/{idle}/"), 400, "instance_expired")
    assert http.post(f"/v1/envs/{busy}/close/").status_code == 204


def test_a_call_longer_than_the_ttl_is_not_cut_short(ttl_server):
    http, _ = ttl_server
    iid = http.post(
        "/v1/envs/", json={"env_id": RENDEZVOUS_ID, "kwargs": {"wait": TTL * 3}}
    ).json()["instance_id"]
    http.post(f"/v1/envs/{iid}/reset/")
    step = http.post(f"/v1/envs/{iid}/step/", json={"action": 0})  # alone: waits 3 TTLs
    assert step.status_code == 200 and step.json()["info"] == {"met": False}
    assert http.get(f"/v1/envs/{iid}/").status_code == 200
    http.post(f"/v1/envs/{iid}/close/")


def test_an_unknown_id_stays_unknown_not_expired(ttl_server):
    http, _ = ttl_server
    error_of(http.get("/v1/envs/0badc0de/"), 400, "unknown_instance")


def test_the_table_remembers_a_bounded_number_of_expired_ids():
    table = InstanceTable(max_envs=16, remembered_expired=3)
    ids = [table.add("CartPole-v1", gym.make("CartPole-v1")).instance_id for _ in range(5)]
    time.sleep(0.02)
    reaper = Reaper(0.01, [table])
    assert sorted(reaper.sweep()) == sorted(ids)
    assert len(table) == 0
    for forgotten in ids[:2]:
        with pytest.raises(errors.UnknownInstance), table.use(forgotten):
            pass
    for remembered in ids[2:]:
        with pytest.raises(errors.InstanceExpired), table.use(remembered):
            pass


def test_an_instance_held_by_a_call_is_skipped_by_the_sweep():
    table = InstanceTable(max_envs=4)
    instance = table.add("CartPole-v1", gym.make("CartPole-v1"))
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with table.use(instance.instance_id):
            entered.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    entered.wait(5)
    instance.last_used -= 100  # as if it went quiet long ago, but it is in a call now
    assert table.evict_idle(1.0) == []
    release.set()
    holder.join(5)
    assert table.evict_idle(1.0) == []  # the call's end restarted its clock
    assert len(table) == 1
    table.close_all()


def test_an_idle_batch_expires_too(ttl_server):
    http, _ = ttl_server
    created = http.post("/v1/vector_envs/", json={"env_id": "CartPole-v1", "num_envs": 3})
    assert created.status_code == 200, created.text
    vid = created.json()["vector_id"]
    http.post(f"/v1/vector_envs/{vid}/reset/", json={"seed": 1})
    time.sleep(TTL * 2.5)
    for method, suffix, body in [
        ("GET", "/", None),
        ("POST", "/step/", {"actions": [0, 0, 0]}),
        ("POST", "/reset/", {}),
        ("POST", "/close/", None),
    ]:
        error_of(
            http.request(method, f"/v1/vector_envs/{vid}{suffix}", json=body), 404, "vector_expired"
        )
    assert vid not in json.dumps(http.get("/v1/vector_envs/").json())


class CloseFails(gym.Wrapper):
    """A real environment whose close raises, as a broken third-party env may."""

    def close(self):
        super().close()
        raise RuntimeError("this environment fails to close")


def test_close_all_closes_every_instance_even_when_some_closes_fail(caplog):
    table = InstanceTable(max_envs=6)
    good = [table.add("CartPole-v1", gym.make("CartPole-v1")) for _ in range(2)]
    bad = [table.add("CartPole-v1", CloseFails(gym.make("CartPole-v1"))) for _ in range(2)]
    good.append(table.add("CartPole-v1", gym.make("CartPole-v1")))
    with caplog.at_level("ERROR", logger="gym_http_server.instances"):
        failed = table.close_all()
    assert sorted(failed) == sorted(instance.instance_id for instance in bad)
    assert all(instance.closed for instance in good + bad)
    assert len(table) == 0 and table.capacity.used == 0
    logged = [record.getMessage() for record in caplog.records]
    assert all(any(i.instance_id in line for line in logged) for i in bad), logged


def test_the_instances_of_a_group_expire_one_by_one(ttl_server):
    http, _ = ttl_server
    ids = http.post(
        "/v1/env_groups/", json={"env_id": "CartPole-v1", "count": 2, "seed": 1}
    ).json()["instance_ids"]
    busy, idle = ids
    deadline = time.monotonic() + TTL * 2.5
    while time.monotonic() < deadline:
        assert http.post(f"/v1/envs/{busy}/step/", json={"action": 0}).status_code == 200
        time.sleep(TTL / 5)
    live = http.get("/v1/envs/").json()["all_envs"]
    assert busy in live and idle not in live
    refused = http.post("/v1/env_groups/reset/", json={"instance_ids": ids, "seed": 1})
    error_of(refused, 400, "instance_expired")
    assert http.get(f"/v1/envs/{busy}/").json()["episodes"] == 1  # none was reset
    http.delete(f"/v1/envs/{busy}")
