"""Batches of environments over HTTP: one request resets or steps every sub-env."""

from __future__ import annotations

import gymnasium as gym
import httpx
import numpy as np
import ormsgpack
import pytest
from test_msgpack import SENDS_MSGPACK, client_decode

from conftest import error_of
from gym_http_server.testing import running_server


@pytest.fixture
def batch(http):
    """Create batches for one test and close whatever is left afterwards."""
    made: list[str] = []

    def _batch(env_id: str = "CartPole-v1", num_envs: int = 3, **fields) -> str:
        response = http.post(
            "/v1/vector_envs/", json={"env_id": env_id, "num_envs": num_envs, **fields}
        )
        assert response.status_code == 200, response.text
        made.append(response.json()["vector_id"])
        return made[-1]

    yield _batch
    for vector_id in made:
        http.post(f"/v1/vector_envs/{vector_id}/close/")


def test_batch_is_listed_described_and_unknown_once_closed(http, batch, conforms):
    vector_id = batch(num_envs=3, seed=1)
    listed = http.get("/v1/vector_envs/").json()
    conforms("VectorEnvList", listed)
    assert listed["all_vector_envs"][vector_id] == {"env_id": "CartPole-v1", "num_envs": 3}
    described = http.get(f"/v1/vector_envs/{vector_id}/").json()
    conforms("VectorEnvDescription", described)
    assert described["num_envs"] == 3
    assert described["vectorization_mode"] == "vector_entry_point"
    assert described["autoreset_mode"] == "NextStep"
    assert described["single_action_space"] == {
        "name": "Discrete",
        "n": 2,
        "start": 0,
        "dtype": "int64",
    }
    assert described["action_space"]["name"] == "MultiDiscrete"
    assert described["action_space"]["nvec"] == [2, 2, 2]
    assert described["observation_space"]["shape"] == [3, 4]
    assert described["single_observation_space"]["shape"] == [4]
    assert http.post(f"/v1/vector_envs/{vector_id}/close/").status_code == 204
    error_of(http.get(f"/v1/vector_envs/{vector_id}/"), 404, "unknown_vector")
    error_of(
        http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [0, 0, 0]}),
        404,
        "unknown_vector",
    )
    error_of(http.delete(f"/v1/vector_envs/{vector_id}/"), 404, "unknown_vector")
    assert vector_id not in http.get("/v1/vector_envs/").json()["all_vector_envs"]


def test_reset_and_step_answer_batched_values(http, batch, conforms):
    vector_id = batch(num_envs=3)
    reset = http.post(f"/v1/vector_envs/{vector_id}/reset/", json={"seed": 3}).json()
    conforms("VectorResetResponse", reset)
    assert np.asarray(reset["observations"]).shape == (3, 4)
    step = http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [0, 1, 1]}).json()
    conforms("VectorStepResponse", step)
    assert np.asarray(step["observations"]).shape == (3, 4)
    assert step["rewards"] == [1.0, 1.0, 1.0]
    assert step["terminations"] == [False] * 3 and step["truncations"] == [False] * 3


def test_same_seed_gives_what_gymnasium_make_vec_gives(http, batch):
    first, second = batch(num_envs=3), batch(num_envs=3)
    observations = [
        http.post(f"/v1/vector_envs/{v}/reset/", json={"seed": 42}).json()["observations"]
        for v in (first, second)
    ]
    assert observations[0] == observations[1]
    local = gym.make_vec("CartPole-v1", num_envs=3)
    expected, _ = local.reset(seed=42)
    np.testing.assert_array_equal(np.asarray(observations[0], dtype=np.float32), expected)
    for actions in ([0, 1, 0], [1, 1, 0]):
        step = http.post(f"/v1/vector_envs/{first}/step/", json={"actions": actions}).json()
        expected = local.step(np.array(actions))
        np.testing.assert_array_equal(np.asarray(step["observations"], np.float32), expected[0])
    local.close()


