"""gym-http-mcp with the mcp SDK's own client, over stdio and over streamable
HTTP, against a real gym-http-server: list, make, reset, 100 steps, render,
close; bad arguments are tool errors carrying the API's code, and the
session goes on after them."""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import httpx2
import pytest

from conftest import server_args
from gym_http_server.testing import running_server

mcp = pytest.importorskip(
    "mcp", reason="SKIPPED: the mcp extra is not installed (pip install 'gym-http-client[mcp]')"
)
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

ARITHMETIC = "GymHttp/Arithmetic-v0"
STEPS = 100


def answer(question: str) -> str:
    """The arithmetic env's question, "a op b = ?", answered."""
    a, operator, b = question.split()[:3]
    return str({"+": int(a) + int(b), "-": int(a) - int(b), "*": int(a) * int(b)}[operator])


async def session(client: Client) -> dict:
    tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert {"list_envs", "make", "reset", "step", "render", "close"} <= set(tools)
    action = tools["step"].input_schema["properties"]["action"]
    assert action["type"] == "string" and action["maxLength"] == 8  # the action space's schema

    listed = await client.call_tool("list_envs", {})
    assert not listed.is_error and ARITHMETIC in listed.structured_content["env_ids"]

    made = await client.call_tool("make", {"render_mode": "rgb_array"})
    assert not made.is_error, made.content
    instance_id = made.structured_content["instance_id"]
    assert made.structured_content["action_space"]["name"] == "Text"
    assert made.structured_content["action_schema"]["type"] == "string"

    first = await client.call_tool("reset", {"instance_id": instance_id, "seed": 3})
    again = await client.call_tool("reset", {"instance_id": instance_id, "seed": 3})
    assert first.structured_content["observation"] == again.structured_content["observation"]
    observation = first.structured_content["observation"]
    rewards, episodes = 0.0, 1
    for _ in range(STEPS):
        stepped = await client.call_tool(
            "step", {"instance_id": instance_id, "action": answer(observation["question"])}
        )
        assert not stepped.is_error, stepped.content
        rewards += stepped.structured_content["reward"]
        observation = stepped.structured_content["observation"]
        if stepped.structured_content["terminated"] or stepped.structured_content["truncated"]:
            reset = await client.call_tool("reset", {"instance_id": instance_id})
            observation = reset.structured_content["observation"]
            episodes += 1
    assert rewards == STEPS  # every answer right

    frame = await client.call_tool("render", {"instance_id": instance_id})
    assert not frame.is_error and frame.content[0].type == "image"
    assert base64.b64decode(frame.content[0].data).startswith(b"\x89PNG")

    codes = []
    for arguments in (
        {"instance_id": instance_id, "action": 12},  # not a string
        {"instance_id": instance_id, "action": "x1"},  # off the charset
        {"instance_id": "no-such-instance", "action": "1"},
    ):
        refused = await client.call_tool("step", arguments)
        assert refused.is_error
        codes.append(refused.structured_content["code"])
    assert codes == ["invalid_action", "invalid_action", "unknown_instance"]
    missing = await client.call_tool("step", {"action": "1"})  # no instance_id
    assert missing.is_error
    still = await client.call_tool("step", {"instance_id": instance_id, "action": "7"})
    assert not still.is_error  # the session goes on

    closed = await client.call_tool("close", {"instance_id": instance_id})
    assert not closed.is_error
    gone = await client.call_tool("close", {"instance_id": instance_id})
    assert gone.is_error and gone.structured_content["code"] == "unknown_instance"
    return {"steps": STEPS, "episodes": episodes}


def command(base_url: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gym_http_client.mcp_server",
        "--server",
        base_url,
        "--env",
        ARITHMETIC,
        *extra,
    ]


def test_an_agent_session_over_stdio(base_url):
    args = command(base_url)
    server = StdioServerParameters(command=args[0], args=args[1:])

    async def run():
        async with Client(server) as client:
            return await session(client)

    assert asyncio.run(run())["episodes"] >= STEPS // 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def mcp_over_http(base_url: str, token: str | None = None) -> Iterator[str]:
    """``gym-http-mcp --http`` for the gym-http-server at ``base_url`` (with
    ``GYM_HTTP_TOKEN`` set to ``token``); yields its /mcp URL."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k != "GYM_HTTP_TOKEN"}
    if token:
        environment["GYM_HTTP_TOKEN"] = token
    process = subprocess.Popen(
        command(base_url, "--http", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=environment,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read().decode()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gym-http-mcp --http did not listen"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_an_agent_session_over_streamable_http(base_url):
    with mcp_over_http(base_url) as url:

        async def run():
            async with Client(url) as client:
                return await session(client)

        assert asyncio.run(run())["episodes"] >= STEPS // 5


def test_over_http_with_a_token_mcp_clients_must_present_it_too():
    """The MCP server acts with the gym-http-server's token; a client of its
    own port without that token gets the API's 401, one with it a session."""
    token = secrets.token_hex(16)
    with running_server(*server_args("--token", token)) as base_url:
        with mcp_over_http(base_url, token) as url:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
                refused = httpx.post(url, json={}, headers=headers, timeout=30)
                assert refused.status_code == 401, headers
                assert refused.json()["code"] == "unauthorized"
                assert refused.headers["WWW-Authenticate"].startswith("Bearer")

            async def run():
                authorized = httpx2.AsyncClient(
                    headers={"Authorization": f"Bearer {token}"}, timeout=60
                )
                async with (
                    authorized,
                    Client(streamable_http_client(url, http_client=authorized)) as client,
                ):
                    return await session(client)

            assert asyncio.run(run())["episodes"] >= STEPS // 5
