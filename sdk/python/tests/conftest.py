"""Fixtures: real gym-http-server processes on loopback ports, with the test environments loaded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gym_http_client import Client, HTTPClient
from gym_http_server.testing import running_server

REPO = Path(__file__).resolve().parents[3]
TEST_ENVS_DIR = REPO / "server" / "tests"
ALL_SPACES = "GymHttpTest/AllSpaces-v0"


def server_env() -> dict:
    """PYTHONPATH so that ``--import testenvs`` finds the server's test environments."""
    paths = [str(TEST_ENVS_DIR), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def server_args(*extra: str) -> list[str]:
    args = list(extra)
    if (TEST_ENVS_DIR / "testenvs.py").exists():
        args += ["--import", "testenvs"]
    return args


@pytest.fixture(scope="session")
def base_url():
    """One server for the whole run; tests close what they create."""
    with running_server(*server_args(), env=server_env()) as url:
        yield url


@pytest.fixture
def client(base_url):
    legacy = Client(base_url)
    yield legacy
    legacy.close()


@pytest.fixture
def http(base_url):
    with HTTPClient(base_url) as transport:
        yield transport


@pytest.fixture(scope="session")
def registered(base_url) -> set[str]:
    with HTTPClient(base_url) as transport:
        return {entry["env_id"] for entry in transport.registry()}


@pytest.fixture
def all_spaces_id(registered) -> str:
    if ALL_SPACES not in registered:
        pytest.skip(f"SKIPPED: {ALL_SPACES} is not registered (server/tests/testenvs.py missing)")
    return ALL_SPACES
