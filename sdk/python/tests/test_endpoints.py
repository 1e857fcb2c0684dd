"""``Endpoints`` covers the spec: every API operation has a method, and
calling each method against a real server reaches every operation's route."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from gym_http_client import AsyncHTTPClient, AuthError, HTTPClient
from gym_http_client.client import OPERATIONS
from gym_http_server.testing import running_server

SPEC = Path(__file__).resolve().parents[3] / "spec" / "openapi.yaml"
PAGES = {"/", "/dashboard", "/docs", "/static/{name}"}


def spec_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (METHOD, path template) for every API call of the spec."""
    paths = yaml.safe_load(SPEC.read_text())["paths"]
    return {
        operation["operationId"]: (method.upper(), path)
        for path, item in paths.items()
        if path not in PAGES
        for method, operation in item.items()
        if method != "parameters"
    }


def route(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/")) or "/"


def test_every_operation_of_the_spec_has_a_method_on_both_clients():
    assert set(OPERATIONS) == set(spec_operations())
    for name in OPERATIONS.values():
        assert callable(getattr(HTTPClient, name)) and callable(getattr(AsyncHTTPClient, name))


def test_calling_every_method_reaches_every_route_of_the_spec():
    with running_server("--max-envs", "8") as url, HTTPClient(url) as http:
        iid = http.create_env("CartPole-v1", render_mode="rgb_array")
        assert iid in http.list_envs() and http.describe_env(iid)["env_id"] == "CartPole-v1"
        assert http.action_space(iid)["name"] == "Discrete"
        assert http.observation_space(iid)["name"] == "Box"
        http.monitor_start(iid, "walk", force=True)
        observation = http.reset_env(iid, seed=1)["observation"]
        assert http.contains_observation(iid, observation) is True
        assert http.contains_action(iid, http.sample_action(iid)) is True
        assert http.contains_action_by_path(iid, 1) is True
        while not http.step_env(iid, 0)["done"]:
            pass
        assert http.render_env(iid)["render_mode"] == "rgb_array"
        http.monitor_close(iid)
        run = http.upload("walk", api_key="key")
        assert http.result(run["run_id"])["run_id"] == run["run_id"]
        assert any(r["run_id"] == run["run_id"] for r in http.results())
        http.post_close_env(iid)
        http.close_env(http.create_env("CartPole-v1"))
        group = http.create_group("CartPole-v1", 2, seed=4)["instance_ids"]
        assert len(http.reset_group(group, seed=4)["observations"]) == 2
        assert http.action_space_json_schema(group[0])["type"] == "integer"
        assert http.observation_space_json_schema(group[0])["type"] == "array"
        for gid in group:
            http.close_env(gid)
        for close in (http.post_close_vector_env, http.close_vector_env):
            vid = http.create_vector_env("CartPole-v1", 2)
            assert vid in http.list_vector_envs()
            assert http.describe_vector_env(vid)["num_envs"] == 2
            http.reset_vector_env(vid, seed=3)
            assert len(http.step_vector_env(vid, [0, 1])["rewards"]) == 2
            close(vid)
        assert any(entry["env_id"] == "CartPole-v1" for entry in http.registry())
        assert http.health()["status"] == "ok"
        assert http.spec().startswith("openapi:")
        with pytest.raises(AuthError):
            http.shutdown()  # not allowed on this server, but answered by its route
        text = http.metrics()
    reached = {
        (sample.labels["method"], route(sample.labels["route"]))
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "gym_http_requests_total"
    }
    expected = {(method, route(path)) for method, path in spec_operations().values()}
    expected.discard(("GET", "/metrics"))  # counted once this answer is written
    assert expected - reached == set()
