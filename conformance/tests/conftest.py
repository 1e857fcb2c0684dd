"""Fixtures: the reference server on a loopback port, and in-process apps
(whole or deliberately broken) served by waitress in a thread."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

import gym_http_conformance.allspaces  # noqa: F401  (registers ALL_SPACES for in-process apps)
from gym_http_conformance.allspaces import ENV_ID as ALL_SPACES
from gym_http_server.testing import running_server

FIXTURE_MODULE = "gym_http_conformance.allspaces"
# The token of token_reference_url.
TOKEN = "conformance-suite-token"

__all__ = ["ALL_SPACES", "TOKEN", "serving"]


@pytest.fixture(scope="session", autouse=True)
def scratch_data_folder(tmp_path_factory) -> Iterator[None]:
    """In-process apps record into a scratch folder, not the user's data folder
    (platformdirs reads XDG_DATA_HOME)."""
    before = os.environ.get("XDG_DATA_HOME")
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg-data"))
    yield
    if before is None:
        del os.environ["XDG_DATA_HOME"]
    else:
        os.environ["XDG_DATA_HOME"] = before


@pytest.fixture(scope="session")
def reference_url() -> Iterator[str]:
    """The reference server as `make conformance` starts it (no --allow-shutdown)."""
    with running_server("--import", FIXTURE_MODULE, "--max-envs", "256") as url:
        yield url


@pytest.fixture(scope="session")
def token_reference_url() -> Iterator[str]:
    """The reference server requiring TOKEN, for the auth profile."""
    with running_server(
        "--import", FIXTURE_MODULE, "--max-envs", "256", env={"GYM_HTTP_SERVER_TOKEN": TOKEN}
    ) as url:
        yield url


@pytest.fixture(scope="session")
def fuzz_reference_url() -> Iterator[str]:
    """A reference server requiring TOKEN for schemathesis alone: the fuzz
    leaves instances and batches open, and they must not use up the room
    (--max-envs, the process budget) that the profile runs count on."""
    with running_server(
        "--import", FIXTURE_MODULE, "--max-envs", "256", env={"GYM_HTTP_SERVER_TOKEN": TOKEN}
    ) as url:
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
        # A worker finishing its last answer can wake the loop first, which then
        # runs close_all before this write reaches the (by then closed) pipe.
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            pass
        thread.join(10)
        server.task_dispatcher.shutdown()
