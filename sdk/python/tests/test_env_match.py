"""A remote env is indistinguishable from a local one: Gymnasium's own
``check_environments_match`` (same seed, 300 steps: spaces, observations,
rewards, flags and infos equal in value *and Python type*) and ``check_env``,
for every environment the server registers.

Over msgpack (the SDK's default) everything matches. Over JSON, what JSON
cannot carry does not: a numpy scalar arrives as a plain number, an array in
``info`` as a list (the envs in ``JSON_CANNOT_CARRY``)."""

from __future__ import annotations

import importlib.util
import warnings

import gymnasium as gym
import numpy as np
from gymnasium.utils.env_checker import check_env
from gymnasium.utils.env_match import check_environments_match

from gym_http_client import RemoteEnv

if importlib.util.find_spec("gym_http_conformance") is not None:
    import gym_http_conformance.allspaces  # noqa: F401  (registers the fixture env locally)

JSON_CANNOT_CARRY = {
    "Pendulum-v1": "its reward is a numpy float64",
    "Taxi-v4": "its info holds a numpy array (action_mask)",
    "GymHttpTest/AllSpaces-v0": "its Dict observation holds a numpy int64, its info numpy scalars",
    "GymHttpTest/GraphOneOf-v0": "its OneOf observation holds numpy int64 scalars",
}


def mismatches(base_url: str, env_ids: set[str], encoding: str) -> dict[str, str]:
    found = {}
    for env_id in sorted(env_ids):
        local = gym.make(env_id)
        remote = RemoteEnv(env_id, base_url=base_url, encoding=encoding)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check_environments_match(local, remote, num_steps=300, seed=123, skip_render=True)
        except AssertionError as error:
            found[env_id] = str(error)[:300]
        finally:
            local.close()
            remote.close()
    return found


def test_every_registered_env_matches_its_local_twin_over_msgpack(base_url, registered):
    assert len(registered) >= 10
    assert mismatches(base_url, registered, "msgpack") == {}


def test_over_json_every_env_matches_but_those_carrying_numpy_values(base_url, registered):
    found = mismatches(base_url, registered, "json")
    assert set(found) == set(JSON_CANNOT_CARRY) & registered, found


def test_check_env_passes_on_every_registered_remote_env(base_url, registered):
    for env_id in sorted(registered):
        with RemoteEnv(env_id, base_url=base_url) as env, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_env(env, skip_render_check=True)


def test_the_default_encoding_is_the_faithful_one(base_url):
    local_observation, local_info = gym.make("FrozenLake-v1").reset(seed=1)
    with RemoteEnv("FrozenLake-v1", base_url=base_url) as env:
        assert env.client.encoding == "msgpack"
        observation, info = env.reset(seed=1)
    assert type(observation) is type(local_observation) is int
    assert type(info["prob"]) is type(local_info["prob"])


def test_numpy_scalars_arrive_as_numpy_scalars_over_msgpack(base_url, all_spaces_id):
    local_observation, local_info = gym.make(all_spaces_id).reset(seed=1)
    with RemoteEnv(all_spaces_id, base_url=base_url) as env:
        observation, info = env.reset(seed=1)
    assert type(observation["discrete"]) is type(local_observation["discrete"]) is np.int64
    assert type(info["t"]) is type(local_info["t"]) is np.int64
