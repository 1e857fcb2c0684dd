"""Creating, listing, describing, resetting, stepping and closing environments."""

from __future__ import annotations

import pytest

from conftest import error_of
from testenvs import ENV_ID as ALL_SPACES


def test_create_returns_a_short_hex_id_that_is_listed(http, create, conforms):
    instance_id = create("CartPole-v1")
    assert len(instance_id) == 8 and int(instance_id, 16) >= 0
    listing = http.get("/v1/envs/").json()
    conforms("EnvList", listing)
    assert listing["all_envs"][instance_id] == "CartPole-v1"


def test_every_path_works_with_and_without_trailing_slash(http, create):
    instance_id = create("FrozenLake-v1")
    for path in [
        "/v1/envs",
        f"/v1/envs/{instance_id}",
        f"/v1/envs/{instance_id}/action_space",
        f"/v1/envs/{instance_id}/observation_space",
        "/v1/registry",
        "/healthz",
    ]:
        assert http.get(path).status_code == 200, path
        assert http.get(path + "/").status_code == 200, path
    assert http.post(f"/v1/envs/{instance_id}/reset").status_code == 200
    assert http.post(f"/v1/envs/{instance_id}/step", json={"action": 1}).status_code == 200
    assert http.get(f"/v1/envs/{instance_id}/action_space/sample/").status_code == 200


def test_describe_reports_spec_facts_spaces_and_counters(http, create, conforms):
    instance_id = create("CartPole-v1", seed=3)
    http.post(f"/v1/envs/{instance_id}/reset/")
    http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0})
    http.post(f"/v1/envs/{instance_id}/step/", json={"action": 1})
    body = http.get(f"/v1/envs/{instance_id}/").json()
    conforms("EnvDescription", body)
    assert body["env_id"] == "CartPole-v1"
    assert body["max_episode_steps"] == 500 and body["reward_threshold"] == 475.0
    assert (body["episodes"], body["total_steps"], body["episode_steps"]) == (1, 2, 2)
    assert body["seed"] == 3 and body["render_mode"] is None
    assert body["action_space"] == {"name": "Discrete", "n": 2, "start": 0, "dtype": "int64"}


@pytest.mark.parametrize("body", [None, b"", b"null", b"{}", b'{"seed": null, "options": null}'])
def test_reset_accepts_every_empty_body_form(http, create, conforms, body):
    instance_id = create("CartPole-v1")
    response = http.post(f"/v1/envs/{instance_id}/reset/", content=body)
    assert response.status_code == 200, response.text
    conforms("ResetResponse", response.json())
    assert len(response.json()["observation"]) == 4


def test_reset_with_same_seed_returns_same_observation(http, create):
    instance_id = create("CartPole-v1")
    first = http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 11}).json()
    other = http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 12}).json()
    again = http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 11}).json()
    assert first["observation"] == again["observation"] != other["observation"]


def test_creation_seed_applies_to_the_first_reset(http, create):
    a, b = create("CartPole-v1", seed=5), create("CartPole-v1", seed=5)
    first_a = http.post(f"/v1/envs/{a}/reset/").json()["observation"]
    first_b = http.post(f"/v1/envs/{b}/reset/").json()["observation"]
    assert first_a == first_b
    assert (
        http.get(f"/v1/envs/{a}/action_space/sample").json()
        == http.get(f"/v1/envs/{b}/action_space/sample").json()
    )


def test_reset_options_reach_the_environment(http, create):
    instance_id = create("CartPole-v1")
    body = {"seed": 1, "options": {"low": 0.01, "high": 0.02}}
    observation = http.post(f"/v1/envs/{instance_id}/reset/", json=body).json()["observation"]
    assert all(0.01 <= x <= 0.02 for x in observation)


def test_step_returns_terminated_truncated_and_done(http, create, conforms):
    instance_id = create("CartPole-v1", kwargs={"max_episode_steps": 3})
    http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 0})
    results = [
        http.post(f"/v1/envs/{instance_id}/step/", json={"action": i % 2}).json() for i in range(3)
    ]
    for result in results:
        conforms("StepResponse", result)
        assert result["done"] == (result["terminated"] or result["truncated"])
        assert result["reward"] == 1.0
    assert results[-1]["truncated"] and results[-1]["done"] and not results[0]["done"]


def test_frozen_lake_terminates_in_a_hole(http, create):
    instance_id = create("FrozenLake-v1", kwargs={"is_slippery": False})
    assert http.post(f"/v1/envs/{instance_id}/reset/").json()["observation"] == 0
    # Map 4x4 "SFFF/FHFH/...": down from the start is safe, right from there is a hole.
    down = http.post(f"/v1/envs/{instance_id}/step/", json={"action": 1}).json()
    right = http.post(f"/v1/envs/{instance_id}/step/", json={"action": 2}).json()
    assert down["observation"] == 4 and not down["done"]
    assert right["observation"] == 5 and right["terminated"] and right["done"]
    assert right["reward"] == 0.0


