"""The async SDK: AsyncRemoteEnv, AsyncClient and AsyncHTTPClient, one event loop, a real server."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from slowenvs import SLOW_CARTPOLE
from test_retry import FAST, ScriptedPeer
from test_transport import CHUNKED, OK, UNTIL_CLOSE, ClosingPeer

import gym_http_client
from gym_http_client import (
    AsyncClient,
    AsyncHTTPClient,
    BadRequestError,
    GymConnectionError,
    GymTimeoutError,
    InternalServerError,
    RetryPolicy,
    ServerError,
    UnknownInstanceError,
)
from gym_http_server.testing import running_server

CONCURRENT_ENVS = 16
OK_BODY = {"ok": True}


def test_async_env_answers_what_the_sync_env_answers(base_url):
    async def rollout():
        async with await gym_http_client.make_async("CartPole-v1", base_url=base_url) as env:
            steps = [await env.reset(seed=7)]
            for action in [0, 1, 1, 0]:
                steps.append(await env.step(action))
            return steps

    remote = asyncio.run(rollout())
    with gym_http_client.make("CartPole-v1", base_url=base_url) as env:
        local = [env.reset(seed=7)] + [env.step(a) for a in [0, 1, 1, 0]]
    for got, expected in zip(remote, local, strict=True):
        np.testing.assert_array_equal(got[0], expected[0])
        assert got[0].dtype == expected[0].dtype
        assert got[1:] == expected[1:]


def test_async_env_has_the_servers_spaces_and_closes_once(base_url, http):
    async def check():
        async with AsyncHTTPClient(base_url) as client:
            env = await gym_http_client.AsyncRemoteEnv.create("FrozenLake-v1", client=client)
            assert env.observation_space.n == 16 and env.action_space.n == 4
            assert env.instance_id in await client.list_envs()
            await env.close()
            await env.close()
            assert env.instance_id is None
            return set(await client.list_envs())

    assert asyncio.run(check()) == set(http.list_envs())


def test_async_errors_are_the_typed_errors(base_url):
    async def scenario():
        async with AsyncHTTPClient(base_url) as client:
            env = await gym_http_client.AsyncRemoteEnv.create("CartPole-v1", client=client)
            await env.reset(seed=0)
            with pytest.raises(BadRequestError) as caught:
                await client.step_env(env.instance_id, 7)
            assert caught.value.code == "invalid_action"
            await env.close()
            with pytest.raises(UnknownInstanceError):
                await client.reset_env("0badf00d")

    asyncio.run(scenario())


def test_async_client_keeps_the_original_methods_and_errors(base_url):
    async def scenario():
        async with AsyncClient(base_url) as client:
            instance_id = await client.env_create("CartPole-v1")
            observation = await client.env_reset(instance_id, seed=1)
            assert len(observation) == 4
            observation, reward, done, info = await client.env_step(instance_id, 1)
            assert reward == 1.0 and done is False and info == {}
            assert (await client.env_action_space_info(instance_id))["n"] == 2
            await client.env_close(instance_id)
            with pytest.raises(ServerError) as caught:
                await client.env_reset(instance_id)
            assert caught.value.status_code == 400
            assert isinstance(caught.value, UnknownInstanceError)

    asyncio.run(scenario())


def test_async_gets_are_retried_and_steps_are_not():
    async def scenario(peer):
        async with AsyncHTTPClient(peer.url, retry=FAST) as client:
            assert await client.call("GET", "/v1/envs/") == {"ok": True}
            assert len(peer.requests) == 3
            with pytest.raises(InternalServerError):
                await client.step_env("abcd1234", 1)
            assert [r[0] for r in peer.requests[3:]] == ["POST"]

    with ScriptedPeer([(503, {}), (502, {}), (200, {}), (503, {})]) as peer:
        asyncio.run(scenario(peer))


@pytest.fixture(scope="module")
def slow_url():
    """A server with an environment whose steps take 2 ms, as a simulator's might."""
    tests = str(Path(__file__).resolve().parent)
    paths = os.pathsep.join(p for p in [tests, os.environ.get("PYTHONPATH", "")] if p)
    with running_server("--import", "slowenvs", env={"PYTHONPATH": paths}) as url:
        yield url


