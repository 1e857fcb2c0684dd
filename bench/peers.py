"""Peers anyone can install, each in a throwaway virtualenv the bench makes.

- ``gym-http-server`` 0.0.1 on PyPI, the Flask server this project succeeds.
  Its own pins (Flask 0.12.3, gym 0.7.4) install on Python 3.11, but Flask
  0.12 cannot import the Jinja2, MarkupSafe, itsdangerous, click and Werkzeug
  that pip picks today; the pins below are the newest of each it runs with.
  gym 0.7.4 builds from its sdist. It serves on Werkzeug's development
  server (HTTP/1.0, one connection per request), as its ``gym-http-server``
  command does.
- OpenEnv (``openenv`` 0.10.0), with CartPole-v1 wrapped in its Environment
  interface as its ``openenv init`` template wraps an env
  (bench/openenv_cartpole.py), served by uvicorn, stepped by its own
  EnvClient over its WebSocket session protocol in a process of its own.

The virtualenvs live in ``.venv/peers/`` (kept between runs, made anew when
the pins change); when pip cannot install a peer (no package index, say) the
bench says so and leaves its rows out.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from held import hold_http, raise_open_files, rss_mib
from loops import Client, RemoteStepper
from record import series

HERE = Path(__file__).resolve().parent
VENVS = Path(sys.prefix) / "peers"
OLD = "gym-http-server 0.0.1 (Flask, gym 0.7.4)"
OPENENV = "OpenEnv 0.10.0 (FastAPI, uvicorn), its EnvClient"
MAX_SESSIONS = 8192  # this server's --max-envs for held sessions; OpenEnv's is its own

PINS = {
    OLD: [
        "gym-http-server==0.0.1",
        "gym==0.7.4",
        "Flask==0.12.3",
        "Werkzeug==0.16.1",
        "Jinja2==2.11.3",
        "MarkupSafe==2.0.1",
        "itsdangerous==1.1.0",
        "click==7.1.2",
    ],
    # The same Gymnasium as ours, so that both step the same CartPole.
    OPENENV: [
        "openenv==0.10.0",
        f"gymnasium[classic-control]=={importlib.metadata.version('gymnasium')}",
    ],
}


def virtualenv(name: str, pins: list[str]) -> Path | None:
    """The peer's virtualenv with ``pins`` installed, or None (and why) if pip fails."""
    key = hashlib.sha256("\n".join([sys.version, *pins]).encode()).hexdigest()[:12]
    slug = name.split()[0].lower()
    venv = VENVS / f"{slug}-{key}"
    if (venv / "done").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    print(f"installing {name} into {venv} ({' '.join(pins)}) ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *pins,
        ],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        tail = "\n  ".join(line for line in pip.stderr.splitlines()[-6:])
        print(
            f"SKIPPED {name}: pip could not install {' '.join(pins)} (is the package index "
            f"reachable?):\n  {tail}",
            file=sys.stderr,
        )
        shutil.rmtree(venv, ignore_errors=True)
        return None
    (venv / "done").write_text("\n".join(pins) + "\n")
    return venv


def installed(venv: Path) -> dict:
    freeze = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "freeze"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split("==", 1) for line in freeze.splitlines() if "==" in line)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_ours(stack: ExitStack, *server_args: str) -> tuple[str, subprocess.Popen]:
    """This server, as the peers run: its own process on a free port, room
    for the held sessions; its URL and process."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gym_http_server", "-l", "127.0.0.1", "-p", str(port)]
    command += ["--max-envs", str(MAX_SESSIONS), "--log-level", "warning", *server_args]
    return url, serve(stack, command, url, "/healthz")


def serve(
    stack: ExitStack,
    command: list[str],
    url: str,
    probe: str,
    cwd: Path | None = None,
    timeout: float = 120.0,
) -> subprocess.Popen:
    """Start a server; stop it when the stack closes. Each server may open as
    many sockets as the held sessions need."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": ""},
        preexec_fn=lambda: raise_open_files(MAX_SESSIONS + 256),
    )
    stack.callback(lambda: (process.terminate(), process.wait(10)))
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url + probe, timeout=5).read()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[0]} did not start serving {url}")
            time.sleep(0.3)


class DrivenStepper:
    """A row stepped by a client in another process: the bench asks for a count
    of steps on its stdin and reads back how long they took."""

    def __init__(self, stack: ExitStack, command: list[str]):
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": ""},
        )
        stack.callback(lambda: (self.process.stdin.close(), self.process.wait(30)))
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{command} did not start")

    def hold(self, sessions: int, server_pid: int) -> tuple[int, float, float]:
        """(held, seconds, the server's RSS in MiB while held): see held.py."""
        self.process.stdin.write(f"hold {sessions}\n")
        self.process.stdin.flush()
        held, seconds = self.process.stdout.readline().split()
        mib = rss_mib(server_pid)
        self.process.stdin.write("release\n")
        self.process.stdin.flush()
        if self.process.stdout.readline().strip() != "released":
            raise RuntimeError("the OpenEnv driver did not release its sessions")
        return int(held), float(seconds), mib

    def rate(self, calls: int) -> float:
        self.process.stdin.write(f"{calls}\n")
        self.process.stdin.flush()
        return calls / float(self.process.stdout.readline())


def held_rows(name: str, sessions: int, held: int, seconds: float, mib: float) -> dict:
    return {
        f"{sessions} held sessions on {name}: held": series([held], "sessions"),
        f"{sessions} held sessions on {name}: time to open them": series([seconds], "s"),
        f"{sessions} held sessions on {name}: server memory": series([mib], "MiB"),
    }


def start(stack: ExitStack, server_args: list[str]) -> tuple[dict, dict, object]:
    """Start every peer that installs, and a server of ours for held sessions;
    their rows (name -> stepper), versions, and ``held(sessions)`` giving the
    held-session rows of ours and of the peers that hold sessions."""
    rows, versions, holders = {}, {}, []
    ours, process = serve_ours(stack, *server_args)
    holders.append(lambda n, pid=process.pid: held_rows("this server", n, *hold_http(ours, n, pid)))
    venv = virtualenv(OLD, PINS[OLD])
    if venv:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        serve(
            stack,
            [str(venv / "bin" / "gym-http-server"), "-l", "127.0.0.1", "-p", str(port)],
            url,
            "/v1/envs/",
        )
        rows[f"step on {OLD}"] = RemoteStepper(Client(url), "CartPole-v1", 2)
        versions[OLD] = installed(venv)
    venv = virtualenv(OPENENV, PINS[OPENENV])
    if venv:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = serve(
            stack,
            [
                str(venv / "bin" / "uvicorn"),
                "openenv_cartpole:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            url,
            "/health",
            cwd=HERE,
        )
        driver = DrivenStepper(
            stack, [str(venv / "bin" / "python"), str(HERE / "openenv_cartpole.py"), url]
        )
        rows[f"step on {OPENENV}"] = driver
        holders.append(
            lambda n, pid=process.pid: held_rows("OpenEnv 0.10.0", n, *driver.hold(n, pid))
        )
        versions[OPENENV] = installed(venv)

    def held(sessions: int) -> dict:
        return {label: row for holder in holders for label, row in holder(sessions).items()}

    return rows, versions, held
