"""The drop-in Client behaves like the original openai/gym-http-api client.

The first half replays the original repository's tests/test_api.py
expectations (with today's env versions), including its subclasses that
override ``_post_request`` callers to send bad requests.
"""

from __future__ import annotations

import pytest

import gym_http_client
from gym_http_client import BadRequestError, GymHTTPError, ServerError, UnknownInstanceError
from gym_http_server.testing import running_server


def test_create_then_close_removes_instance_from_list(client):
    instance_id = client.env_create("CartPole-v1")
    assert instance_id in client.env_list_all()
    client.env_close(instance_id)
    assert instance_id not in client.env_list_all()


def test_action_space_info_describes_discrete(client):
    instance_id = client.env_create("CartPole-v1")
    info = client.env_action_space_info(instance_id)
    assert info["name"] == "Discrete" and info["n"] == 2
    client.env_close(instance_id)


def test_action_space_sample_and_contains(client):
    instance_id = client.env_create("CartPole-v1")
    assert 0 <= client.env_action_space_sample(instance_id) < 2
    assert client.env_action_space_contains(instance_id, 0) is True
    assert client.env_action_space_contains(instance_id, 1) is True
    assert client.env_action_space_contains(instance_id, 2) is False
    client.env_close(instance_id)


def test_observation_space_info_describes_box_with_legacy_bounds(client):
    instance_id = client.env_create("CartPole-v1")
    info = client.env_observation_space_info(instance_id)
    assert info["name"] == "Box" and info["shape"] == [4]
    assert len(info["low"]) == 4 and len(info["high"]) == 4
    assert info["high"][1] == 1e100  # the original's stand-in for infinity
    client.env_close(instance_id)


def test_observation_space_contains_compares_properties(client):
    instance_id = client.env_create("CartPole-v1")
    assert client.env_observation_space_contains(instance_id, {"name": "Box", "shape": [4]}) is True
    assert client.env_observation_space_contains(instance_id, {"name": "Discrete"}) is False
    client.env_close(instance_id)


def test_reset_and_step_return_the_original_shapes(client):
    instance_id = client.env_create("CartPole-v1")
    assert len(client.env_reset(instance_id)) == 4
    observation, reward, done, info = client.env_step(instance_id, 0)
    assert len(observation) == 4
    assert type(reward) is float and type(done) is bool and type(info) is dict
    client.env_close(instance_id)

    instance_id = client.env_create("FrozenLake-v1")
    assert client.env_reset(instance_id) == 0
    observation, reward, done, info = client.env_step(instance_id, 0)
    assert type(observation) is int
    client.env_close(instance_id)


def test_env_step_returns_a_list_of_four(client):
    instance_id = client.env_create("CartPole-v1")
    client.env_reset(instance_id)
    result = client.env_step(instance_id, 1, render=False)
    assert isinstance(result, list) and len(result) == 4
    client.env_close(instance_id)


def test_bad_instance_id_raises_server_error_400_on_every_call(client):
    calls = [
        lambda x: client.env_reset(x),
        lambda x: client.env_step(x, 1),
        lambda x: client.env_action_space_info(x),
        lambda x: client.env_observation_space_info(x),
        lambda x: client.env_monitor_start(x, directory="tmp", force=True),
        lambda x: client.env_monitor_close(x),
        lambda x: client.env_close(x),
    ]
    for call in calls:
        with pytest.raises(gym_http_client.ServerError) as caught:
            call("bad_id")
        assert "Instance_id" in caught.value.message
        assert caught.value.status_code == 400
        assert isinstance(caught.value, UnknownInstanceError)
        assert caught.value.code == "unknown_instance"


def test_missing_env_id_names_the_parameter(base_url):
    class BadClient(gym_http_client.Client):
        def env_create(self, env_id):
            resp = self._post_request("/v1/envs/", {})  # deliberately omit env_id
            return resp.json()["instance_id"]

    with pytest.raises(gym_http_client.ServerError) as caught:
        BadClient(base_url).env_create("CartPole-v1")
    assert "env_id" in caught.value.message
    assert caught.value.status_code == 400
    assert isinstance(caught.value, BadRequestError)