def test_taxi_and_blackjack_observations_travel_as_integer_and_tuple(http, create):
    taxi = create("Taxi-v4")
    assert isinstance(http.post(f"/v1/envs/{taxi}/reset/").json()["observation"], int)
    blackjack = create("Blackjack-v1")
    observation = http.post(f"/v1/envs/{blackjack}/reset/", json={"seed": 1}).json()["observation"]
    assert isinstance(observation, list) and len(observation) == 3
    assert all(isinstance(x, int) for x in observation)


def test_continuous_box_actions_step_mountain_car(http, create):
    instance_id = create("MountainCarContinuous-v0")
    http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 2})
    result = http.post(f"/v1/envs/{instance_id}/step/", json={"action": [0.5]}).json()
    assert len(result["observation"]) == 2 and isinstance(result["reward"], float)
    assert http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0.5}).status_code == 200


def test_all_space_kinds_step_with_numpy_info(http, create, conforms):
    instance_id = create(ALL_SPACES, seed=9)
    reset = http.post(f"/v1/envs/{instance_id}/reset/").json()
    assert set(reset["observation"]) == {
        "discrete",
        "box",
        "multi_binary",
        "multi_discrete",
        "text",
        "tuple",
    }
    action = {"move": 3, "flags": [1, 0, 1], "levels": [1, 2], "say": "cab", "force": [0.5, -0.25]}
    result = http.post(f"/v1/envs/{instance_id}/step/", json={"action": action}).json()
    conforms("StepResponse", result)
    assert result["reward"] == 2.25
    assert result["info"] == {
        "t": 1,
        "force": [0.5, -0.25],
        "said": "cab",
        "ratio": 0.5,
        "unbounded": "Infinity",
        "flags": [1, 0, 1],
    }
    assert http.post(
        f"/v1/envs/{instance_id}/observation_space/contains",
        json={"observation": result["observation"]},
    ).json() == {"member": True}


def test_render_mode_frames_come_back_on_step_and_render(http, create, conforms):
    instance_id = create(ALL_SPACES, render_mode="rgb_array")
    http.post(f"/v1/envs/{instance_id}/reset/")
    action = http.get(f"/v1/envs/{instance_id}/action_space/sample").json()["action"]
    step = http.post(f"/v1/envs/{instance_id}/step/", json={"action": action, "render": True})
    assert step.json()["render"] == [[[1, 1, 1]] * 3] * 2
    render = http.get(f"/v1/envs/{instance_id}/render/").json()
    conforms("RenderResponse", render)
    assert render["render_mode"] == "rgb_array"
    plain = create("CartPole-v1")
    http.post(f"/v1/envs/{plain}/reset/")
    assert (
        "render"
        not in http.post(f"/v1/envs/{plain}/step/", json={"action": 0, "render": True}).json()
    )
    error_of(http.get(f"/v1/envs/{plain}/render/"), 400, "invalid_parameter")


def test_closed_instance_is_unknown_and_unlisted(http):
    instance_id = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
    assert http.post(f"/v1/envs/{instance_id}/close/").status_code == 204
    assert instance_id not in http.get("/v1/envs/").json()["all_envs"]
    body = error_of(http.post(f"/v1/envs/{instance_id}/reset/"), 400, "unknown_instance")
    assert body["message"] == f"Instance_id {instance_id} unknown"
    error_of(http.post(f"/v1/envs/{instance_id}/close/"), 400, "unknown_instance")


def test_delete_closes_like_post_close(http):
    instance_id = http.post("/v1/envs/", json={"env_id": "Taxi-v4"}).json()["instance_id"]
    assert http.delete(f"/v1/envs/{instance_id}").status_code == 204
    error_of(http.get(f"/v1/envs/{instance_id}/"), 400, "unknown_instance")


def test_registry_lists_creatable_ids(http, conforms):
    body = http.get("/v1/registry/").json()
    conforms("RegistryList", body)
    ids = {entry["env_id"] for entry in body["envs"]}
    assert {"CartPole-v1", "FrozenLake-v1", "Taxi-v4", "Blackjack-v1", ALL_SPACES} <= ids


def test_health_and_spec_are_served(http, conforms):
    health = http.get("/healthz").json()
    conforms("Health", health)
    response = http.get("/openapi.yaml")
    assert response.headers["content-type"].startswith("application/yaml")
    from conftest import SPEC_PATH

    assert response.content == SPEC_PATH.read_bytes()


def test_every_registry_id_can_really_be_created(http):
    for entry in http.get("/v1/registry/").json()["envs"]:
        response = http.post("/v1/envs/", json={"env_id": entry["env_id"]})
        assert response.status_code == 200, (entry["env_id"], response.text)
        http.post(f"/v1/envs/{response.json()['instance_id']}/close/")
