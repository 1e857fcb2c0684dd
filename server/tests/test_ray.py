"""The Ray backend (``--backend ray``): every instance in a Ray actor of its
own, on a local Ray the server starts and stops. Run by ``make test-ray``,
which installs the ``ray`` extra first."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import gymnasium as gym
import httpx
import pytest

from conftest import ServerProcess

pytest.importorskip("ray", reason="the ray extra is not installed (make test-ray installs it)")

from gym_http_conformance.cli import main as conformance_main  # noqa: E402
from gym_http_conformance.faultyenvs import RAISE_ID as RAISE  # noqa: E402


def children_by_parent() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        parent = int(text.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(stat.parent.name))
    return tree


def descendants(pid: int) -> set[int]:
    tree, found, todo = children_by_parent(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def actor_pids(server: ServerProcess) -> set[int]:
    return {
        pid
        for pid in descendants(server.process.pid)
        if command_line(pid).startswith("ray::EnvActor")
    }


def process_start(pid: int) -> int:
    """When ``pid`` started, in clock ticks since boot."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])


def boot_ticks_now() -> int:
    return int(float(Path("/proc/uptime").read_text().split()[0]) * os.sysconf("SC_CLK_TCK"))


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = ServerProcess(
        tmp_path_factory.mktemp("ray"),
        "--backend",
        "ray",
        "--import",
        "gym_http_conformance.allspaces",
        "--import",
        "gym_http_conformance.faultyenvs",
    )
    yield process
    process.stop(signal.SIGTERM)


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def create(http, env_id: str = "CartPole-v1", **body) -> str:
    response = http.post("/v1/envs/", json={"env_id": env_id, **body})
    assert response.status_code == 200, response.text
    return response.json()["instance_id"]


def new_actor(http) -> tuple[str, int]:
    """A new instance of the env that says which process it steps in, reset,
    and that process (spare actors make counting processes ambiguous)."""
    instance_id = create(http, RAISE)
    assert http.post(f"/v1/envs/{instance_id}/reset/", json={}).status_code == 200
    step = http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0})
    return instance_id, step.json()["info"]["pid"]


def test_each_instance_runs_in_an_actor_of_its_own_ended_when_closed(server, http):
    first, pid = new_actor(http)
    second, other = new_actor(http)
    assert pid != other and {pid, other} <= actor_pids(server)
    assert server.process.pid not in (pid, other)
    for instance_id in (first, second):
        assert http.delete(f"/v1/envs/{instance_id}").status_code == 204
    deadline = time.monotonic() + 20
    while (alive(pid) or alive(other)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid) and not alive(other), "closing an instance left its actor running"


def test_creates_take_actors_started_ahead_of_demand(server, http):
    """With no resources reserved per actor, spares wait: the actor a create
    gets had started before the create was asked for."""
    new_actor(http)  # the pool has been drawn on at least once
    time.sleep(3)  # time for the spares' processes to start
    asked = boot_ticks_now()
    instance_id, pid = new_actor(http)
    assert process_start(pid) < asked
    assert len(actor_pids(server)) >= 2  # the one taken, and a spare again
    http.delete(f"/v1/envs/{instance_id}")


def test_each_instance_steps_like_a_local_env(http):
    instance_id = create(http)
    local = gym.make("CartPole-v1")
    expected, _ = local.reset(seed=7)
    reset = http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 7}).json()
    assert reset["observation"] == pytest.approx(expected.tolist())
    for action in (0, 1, 1, 0):
        expected, reward, terminated, truncated, _ = local.step(action)
        step = http.post(f"/v1/envs/{instance_id}/step/", json={"action": action}).json()
        assert step["observation"] == pytest.approx(expected.tolist())
        assert (step["reward"], step["terminated"]) == (reward, terminated)
    assert http.delete(f"/v1/envs/{instance_id}").status_code == 204


def test_the_environment_s_own_refusals_keep_their_codes(http):
    refused = http.post("/v1/envs/", json={"env_id": "CartPole-v1", "kwargs": {"bogus": 1}})
    assert (refused.status_code, refused.json()["code"]) == (400, "env_creation_failed")
    instance_id = create(http)
    before_reset = http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0})
    assert before_reset.json()["code"] == "reset_needed"
    options = http.post(f"/v1/envs/{instance_id}/reset/", json={"options": {"low": "x"}})
    assert (options.status_code, options.json()["code"]) == (400, "invalid_reset_options")
    http.delete(f"/v1/envs/{instance_id}")


