"""Different environments step in parallel; calls on one environment are
serialized; create, close and list stay consistent under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from testenvs import RENDEZVOUS_ID


def test_steps_of_different_envs_run_in_parallel(http, create, base_url):
    a, b = create(RENDEZVOUS_ID), create(RENDEZVOUS_ID)
    for instance_id in (a, b):
        http.post(f"/v1/envs/{instance_id}/reset/")

    def step(instance_id):
        with httpx.Client(base_url=base_url, timeout=30) as client:
            return client.post(f"/v1/envs/{instance_id}/step/", json={"action": 0}).json()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(step, [a, b]))
    assert [result["info"]["met"] for result in results] == [True, True]


def test_calls_on_one_env_are_serialized(http, create, base_url):
    instance_id = create(RENDEZVOUS_ID, kwargs={"wait": 0.5})
    http.post(f"/v1/envs/{instance_id}/reset/")

    def step(_):
        with httpx.Client(base_url=base_url, timeout=30) as client:
            return client.post(f"/v1/envs/{instance_id}/step/", json={"action": 0}).json()

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(step, range(2)))
    # Had both steps run at once on the one env, they would have met.
    assert [result["info"]["met"] for result in results] == [False, False]
    assert http.get(f"/v1/envs/{instance_id}/").json()["total_steps"] == 2


def test_many_clients_stepping_one_env_lose_no_steps(http, create, base_url):
    instance_id = create("CartPole-v1", kwargs={"max_episode_steps": 10_000})
    http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 0})

    def steps(_):
        ok = 0
        with httpx.Client(base_url=base_url, timeout=30) as client:
            for _ in range(25):
                response = client.post(f"/v1/envs/{instance_id}/step/", json={"action": 0})
                ok += response.status_code == 200
        return ok

    with ThreadPoolExecutor(4) as pool:
        total = sum(pool.map(steps, range(4)))
    assert total == 100
    assert http.get(f"/v1/envs/{instance_id}/").json()["total_steps"] == 100


def test_concurrent_create_step_close_and_list_stay_consistent(http, base_url):
    def lifecycle(_):
        made = []
        with httpx.Client(base_url=base_url, timeout=30) as client:
            for _ in range(8):
                response = client.post("/v1/envs/", json={"env_id": "FrozenLake-v1"})
                assert response.status_code == 200, response.text
                instance_id = response.json()["instance_id"]
                made.append(instance_id)
                assert client.post(f"/v1/envs/{instance_id}/reset/").status_code == 200
                assert client.get("/v1/envs/").status_code == 200
                assert client.post(f"/v1/envs/{instance_id}/close/").status_code == 204
        return made

    with ThreadPoolExecutor(6) as pool:
        made = [iid for batch in pool.map(lifecycle, range(6)) for iid in batch]
    assert len(set(made)) == 48
    assert not set(made) & set(http.get("/v1/envs/").json()["all_envs"])
