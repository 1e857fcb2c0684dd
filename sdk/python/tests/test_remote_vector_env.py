"""RemoteVectorEnv is a real gymnasium.vector.VectorEnv: the same values as
gymnasium.make_vec, Gymnasium's checks and wrappers, and a short PPO run."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import (
    check_reset_seed_determinism,
    data_equivalence,
)
from gymnasium.vector import AutoresetMode

import gym_http_client
from gym_http_client import BadRequestError, GymHTTPError, RemoteVectorEnv, make_vec

VECTOR_ENVS = [
    ("CartPole-v1", {}),
    ("FrozenLake-v1", {"is_slippery": False}),
    ("MountainCarContinuous-v0", {}),
    ("Pendulum-v1", {}),
]


def open_batches(http) -> dict:
    return http.call("GET", "/v1/vector_envs/")["all_vector_envs"]


@pytest.mark.parametrize("encoding", ["msgpack", "json"])
@pytest.mark.parametrize("env_id, kwargs", VECTOR_ENVS, ids=[e for e, _ in VECTOR_ENVS])
def test_spaces_and_values_match_gymnasium_make_vec(base_url, env_id, kwargs, encoding):
    local = gym.make_vec(env_id, num_envs=3, **kwargs)
    with make_vec(env_id, 3, base_url=base_url, encoding=encoding, **kwargs) as remote:
        assert remote.client.encoding == encoding
        assert isinstance(remote, gym.vector.VectorEnv)
        assert remote.num_envs == 3
        assert remote.single_action_space == local.single_action_space
        assert remote.single_observation_space == local.single_observation_space
        assert remote.action_space == local.action_space
        assert remote.observation_space == local.observation_space
        assert remote.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
        assert data_equivalence(remote.reset(seed=11), local.reset(seed=11))
        remote.action_space.seed(5)
        for _ in range(30):
            actions = remote.action_space.sample()
            got, expected = remote.step(actions), local.step(actions)
            assert data_equivalence(got[0], expected[0]), env_id
            np.testing.assert_allclose(got[1], expected[1], rtol=1e-6)
            np.testing.assert_array_equal(got[2], expected[2])
            np.testing.assert_array_equal(got[3], expected[3])
            assert got[0] in remote.observation_space
    local.close()


def test_answers_come_as_msgpack_unless_asked_otherwise(base_url):
    before = open_batches_at(base_url)
    with make_vec("CartPole-v1", 2, base_url=base_url) as remote:
        assert remote.client.encoding == "msgpack"
    with make_vec("CartPole-v1", 2, base_url=base_url, encoding="auto") as remote:
        assert remote.client.encoding == "json"  # 8 numbers a step: JSON is as quick
    with pytest.raises(ValueError, match="encoding"):
        make_vec("CartPole-v1", 2, base_url=base_url, encoding="xml")
    assert open_batches_at(base_url) == before  # the refused one was closed


def open_batches_at(base_url) -> dict:
    with gym_http_client.HTTPClient(base_url) as http:
        return open_batches(http)


def test_gymnasium_checks_that_apply_to_vector_envs_pass(base_url):
    """check_env and its step checks are for single envs (they test scalar flags);
    the reset check applies, and the comparison with make_vec above covers steps."""
    with make_vec("CartPole-v1", 4, base_url=base_url) as env:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_reset_seed_determinism(env)


def test_vector_wrappers_record_episodes(base_url):
    env = make_vec("CartPole-v1", 4, base_url=base_url, max_episode_steps=20)
    env = gym.wrappers.vector.RecordEpisodeStatistics(env)
    env.reset(seed=0)
    finished = []
    for _ in range(25):
        _, _, terminations, truncations, infos = env.step(env.action_space.sample())
        if "episode" in infos:
            finished.extend(infos["episode"]["l"][infos["_episode"]])
    env.close()
    assert finished and all(1 <= length <= 20 for length in finished)


def test_close_frees_the_batch_on_the_server_and_twice_is_harmless(base_url, http):
    env = RemoteVectorEnv("CartPole-v1", 2, base_url=base_url)
    vector_id = env.vector_id
    assert vector_id in open_batches(http)
    env.close()
    env.close()
    assert vector_id not in open_batches(http)
    with pytest.raises(gym.error.ClosedEnvironmentError):
        env.step(np.array([0, 1]))


def test_a_batch_closed_on_the_server_closes_quietly(base_url, http):
    env = RemoteVectorEnv("CartPole-v1", 2, base_url=base_url)
    http.call("DELETE", f"/v1/vector_envs/{env.vector_id}/")
    env.close()


def test_errors_are_typed_with_their_codes(base_url, http):
    before = open_batches(http)
    with pytest.raises(BadRequestError) as caught:
        RemoteVectorEnv("CartPole-v1", 0, base_url=base_url)
    assert caught.value.code == "invalid_parameter"
    with make_vec("CartPole-v1", 3, base_url=base_url) as env:
        env.reset(seed=0)
        with pytest.raises(GymHTTPError) as caught:
            env.client.call("POST", f"/v1/vector_envs/{env.vector_id}/step/", {"actions": [0, 1]})
        assert caught.value.code == "wrong_batch_size"
        with pytest.raises(BadRequestError) as caught:
            env.step(np.array([0, 1, 5]))
        assert caught.value.code == "invalid_action"
    assert open_batches(http) == before


class Agent(torch.nn.Module):
    """CleanRL's PPO agent for CartPole, smaller."""

    def __init__(self, observations: int, actions: int):
        super().__init__()

        def mlp(out: int, gain: float) -> torch.nn.Sequential:
            layers = [torch.nn.Linear(observations, 32), torch.nn.Tanh(), torch.nn.Linear(32, out)]
            torch.nn.init.orthogonal_(layers[-1].weight, gain)
            return torch.nn.Sequential(*layers)

        self.critic, self.actor = mlp(1, 1.0), mlp(actions, 0.01)

    def act(self, obs: torch.Tensor, action: torch.Tensor | None = None):
        dist = torch.distributions.Categorical(logits=self.actor(obs))
        action = dist.sample() if action is None else action
        return action, dist.log_prob(action), dist.entropy(), self.critic(obs).squeeze(-1)


