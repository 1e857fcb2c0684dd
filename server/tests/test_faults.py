"""Faulty environments contained: a step that hangs answers 504 step_timeout
by its deadline, a worker that dies answers 400 env_process_died, an env that
raises answers 500, and healthy sessions stepping meanwhile lose nothing.
Each backend that can contain the fault is tested (in-process cannot survive
a crash, so only the process backend gets the crashing env)."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import pytest

from conftest import ServerProcess, error_of

DEADLINE = 1.5
FAULTY = "gym_http_conformance.faultyenvs"
CRASH, HANG, RAISE = "GymHttpTest/Crash-v0", "GymHttpTest/Hang-v0", "GymHttpTest/Raise-v0"


@pytest.fixture(scope="module", params=["inprocess", "process"])
def server(request, tmp_path_factory):
    process = ServerProcess(
        tmp_path_factory.mktemp(request.param),
        "--backend",
        request.param,
        "--import",
        FAULTY,
        "--step-timeout",
        str(DEADLINE),
        "--max-processes",
        "24",
    )
    process.backend = request.param
    yield process
    process.stop(signal.SIGTERM)


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def create(http, env_id: str, **body) -> str:
    response = http.post("/v1/envs/", json={"env_id": env_id, **body})
    assert response.status_code == 200, response.text
    instance_id = response.json()["instance_id"]
    assert http.post(f"/v1/envs/{instance_id}/reset/", json={}).status_code == 200
    return instance_id


def step(http, instance_id: str, action: int, **body) -> httpx.Response:
    return http.post(f"/v1/envs/{instance_id}/step/", json={"action": action, **body})


class Healthy:
    """Sessions stepping their own envs on threads of their own until stopped."""

    def __init__(self, url: str, count: int) -> None:
        self.stop = threading.Event()
        self.failures: list[str] = []
        self.steps: dict[str, int] = {}
        self.clients = [httpx.Client(base_url=url, timeout=30) for _ in range(count)]
        self.ids = [create(client, RAISE) for client in self.clients]
        self.threads = [
            threading.Thread(target=self.run, args=(c, i))
            for c, i in zip(self.clients, self.ids, strict=True)
        ]

    def run(self, client: httpx.Client, instance_id: str) -> None:
        done = 0
        while not self.stop.is_set():
            response = step(client, instance_id, 0)
            if response.status_code != 200:
                self.failures.append(response.text)
                return
            done += 1
            if response.json()["observation"] != done:
                self.failures.append(f"step {done} observed {response.json()['observation']}")
                return
        self.steps[instance_id] = done

    def __enter__(self) -> Healthy:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        for client, instance_id in zip(self.clients, self.ids, strict=True):
            client.post(f"/v1/envs/{instance_id}/close/")
            client.close()


def timed(call, *args, **kwargs):
    start = time.monotonic()
    response = call(*args, **kwargs)
    return response, time.monotonic() - start


def test_faulty_envs_answer_their_codes_while_healthy_sessions_lose_no_step(server, http):
    faults = [(HANG, {}, 504, "step_timeout"), (RAISE, {}, 500, "internal_error")]
    if server.backend == "process":
        faults += [
            (CRASH, {}, 400, "env_process_died"),
            (CRASH, {"kwargs": {"how": "segfault"}}, 400, "env_process_died"),
        ]
    with Healthy(server.url, 3) as healthy:
        time.sleep(0.3)
        for env_id, body, status, code in faults:
            instance_id = create(http, env_id, **body)
            response, seconds = timed(step, http, instance_id, 1)
            error_of(response, status, code)
            assert seconds < DEADLINE + 1, (env_id, seconds)
            if status != 500:  # broken for good: the same answer at once, and in describe
                again, seconds = timed(step, http, instance_id, 0)
                error_of(again, status, code)
                assert seconds < 1
                assert http.get(f"/v1/envs/{instance_id}/").json()["broken"]["code"] == code
                assert http.get("/healthz").json()["broken_envs"] == 1
                assert "gym_http_broken_envs 1.0" in http.get("/metrics").text
            else:  # an env that raised is still the client's to use
                assert step(http, instance_id, 0).status_code == 200
            assert http.delete(f"/v1/envs/{instance_id}").status_code == 204
            assert http.get("/healthz").json()["broken_envs"] == 0
        time.sleep(0.3)
    assert healthy.failures == []
    # each session checked every observation against its own count of steps
    assert len(healthy.steps) == 3 and all(count > 0 for count in healthy.steps.values())
    assert http.get("/healthz").json()["envs"] == 0


def test_a_request_may_ask_for_a_shorter_deadline_not_a_longer_one(server, http):
    instance_id = create(http, HANG)
    response, seconds = timed(lambda: step(http, instance_id, 1, timeout=0.3))
    error_of(response, 504, "step_timeout")
    assert seconds < DEADLINE
    assert http.delete(f"/v1/envs/{instance_id}").status_code == 204
    instance_id = create(http, HANG)
    response, seconds = timed(lambda: step(http, instance_id, 1, timeout=60))
    error_of(response, 504, "step_timeout")
    assert seconds < DEADLINE + 1
    assert http.delete(f"/v1/envs/{instance_id}").status_code == 204
    instance_id = create(http, RAISE)
    error_of(step(http, instance_id, 0, timeout=-1), 400, "invalid_parameter")
    assert http.delete(f"/v1/envs/{instance_id}").status_code == 204


def test_a_hanging_reset_and_a_hanging_batch_time_out_too(server, http):
    response = http.post("/v1/envs/", json={"env_id": HANG, "kwargs": {"on": "reset"}})
    instance_id = response.json()["instance_id"]
    reset, seconds = timed(lambda: http.post(f"/v1/envs/{instance_id}/reset/", json={}))
    error_of(reset, 504, "step_timeout")
    assert seconds < DEADLINE + 1
    http.delete(f"/v1/envs/{instance_id}")
    batch = http.post("/v1/vector_envs/", json={"env_id": HANG, "num_envs": 2}).json()
    vector_id = batch["vector_id"]
    assert http.post(f"/v1/vector_envs/{vector_id}/reset/", json={}).status_code == 200
    stepped, seconds = timed(
        lambda: http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [0, 1]})
    )
    error_of(stepped, 504, "step_timeout")
    assert seconds < DEADLINE + 1
    assert http.get(f"/v1/vector_envs/{vector_id}/").json()["broken"]["code"] == "step_timeout"
    assert http.delete(f"/v1/vector_envs/{vector_id}").status_code == 204


def test_a_worker_killed_from_outside_is_env_process_died_and_frees_its_place(server, http):
    if server.backend != "process":
        pytest.skip("in-process, the env's process is the server's")
    instance_id = create(http, RAISE)
    pid = step(http, instance_id, 0).json()["info"]["pid"]
    assert pid != server.process.pid
    os.kill(pid, signal.SIGKILL)
    error_of(step(http, instance_id, 0), 400, "env_process_died")
    assert http.delete(f"/v1/envs/{instance_id}").status_code == 204


def test_creating_an_env_that_hangs_answers_by_the_deadline(server, http):
    if server.backend != "process":
        pytest.skip("in-process, creation runs on the request's thread")
    response, seconds = timed(
        lambda: http.post("/v1/envs/", json={"env_id": HANG, "kwargs": {"on": "make"}})
    )
    error_of(response, 504, "step_timeout")
    assert seconds < DEADLINE + 1
    assert http.get("/healthz").json()["envs"] == 0


def test_recording_and_the_service_routes_conform_on_the_process_backend(server):
    if server.backend != "process":
        pytest.skip("the default backend runs the whole suite in make conformance")
    from gym_http_conformance.cli import main as conformance_main

    assert conformance_main([server.url, "--profile", "recording", "--profile", "service"]) == 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_crash_cycles_leave_no_file_descriptors_or_processes_behind(server, http):
    if server.backend != "process":
        pytest.skip("in-process, a crash takes the server down")

    def cycle() -> None:
        instance_id = create(http, CRASH)
        error_of(step(http, instance_id, 1), 400, "env_process_died")
        assert http.delete(f"/v1/envs/{instance_id}").status_code == 204

    for _ in range(3):
        cycle()
    fds = open_fds(server.process.pid)
    for _ in range(20):
        cycle()
    # a leak grows by a pipe and a sentinel per cycle (40 here); the slack is
    # the spare workers started ahead, two fds each, that may be under way
    assert open_fds(server.process.pid) <= fds + 4


def test_async_batches_and_workers_draw_from_one_process_budget(tmp_path):
    server = ServerProcess(tmp_path, "--backend", "process", "--max-processes", "4")
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            batch = http.post(
                "/v1/vector_envs/",
                json={"env_id": "CartPole-v1", "num_envs": 2, "vectorization_mode": "async"},
            )
            assert batch.status_code == 200, batch.text  # its worker and 2 sub-processes
            instance = http.post("/v1/envs/", json={"env_id": "CartPole-v1"})
            assert instance.status_code == 200, instance.text
            refused = http.post("/v1/envs/", json={"env_id": "CartPole-v1"})
            error_of(refused, 429, "too_many_envs")
            http.delete(f"/v1/vector_envs/{batch.json()['vector_id']}")
            again = http.post("/v1/envs/", json={"env_id": "CartPole-v1"})
            assert again.status_code == 200, again.text
    finally:
        server.stop(signal.SIGTERM)


def test_async_batches_in_process_draw_from_the_process_budget(tmp_path):
    server = ServerProcess(tmp_path, "--max-processes", "3")
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            body = {"env_id": "CartPole-v1", "num_envs": 2, "vectorization_mode": "async"}
            first = http.post("/v1/vector_envs/", json=body)
            assert first.status_code == 200, first.text
            error_of(http.post("/v1/vector_envs/", json=body), 429, "too_many_envs")
            http.delete(f"/v1/vector_envs/{first.json()['vector_id']}")
            assert http.post("/v1/vector_envs/", json=body).status_code == 200
    finally:
        server.stop(signal.SIGTERM)


def test_a_worker_past_its_memory_limit_dies_alone(tmp_path):
    server = ServerProcess(
        tmp_path, "--backend", "process", "--worker-memory", "512", "--import", FAULTY
    )
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            healthy = create(http, RAISE)
            hog = create(http, CRASH, kwargs={"how": "hog"})
            error_of(step(http, hog, 1), 400, "env_process_died")
            assert step(http, healthy, 0).status_code == 200
            assert http.delete(f"/v1/envs/{hog}").status_code == 204
    finally:
        server.stop(signal.SIGTERM)
