"""Encodings and media: msgpack where it pays, PNG frames, recordings and results."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from conftest import server_args
from gym_http_client import AsyncHTTPClient, HTTPClient, RemoteEnv
from gym_http_client.env import array_elements
from gym_http_server.testing import running_server


@pytest.fixture(scope="module")
def pixels_url():
    tests = str(Path(__file__).parent)
    paths = os.pathsep.join(p for p in [tests, os.environ.get("PYTHONPATH", "")] if p)
    with running_server(*server_args("--import", "pixelenvs"), env={"PYTHONPATH": paths}) as url:
        yield url


def test_msgpack_and_json_answers_carry_the_same_values(base_url):
    answers = {}
    for encoding in ("json", "msgpack"):
        with HTTPClient(base_url, encoding=encoding) as client:
            instance_id = client.create_env("GymHttpTest/AllSpaces-v0", seed=3)
            reset = client.reset_env(instance_id, seed=3)
            action = {
                "move": 1,
                "flags": [1, 0, 1],
                "levels": [0, 2],
                "say": "ab",
                "force": [0.5, -0.5],
            }
            step = client.step_env(instance_id, action)
            client.close_env(instance_id)
            answers[encoding] = (reset, step)
    (json_reset, json_step), (packed_reset, packed_step) = answers["json"], answers["msgpack"]
    assert isinstance(packed_reset["observation"]["box"], np.ndarray)
    assert isinstance(json_reset["observation"]["box"], list)
    for name in ("box", "multi_binary", "multi_discrete"):
        assert np.array_equal(packed_reset["observation"][name], json_reset["observation"][name])
        assert np.array_equal(packed_step["observation"][name], json_step["observation"][name])
    assert packed_step["reward"] == json_step["reward"]
    assert packed_step["info"]["t"] == json_step["info"]["t"]


def test_auto_encoding_uses_msgpack_for_image_observations(pixels_url):
    with (
        RemoteEnv("GymHttpTest/Pixels-v0", base_url=pixels_url, encoding="auto") as packed,
        RemoteEnv("GymHttpTest/Pixels-v0", base_url=pixels_url, encoding="json") as plain,
    ):
        assert packed.client.encoding == "msgpack" and plain.client.encoding == "json"
        first, _ = packed.reset(seed=11)
        assert first.dtype == np.uint8 and first.shape == (64, 64, 3)
        assert np.array_equal(first, plain.reset(seed=11)[0])
        assert np.array_equal(packed.step(1)[0], plain.step(1)[0])
        assert packed.observation_space.contains(first)
    with RemoteEnv("CartPole-v1", base_url=pixels_url, encoding="auto") as small:
        assert small.client.encoding == "json"
    with RemoteEnv("CartPole-v1", base_url=pixels_url) as default:
        assert default.client.encoding == "msgpack"  # the faithful one


def test_array_elements_counts_the_numbers_of_an_observation():
    import gymnasium as gym

    image = gym.spaces.Box(0, 255, (8, 8, 3), np.uint8)
    assert array_elements(image) == 192
    assert array_elements(gym.spaces.Dict({"a": image, "b": gym.spaces.Discrete(3)})) == 192
    assert array_elements(gym.spaces.Tuple((image, image))) == 384
    assert array_elements(gym.spaces.Discrete(5)) == 0


def test_rgb_array_frames_travel_as_png_and_come_back_as_arrays(base_url):
    with RemoteEnv("CartPole-v1", base_url=base_url, render_mode="rgb_array") as env:
        env.reset(seed=1)
        frame = env.render()
        assert frame.dtype == np.uint8 and frame.shape == (400, 600, 3)
        png = env.client.render_png(env.instance_id)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) < frame.nbytes // 10
        as_json = np.asarray(env.client.render_env(env.instance_id)["frame"], dtype=np.uint8)
        assert np.array_equal(frame, as_json)


def test_recording_upload_and_results_through_the_client(base_url):
    with HTTPClient(base_url) as client:
        instance_id = client.create_env("CartPole-v1", kwargs={"max_episode_steps": 5})
        client.monitor_start(instance_id, "/runs/python-sdk", force=True)
        client.reset_env(instance_id, seed=0)
        for _ in range(5):
            client.step_env(instance_id, 0)
        assert client.describe_env(instance_id)["recording"]["episodes"] == 1
        client.monitor_close(instance_id)
        client.close_env(instance_id)
        uploaded = client.upload("/runs/python-sdk", api_key="sdk", algorithm_id="zeros")
        assert uploaded["episodes"] == 1 and uploaded["env_id"] == "CartPole-v1"
        runs = client.results(env_id="CartPole-v1", limit=50)
        assert uploaded["run_id"] in [run["run_id"] for run in runs]
        run = client.result(uploaded["run_id"])
        assert run["episode_lengths"] == [5] and run["algorithm_id"] == "zeros"


async def _results_async(base_url):
    async with AsyncHTTPClient(base_url) as client:
        return await client.results(limit=1)


def test_async_client_reads_results(base_url):
    import asyncio

    assert isinstance(asyncio.run(_results_async(base_url)), list)
