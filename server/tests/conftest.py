"""Fixtures: a real server on a loopback port, an HTTP client, the spec's schemas."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from gym_http_server.testing import ANNOUNCEMENT, engine_args, running_server

TESTS = Path(__file__).parent
SPEC_PATH = TESTS.parent.parent / "spec" / "openapi.yaml"
SPEC_URI = "urn:gym-http-api:openapi"


def server_env() -> dict:
    """Lets the server subprocess ``--import testenvs``."""
    path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": path}


@pytest.fixture(scope="session")
def base_url():
    with running_server("--import", "testenvs", "--max-envs", "200", env=server_env()) as url:
        yield url


@pytest.fixture(scope="session")
def http(base_url):
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


@pytest.fixture
def create(http):
    """Create instances for one test and close whatever is left afterwards."""
    made: list[str] = []

    def _create(env_id: str, **fields) -> str:
        response = http.post("/v1/envs/", json={"env_id": env_id, **fields})
        assert response.status_code == 200, response.text
        made.append(response.json()["instance_id"])
        return made[-1]

    yield _create
    for instance_id in made:
        http.post(f"/v1/envs/{instance_id}/close/")


@pytest.fixture(scope="session")
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


@pytest.fixture(scope="session")
def conforms(spec):
    """``conforms("StepResponse", body)`` validates body against the spec's schema."""
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )

    def check(schema_name: str, body) -> None:
        assert schema_name in spec["components"]["schemas"], schema_name
        schema = {"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}
        Draft202012Validator(schema, registry=registry).validate(body)

    return check


def error_of(response: httpx.Response, status: int, code: str) -> dict:
    """The JSON error body, after checking status, shape and code."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "code"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body


class ServerProcess:
    """``python -m gym_http_server`` as an operator runs it, with its process at hand."""

    def __init__(self, tmp_path, *args: str):
        self.data_dir = tmp_path / "data"
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gym_http_server",
                "-p",
                "0",
                "--data-dir",
                str(self.data_dir),
                "--import",
                "testenvs",
                *engine_args(args),
                *args,
            ],
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **server_env()},
        )
        found = threading.Event()
        self.url = ""

        def pump() -> None:
            for line in self.process.stderr:
                self.lines.append(line)
                match = ANNOUNCEMENT.search(line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()
            found.set()

        threading.Thread(target=pump, daemon=True).start()
        assert found.wait(60) and self.url, "".join(self.lines)

    def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("the server did not stop:\n" + "".join(self.lines))

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def rss_bytes(self) -> int:
        """The server's resident memory now (Linux)."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: takes a minute or more (a Ray cluster); run by make test-ray"
    )