def test_creation_seed_applies_to_the_first_reset(http, batch):
    seeded = batch(num_envs=2, seed=7)
    first = http.post(f"/v1/vector_envs/{seeded}/reset/").json()["observations"]
    again = http.post(f"/v1/vector_envs/{batch(num_envs=2)}/reset/", json={"seed": 7}).json()
    assert first == again["observations"]


def test_ended_sub_env_resets_on_its_next_step(http, batch):
    """NextStep autoreset: the step after a termination starts a new episode with
    reward 0, both flags false, and ignores that sub-env's action."""
    vector_id = batch(num_envs=3, vectorization_mode="sync")
    http.post(f"/v1/vector_envs/{vector_id}/reset/", json={"seed": 0})
    for _ in range(200):
        step = http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [1, 1, 1]}).json()
        if any(step["terminations"]):
            break
    ended = step["terminations"].index(True)
    after = http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [1, 1, 1]}).json()
    assert after["rewards"][ended] == 0
    assert not after["terminations"][ended] and not after["truncations"][ended]
    assert all(abs(x) <= 0.05 for x in after["observations"][ended])  # a fresh start state


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_other_vectorization_modes_step_the_same_env(http, batch, mode):
    vector_id = batch(num_envs=2, vectorization_mode=mode)
    assert http.get(f"/v1/vector_envs/{vector_id}/").json()["vectorization_mode"] == mode
    http.post(f"/v1/vector_envs/{vector_id}/reset/", json={"seed": 1})
    step = http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [0, 1]}).json()
    assert step["rewards"] == [1.0, 1.0]


def test_envs_without_a_vector_entry_point_default_to_sync(http, batch):
    vector_id = batch("FrozenLake-v1", num_envs=2, kwargs={"is_slippery": False})
    described = http.get(f"/v1/vector_envs/{vector_id}/").json()
    assert described["vectorization_mode"] == "sync"
    assert http.post(f"/v1/vector_envs/{vector_id}/reset/").json()["observations"] == [0, 0]
    step = http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [1, 2]}).json()
    assert step["observations"] == [4, 1]


def test_box_actions_travel_as_nested_arrays(http, batch):
    vector_id = batch("MountainCarContinuous-v0", num_envs=2)
    http.post(f"/v1/vector_envs/{vector_id}/reset/", json={"seed": 0})
    step = http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [[0.5], [-1.0]]})
    assert step.status_code == 200, step.text
    error_of(
        http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [[5.0], [0.0]]}),
        400,
        "invalid_action",
    )


@pytest.mark.parametrize(
    "actions, code",
    [
        ([0, 1], "wrong_batch_size"),
        ([0, 1, 0, 1], "wrong_batch_size"),
        (1, "wrong_batch_size"),
        ({"a": 1}, "wrong_batch_size"),
        ([0, 1, 2], "invalid_action"),
        ([0, "left", 1], "invalid_action"),
        ([0, True, 1], "invalid_action"),
        (None, "missing_parameter"),
    ],
)
def test_bad_actions_are_coded_400s(http, batch, actions, code):
    vector_id = batch(num_envs=3)
    http.post(f"/v1/vector_envs/{vector_id}/reset/")
    error_of(http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": actions}), 400, code)


def test_step_before_reset_is_reset_needed(http, batch):
    vector_id = batch(num_envs=2)
    error_of(
        http.post(f"/v1/vector_envs/{vector_id}/step/", json={"actions": [0, 0]}),
        400,
        "reset_needed",
    )


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"num_envs": 2}, 400, "missing_parameter"),
        ({"env_id": "CartPole-v1"}, 400, "missing_parameter"),
        ({"env_id": "CartPole-v1", "num_envs": 0}, 400, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "num_envs": 2.5}, 400, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "num_envs": True}, 400, "invalid_parameter"),
        (
            {"env_id": "CartPole-v1", "num_envs": 2, "vectorization_mode": "threads"},
            400,
            "invalid_parameter",
        ),
        (
            {"env_id": "Taxi-v4", "num_envs": 2, "vectorization_mode": "vector_entry_point"},
            400,
            "invalid_parameter",
        ),
        (
            {"env_id": "CartPole-v1", "num_envs": 2, "kwargs": {"no_such": 1}},
            400,
            "env_creation_failed",
        ),
        (
            {"env_id": "CartPole-v1", "num_envs": 2, "kwargs": {"max_episode_steps": "500"}},
            400,
            "invalid_parameter",
        ),
        (
            {"env_id": "CartPole-v1", "num_envs": 2, "kwargs": {"max_episode_steps": 0}},
            400,
            "invalid_parameter",
        ),
        (
            {"env_id": "CartPole-v1", "num_envs": 2, "kwargs": {"render_mode": "human"}},
            400,
            "invalid_render_mode",
        ),
        ({"env_id": "NoSuchEnv-v0", "num_envs": 2}, 400, "unknown_env_id"),
        ({"env_id": "os:system", "num_envs": 2}, 400, "env_id_refused"),
        ({"env_id": "CartPole-v1", "num_envs": 2000}, 400, "num_envs_too_large"),
        (
            {"env_id": "CartPole-v1", "num_envs": 500, "vectorization_mode": "async"},
            400,
            "num_envs_too_large",
        ),
    ],
)
def test_bad_creation_is_a_coded_4xx(http, body, status, code):
    error_of(http.post("/v1/vector_envs/", json=body), status, code)


