"""RemoteEnv is a real gymnasium.Env: checked by Gymnasium, wrapped, closed on the server."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import gym_http_client
from gym_http_client import RemoteEnv, UnknownInstanceError

CHECKED_ENVS = [
    "CartPole-v1",
    "FrozenLake-v1",
    "Blackjack-v1",
    "MountainCarContinuous-v0",
    "Pendulum-v1",
    "Taxi-v4",
    "Acrobot-v1",
]


@pytest.mark.parametrize("env_id", CHECKED_ENVS)
def test_remote_env_passes_gymnasium_check_env(base_url, env_id):
    with gym_http_client.make(env_id, base_url=base_url) as env:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # advice about bounds and specs, not failures
            check_env(env, skip_render_check=True)


def test_all_space_kinds_pass_check_env(base_url, all_spaces_id):
    with gym_http_client.make(all_spaces_id, base_url=base_url, render_mode="rgb_array") as env:
        assert isinstance(env.observation_space, gym.spaces.Dict)
        assert isinstance(env.action_space, gym.spaces.Dict)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_env(env, skip_render_check=True)


def test_spaces_match_the_local_gymnasium_env(base_url):
    for env_id in CHECKED_ENVS:
        local = gym.make(env_id)
        with gym_http_client.make(env_id, base_url=base_url) as remote:
            assert remote.observation_space == local.observation_space, env_id
            assert remote.action_space == local.action_space, env_id
        local.close()


def test_reset_and_step_match_a_local_env_with_the_same_seed(base_url):
    local = gym.make("CartPole-v1")
    with gym_http_client.make("CartPole-v1", base_url=base_url) as remote:
        local_obs, _ = local.reset(seed=11)
        remote_obs, info = remote.reset(seed=11)
        assert remote_obs.dtype == np.float32 and info == {}
        np.testing.assert_array_equal(remote_obs, local_obs)
        for action in [0, 1, 1, 0, 1]:
            expected = local.step(action)
            got = remote.step(action)
            np.testing.assert_array_equal(got[0], expected[0])
            assert got[1:4] == (float(expected[1]), expected[2], expected[3])
            assert type(got[1]) is float and type(got[2]) is bool and type(got[3]) is bool
    local.close()


def test_reset_options_and_kwargs_reach_the_environment(base_url):
    with gym_http_client.make(
        "FrozenLake-v1", base_url=base_url, map_name="8x8", is_slippery=False
    ) as env:
        assert env.observation_space.n == 64
        obs, _ = env.reset(seed=0)
        assert obs == 0 and type(obs) is int  # as FrozenLake itself returns it
    with gym_http_client.make("CartPole-v1", base_url=base_url, max_episode_steps=3) as env:
        env.reset(seed=0)
        truncated = [env.step(0)[3] for _ in range(3)]
        assert truncated[-1] is True


def test_observations_of_every_kind_are_members_on_both_sides(base_url, all_spaces_id):
    with gym_http_client.make(all_spaces_id, base_url=base_url) as env:
        obs, info = env.reset(seed=3)
        for _ in range(4):
            assert env.observation_space.contains(obs)
            wire = gym_http_client.spaces.to_json(env.observation_space, obs)
            assert env.client.contains_observation(env.instance_id, wire) is True
            action = env.action_space.sample()
            assert env.client.contains_action(
                env.instance_id, gym_http_client.spaces.to_json(env.action_space, action)
            )
            obs, reward, terminated, truncated, info = env.step(action)
            assert info["said"] == action["say"]
            np.testing.assert_allclose(info["force"], action["force"], rtol=1e-6)


def test_wrappers_work_on_a_remote_env(base_url):
    env = gym_http_client.make("CartPole-v1", base_url=base_url)
    wrapped = gym.wrappers.RecordEpisodeStatistics(
        gym.wrappers.TimeLimit(gym.wrappers.NormalizeObservation(env), max_episode_steps=20)
    )
    wrapped.reset(seed=1)
    steps = 0
    while True:
        _, _, terminated, truncated, info = wrapped.step(wrapped.action_space.sample())
        steps += 1
        if terminated or truncated:
            break
    assert info["episode"]["l"] == steps <= 20
    flat = gym.wrappers.FlattenObservation(gym_http_client.make("Blackjack-v1", base_url=base_url))
    obs, _ = flat.reset(seed=2)
    assert obs.shape == (32 + 11 + 2,) and flat.observation_space.contains(obs)
    wrapped.close()
    flat.close()
    assert env.instance_id is None


def test_vector_env_of_remote_envs(base_url):
    vec = gym.vector.SyncVectorEnv(
        [lambda: gym_http_client.make("CartPole-v1", base_url=base_url) for _ in range(3)]
    )
    obs, _ = vec.reset(seed=[1, 2, 3])
    assert obs.shape == (3, 4)
    obs, rewards, *_ = vec.step(np.array([0, 1, 0]))
    assert rewards.tolist() == [1.0, 1.0, 1.0]
    vec.close()


def test_close_releases_the_server_instance(base_url, http):
    env = RemoteEnv("CartPole-v1", base_url=base_url)
    instance_id = env.instance_id
    assert instance_id in http.list_envs()
    env.close()
    env.close()  # closing twice is harmless
    assert instance_id not in http.list_envs()
    with pytest.raises(gym.error.ClosedEnvironmentError):
        env.reset()


def test_context_manager_releases_the_server_instance(base_url, http):
    with gym_http_client.make("CartPole-v1", base_url=base_url) as env:
        instance_id = env.instance_id
        env.reset()
    assert instance_id not in http.list_envs()


def test_closing_an_instance_already_gone_is_not_an_error(base_url, http):
    env = gym_http_client.make("CartPole-v1", base_url=base_url)
    http.close_env(env.instance_id)
    with pytest.raises(UnknownInstanceError):
        env.reset()
    env.close()


def test_render_returns_frames_in_the_created_mode(base_url):
    with gym_http_client.make("CartPole-v1", base_url=base_url, render_mode="rgb_array") as env:
        env.reset(seed=0)
        frame = env.render()
        assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    with gym_http_client.make("FrozenLake-v1", base_url=base_url, render_mode="ansi") as env:
        env.reset(seed=0)
        assert isinstance(env.render(), str)
    with gym_http_client.make("CartPole-v1", base_url=base_url) as env:
        assert env.render() is None


def test_creation_errors_are_typed_and_leave_nothing_behind(base_url, http):
    before = set(http.list_envs())
    with pytest.raises(gym_http_client.BadRequestError) as caught:
        gym_http_client.make("NoSuchEnv-v0", base_url=base_url)
    assert caught.value.code == "unknown_env_id"
    with pytest.raises(gym_http_client.BadRequestError) as caught:
        gym_http_client.make("FrozenLake-v1", base_url=base_url, no_such_kwarg=1)
    assert caught.value.code == "env_creation_failed"
    assert set(http.list_envs()) == before


def test_invalid_action_is_a_bad_request_and_leaves_the_episode_alone(base_url):
    with gym_http_client.make("CartPole-v1", base_url=base_url) as env:
        env.reset(seed=0)
        with pytest.raises(gym_http_client.BadRequestError) as caught:
            env.step(7)
        assert caught.value.code == "invalid_action" and caught.value.status == 400
        assert env.client.describe_env(env.instance_id)["episode_steps"] == 0
