"""Stable-Baselines3 PPO learns CartPole through a RemoteEnv."""

from __future__ import annotations

import time

import numpy as np
import pytest

import gym_http_client

torch = pytest.importorskip(
    "torch", reason="SKIPPED: torch==2.13.0 is not installed (pip install './sdk/python[test]')"
)
sb3 = pytest.importorskip("stable_baselines3", reason="SKIPPED: stable-baselines3 is not installed")


def mean_return(env, policy, episodes: int, seed: int) -> float:
    returns = []
    for episode in range(episodes):
        observation, _ = env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            observation, reward, terminated, truncated, _ = env.step(policy(observation))
            total += reward
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns))


def test_ppo_learns_cartpole_over_http(base_url, http):
    torch.set_num_threads(1)
    started = time.monotonic()
    with gym_http_client.make("CartPole-v1", base_url=base_url) as env:
        env.action_space.seed(0)
        random_return = mean_return(env, lambda _: env.action_space.sample(), 10, seed=100)
        model = sb3.PPO(
            "MlpPolicy",
            env,
            n_steps=512,
            batch_size=64,
            n_epochs=4,
            learning_rate=3e-3,
            seed=0,
            device="cpu",
            verbose=0,
        )
        model.learn(total_timesteps=4096)
        assert http.describe_env(env.instance_id)["total_steps"] >= 4096
        trained_return = mean_return(
            env, lambda obs: int(model.predict(obs, deterministic=True)[0]), 5, seed=200
        )
    print(
        f"random policy: {random_return:.1f}, PPO after 4096 steps: {trained_return:.1f}, "
        f"{time.monotonic() - started:.1f}s"
    )
    assert trained_return >= max(100.0, 3 * random_return)
    assert time.monotonic() - started < 60
