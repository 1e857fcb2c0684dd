"""Fixtures: the reference server on a loopback port, and in-process apps
(whole or deliberately broken) served by waitress in a thread."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from gym_http_server.testing import running_server

REPO = Path(__file__).resolve().parents[2]
TEST_ENVS = REPO / "server" / "tests"
ALL_SPACES = "GymHttpTest/AllSpaces-v0"


def server_env() -> dict:
    """Lets the server subprocess ``--import testenvs``."""
    path = os.pathsep.join(filter(None, [str(TEST_ENVS), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path}


def test_env_args() -> list[str]:
    if (TEST_ENVS / "testenvs.py").exists():
        return ["--import", "testenvs"]
    print(f"\nSKIPPED: {TEST_ENVS / 'testenvs.py'} is missing; cases needing "
          f"{ALL_SPACES} will be skipped", file=sys.stderr)
    return []


@pytest.fixture(scope="session")
def reference_url() -> Iterator[str]:
    """The reference server as `make conformance` starts it (no --allow-shutdown)."""
    with running_server(*test_env_args(), "--max-envs", "256", env=server_env()) as url:
        yield url


@contextmanager
def serving(app) -> Iterator[str]:
    """A WSGI app on an ephemeral loopback port, for as long as the block runs."""
    import waitress
    from waitress import wasyncore

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Emptying the socket map from inside the loop's thread ends the loop.
        # A worker thread waking the loop between pull_trigger's queueing of
        # the thunk and its own write runs the thunk first, which closes the
        # trigger: then the write fails, and the loop is ending already.
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            pass
        thread.join(10)
        server.task_dispatcher.shutdown()
