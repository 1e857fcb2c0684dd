"""The original gym-http-api bindings, request for request.

``data/original_bindings.json`` holds what each binding of the archived
openai/gym-http-api sends when its own example runs: method, path, headers and
the body's exact bytes, read from the published sources. These tests replay
those requests over a plain HTTP connection, nothing re-encoded, against a real
server, and check what each binding then reads from the answers.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gym_http_server.testing import running_server

DATA = json.loads((Path(__file__).parent / "data" / "original_bindings.json").read_text())
BINDINGS = DATA["bindings"]
JSON_TYPES = {"string": str, "number": (int, float), "boolean": bool, "array": list, "object": dict}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of their own, so the bindings' recordings land in a scratch data root."""
    data_dir = tmp_path_factory.mktemp("recordings")
    with running_server("--data-dir", str(data_dir)) as url:
        yield url


def send(base_url: str, request: dict, values: dict) -> tuple[int, bytes]:
    """Send one recorded request as it is written: these headers, these bytes."""
    target = urlsplit(base_url)
    path = fill(request["path"], values)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    try:
        connection.putrequest(request["method"], path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", target.netloc)
        for name, value in request["headers"].items():
            connection.putheader(name, value)
        body = None
        if request["method"] == "POST":
            body = fill(request["body"], values).encode()
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def fill(template: str, values: dict) -> str:
    for name, value in values.items():
        text = value if name == "instance_id" else json.dumps(value, separators=(",", ":"))
        template = template.replace("{" + name + "}", text)
    return template


def field(body: dict, dotted: str):
    for key in dotted.split("."):
        body = body[key]
    return body


def is_json_type(value, kind: str) -> bool:
    if kind in ("number", "array", "object", "string") and isinstance(value, bool):
        return False
    return isinstance(value, JSON_TYPES[kind])


def check(request: dict, status: int, raw: bytes, where: str) -> dict | None:
    """The answer as the binding sees it; fails when it would not work for the binding."""
    assert status == request["status"], f"{where}: {status} {raw[:300]!r}"
    if status == 204:
        assert raw == b"", where
        return None
    body = json.loads(raw)
    assert isinstance(body, dict), f"{where}: {raw[:300]!r}"
    for name, kind in request.get("reads", {}).items():
        assert name in body and is_json_type(body[name], kind), f"{where}: {name} in {body}"
    for path, expected in request.get("expect", {}).items():
        assert field(body, path) == expected, f"{where}: {path} in {body}"
    return body


def all_envs(base_url: str) -> dict:
    status, raw = send(base_url, {"method": "GET", "path": "/v1/envs/", "headers": {}}, {})
    assert status == 200
    return json.loads(raw)["all_envs"]


@pytest.mark.parametrize("binding", list(BINDINGS))
def test_original_binding_session_runs_from_create_to_close(server, binding):
    session = BINDINGS[binding]["session"]
    values: dict = {}
    for index, request in enumerate(session):
        where = f"{binding} step {index} ({request['call']} {request['method']} {request['path']})"
        status, raw = send(server, request, values)
        body = check(request, status, raw, where)
        for name, source in request.get("remember", {}).items():
            values[name] = body[source]

    instance_id = values["instance_id"]
    closes = any(r["path"] == "/v1/envs/{instance_id}/close/" for r in session)
    if closes:
        assert instance_id not in all_envs(server)
    else:  # the binding has no close: its instance is still there, as it was on the original
        assert all_envs(server)[instance_id] == BINDINGS[binding]["env_id"]["here"]
        send(server, {"method": "DELETE", "path": f"/v1/envs/{instance_id}", "headers": {}}, {})


@pytest.mark.parametrize("binding", [name for name in BINDINGS if "shutdown" in BINDINGS[name]])
def test_original_binding_shutdown_stops_the_server(binding):
    request = BINDINGS[binding]["shutdown"]
    with running_server("--allow-shutdown") as url:
        status, raw = send(url, request, {})
        check(request, status, raw, f"{binding} {request['call']}")
        assert stops_listening(url), f"{binding}: the server still answers after shutdown"


def stops_listening(base_url: str, within: float = 10.0) -> bool:
    target = urlsplit(base_url)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection((target.hostname, target.port), timeout=1).close()
        except OSError:
            return True
        time.sleep(0.05)
    return False
