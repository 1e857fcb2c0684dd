"""Attacks an outsider tried, one test per finding, kept forever.

Each runs against a real server on loopback and ends by checking that it
kept serving a normal client (``/healthz`` under a second) and lost no data
(results still readable, recordings intact).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from conftest import ServerProcess, error_of
from gym_http_server.results import _SCHEMA


class Target:
    """A server process, a client of it, and a run uploaded before any attack."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.tmp_path = tmp_path
        self.args = args
        self.server = ServerProcess(tmp_path, *args)
        self.http = httpx.Client(base_url=self.server.url, timeout=60)
        self.run_id = ""

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir

    def record_and_upload(self, directory: str = "/runs/before") -> str:
        instance_id = self.http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
            "instance_id"]
        start = self.http.post(f"/v1/envs/{instance_id}/monitor/start/",
                               json={"directory": directory})
        assert start.status_code == 204, start.text
        self.http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 1})
        done = False
        while not done:
            done = self.http.post(f"/v1/envs/{instance_id}/step/",
                                  json={"action": 0}).json()["done"]
        self.http.post(f"/v1/envs/{instance_id}/close/")
        uploaded = self.http.post("/v1/upload/", json={"training_dir": directory,
                                                       "api_key": "key"})
        assert uploaded.status_code == 200, uploaded.text
        self.run_id = uploaded.json()["run_id"]
        return self.run_id

    def restart(self) -> None:
        self.http.close()
        assert self.server.stop(signal.SIGTERM) == 0
        self.server = ServerProcess(self.tmp_path, *self.args)
        self.http = httpx.Client(base_url=self.server.url, timeout=60)

    def assert_still_serving(self) -> None:
        """A normal client is served at once, and nothing stored was lost."""
        started = time.monotonic()
        health = self.http.get("/healthz")
        assert health.status_code == 200 and time.monotonic() - started < 1.0
        if self.run_id:
            listed = self.http.get("/v1/results/")
            assert listed.status_code == 200, listed.text
            assert self.run_id in [run["run_id"] for run in listed.json()["runs"]]
            assert self.http.get(f"/v1/results/{self.run_id}").status_code == 200
            assert list((self.data_dir / "recordings" / "runs" / "before").glob(
                "openaigym.manifest.*.manifest.json"))

    def close(self) -> None:
        self.http.close()
        self.server.kill()


@pytest.fixture
def target(tmp_path):
    made = Target(tmp_path)
    yield made
    made.close()


def files_outside(root: Path, tmp_path: Path) -> list[Path]:
    """Files under tmp_path that are not under the data root (the server's
    stderr goes to a pipe, so a test writes nothing else there)."""
    return [p for p in tmp_path.rglob("*") if p.is_file() and root not in p.parents]


# 1. Server-owned files out of the clients' namespace ---------------------------

SERVER_FILE_NAMES = ["/results.sqlite3-journal", "/results.sqlite3-wal", "/results.sqlite3",
                     "results.sqlite3-shm", "/server", "server/results.sqlite3",
                     "/server/secret", "recordings", "/server/layout"]


def test_folders_named_like_the_servers_files_never_break_the_results_store(target):
    target.record_and_upload()
    for name in SERVER_FILE_NAMES:
        instance_id = target.http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
            "instance_id"]
        start = target.http.post(f"/v1/envs/{instance_id}/monitor/start/",
                                 json={"directory": name, "resume": True})
        assert start.status_code == 204, (name, start.text)
        target.http.post(f"/v1/envs/{instance_id}/reset/")
        target.http.post(f"/v1/envs/{instance_id}/close/")
        upload = target.http.post("/v1/upload/", json={"training_dir": name, "api_key": "k"})
        assert upload.status_code in (200, 400), (name, upload.text)
        target.assert_still_serving()
    target.record_and_upload("/runs/after")
    target.restart()  # the original broke for good: every later start too
    target.assert_still_serving()
    server_files = target.data_dir / "server"
    assert sorted(p.name for p in server_files.iterdir()) == ["layout", "results.sqlite3",
                                                               "secret"]
    assert files_outside(target.data_dir, target.tmp_path) == []


@pytest.mark.parametrize("name", ["x" * 256, "/runs/" + "y" * 300, "a/" * 600,
                                  "\u00e9" * 200, "ok/" + "z" * 256 + "/more"])
def test_names_too_long_for_the_file_system_are_invalid_directory(target, name):
    instance_id = target.http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
        "instance_id"]
    error_of(target.http.post(f"/v1/envs/{instance_id}/monitor/start/",
                              json={"directory": name}), 400, "invalid_directory")
    error_of(target.http.post("/v1/upload/", json={"training_dir": name, "api_key": "k"}),
             400, "invalid_directory")
    assert target.http.get(f"/v1/envs/{instance_id}/").json()["recording"] is None
    target.assert_still_serving()


def test_a_data_folder_in_the_old_layout_is_moved_on_start(tmp_path):
    """Before the split, clients' folders sat beside results.sqlite3; a client
    may even have named folders ``recordings`` and ``server``."""
    root = tmp_path / "data"
    for folder in ("runs/old", "recordings", "server"):
        (root / folder).mkdir(parents=True)
        (root / folder / "openaigym.manifest.0.1.manifest.json").write_text("{}")
    with sqlite3.connect(root / "results.sqlite3") as db:
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO runs VALUES ('00aa11bb22cc33dd', 'CartPole-v1', NULL, 'u', "
                   "'runs/old', 1.0, 1, 9.0, 9.0, 2.0, ?)",
                   (json.dumps({"episode_rewards": [9.0], "episode_lengths": [9],
                                "timestamps": [3.0], "initial_reset_timestamp": 1.0,
                                "videos": []}),))
    db.close()
    (root / "results.sqlite3-journal").mkdir()  # a folder a client made, not a journal
    server = ServerProcess(tmp_path)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            runs = http.get("/v1/results/").json()["runs"]
            assert [run["run_id"] for run in runs] == ["00aa11bb22cc33dd"]
            assert http.get("/v1/results/00aa11bb22cc33dd").json()["episode_rewards"] == [9.0]
    finally:
        server.kill()
    assert sorted(p.name for p in root.iterdir()) == ["recordings", "server"]
    assert sorted(p.name for p in (root / "recordings").iterdir()) == [
        "recordings", "results.sqlite3-journal", "runs", "server"]
    for folder in ("runs/old", "recordings", "server"):
        assert (root / "recordings" / folder / "openaigym.manifest.0.1.manifest.json").is_file()
    assert (root / "server" / "results.sqlite3").is_file()


def test_describe_shows_the_servers_absolute_path_only_when_the_operator_opts_in(tmp_path):
    for args, shown in [((), False), (("--show-data-path",), True)]:
        target = Target(tmp_path / str(shown), *args)
        try:
            instance_id = target.http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
                "instance_id"]
            target.http.post(f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "d"})
            recording = target.http.get(f"/v1/envs/{instance_id}/").json()["recording"]
            assert recording["directory"] == "d"
            assert ("path" in recording) is shown
            described = json.dumps(target.http.get(f"/v1/envs/{instance_id}/").json())
            assert (str(target.data_dir.resolve()) in described) is shown
        finally:
            target.close()
