"""Stopping: SIGTERM and SIGINT stop the server as POST /v1/shutdown/ does.
It stops accepting, lets requests in flight finish, closes every instance
(flushing every recording) and exits 0, whatever the environments loaded."""

from __future__ import annotations

import json
import signal
import threading
import time

import httpx
import pytest

from conftest import ServerProcess
from testenvs import RENDEZVOUS_ID


@pytest.fixture
def server(tmp_path):
    made: list[ServerProcess] = []

    def start(*args: str) -> ServerProcess:
        made.append(ServerProcess(tmp_path, *args))
        return made[-1]

    yield start
    for each in made:
        each.kill()


def render_with_pygame(http: httpx.Client) -> None:
    """CartPole draws with pygame; closing one calls pygame.quit(), the next starts SDL again."""
    for _ in range(2):
        iid = http.post(
            "/v1/envs/", json={"env_id": "CartPole-v1", "render_mode": "rgb_array"}
        ).json()["instance_id"]
        http.post(f"/v1/envs/{iid}/reset/")
        frame = http.get(f"/v1/envs/{iid}/render/").json()["frame"]
        assert len(frame[0][0]) == 3
        if _ == 0:
            assert http.post(f"/v1/envs/{iid}/close/").status_code == 204


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_server_after_pygame_rendered(server, signum):
    running = server()
    with httpx.Client(base_url=running.url, timeout=30) as http:
        render_with_pygame(http)
    assert running.stop(signum) == 0
    assert "gym-http-server stopped" in "".join(running.lines)


def test_a_request_in_flight_finishes_and_new_connections_are_refused(server):
    running = server()
    with httpx.Client(base_url=running.url, timeout=30) as http:
        iid = http.post(
            "/v1/envs/", json={"env_id": RENDEZVOUS_ID, "kwargs": {"wait": 1.5}}
        ).json()["instance_id"]
        http.post(f"/v1/envs/{iid}/reset/")
        answers: list[httpx.Response] = []
        # Nobody meets it: this step takes the whole 1.5 s.
        slow = threading.Thread(
            target=lambda: answers.append(http.post(f"/v1/envs/{iid}/step/", json={"action": 0}))
        )
        slow.start()
        time.sleep(0.5)
        started = time.monotonic()
        running.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        with pytest.raises(httpx.TransportError):
            httpx.get(running.url + "/healthz", timeout=2)
        slow.join(10)
    assert answers and answers[0].status_code == 200, answers
    assert answers[0].json()["info"] == {"met": False}
    assert running.process.wait(20) == 0
    assert time.monotonic() - started < 10


def test_sigterm_while_recording_keeps_every_finished_episode(server):
    running = server()
    with httpx.Client(base_url=running.url, timeout=30) as http:
        render_with_pygame(http)
        iid = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
        start = http.post(f"/v1/envs/{iid}/monitor/start/", json={"directory": "run"})
        assert start.status_code == 204
        lengths = []
        for episode in range(3):
            http.post(f"/v1/envs/{iid}/reset/", json={"seed": episode})
            steps, done = 0, False
            while not done:
                done = http.post(f"/v1/envs/{iid}/step/", json={"action": steps % 2}).json()["done"]
                steps += 1
            lengths.append(steps)
        http.post(f"/v1/envs/{iid}/reset/")  # a fourth episode, unfinished
        http.post(f"/v1/envs/{iid}/step/", json={"action": 0})
    assert running.stop(signal.SIGTERM) == 0
    folder = running.data_dir / "recordings" / "run"
    (stats_file,) = folder.glob("openaigym.episode_batch.*.stats.json")
    assert json.loads(stats_file.read_text())["episode_lengths"] == lengths
