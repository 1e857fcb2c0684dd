"""Fixtures: real gym-http-server processes on loopback ports, with the test environments loaded."""

from __future__ import annotations

import importlib.util
import os

import pytest

from gym_http_client import Client, HTTPClient
from gym_http_server.testing import running_server

ALL_SPACES = "GymHttpTest/AllSpaces-v0"
FIXTURE_MODULE = "gym_http_conformance.allspaces"  # registers ALL_SPACES


def server_args(*extra: str) -> list[str]:
    """``$GYM_HTTP_TEST_SERVER_ARGS`` (``--backend ray`` in ``make test-ray``) first."""
    args = [*os.environ.get("GYM_HTTP_TEST_SERVER_ARGS", "").split(), *extra]
    if importlib.util.find_spec("gym_http_conformance") is not None:
        args += ["--import", FIXTURE_MODULE]
    return args


@pytest.fixture(scope="session")
def base_url():
    """One server for the whole run; tests close what they create."""
    with running_server(*server_args()) as url:
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
        pytest.skip(f"SKIPPED: {ALL_SPACES} is not registered (gym-http-conformance not installed)")
    return ALL_SPACES
