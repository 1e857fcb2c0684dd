"""The command line and the Python entry points, run for real."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest

from conftest import error_of, server_env
from gym_http_server import __version__, create_app
from gym_http_server.cli import main
from gym_http_server.testing import running_server

# The console script installed beside this interpreter, as users run it.
CLI = str(Path(sys.executable).with_name("gym-http-server"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_version_and_help():
    out = subprocess.run([CLI, "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == f"gym-http-server {__version__}"
    out = subprocess.run(
        [sys.executable, "-m", "gym_http_server", "--help"], capture_output=True, text=True
    )
    for flag in [
        "--listen",
        "--port",
        "--threads",
        "--max-envs",
        "--data-dir",
        "--import",
        "--allow-shutdown",
        "--log-level",
        "--version",
        "--token",
        "--token-file",
        "--env-ttl",
        "--cors-origin",
    ]:
        assert flag in out.stdout


def test_cli_serves_and_shuts_down_gracefully_when_allowed():
    port = free_port()
    process = subprocess.Popen(
        [CLI, "-l", "127.0.0.1", "-p", str(port), "--allow-shutdown", "--log-level", "warning"]
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        instance_id = httpx.post(f"{url}/v1/envs", json={"env_id": "CartPole-v1"}).json()
        assert len(instance_id["instance_id"]) == 8
        response = httpx.post(f"{url}/v1/shutdown/")
        assert response.status_code == 202 and response.json()["message"]
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()


def test_max_envs_is_enforced_with_429():
    with running_server("--max-envs", "2") as url:
        for _ in range(2):
            assert httpx.post(f"{url}/v1/envs/", json={"env_id": "Taxi-v4"}).status_code == 200
        response = httpx.post(f"{url}/v1/envs/", json={"env_id": "Taxi-v4"})
        error_of(response, 429, "too_many_envs")
        listed = httpx.get(f"{url}/v1/envs/").json()["all_envs"]
        httpx.post(f"{url}/v1/envs/{next(iter(listed))}/close/")
        assert httpx.post(f"{url}/v1/envs/", json={"env_id": "Taxi-v4"}).status_code == 200


def test_import_registers_operator_envs_and_a_bad_module_fails_clearly():
    with running_server("--import", "testenvs", env=server_env()) as url:
        response = httpx.post(f"{url}/v1/envs/", json={"env_id": "GymHttpTest/AllSpaces-v0"})
        assert response.status_code == 200
    out = subprocess.run(
        [CLI, "-p", "0", "--import", "no_such_module_here"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "no_such_module_here" in out.stderr


def test_start_server_from_python():
    port = free_port()
    code = (
        "from gym_http_server import start_server; "
        f"start_server(listen='127.0.0.1', port={port}, allow_shutdown=True)"
    )
    process = subprocess.Popen([sys.executable, "-c", code])
    try:
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert httpx.post(f"http://127.0.0.1:{port}/v1/shutdown").status_code == 202
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def test_create_app_runs_under_another_wsgi_server():
    server = make_server("127.0.0.1", 0, create_app(max_envs=4), handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        instance_id = httpx.post(f"{url}/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
            "instance_id"
        ]
        assert httpx.post(f"{url}/v1/envs/{instance_id}/reset/").status_code == 200
        error_of(httpx.post(f"{url}/v1/shutdown/"), 403, "shutdown_disabled")
    finally:
        server.shutdown()


def test_ray_backend_without_ray_installed_is_a_start_up_error_naming_the_extra(tmp_path):
    shadow = tmp_path / "ray"  # where `import ray` fails, as where Ray is not installed
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'ray'\")\n")
    done = subprocess.run(
        [sys.executable, "-m", "gym_http_server", "-p", "0", "--backend", "ray"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode == 2
    assert "pip install 'gym-http-server[ray]'" in done.stderr
    assert "listening" not in done.stderr


def test_ray_options_without_the_ray_backend_are_refused():
    for option in (
        ["--ray-address", "auto"],
        ["--env-num-cpus", "1"],
        ["--env-resource", "simulator=1"],
        ["--env-scheduling", "spread"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "gym_http_server", "-p", "0", *option],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and "need --backend ray" in done.stderr


def start_up_error(*args: str, env: dict | None = None) -> str:
    """What the CLI says when it refuses to start: exit 2, one line, nothing served."""
    done = subprocess.run(
        [CLI, *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gym-http-server: error: "), done.stderr
    assert "Traceback" not in done.stderr and "listening" not in done.stderr
    return lines[0]


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--threads", "0"),
        ("--threads", "-1"),
        ("--threads", "many"),
        ("--max-envs", "-5"),
        ("--max-envs", "0"),
        ("--max-num-envs", "0"),
        ("--max-body-bytes", "0"),
        ("--port", "70000"),
        ("--port", "-1"),
        ("--connection-limit", "0"),
        ("--read-timeout", "0"),
        ("--read-timeout", "nan"),
        ("--env-ttl", "-1"),
        ("--env-ttl", "inf"),
        ("--engine", "gunicorn"),
        ("--step-timeout", "0"),
        ("--step-timeout", "nan"),
        ("--max-processes", "0"),
        ("--worker-memory", "-1"),
        ("--env-resource", "simulator=-1"),
        ("--env-resource", "=1"),
    ],
)
def test_every_numeric_flag_out_of_range_is_one_line_and_exit_2(flag, value, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["-p", "0", flag, value])
    assert stopped.value.code == 2
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1 and said[0].startswith("gym-http-server: error: ")
    assert flag in said[0]


def test_threads_0_as_a_user_runs_it_is_refused_before_listening():
    assert "--threads" in start_up_error("-p", "0", "--threads", "0")


def test_a_busy_port_is_one_clear_line_without_a_traceback():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for engine in ["waitress", *(["granian"] if granian_installed() else [])]:
            line = start_up_error("-l", "127.0.0.1", "-p", str(port), "--engine", engine)
            assert f"127.0.0.1:{port} is already in use" in line


def granian_installed() -> bool:
    try:
        import granian  # noqa: F401
    except ImportError:
        return False
    return True


def test_granian_engine_without_granian_installed_names_the_extra(tmp_path):
    shadow = tmp_path / "granian"  # where `import granian` fails
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError(\"No module named 'granian'\")\n")
    line = start_up_error("-p", "0", "--engine", "granian", env={"PYTHONPATH": str(tmp_path)})
    assert "pip install 'gym-http-server[granian]'" in line