def test_a_short_ppo_run_learns_cartpole_over_http(base_url):
    """CleanRL-style PPO: 8 sub-envs, 32 rollouts of 64 steps (2048 batched
    steps, 16384 env steps); the policy balances far longer than at the start."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    num_envs, num_steps, updates = 8, 64, 32
    envs = gym.wrappers.vector.RecordEpisodeStatistics(
        make_vec("CartPole-v1", num_envs, base_url=base_url)
    )
    agent = Agent(4, 2)
    optimizer = torch.optim.Adam(agent.parameters(), lr=2.5e-3, eps=1e-5)
    obs_buf = torch.zeros((num_steps, num_envs, 4))
    act_buf, logp_buf, rew_buf, done_buf, val_buf = (
        torch.zeros((num_steps, num_envs)) for _ in range(5)
    )
    next_obs = torch.tensor(envs.reset(seed=1)[0])
    next_done = torch.zeros(num_envs)
    lengths: list[list[float]] = []
    for _ in range(updates):
        finished: list[float] = []
        for step in range(num_steps):
            obs_buf[step], done_buf[step] = next_obs, next_done
            with torch.no_grad():
                action, logp, _, value = agent.act(next_obs)
            act_buf[step], logp_buf[step], val_buf[step] = action, logp, value
            obs, reward, terminations, truncations, infos = envs.step(action.numpy())
            rew_buf[step] = torch.tensor(reward)
            next_obs = torch.tensor(obs)
            next_done = torch.tensor(np.logical_or(terminations, truncations), dtype=torch.float32)
            if "episode" in infos:
                finished.extend(infos["episode"]["l"][infos["_episode"]].tolist())
        lengths.append(finished)
        with torch.no_grad():  # generalised advantage estimation
            next_value = agent.act(next_obs)[3]
            advantages, last = torch.zeros_like(rew_buf), 0.0
            for t in reversed(range(num_steps)):
                not_done = 1.0 - (next_done if t == num_steps - 1 else done_buf[t + 1])
                following = next_value if t == num_steps - 1 else val_buf[t + 1]
                delta = rew_buf[t] + 0.99 * following * not_done - val_buf[t]
                advantages[t] = last = delta + 0.99 * 0.95 * not_done * last
            returns = advantages + val_buf
        flat = (
            obs_buf.reshape(-1, 4),
            act_buf.reshape(-1),
            logp_buf.reshape(-1),
            advantages.reshape(-1),
            returns.reshape(-1),
        )
        for _ in range(4):
            for batch in torch.randperm(num_steps * num_envs).split(128):
                b_obs, b_act, b_logp, b_adv, b_ret = (x[batch] for x in flat)
                _, logp, entropy, value = agent.act(b_obs, b_act.long())
                ratio = (logp - b_logp).exp()
                b_adv = (b_adv - b_adv.mean()) / (b_adv.std() + 1e-8)
                policy_loss = torch.max(-b_adv * ratio, -b_adv * ratio.clamp(0.8, 1.2)).mean()
                loss = policy_loss + 0.5 * ((value - b_ret) ** 2).mean() - 0.01 * entropy.mean()
                optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                optimizer.step()
    envs.close()
    early = np.mean([x for finished in lengths[:3] for x in finished])
    late = np.mean([x for finished in lengths[-3:] for x in finished])
    assert early < 40, early
    assert late > 3 * early, (early, late)


def test_make_vec_is_exported_next_to_make():
    assert gym_http_client.make_vec is make_vec
    assert "RemoteVectorEnv" in gym_http_client.__all__
