"""GET /metrics (Prometheus text), Retry-After on a full server, and CORS."""

from __future__ import annotations

import time

import falcon.testing
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import error_of, server_env
from gym_http_server import create_app
from gym_http_server.testing import running_server


def samples(text: str) -> dict[tuple, float]:
    """(sample name, sorted labels) -> value."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_requests_steps_resets_and_live_instances(http, create):
    before = samples(http.get("/metrics").text)
    iid = create("CartPole-v1")
    http.post(f"/v1/envs/{iid}/reset/")
    for _ in range(3):
        http.post(f"/v1/envs/{iid}/step/", json={"action": 0})
    http.post(f"/v1/envs/{iid}/step/", json={"action": 7})  # outside the space: 400
    response = http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)

    def grew(name: str, **labels) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    step = "/v1/envs/{instance_id}/step"
    assert grew("gym_http_requests_total", method="POST", route=step, status="200") == 3
    assert grew("gym_http_requests_total", method="POST", route=step, status="400") == 1
    assert grew("gym_http_request_duration_seconds_count", route=step) == 4
    assert grew("gym_http_request_duration_seconds_bucket", route=step, le="+Inf") == 4
    assert grew("gym_http_steps_total", env_id="CartPole-v1") == 3
    assert grew("gym_http_resets_total", env_id="CartPole-v1") == 1
    assert after[("gym_http_live_instances", ())] >= 1
    assert not any(iid in str(key) for key in after)  # route templates, never ids


def test_each_app_counts_for_itself():
    first, second = (falcon.testing.TestClient(create_app(max_envs=4)) for _ in range(2))
    for _ in range(3):
        first.simulate_get("/healthz")

    def healthz_count(client) -> float:
        return samples(client.simulate_get("/metrics").text).get(
            (
                "gym_http_requests_total",
                (("method", "GET"), ("route", "/healthz"), ("status", "200")),
            ),
            0,
        )

    assert healthz_count(first) == 3
    assert healthz_count(second) == 0


def test_a_full_server_with_a_ttl_says_when_its_oldest_instance_expires():
    with (
        running_server("--max-envs", "2", "--env-ttl", "40", env=server_env()) as url,
        httpx.Client(base_url=url) as http,
    ):
        assert http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).status_code == 200
        time.sleep(1.5)
        assert http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).status_code == 200
        full = http.post("/v1/envs/", json={"env_id": "CartPole-v1"})
        error_of(full, 429, "too_many_envs")
        # the older instance has about 38.5 s left, plus one 4 s sweep interval
        assert 36 <= int(full.headers["retry-after"]) <= 43, full.headers["retry-after"]


def test_a_full_server_without_a_ttl_sends_no_retry_after():
    """Only a client's close can free room then; no number would be true."""
    with (
        running_server("--max-envs", "1", env=server_env()) as url,
        httpx.Client(base_url=url) as http,
    ):
        assert http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).status_code == 200
        full = http.post("/v1/envs/", json={"env_id": "CartPole-v1"})
        error_of(full, 429, "too_many_envs")
        assert "retry-after" not in full.headers


@pytest.fixture(scope="module")
def cors_url():
    with running_server(
        "--cors-origin", "https://app.example", "--token", "t0k", env=server_env()
    ) as url:
        yield url


def test_cors_preflight_and_answers_name_the_allowed_origin(cors_url):
    origin = {"Origin": "https://app.example"}
    preflight = httpx.options(
        cors_url + "/v1/envs/",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    answer = httpx.get(cors_url + "/v1/envs/", headers={**origin, "Authorization": "Bearer t0k"})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "https://app.example"
    refused = httpx.get(cors_url + "/v1/envs/", headers=origin)
    error_of(refused, 401, "unauthorized")
    assert refused.headers["access-control-allow-origin"] == "https://app.example"


def test_cors_is_off_by_default_and_for_other_origins(cors_url, http):
    other = httpx.get(cors_url + "/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    default = http.get("/healthz", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in default.headers


def test_healthz_and_metrics_count_batches_and_their_sub_envs():
    with (
        running_server("--max-envs", "10", env=server_env()) as url,
        httpx.Client(base_url=url) as http,
    ):
        assert http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).status_code == 200
        batch = http.post("/v1/vector_envs/", json={"env_id": "CartPole-v1", "num_envs": 3})
        assert batch.status_code == 200, batch.text
        health = http.get("/healthz").json()
        assert (health["envs"], health["vector_envs"], health["sub_envs"], health["max_envs"]) == (
            1,
            1,
            4,
            10,
        )
        gauges = samples(http.get("/metrics").text)
        assert gauges[("gym_http_live_instances", ())] == 1
        assert gauges[("gym_http_live_vector_envs", ())] == 1
        assert gauges[("gym_http_live_sub_envs", ())] == 4
        http.post(f"/v1/vector_envs/{batch.json()['vector_id']}/close/")
        health = http.get("/healthz").json()
        assert (health["vector_envs"], health["sub_envs"]) == (0, 1)
        assert samples(http.get("/metrics").text)[("gym_http_live_sub_envs", ())] == 1