def test_missing_action_names_the_parameter(base_url):
    class BadClient(gym_http_client.Client):
        def env_step(self, instance_id, action):
            resp = self._post_request(f"/v1/envs/{instance_id}/step/", {})  # omit action
            return resp.json()["observation"]

    client = BadClient(base_url)
    instance_id = client.env_create("CartPole-v1")
    client.env_reset(instance_id)
    with pytest.raises(gym_http_client.ServerError) as caught:
        client.env_step(instance_id, 1)
    assert "action" in caught.value.message and caught.value.status_code == 400
    client.env_close(instance_id)


def test_malformed_env_id_is_reported(client):
    with pytest.raises(gym_http_client.ServerError) as caught:
        client.env_create("bad string")
    assert "malformed environment ID" in caught.value.message
    assert caught.value.status_code == 400
    assert caught.value.code == "malformed_env_id"


def test_monitor_records_episodes_and_upload_stores_them(client, monkeypatch):
    monkeypatch.setenv("OPENAI_GYM_API_KEY", "key-from-env")
    instance_id = client.env_create("CartPole-v1")
    client.env_monitor_start(instance_id, "/tmp/gym-python-monitor", force=True)
    client.env_reset(instance_id)
    done = False
    while not done:
        _, _, done, _ = client.env_step(instance_id, client.env_action_space_sample(instance_id))
    client.env_monitor_close(instance_id)
    client.env_close(instance_id)
    client.upload("/tmp/gym-python-monitor", algorithm_id="random")
    with pytest.raises(ServerError) as caught:
        client.upload("/tmp/never-recorded")
    assert caught.value.status_code == 400 and caught.value.code == "no_recording"


def test_upload_without_api_key_is_a_bad_request(client, monkeypatch):
    monkeypatch.delenv("OPENAI_GYM_API_KEY", raising=False)
    with pytest.raises(ServerError) as caught:
        client.upload("tmp")
    assert caught.value.status_code == 400 and "api_key" in caught.value.message


def test_server_error_keeps_the_original_constructor():
    error = ServerError("boom", status_code=418)
    assert error.message == "boom" and error.status_code == 418
    assert isinstance(error, GymHTTPError) and isinstance(error, Exception)


def test_extra_keyword_arguments_reach_the_server(client):
    instance_id = client.env_create("FrozenLake-v1", seed=3, kwargs={"map_name": "8x8"})
    assert client.env_observation_space_info(instance_id)["n"] == 64
    first = client.env_reset(instance_id, seed=5)
    assert client.env_reset(instance_id, seed=5) == first
    client.env_close(instance_id)


def test_numpy_actions_are_sent_as_json(client):
    import numpy as np

    instance_id = client.env_create("MountainCarContinuous-v0")
    client.env_reset(instance_id)
    observation, reward, done, info = client.env_step(
        instance_id, np.array([0.5], dtype=np.float32)
    )
    assert len(observation) == 2 and isinstance(reward, float)
    assert client.env_action_space_contains(instance_id, [0.5]) is True
    assert client.env_action_space_contains(instance_id, [5.0]) is False
    client.env_close(instance_id)


def test_shutdown_server_stops_the_server():
    with running_server("--allow-shutdown") as url:
        client = gym_http_client.Client(url)
        client.env_create("CartPole-v1")
        client.shutdown_server()
        with pytest.raises(ServerError):
            for _ in range(50):  # the server stops once the answer is sent
                client.env_list_all()
                import time

                time.sleep(0.1)


def test_shutdown_when_disabled_is_refused(client):
    with pytest.raises(ServerError) as caught:
        client.shutdown_server()
    assert caught.value.status_code == 403 and isinstance(caught.value, gym_http_client.AuthError)