def sync_rate(base_url: str, steps: int, env_id: str = "CartPole-v1") -> float:
    with gym_http_client.make(env_id, base_url=base_url) as env:
        env.reset(seed=0)
        started = time.perf_counter()
        for i in range(steps):
            _, _, terminated, truncated, _ = env.step(i % 2)
            if terminated or truncated:
                env.reset()
        return steps / (time.perf_counter() - started)


async def concurrent_rate(base_url: str, steps_each: int, env_id: str = "CartPole-v1") -> float:
    async with AsyncHTTPClient(base_url) as client:
        envs = await asyncio.gather(
            *(
                gym_http_client.AsyncRemoteEnv.create(env_id, client=client)
                for _ in range(CONCURRENT_ENVS)
            )
        )

        async def drive(env):
            await env.reset(seed=0)
            for i in range(steps_each):
                _, _, terminated, truncated, _ = await env.step(i % 2)
                if terminated or truncated:
                    await env.reset()

        try:
            started = time.perf_counter()
            await asyncio.gather(*(drive(env) for env in envs))
            return CONCURRENT_ENVS * steps_each / (time.perf_counter() - started)
        finally:
            await asyncio.gather(*(env.close() for env in envs))


def test_sixteen_envs_from_one_loop_step_faster_in_total_than_one_sync_env(slow_url):
    """Side by side on one server, alternating, medians of three rounds each.

    The environment's steps take 2 ms on the server. With CartPole's
    microsecond steps on a two-core machine, one sync client and the server
    already keep both cores busy, so there is little for a second env to use
    (bench/sdk_overhead.py measures that case); when steps take time, one
    event loop keeps many envs stepping at once.
    """
    sync_rates, async_rates = [], []
    for _ in range(3):
        sync_rates.append(sync_rate(slow_url, 100, SLOW_CARTPOLE))
        async_rates.append(asyncio.run(concurrent_rate(slow_url, 25, SLOW_CARTPOLE)))
    sync, many = statistics.median(sync_rates), statistics.median(async_rates)
    print(f"sync 1 env: {sync:.0f} steps/s; async {CONCURRENT_ENVS} envs: {many:.0f}")
    assert many > 2 * sync


@pytest.mark.parametrize(
    "answer", [OK, CHUNKED, UNTIL_CLOSE], ids=["content-length", "chunked", "until-close"]
)
def test_async_replaces_a_closed_idle_connection_and_sends_a_step_once(answer):
    async def scenario(url):
        async with AsyncHTTPClient(url, retry=RetryPolicy(max_retries=0)) as client:
            assert await client.call("POST", "/v1/envs/abcd1234/step/", {"action": 0}) == OK_BODY
            await asyncio.sleep(0.1)  # idle long enough for the peer's close to arrive
            assert await client.call("POST", "/v1/envs/abcd1234/step/", {"action": 1}) == OK_BODY

    peer = ClosingPeer(answer)
    try:
        asyncio.run(scenario(peer.url))
        assert len(peer.requests) == 2
    finally:
        peer.close()


def test_async_step_the_server_dropped_without_answering_is_not_sent_again():
    async def scenario(url):
        async with AsyncHTTPClient(url) as client:
            with pytest.raises(GymConnectionError):
                await client.step_env("abcd1234", 1)

    peer = ClosingPeer(b"")
    try:
        asyncio.run(scenario(peer.url))
        assert len(peer.requests) == 1
    finally:
        peer.close()


def test_async_server_that_never_answers_times_out():
    async def scenario(url):
        async with AsyncHTTPClient(url, timeout=0.3, retry=RetryPolicy(max_retries=0)) as client:
            with pytest.raises(GymTimeoutError):
                await client.health()

    with socket.create_server(("127.0.0.1", 0)) as silent:
        started = time.monotonic()
        asyncio.run(scenario(f"http://127.0.0.1:{silent.getsockname()[1]}"))
        assert time.monotonic() - started < 5


def test_an_httpx_async_transport_can_be_plugged_in(base_url):
    async def scenario():
        transport = httpx.AsyncHTTPTransport()
        async with AsyncHTTPClient(base_url, transport=transport) as client:
            env = await gym_http_client.AsyncRemoteEnv.create("CartPole-v1", client=client)
            observation, _ = await env.reset(seed=3)
            assert observation.shape == (4,)
            assert (await env.step(1))[1] == 1.0
            await env.close()

    asyncio.run(scenario())