def test_a_killed_actor_is_a_coded_error_on_its_id_and_others_keep_serving(http):
    survivor, _ = new_actor(http)
    victim, pid = new_actor(http)
    os.kill(pid, signal.SIGKILL)
    for _ in range(2):  # and again: the id keeps saying so
        for call in ("step", "reset"):
            answer = http.post(f"/v1/envs/{victim}/{call}/", json={"action": 0})
            assert (answer.status_code, answer.json()["code"]) == (400, "env_process_died")
    assert http.post(f"/v1/envs/{survivor}/step/", json={"action": 0}).status_code == 200
    assert http.delete(f"/v1/envs/{victim}").status_code == 204
    replacement = create(http)
    assert http.post(f"/v1/envs/{replacement}/reset/", json={}).status_code == 200
    for instance_id in (survivor, replacement):
        http.delete(f"/v1/envs/{instance_id}")


def test_a_batch_runs_in_an_actor_and_a_killed_one_is_a_coded_error(server, http):
    created = http.post("/v1/vector_envs/", json={"env_id": RAISE, "num_envs": 3})
    assert created.status_code == 200, created.text
    vector_id = created.json()["vector_id"]
    reset = http.post(f"/v1/vector_envs/{vector_id}/reset/", json={"seed": 1}).json()
    assert len(reset["observations"]) == 3
    step = http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [0, 0, 0]}).json()
    assert step["rewards"] == [1.0, 1.0, 1.0]
    (pid,) = set(step["infos"]["pid"])  # the batch's sub-environments share its actor
    assert pid in actor_pids(server)
    os.kill(pid, signal.SIGKILL)
    answer = http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [0, 0, 0]})
    assert (answer.status_code, answer.json()["code"]) == (400, "env_process_died")
    assert http.delete(f"/v1/vector_envs/{vector_id}").status_code == 204


def test_a_frozen_actor_answers_step_timeout_by_the_deadline_and_shows_as_broken(http):
    survivor, _ = new_actor(http)
    victim, pid = new_actor(http)
    os.kill(pid, signal.SIGSTOP)  # as a frozen or partitioned node looks
    try:
        start = time.monotonic()
        answer = http.post(f"/v1/envs/{victim}/step/", json={"action": 0, "timeout": 1})
        assert (answer.status_code, answer.json()["code"]) == (504, "step_timeout")
        assert time.monotonic() - start < 2
        again = http.post(f"/v1/envs/{victim}/step/", json={"action": 0})
        assert (again.status_code, again.json()["code"]) == (504, "step_timeout")
        assert http.get(f"/v1/envs/{victim}/").json()["broken"]["code"] == "step_timeout"
        assert http.get("/healthz").json()["broken_envs"] == 1
        assert http.post(f"/v1/envs/{survivor}/step/", json={"action": 0}).status_code == 200
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGCONT)
    assert http.delete(f"/v1/envs/{victim}").status_code == 204
    assert http.get("/healthz").json()["broken_envs"] == 0
    http.delete(f"/v1/envs/{survivor}")


def test_the_conformance_suite_passes_on_the_ray_backend(server):
    assert conformance_main([server.url]) == 0


def test_sigterm_leaves_no_ray_process_the_server_started(tmp_path):
    server = ServerProcess(
        tmp_path, "--backend", "ray", "--env-num-cpus", "0.5", "--step-timeout", "10"
    )
    with httpx.Client(base_url=server.url, timeout=60) as client:
        instance_id = create(client)
        assert client.post(f"/v1/envs/{instance_id}/reset/", json={}).status_code == 200
        # a full cluster answers 429 with its Retry-After, without waiting a minute
        for _ in range(2 * (os.cpu_count() or 1) + 2):  # half a CPU each: the cluster fills
            start = time.monotonic()
            answer = client.post("/v1/envs/", json={"env_id": "CartPole-v1"})
            if answer.status_code == 429:
                break
            assert answer.status_code == 200, answer.text
        assert (answer.status_code, answer.json()["code"]) == (429, "too_many_envs")
        assert answer.headers["Retry-After"] == "5"
        assert time.monotonic() - start < 11
    started = descendants(server.process.pid)
    assert any(command_line(pid).startswith("ray::EnvActor") for pid in started)
    assert any("raylet" in command_line(pid) for pid in started)
    assert server.stop(signal.SIGTERM) == 0
    deadline = time.monotonic() + 20
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = {pid: command_line(pid) for pid in started if alive(pid)}
    assert not left, f"left running after SIGTERM: {left}"
