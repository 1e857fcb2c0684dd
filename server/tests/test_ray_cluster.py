"""A real 2-node Ray cluster on one machine (Ray's own ``cluster_utils.Cluster``:
a head and two more nodes, each its own raylet), joined with ``--ray-address``.
Environments spread over the nodes; then one node is killed and another frozen
(SIGSTOP, as a partitioned or swapping host looks), and the envs there answer
their codes by the deadline while the head's envs keep stepping, ``/healthz``
keeps answering and new envs can be created. Slow (about a minute): run by
``make test-ray``."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from conftest import TESTS, ServerProcess

pytest.importorskip("ray", reason="the ray extra is not installed (make test-ray installs it)")

from ray.cluster_utils import Cluster  # noqa: E402
from test_ray import alive, descendants  # noqa: E402

DEADLINE = 3.0
FAULTY = "gym_http_conformance.faultyenvs"
RAISE = "GymHttpTest/Raise-v0"  # steps normally on action 0, and says in which process


def raylet_pid(node) -> int:
    return node.all_processes["raylet"][0].process.pid


class Steppers:
    """Healthy sessions stepping their envs until stopped; any failure is kept."""

    def __init__(self, url: str, ids: list[str]) -> None:
        self.stop = threading.Event()
        self.failures: list[str] = []
        self.steps: dict[str, int] = {}
        self.threads = [threading.Thread(target=self.run, args=(url, i)) for i in ids]

    def run(self, url: str, instance_id: str) -> None:
        done = 0
        with httpx.Client(base_url=url, timeout=30) as client:
            while not self.stop.is_set():
                answer = client.post(f"/v1/envs/{instance_id}/step/", json={"action": 0})
                if answer.status_code != 200:
                    self.failures.append(answer.text)
                    return
                done += 1
        self.steps[instance_id] = done


@pytest.mark.slow
def test_a_killed_node_and_a_frozen_node_break_only_their_envs(tmp_path, monkeypatch):
    # the nodes' workers import the test envs too (ServerProcess passes --import testenvs)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    )
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 2})
    frozen: list[int] = []
    server = None
    try:
        killed_node = cluster.add_node(num_cpus=2)
        frozen_node = cluster.add_node(num_cpus=2)
        cluster.wait_for_nodes()
        server = ServerProcess(
            tmp_path,
            "--backend",
            "ray",
            "--ray-address",
            cluster.address,
            "--env-scheduling",
            "spread",
            "--env-num-cpus",
            "0.25",
            "--step-timeout",
            str(DEADLINE),
            "--import",
            FAULTY,
        )
        http = httpx.Client(base_url=server.url, timeout=60)
        nodes = {"head": cluster.head_node, "killed": killed_node, "frozen": frozen_node}
        placed: dict[str, list[str]] = {name: [] for name in nodes}
        for _ in range(12):  # spread: every node gets some
            created = http.post("/v1/envs/", json={"env_id": RAISE})
            assert created.status_code == 200, created.text
            instance_id = created.json()["instance_id"]
            assert http.post(f"/v1/envs/{instance_id}/reset/", json={}).status_code == 200
            pid = http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0}).json()["info"]
            for name, node in nodes.items():
                if pid["pid"] in descendants(raylet_pid(node)):
                    placed[name].append(instance_id)
            if all(len(ids) >= 2 for ids in placed.values()):
                break
        assert all(placed.values()), placed

        healthy = Steppers(server.url, placed["head"])
        for thread in healthy.threads:
            thread.start()
        slowest_health = []
        probing = threading.Event()

        def probe() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                while not probing.is_set():
                    start = time.monotonic()
                    assert client.get("/healthz").status_code == 200
                    slowest_health.append(time.monotonic() - start)
                    time.sleep(0.2)

        prober = threading.Thread(target=probe)
        prober.start()
        time.sleep(1)
        # a lost node: every process of it killed at once, as a dead machine's are
        for pid in [raylet_pid(killed_node), *descendants(raylet_pid(killed_node))]:
            os.kill(pid, signal.SIGKILL)
        frozen = [raylet_pid(frozen_node), *descendants(raylet_pid(frozen_node))]
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)

        lost = placed["killed"] + placed["frozen"]
        for instance_id in lost:
            start = time.monotonic()
            answer = http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0})
            assert answer.status_code in (400, 504), answer.text
            assert answer.json()["code"] in ("env_process_died", "step_timeout")
            assert time.monotonic() - start < DEADLINE + 1
        assert http.get("/healthz").json()["broken_envs"] == len(lost)
        assert f"gym_http_broken_envs {float(len(lost))}" in http.get("/metrics").text
        for instance_id in lost:
            assert http.get(f"/v1/envs/{instance_id}/").json()["broken"] is not None
        # new envs can be made (one may be placed on the frozen node: its create
        # answers 429 by the deadline plus an actor's start-up; or on the killed
        # one before Ray has declared it dead: 400 env_process_died; the next
        # goes elsewhere)
        answers = []
        while len(answers) < 4 and (not answers or answers[-1].status_code != 200):
            answers.append(http.post("/v1/envs/", json={"env_id": RAISE}))
        assert answers[-1].status_code == 200, [a.text for a in answers]
        refusals = [(a.status_code, a.json()["code"]) for a in answers[:-1]]
        assert set(refusals) <= {(429, "too_many_envs"), (400, "env_process_died")}, refusals
        for instance_id in lost:
            assert http.delete(f"/v1/envs/{instance_id}").status_code == 204

        healthy.stop.set()
        for thread in healthy.threads:
            thread.join(30)
        probing.set()
        prober.join(30)
        assert healthy.failures == []
        assert all(healthy.steps.get(i, 0) > 0 for i in placed["head"])
        assert max(slowest_health) < 1.0
        http.close()
    finally:
        for pid in frozen:
            if alive(pid):
                os.kill(pid, signal.SIGCONT)
        if server is not None:
            server.stop(signal.SIGTERM)
        cluster.shutdown()
    assert Path(tmp_path).exists()
