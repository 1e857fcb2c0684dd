"""Start a real server in a subprocess, for tests of this package, the SDKs
and the conformance suite. It listens on an ephemeral loopback port and
announces it on stderr; this reads the announcement."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

ANNOUNCEMENT = re.compile(r"listening on (http://\S+)")
# `make test-granian` runs the same tests, the conformance suite and the SDKs'
# against servers on another engine by setting this.
ENGINE_VAR = "GYM_HTTP_TEST_ENGINE"


def engine_args(args=()) -> list[str]:
    """``--engine $GYM_HTTP_TEST_ENGINE``, unless ARGS name an engine themselves."""
    engine = os.environ.get(ENGINE_VAR)
    if not engine or "--engine" in args:
        return []
    return ["--engine", engine]


@contextmanager
def running_server(*args: str, timeout: float = 30.0, env: dict | None = None) -> Iterator[str]:
    """Yield the base URL of ``gym-http-server -p 0 ARGS``; stop it afterwards.

    Without ``--data-dir`` in ARGS, recordings go to a temporary folder that
    is removed afterwards, never to the user's own data folder.
    """
    if "--data-dir" in args:
        with _serving(args, timeout, env) as url:
            yield url
        return
    with tempfile.TemporaryDirectory(prefix="gym-http-server-data-") as data_dir:
        with _serving((*args, "--data-dir", data_dir), timeout, env) as url:
            yield url


@contextmanager
def _serving(args, timeout: float, env: dict | None) -> Iterator[str]:
    command = [
        sys.executable,
        "-m",
        "gym_http_server",
        "-l",
        "127.0.0.1",
        "-p",
        "0",
        *engine_args(args),
        *args,
    ]
    process = subprocess.Popen(
        command,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    lines: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def pump() -> None:  # keep draining stderr so the server never blocks on it
        for line in process.stderr:
            lines.append(line)
            match = ANNOUNCEMENT.search(line)
            if match and not found.is_set():
                url.append(match.group(1))
                found.set()
        found.set()

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not found.wait(0.05):
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("server did not start:\n" + "".join(lines))
    if not url:
        process.wait()
        raise RuntimeError(f"server exited with {process.returncode}:\n" + "".join(lines))
    try:
        yield url[0]
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
