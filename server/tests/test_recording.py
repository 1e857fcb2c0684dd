"""Recording (monitor/start, monitor/close), upload and results, on a server
whose data folder the tests can look into."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import imageio.v2 as imageio
import pytest

from conftest import error_of
from gym_http_server.testing import running_server


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def rec(data_dir):
    """A client of a server whose data folder is ``data_dir``."""
    with running_server("--data-dir", str(data_dir)) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


def new_instance(client, env_id="CartPole-v1", **fields) -> str:
    response = client.post("/v1/envs/", json={"env_id": env_id, **fields})
    assert response.status_code == 200, response.text
    return response.json()["instance_id"]


def play_episodes(client, instance_id, episodes: int, seed: int = 0) -> list[tuple[float, int]]:
    """Finish ``episodes`` episodes; the (return, length) of each, as the steps reported them."""
    played = []
    for episode in range(episodes):
        client.post(f"/v1/envs/{instance_id}/reset/", json={"seed": seed + episode})
        total, length, done = 0.0, 0, False
        while not done:
            step = client.post(f"/v1/envs/{instance_id}/step/", json={"action": length % 2}).json()
            total, length, done = total + step["reward"], length + 1, step["done"]
            assert not any(key.startswith("gym_http_server") for key in step["info"])
        played.append((total, length))
    return played


def stats_of(folder: Path) -> list[dict]:
    manifests = sorted(folder.glob("openaigym.manifest.*.manifest.json"))
    return [
        json.loads((folder / json.loads(m.read_text())["stats"]).read_text()) for m in manifests
    ]


def test_episodes_are_recorded_in_the_gym_monitor_layout(rec, data_dir):
    instance_id = new_instance(rec)
    start = rec.post(
        f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "/srv/runs/cartpole"}
    )
    assert start.status_code == 204, start.text
    played = play_episodes(rec, instance_id, 3)
    assert rec.post(f"/v1/envs/{instance_id}/monitor/close/", content=b'""').status_code == 204

    folder = data_dir / "recordings" / "srv" / "runs" / "cartpole"
    (manifest_path,) = folder.glob("openaigym.manifest.*.manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["env_info"]["env_id"] == "CartPole-v1" and manifest["videos"] == []
    assert manifest["stats"].startswith("openaigym.episode_batch.")
    (stats,) = stats_of(folder)
    assert stats["episode_rewards"] == [reward for reward, _ in played]
    assert stats["episode_lengths"] == [length for _, length in played]
    assert stats["episode_types"] == ["t", "t", "t"]
    assert stats["initial_reset_timestamp"] <= stats["timestamps"][0]
    assert stats["timestamps"] == sorted(stats["timestamps"])
    rec.delete(f"/v1/envs/{instance_id}")


def test_describe_shows_the_folder_inside_the_data_root(rec, data_dir):
    instance_id = new_instance(rec)
    assert rec.get(f"/v1/envs/{instance_id}/").json()["recording"] is None
    rec.post(f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "C:\\runs\\win"})
    recording = rec.get(f"/v1/envs/{instance_id}/").json()["recording"]
    assert recording["directory"] == "runs/win"
    assert "path" not in recording  # the server's own paths are the operator's business
    assert recording["episodes"] == 0 and recording["video"] is False
    play_episodes(rec, instance_id, 1)
    assert rec.get(f"/v1/envs/{instance_id}/").json()["recording"]["episodes"] == 1
    rec.delete(f"/v1/envs/{instance_id}")


def snapshot(folder: Path) -> dict:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(
    "directory",
    [
        "..",
        "../outside",
        "runs/../../outside",
        "runs/..\\..\\outside",
        "a\x00b",
        "tab\there",
        "escape",
        "escape/inside",
        "/escape/",
        "plain_file",
        "",
    ],
)
def test_path_tricks_never_reach_outside_the_data_root(rec, data_dir, tmp_path, directory):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "openaigym.manifest.0.1.manifest.json").write_text("{}")
    (outside / "keep.txt").write_text("keep")
    escape = data_dir / "recordings" / "escape"
    if escape.is_symlink():
        escape.unlink()
    escape.symlink_to(outside, target_is_directory=True)
    (data_dir / "recordings" / "plain_file").write_text("a file")
    before = snapshot(outside)
    instance_id = new_instance(rec)
    for force in (True, False):
        response = rec.post(
            f"/v1/envs/{instance_id}/monitor/start/", json={"directory": directory, "force": force}
        )
        code = "missing_parameter" if directory == "" else "invalid_directory"
        error_of(response, 400, code)
        upload = rec.post("/v1/upload/", json={"training_dir": directory, "api_key": "k"})
        error_of(upload, 400, code)
    assert snapshot(outside) == before
    assert not (tmp_path / "outside" / "openaigym.episode_batch").exists()
    assert rec.get(f"/v1/envs/{instance_id}/").json()["recording"] is None
    rec.delete(f"/v1/envs/{instance_id}")


def test_existing_recording_needs_force_or_resume(rec, data_dir):
    folder = data_dir / "recordings" / "runs" / "again"
    first = new_instance(rec)
    rec.post(f"/v1/envs/{first}/monitor/start/", json={"directory": "runs/again"})
    play_episodes(rec, first, 1)
    rec.post(f"/v1/envs/{first}/monitor/close/")
    (folder / "notes.txt").write_text("mine")

    second = new_instance(rec)
    error_of(
        rec.post(f"/v1/envs/{second}/monitor/start/", json={"directory": "runs/again"}),
        400,
        "recording_exists",
    )
    resumed = rec.post(
        f"/v1/envs/{second}/monitor/start/", json={"directory": "runs/again", "resume": True}
    )
    assert resumed.status_code == 204, resumed.text
    play_episodes(rec, second, 2)
    rec.post(f"/v1/envs/{second}/monitor/close/")
    assert [len(stats["episode_rewards"]) for stats in stats_of(folder)] == [1, 2]

    forced = rec.post(
        f"/v1/envs/{second}/monitor/start/", json={"directory": "runs/again", "force": True}
    )
    assert forced.status_code == 204, forced.text
    assert (folder / "notes.txt").read_text() == "mine"
    assert [len(stats["episode_rewards"]) for stats in stats_of(folder)] == [0]
    error_of(
        rec.post(
            f"/v1/envs/{first}/monitor/start/", json={"directory": "runs/again", "force": True}
        ),
        400,
        "recording_in_progress",
    )
    error_of(
        rec.post(f"/v1/envs/{second}/monitor/start/", json={"directory": "runs/other"}),
        400,
        "already_recording",
    )
    for instance_id in (first, second):
        rec.delete(f"/v1/envs/{instance_id}")


def test_monitor_close_without_a_recording_is_fine(rec):
    instance_id = new_instance(rec)
    for body in [None, b"null", b'""', b"[]"]:
        assert rec.post(f"/v1/envs/{instance_id}/monitor/close/", content=body).status_code == 204
    error_of(
        rec.post(f"/v1/envs/{instance_id}/monitor/close/", content=b"[1]"), 400, "invalid_parameter"
    )
    rec.delete(f"/v1/envs/{instance_id}")


@pytest.mark.parametrize("video_callable", [0, -1, 1.5, "yes", {"every": 2}])
def test_video_callable_must_be_a_boolean_or_positive_integer(rec, video_callable):
    instance_id = new_instance(rec, render_mode="rgb_array")
    response = rec.post(
        f"/v1/envs/{instance_id}/monitor/start/",
        json={"directory": "runs/v", "video_callable": video_callable},
    )
    error_of(response, 400, "invalid_parameter")
    rec.delete(f"/v1/envs/{instance_id}")


def test_video_callable_takes_an_integral_float_as_its_integer(rec):
    instance_id = new_instance(rec, render_mode="rgb_array")
    started = rec.post(
        f"/v1/envs/{instance_id}/monitor/start/",
        json={"directory": "runs/every-2", "video_callable": 2.0, "force": True},
    )
    assert started.status_code == 204, started.text
    assert rec.get(f"/v1/envs/{instance_id}").json()["recording"]["video"] is True
    rec.delete(f"/v1/envs/{instance_id}")


def test_video_needs_an_rgb_array_instance(rec):
    instance_id = new_instance(rec)
    body = error_of(
        rec.post(
            f"/v1/envs/{instance_id}/monitor/start/",
            json={"directory": "runs/v", "video_callable": True},
        ),
        400,
        "video_needs_rgb_array",
    )
    assert "rgb_array" in body["message"]
    rec.delete(f"/v1/envs/{instance_id}")


def test_video_of_every_episode_decodes_to_frames_of_the_env(rec, data_dir):
    instance_id = new_instance(rec, render_mode="rgb_array")
    rec.post(
        f"/v1/envs/{instance_id}/monitor/start/",
        json={"directory": "runs/video", "video_callable": 1, "force": True},
    )
    played = play_episodes(rec, instance_id, 3)
    assert rec.post(f"/v1/envs/{instance_id}/monitor/close/").status_code == 204
    folder = data_dir / "recordings" / "runs" / "video"
    (stats,) = stats_of(folder)
    assert stats["episode_rewards"] == [reward for reward, _ in played]
    videos = sorted(folder.glob("openaigym.video.*.mp4"))
    assert [v.name.rsplit(".", 2)[-2] for v in videos] == [
        "video000000",
        "video000001",
        "video000002",
    ]
    (manifest_path,) = folder.glob("openaigym.manifest.*")
    assert [v for v, _ in json.loads(manifest_path.read_text())["videos"]] == [
        v.name for v in videos
    ]
    for video, (_, length) in zip(videos, played, strict=True):
        frames = [frame for frame in imageio.get_reader(video, format="FFMPEG")]
        assert frames[0].shape == (400, 600, 3)
        assert len(frames) == length + 1  # the reset frame, then one per step
    rec.delete(f"/v1/envs/{instance_id}")


def test_closing_an_instance_keeps_its_finished_episodes(rec, data_dir):
    instance_id = new_instance(rec)
    rec.post(f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "runs/closed"})
    played = play_episodes(rec, instance_id, 2)
    rec.post(f"/v1/envs/{instance_id}/reset/")
    rec.post(f"/v1/envs/{instance_id}/step/", json={"action": 0})
    assert rec.delete(f"/v1/envs/{instance_id}").status_code == 204
    (stats,) = stats_of(data_dir / "recordings" / "runs" / "closed")
    assert stats["episode_lengths"] == [length for _, length in played]


def test_upload_stores_the_run_once_and_results_read_it_back(rec):
    instance_id = new_instance(rec)
    rec.post(f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "/tmp/upload-me"})
    played = play_episodes(rec, instance_id, 3)
    error_of(
        rec.post("/v1/upload/", json={"training_dir": "/tmp/upload-me", "api_key": "k"}),
        400,
        "recording_in_progress",
    )
    rec.post(f"/v1/envs/{instance_id}/monitor/close/")

    body = {"training_dir": "/tmp/upload-me", "api_key": "secret-key", "algorithm_id": "alt"}
    first = rec.post("/v1/upload/", json=body)
    assert first.status_code == 200, first.text
    run_id = first.json()["run_id"]
    assert first.json() == {
        "run_id": run_id,
        "created": True,
        "env_id": "CartPole-v1",
        "episodes": 3,
    }
    again = rec.post("/v1/upload", json=body).json()
    assert again["run_id"] == run_id and again["created"] is False

    runs = rec.get("/v1/results/", params={"env_id": "CartPole-v1"}).json()["runs"]
    assert [run["run_id"] for run in runs].count(run_id) == 1
    detail = rec.get(f"/v1/results/{run_id}").json()
    rewards = [reward for reward, _ in played]
    assert detail["episode_rewards"] == rewards
    assert detail["episode_lengths"] == [length for _, length in played]
    assert detail["episodes"] == 3 and detail["best_reward"] == max(rewards)
    assert detail["mean_reward"] == pytest.approx(sum(rewards) / 3)
    assert detail["algorithm_id"] == "alt" and detail["training_dir"] == "tmp/upload-me"
    assert "secret-key" not in json.dumps(detail) and len(detail["uploader"]) == 16
    assert rec.get("/v1/results/", params={"env_id": "Taxi-v4"}).json()["runs"] == []
    error_of(rec.get("/v1/results/0000000000000000"), 404, "unknown_run")
    error_of(rec.get("/v1/results/", params={"limit": "0"}), 400, "invalid_parameter")
    rec.delete(f"/v1/envs/{instance_id}")


def test_upload_reads_parameters_as_the_original(rec):
    for body, name in [
        ({"api_key": "k"}, "training_dir"),
        ({"training_dir": "x"}, "api_key"),
        ({"training_dir": "", "api_key": "k"}, "training_dir"),
        ({"training_dir": "x", "api_key": []}, "api_key"),
    ]:
        message = error_of(rec.post("/v1/upload/", json=body), 400, "missing_parameter")["message"]
        assert message == f"A required request parameter '{name}' was not provided"
    error_of(
        rec.post("/v1/upload/", json={"training_dir": "never/recorded", "api_key": "k"}),
        400,
        "no_recording",
    )
    instance_id = new_instance(rec)
    rec.post(f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "runs/ruby"})
    play_episodes(rec, instance_id, 1)
    rec.delete(f"/v1/envs/{instance_id}")
    uploaded = rec.post(
        "/v1/upload/", json={"training_dir": "runs/ruby", "api_key": "k", "algorithm_id": ""}
    )
    assert uploaded.status_code == 200, uploaded.text
    assert rec.get(f"/v1/results/{uploaded.json()['run_id']}").json()["algorithm_id"] is None


def test_unreadable_recordings_are_a_clear_400(rec, data_dir):
    folder = data_dir / "recordings" / "runs" / "broken"
    folder.mkdir(parents=True)
    manifest = folder / "openaigym.manifest.0.1.manifest.json"
    for content in [
        "{",
        "[]",
        '{"stats": "missing.json", "env_info": {"env_id": "X-v0"}}',
        '{"stats": "s.json"}',
    ]:
        manifest.write_text(content)
        (folder / "s.json").write_text('{"timestamps": [1], "episode_rewards": ["x"]}')
        error_of(
            rec.post("/v1/upload/", json={"training_dir": "runs/broken", "api_key": "k"}),
            400,
            "no_recording",
        )


def test_video_without_an_encoder_is_a_clear_501(tmp_path):
    """A server where moviepy cannot be imported (a shadowing package that fails)."""
    shadow = tmp_path / "shadow" / "moviepy"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('moviepy is not installed here')\n")
    tests = Path(__file__).parent
    env = {"PYTHONPATH": os.pathsep.join([str(shadow.parent), str(tests)])}
    with running_server(env=env) as url, httpx.Client(base_url=url) as client:
        instance_id = new_instance(client, render_mode="rgb_array")
        response = client.post(
            f"/v1/envs/{instance_id}/monitor/start/",
            json={"directory": "v", "video_callable": True},
        )
        error_of(response, 501, "video_unavailable")
        without_video = client.post(
            f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "v"}
        )
        assert without_video.status_code == 204


def test_sigterm_closes_recordings_and_keeps_every_finished_episode(tmp_path):
    command = [sys.executable, "-m", "gym_http_server", "-p", "0", "--data-dir", str(tmp_path)]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stderr.readline()
        while "listening on" not in line:
            line = server.stderr.readline()
            assert line, "the server exited before listening"
        url = line.split("listening on ")[1].strip()
        threading.Thread(target=server.stderr.read, daemon=True).start()  # keep it drained
        with httpx.Client(base_url=url, timeout=60) as client:
            instance_id = new_instance(client, render_mode="rgb_array")
            client.post(
                f"/v1/envs/{instance_id}/monitor/start/",
                json={"directory": "stopped", "video_callable": 1},
            )
            played = play_episodes(client, instance_id, 2)
            client.post(f"/v1/envs/{instance_id}/reset/")
        server.send_signal(signal.SIGTERM)
        assert server.wait(60) == 0
    finally:
        if server.poll() is None:
            server.kill()
    folder = tmp_path / "recordings" / "stopped"
    (stats,) = stats_of(folder)
    assert stats["episode_lengths"] == [length for _, length in played]
    names = sorted(v.name.rsplit(".", 2)[-2] for v in folder.glob("openaigym.video.*.mp4"))
    assert names == ["video000000", "video000001", "video000002"]


def test_video_callable_true_films_on_gyms_schedule(rec, data_dir):
    instance_id = new_instance(rec, render_mode="rgb_array")
    rec.post(
        f"/v1/envs/{instance_id}/monitor/start/",
        json={"directory": "runs/schedule", "video_callable": True},
    )
    play_episodes(rec, instance_id, 3)
    rec.post(f"/v1/envs/{instance_id}/monitor/close/")
    videos = sorted(
        v.name.rsplit(".", 2)[-2]
        for v in (data_dir / "recordings" / "runs" / "schedule").glob("*.mp4")
    )
    assert videos == ["video000000", "video000001"]  # 0, 1, then 8
    rec.delete(f"/v1/envs/{instance_id}")


def test_lua_binding_string_flags_read_as_booleans(rec, data_dir):
    instance_id = new_instance(rec)
    rec.post(f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "runs/lua"})
    play_episodes(rec, instance_id, 1)
    rec.post(f"/v1/envs/{instance_id}/monitor/close/")
    lua = {"directory": "runs/lua", "force": "true", "resume": "false", "video_callable": False}
    assert rec.post(f"/v1/envs/{instance_id}/monitor/start/", json=lua).status_code == 204
    rec.post(f"/v1/envs/{instance_id}/monitor/close/")
    lua_stats = stats_of(data_dir / "recordings" / "runs" / "lua")
    assert [len(stats["episode_rewards"]) for stats in lua_stats] == [0]
    error_of(
        rec.post(
            f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "runs/lua", "force": "yes"}
        ),
        400,
        "invalid_parameter",
    )
    rec.delete(f"/v1/envs/{instance_id}")