def test_msgpack_carries_batches_as_one_array_each(http, batch):
    vector_id = batch(num_envs=3)
    path = f"/v1/vector_envs/{vector_id}"
    reset = ormsgpack.unpackb(
        http.post(
            f"{path}/reset/", content=ormsgpack.packb({"seed": 5}), headers=SENDS_MSGPACK
        ).content
    )
    assert reset["observations"]["dtype"] == "float32"
    assert reset["observations"]["shape"] == [3, 4]
    actions = {"dtype": "int64", "shape": [3], "data": np.array([0, 1, 0], "<i8").tobytes()}
    raw = http.post(
        f"{path}/step/", content=ormsgpack.packb({"actions": actions}), headers=SENDS_MSGPACK
    )
    assert raw.status_code == 200, raw.text
    step = ormsgpack.unpackb(raw.content)
    for key, dtype in [("rewards", "float32"), ("terminations", "bool"), ("truncations", "bool")]:
        assert step[key]["dtype"] == dtype and step[key]["shape"] == [3]
    local = gym.make_vec("CartPole-v1", num_envs=3)
    local.reset(seed=5)
    expected = local.step(np.array([0, 1, 0]))[0]
    np.testing.assert_array_equal(client_decode(step)["observations"], expected)
    wrong = {"dtype": "int64", "shape": [2], "data": np.array([0, 1], "<i8").tobytes()}
    error_of(
        http.post(
            f"{path}/step/", content=ormsgpack.packb({"actions": wrong}), headers=SENDS_MSGPACK
        ),
        400,
        "wrong_batch_size",
    )


def test_max_envs_counts_sub_envs_of_batches_and_instances():
    with running_server("--max-envs", "5", "--max-num-envs", "4") as url:
        error_of(
            httpx.post(f"{url}/v1/vector_envs/", json={"env_id": "CartPole-v1", "num_envs": 5}),
            400,
            "num_envs_too_large",
        )
        created = httpx.post(
            f"{url}/v1/vector_envs/", json={"env_id": "CartPole-v1", "num_envs": 4}
        )
        vector_id = created.json()["vector_id"]
        assert httpx.post(f"{url}/v1/envs/", json={"env_id": "Taxi-v4"}).status_code == 200
        error_of(httpx.post(f"{url}/v1/envs/", json={"env_id": "Taxi-v4"}), 429, "too_many_envs")
        error_of(
            httpx.post(f"{url}/v1/vector_envs/", json={"env_id": "CartPole-v1", "num_envs": 1}),
            429,
            "too_many_envs",
        )
        assert httpx.delete(f"{url}/v1/vector_envs/{vector_id}/").status_code == 204
        again = httpx.post(f"{url}/v1/vector_envs/", json={"env_id": "CartPole-v1", "num_envs": 4})
        assert again.status_code == 200
