"""Speak exactly as the original gym-http-api Python client did.

``LegacyClient`` below follows the original ``gym_http_client.Client`` line
by line (requests swapped for httpx): ``json.dumps`` bodies including
``null``, the routes without a trailing slash, ``contains/<x>`` in the path.
The tests replay the original project's own test expectations.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urljoin

import httpx
import pytest


class ServerError(Exception):
    def __init__(self, message, status_code=None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class LegacyClient:
    def __init__(self, remote_base):
        self.remote_base = remote_base
        self.session = httpx.Client(headers={"Content-type": "application/json"})

    def _parse_server_error_or_raise_for_status(self, resp):
        j = {}
        try:
            j = resp.json()
        except ValueError:
            resp.raise_for_status()
        if resp.status_code != 200 and "message" in j:
            raise ServerError(message=j["message"], status_code=resp.status_code)
        resp.raise_for_status()
        return j

    def _post_request(self, route, data):
        resp = self.session.post(urljoin(self.remote_base, route), content=json.dumps(data))
        return self._parse_server_error_or_raise_for_status(resp)

    def _get_request(self, route):
        resp = self.session.get(urljoin(self.remote_base, route))
        return self._parse_server_error_or_raise_for_status(resp)

    def env_create(self, env_id):
        return self._post_request("/v1/envs/", {"env_id": env_id})["instance_id"]

    def env_list_all(self):
        return self._get_request("/v1/envs/")["all_envs"]

    def env_reset(self, instance_id):
        return self._post_request(f"/v1/envs/{instance_id}/reset/", None)["observation"]

    def env_step(self, instance_id, action, render=False):
        resp = self._post_request(
            f"/v1/envs/{instance_id}/step/", {"action": action, "render": render}
        )
        return [resp["observation"], resp["reward"], resp["done"], resp["info"]]

    def env_action_space_info(self, instance_id):
        return self._get_request(f"/v1/envs/{instance_id}/action_space/")["info"]

    def env_action_space_sample(self, instance_id):
        return self._get_request(f"/v1/envs/{instance_id}/action_space/sample")["action"]

    def env_action_space_contains(self, instance_id, x):
        return self._get_request(f"/v1/envs/{instance_id}/action_space/contains/{x}")["member"]

    def env_observation_space_info(self, instance_id):
        return self._get_request(f"/v1/envs/{instance_id}/observation_space/")["info"]

    def env_observation_space_contains(self, instance_id, params):
        route = f"/v1/envs/{instance_id}/observation_space/contains"
        return self._post_request(route, params)["member"]

    def env_monitor_start(
        self, instance_id, directory, force=False, resume=False, video_callable=False
    ):
        self._post_request(
            f"/v1/envs/{instance_id}/monitor/start/",
            {
                "directory": directory,
                "force": force,
                "resume": resume,
                "video_callable": video_callable,
            },
        )

    def env_monitor_close(self, instance_id):
        self._post_request(f"/v1/envs/{instance_id}/monitor/close/", None)

    def env_close(self, instance_id):
        self._post_request(f"/v1/envs/{instance_id}/close/", None)

    def upload(self, training_dir, algorithm_id=None, api_key=None):
        if not api_key:
            api_key = os.environ.get("OPENAI_GYM_API_KEY")
        data = {"training_dir": training_dir, "algorithm_id": algorithm_id, "api_key": api_key}
        self._post_request("/v1/upload/", data)


@pytest.fixture
def client(base_url):
    return LegacyClient(base_url)


def test_original_random_agent_loop(client):
    instance_id = client.env_create("CartPole-v0")
    assert client.env_list_all()[instance_id] == "CartPole-v0"
    observation = client.env_reset(instance_id)
    assert len(observation) == 4
    done, steps = False, 0
    while not done:
        action = client.env_action_space_sample(instance_id)
        assert client.env_action_space_contains(instance_id, action)
        observation, reward, done, info = client.env_step(instance_id, action)
        assert reward == 1.0 and isinstance(info, dict)
        steps += 1
    assert 1 <= steps <= 200
    client.env_close(instance_id)
    assert instance_id not in client.env_list_all()


def test_original_space_info_fields(client):
    instance_id = client.env_create("CartPole-v0")
    action_info = client.env_action_space_info(instance_id)
    assert action_info["name"] == "Discrete" and action_info["n"] == 2
    obs_info = client.env_observation_space_info(instance_id)
    assert obs_info["name"] == "Box" and obs_info["shape"] == [4]
    assert obs_info["low"][1] == -1e100 and obs_info["high"][3] == 1e100
    assert client.env_action_space_contains(instance_id, 1)
    assert not client.env_action_space_contains(instance_id, 2)
    assert client.env_observation_space_contains(instance_id, {"name": "Box"})
    assert client.env_observation_space_contains(instance_id, {"shape": [4]})
    assert client.env_observation_space_contains(instance_id, {"low": obs_info["low"]})
    assert not client.env_observation_space_contains(instance_id, {"name": "Discrete"})
    assert not client.env_observation_space_contains(instance_id, {"shape": [5]})
    client.env_close(instance_id)


def test_original_bad_instance_id_errors(client):
    calls = [
        client.env_reset,
        lambda x: client.env_step(x, 1),
        client.env_action_space_info,
        client.env_observation_space_info,
        client.env_action_space_sample,
        lambda x: client.env_action_space_contains(x, 1),
        lambda x: client.env_monitor_start(x, "tmp"),
        client.env_close,
    ]
    for call in calls:
        with pytest.raises(ServerError) as caught:
            call("bad_id")
        assert "Instance_id" in caught.value.message
        assert caught.value.status_code == 400


def test_original_missing_param_env_id(client):
    with pytest.raises(ServerError) as caught:
        client._post_request("/v1/envs/", {})
    assert "env_id" in caught.value.message and caught.value.status_code == 400


def test_original_create_malformed(client):
    with pytest.raises(ServerError) as caught:
        client.env_create("bad string")
    assert "malformed environment ID" in caught.value.message
    assert caught.value.status_code == 400


def test_original_missing_param_action(client):
    instance_id = client.env_create("CartPole-v0")
    client.env_reset(instance_id)
    with pytest.raises(ServerError) as caught:
        client._post_request(f"/v1/envs/{instance_id}/step/", {})
    assert "action" in caught.value.message and caught.value.status_code == 400
    client.env_close(instance_id)


def test_original_monitor_and_upload(client, monkeypatch):
    """The original test suite's recording session, and its upload with the key
    from OPENAI_GYM_API_KEY, as the original client sent them."""
    instance_id = client.env_create("CartPole-v0")
    client.env_monitor_start(instance_id, "/tmp/cartpole-monitor-test", force=True)
    for _ in range(2):
        client.env_reset(instance_id)
        done = False
        while not done:
            action = client.env_action_space_sample(instance_id)
            _, _, done, _ = client.env_step(instance_id, action)
    client.env_monitor_close(instance_id)
    client.env_close(instance_id)
    monkeypatch.setenv("OPENAI_GYM_API_KEY", "original-key")
    client.upload("/tmp/cartpole-monitor-test")
    with pytest.raises(ServerError) as caught:
        client.upload("/tmp/never-recorded")
    assert caught.value.status_code == 400
    monkeypatch.delenv("OPENAI_GYM_API_KEY")
    with pytest.raises(ServerError) as caught:
        client.upload("/tmp/cartpole-monitor-test")
    assert caught.value.message == "A required request parameter 'api_key' was not provided"
