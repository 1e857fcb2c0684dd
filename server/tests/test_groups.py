"""Groups: N instances of one environment created or reset with one seed."""

from __future__ import annotations

import httpx
import pytest

from conftest import error_of, server_env
from gym_http_server.testing import running_server

GROUP = "/v1/env_groups"


@pytest.fixture(scope="module")
def small():
    """A server that holds 6 environments at most."""
    with running_server("--import", "testenvs", "--max-envs", "6", env=server_env()) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client


def close_all(http, ids):
    for instance_id in ids:
        http.post(f"/v1/envs/{instance_id}/close")


def test_a_group_with_one_seed_starts_from_one_observation_and_steps_independently(http):
    body = http.post(GROUP, json={"env_id": "CartPole-v1", "count": 4, "seed": 11}).json()
    ids = body["instance_ids"]
    try:
        assert len(set(ids)) == 4 and len(body["observations"]) == len(body["infos"]) == 4
        assert all(observation == body["observations"][0] for observation in body["observations"])
        alone = http.post("/v1/envs", json={"env_id": "CartPole-v1"}).json()["instance_id"]
        ids.append(alone)
        assert (
            http.post(f"/v1/envs/{alone}/reset", json={"seed": 11}).json()["observation"]
            == body["observations"][0]
        )
        left = http.post(f"/v1/envs/{ids[0]}/step", json={"action": 0}).json()["observation"]
        right = http.post(f"/v1/envs/{ids[1]}/step", json={"action": 1}).json()["observation"]
        assert left != right
        described = http.get(f"/v1/envs/{ids[2]}").json()
        assert described["seed"] == 11 and described["episodes"] == 1
        assert described["total_steps"] == 0
        assert set(ids) <= set(http.get("/v1/envs").json()["all_envs"])
    finally:
        close_all(http, ids)


def test_a_group_reset_gives_every_instance_the_seeds_observation(http, create):
    ids = [create("CartPole-v1"), create("CartPole-v1"), create("CartPole-v1")]
    http.post(f"/v1/envs/{ids[0]}/reset", json={"seed": 1})
    body = http.post(f"{GROUP}/reset", json={"instance_ids": ids, "seed": 5}).json()
    assert len(body["observations"]) == 3
    assert body["observations"][0] == body["observations"][1] == body["observations"][2]
    again = http.post(f"{GROUP}/reset", json={"instance_ids": ids[1:], "seed": 5}).json()
    assert again["observations"] == body["observations"][1:]


def test_a_group_reset_naming_an_unknown_instance_resets_none(http, create):
    known = create("CartPole-v1")
    response = http.post(f"{GROUP}/reset", json={"instance_ids": [known, "nope"], "seed": 1})
    error_of(response, 400, "unknown_instance")
    assert http.get(f"/v1/envs/{known}").json()["episodes"] == 0
    for ids in (["a", "a"], "abc", [1], None):
        response = http.post(f"{GROUP}/reset", json={"instance_ids": ids})
        assert response.status_code == 400
        assert response.json()["code"] in ("invalid_parameter", "missing_parameter")


def test_bad_groups_are_coded_400s_and_create_nothing(http):
    before = set(http.get("/v1/envs").json()["all_envs"])
    for body, code in [
        ({"env_id": "CartPole-v1"}, "missing_parameter"),
        ({"env_id": "CartPole-v1", "count": 0}, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "count": 1.5}, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "count": True}, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "count": 2, "options": 3}, "invalid_parameter"),
        ({"env_id": "NoSuchEnv-v0", "count": 2}, None),
    ]:
        response = http.post(GROUP, json=body)
        assert response.status_code == 400, (body, response.text)
        if code:
            error_of(response, 400, code)
    assert set(http.get("/v1/envs").json()["all_envs"]) == before


def test_a_group_that_does_not_fit_is_refused_whole(small):
    assert small.get("/v1/envs").json()["all_envs"] == {}
    error_of(small.post(GROUP, json={"env_id": "CartPole-v1", "count": 7}), 429, "too_many_envs")
    ids = small.post(GROUP, json={"env_id": "CartPole-v1", "count": 4}).json()["instance_ids"]
    try:
        response = small.post(GROUP, json={"env_id": "CartPole-v1", "count": 3, "seed": 1})
        error_of(response, 429, "too_many_envs")
        assert set(small.get("/v1/envs").json()["all_envs"]) == set(ids)
        more = small.post(GROUP, json={"env_id": "CartPole-v1", "count": 2}).json()
        assert len(more["instance_ids"]) == 2
        ids += more["instance_ids"]
        error_of(small.post("/v1/envs", json={"env_id": "CartPole-v1"}), 429, "too_many_envs")
    finally:
        close_all(small, ids)
    assert small.get("/v1/envs").json()["all_envs"] == {}
    metrics = small.get("/metrics").text
    assert 'route="/v1/env_groups"' in metrics
