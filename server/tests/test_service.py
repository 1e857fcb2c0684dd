"""One owner of a running service: ``create_app(config)`` handed to another
WSGI server gets the same service start_server runs (backend, reaper, one
close that flushes every recording), and what it cannot honour is refused."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest

from conftest import error_of
from gym_http_server import create_app
from gym_http_server.config import ConfigError, EngineConfig, Parts, ServerConfig
from gym_http_server.service import Service


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def serving(app):
    """``app`` under the standard library's WSGI server: another WSGI server."""
    server = make_server(
        "127.0.0.1", 0, app, server_class=ThreadingServer, handler_class=QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_create_app_with_env_ttl_runs_the_reaper_under_another_wsgi_server(tmp_path):
    app = create_app(env_ttl=0.3, data_dir=str(tmp_path))
    try:
        with serving(app) as url:
            iid = httpx.post(f"{url}/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
                "instance_id"
            ]
            deadline = time.monotonic() + 10
            while httpx.get(f"{url}/healthz").json()["envs"] and time.monotonic() < deadline:
                time.sleep(0.1)
            error_of(httpx.post(f"{url}/v1/envs/{iid}/reset/"), 400, "instance_expired")
    finally:
        app.service.close()


def test_closing_the_service_flushes_every_recording_once(tmp_path):
    app = create_app(data_dir=str(tmp_path))
    with serving(app) as url:
        iid = httpx.post(f"{url}/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
        httpx.post(f"{url}/v1/envs/{iid}/monitor/start/", json={"directory": "run"})
        httpx.post(f"{url}/v1/envs/{iid}/reset/", json={"seed": 0})
        steps, done = 0, False
        while not done:
            done = httpx.post(f"{url}/v1/envs/{iid}/step/", json={"action": 0}).json()["done"]
            steps += 1
        app.service.close()
        app.service.close()  # a second close (atexit's, at exit) changes nothing
        assert app.service.closed
        assert httpx.get(f"{url}/healthz").json()["envs"] == 0
    (stats,) = tmp_path.rglob("run/openaigym.episode_batch.*.stats.json")
    assert json.loads(stats.read_text())["episode_lengths"] == [steps]


def test_create_app_refuses_what_another_wsgi_server_cannot_honour():
    with pytest.raises(ConfigError, match="allow_shutdown"):
        create_app(allow_shutdown=True)
    with pytest.raises(ConfigError, match="max_envs"):
        create_app(max_envs=-5)
    with pytest.raises(ConfigError, match="ray"):
        create_app(ray_address="auto")
    with pytest.raises(TypeError):
        create_app(threads=4)  # an engine's setting: not the app's to take


@pytest.mark.parametrize(
    "field, value",
    [
        ("max_envs", 0),
        ("max_num_envs", -1),
        ("max_body_bytes", 0),
        ("env_ttl", 0),
        ("env_ttl", float("inf")),
        ("env_ttl", float("nan")),
        ("env_num_cpus", -1),
        ("backend", "threads"),
        ("max_envs", "8"),
    ],
)
def test_every_out_of_range_setting_is_a_config_error(field, value):
    with pytest.raises(ConfigError, match=field):
        ServerConfig(**{field: value})


@pytest.mark.parametrize(
    "field, value",
    [
        ("threads", 0),
        ("threads", 10**6),
        ("connection_limit", 0),
        ("read_timeout", 0),
        ("read_timeout", -1),
        ("engine", "gunicorn"),
    ],
)
def test_every_out_of_range_engine_setting_is_a_config_error(field, value):
    with pytest.raises(ConfigError, match=field):
        EngineConfig(**{field: value})


def test_create_app_with_the_ray_backend_asks_for_ray(tmp_path):
    """Not an in-process app in disguise: where Ray cannot be imported, the
    app is refused naming the extra (test_ray.py runs it on Ray itself)."""
    shadow = tmp_path / "ray"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    code = (
        "from gym_http_server import create_app\n"
        "try:\n    create_app(backend='ray', env_ttl=60)\n"
        "except Exception as error:\n    print(type(error).__name__, error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert done.stdout.startswith("BackendUnavailable"), done.stdout + done.stderr
    assert "gym-http-server[ray]" in done.stdout


def test_apps_built_from_a_tests_own_parts_start_nothing():
    parts = Parts.from_config(ServerConfig(max_envs=2))
    app = create_app(parts=parts)
    assert app.service is None
    with pytest.raises(ConfigError):
        create_app(ServerConfig(), parts=parts)


def test_a_service_started_and_closed_by_hand():
    service = Service.start(ServerConfig(env_ttl=30))
    assert service.reaper is not None and not service.closed
    service.close()
    assert service.closed and not service.reaper._thread.is_alive()


README = Path(__file__).parents[2] / "README.md"


@pytest.mark.skipif(
    shutil.which("granian", path=str(Path(sys.executable).parent)) is None,
    reason="SKIPPED: granian is not installed (`make test` installs it)",
)
def test_the_readme_wsgi_module_under_the_granian_cli_flushes_recordings_on_sigterm(tmp_path):
    text = README.read_text()
    module = re.search(r"```python\n# wsgi.py\n(.*?)```", text, flags=re.S).group(1)
    command = re.search(r"^(granian --interface wsgi .*?wsgi:app)", text, flags=re.M).group(1)
    (tmp_path / "wsgi.py").write_text(module)
    port = free_port()
    argv = command.split()
    argv[0] = str(Path(sys.executable).with_name("granian"))
    process = subprocess.Popen(
        [*argv[:-1], "--port", str(port), argv[-1]],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/healthz")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        iid = httpx.post(f"{url}/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
        httpx.post(f"{url}/v1/envs/{iid}/monitor/start/", json={"directory": "run"})
        httpx.post(f"{url}/v1/envs/{iid}/reset/", json={"seed": 0})
        steps, done = 0, False
        while not done:
            done = httpx.post(f"{url}/v1/envs/{iid}/step/", json={"action": 0}).json()["done"]
            steps += 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        process.kill()
    (stats,) = (tmp_path / "data").rglob("run/openaigym.episode_batch.*.stats.json")
    assert json.loads(stats.read_text())["episode_lengths"] == [steps]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_each_engine_has_its_own_read_timeout_unless_one_is_given():
    """granian counts an idle keep-alive wait as reading: its default is the
    idle allowance, so held sessions waiting for others are not cut off."""
    assert EngineConfig().read_seconds == 30.0
    assert EngineConfig(engine="granian").read_seconds == 300.0
    assert EngineConfig(engine="granian", read_timeout=2).read_seconds == 2
