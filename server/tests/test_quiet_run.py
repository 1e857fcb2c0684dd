"""A normal run says nothing alarming: no SDL complaint when a frame is drawn,
no flood of waitress queue warnings when a client keeps many requests in
flight, and the options explain themselves."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from test_auth import wait_for_url

from conftest import server_env
from gym_http_server.cli import AtMostEvery


def test_a_busy_server_that_draws_frames_logs_no_warning(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("XDG_RUNTIME_DIR", "SDL_VIDEODRIVER", "SDL_AUDIODRIVER")
    }
    log_file = tmp_path / "server.log"
    with open(log_file, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gym_http_server",
                "-p",
                "0",
                "--threads",
                "1",
                "--data-dir",
                str(tmp_path / "data"),
            ],
            stderr=log,
            env={**env, **server_env()},
        )
        try:
            url = wait_for_url(log_file)
            created = httpx.post(
                url + "/v1/envs/", json={"env_id": "CartPole-v1", "render_mode": "rgb_array"}
            )
            instance = created.json()["instance_id"]
            httpx.post(f"{url}/v1/envs/{instance}/reset/", json={"seed": 1})
            assert httpx.get(f"{url}/v1/envs/{instance}/render/").status_code == 200
            # One thread, 16 clients at once: requests wait for it.
            with ThreadPoolExecutor(16) as pool:
                statuses = list(
                    pool.map(lambda _: httpx.get(url + "/healthz").status_code, range(64))
                )
            assert set(statuses) == {200}
        finally:
            process.terminate()
            assert process.wait(30) == 0
    text = log_file.read_text()
    assert "XDG_RUNTIME_DIR" not in text, text
    assert text.count("Task queue depth") <= 1, text
    others = [
        line for line in text.splitlines() if "WARNING" in line and "Task queue depth" not in line
    ]
    assert not others, text


def test_queue_warnings_are_summarised_once_a_minute():
    quiet = AtMostEvery(60.0)
    start = time.time()

    def record(at: float) -> logging.LogRecord:
        item = logging.LogRecord(
            "waitress.queue", logging.WARNING, __file__, 1, "Task queue depth is %d", (3,), None
        )
        item.created = at
        return item

    assert quiet.filter(record(start))
    assert not any(quiet.filter(record(start + i)) for i in range(1, 50))
    later = record(start + 61)
    assert quiet.filter(later)
    assert later.getMessage() == "Task queue depth is 3 (49 more such warnings in the last 61 s)"


def test_help_lists_the_log_levels_and_the_default():
    out = subprocess.run(
        [sys.executable, "-m", "gym_http_server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    help_text = " ".join(out.stdout.split())
    assert "debug, info, warning, error, critical (default: info)" in help_text
