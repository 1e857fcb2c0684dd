"""Groups from the Python SDK, sync and async: one request, N same-seed instances."""

from __future__ import annotations

import asyncio

import pytest

from gym_http_client import AsyncHTTPClient, HTTPClient, UnknownInstanceError

ARITHMETIC = "GymHttp/Arithmetic-v0"


def test_a_group_of_same_seed_copies_starts_alike_and_steps_apart(base_url):
    with HTTPClient(base_url) as http:
        group = http.create_group(ARITHMETIC, 3, seed=5)
        ids = group["instance_ids"]
        try:
            assert len(set(ids)) == 3
            assert group["observations"] == [group["observations"][0]] * 3
            right = http.step_env(ids[0], "0")["info"]["expected"]
            assert http.step_env(ids[1], right)["reward"] == 1.0
            again = http.reset_group(ids, seed=5)
            assert again["observations"] == group["observations"]
            schema = http.json_schema(ids[0])
            assert schema["type"] == "string" and schema["maxLength"] == 8
            assert http.json_schema(ids[0], "observation")["type"] == "object"
            with pytest.raises(UnknownInstanceError) as refused:
                http.reset_group([ids[0], "no-such-id"], seed=1)
            assert refused.value.code == "unknown_instance"
        finally:
            for instance_id in ids:
                http.close_env(instance_id)


def test_the_async_client_creates_and_resets_groups(base_url):
    async def run():
        async with AsyncHTTPClient(base_url) as http:
            group = await http.create_group("CartPole-v1", 4, seed=9)
            try:
                assert group["observations"] == [group["observations"][0]] * 4
                again = await http.reset_group(group["instance_ids"][:2], seed=9)
                assert again["observations"] == group["observations"][:2]
            finally:
                for instance_id in group["instance_ids"]:
                    await http.close_env(instance_id)

    asyncio.run(run())
