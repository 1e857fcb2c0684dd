"""Bad input of every shape gets a JSON 4xx, never a 5xx, and the server keeps serving."""

from __future__ import annotations

import pytest

from conftest import error_of


def test_unknown_instance_is_400_with_the_original_wording(http):
    for method, path in [
        ("POST", "reset/"),
        ("POST", "step/"),
        ("GET", "action_space/"),
        ("GET", "action_space/sample"),
        ("GET", "action_space/contains/1"),
        ("GET", "observation_space/"),
        ("POST", "observation_space/contains"),
        ("POST", "monitor/start/"),
        ("POST", "monitor/close/"),
        ("POST", "close/"),
        ("GET", ""),
        ("DELETE", ""),
    ]:
        body = {"action": 1, "directory": "d"}
        response = http.request(method, f"/v1/envs/bad_id/{path}", json=body)
        body = error_of(response, 400, "unknown_instance")
        assert body["message"] == "Instance_id bad_id unknown"


def test_missing_parameters_use_the_original_wording(http, create):
    body = error_of(http.post("/v1/envs/", json={}), 400, "missing_parameter")
    assert body["message"] == "A required request parameter 'env_id' was not provided"
    instance_id = create("CartPole-v1")
    http.post(f"/v1/envs/{instance_id}/reset/")
    body = error_of(http.post(f"/v1/envs/{instance_id}/step/", json={}), 400, "missing_parameter")
    assert "'action'" in body["message"]
    body = error_of(
        http.post(f"/v1/envs/{instance_id}/monitor/start/", json={}), 400, "missing_parameter"
    )
    assert "'directory'" in body["message"]
    for name in ["training_dir", "api_key"]:
        fields = {"training_dir": "/tmp/x", "api_key": "k"}
        del fields[name]
        body = error_of(http.post("/v1/upload/", json=fields), 400, "missing_parameter")
        assert f"'{name}'" in body["message"]


@pytest.mark.parametrize(
    "env_id, code, needle",
    [
        ("bad string", "malformed_env_id", "malformed environment ID"),
        ("NoSuchEnv-v3", "unknown_env_id", "NoSuchEnv-v3"),
        ("CartPole-v99", "unknown_env_id", "CartPole-v99"),
        ("FrozenLake-v0", "deprecated_env_id", "FrozenLake-v1"),
        ("Taxi-v3", "deprecated_env_id", "Taxi-v4"),
        ("os:system", "env_id_refused", "os:system"),
        ("gymnasium.envs.classic_control:CartPoleEnv", "env_id_refused", "import"),
    ],
)
def test_bad_env_ids_are_named_in_the_error(http, env_id, code, needle):
    body = error_of(http.post("/v1/envs/", json={"env_id": env_id}), 400, code)
    assert needle in body["message"]


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"env_id": 7}, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "seed": -1}, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "seed": "1"}, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "seed": True}, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "render_mode": "human"}, "invalid_render_mode"),
        ({"env_id": "CartPole-v1", "render_mode": "ansi"}, "invalid_render_mode"),
        ({"env_id": "CartPole-v1", "render_mode": 3}, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "kwargs": {"render_mode": "human"}}, "invalid_render_mode"),
        ({"env_id": "CartPole-v1", "kwargs": [1]}, "invalid_parameter"),
        ({"env_id": "CartPole-v1", "kwargs": {"no_such_kwarg": 1}}, "env_creation_failed"),
        ({"env_id": "FrozenLake-v1", "kwargs": {"map_name": "9x9"}}, "env_creation_failed"),
    ],
)
def test_bad_create_fields_are_400(http, fields, code):
    error_of(http.post("/v1/envs/", json=fields), 400, code)


@pytest.mark.parametrize(
    "raw", [b"{", b"{'a': 1}", b'{"env_id": NaN}', b"\xff\xfe", b"[1,]", b'{"env_id": Infinity}']
)
def test_malformed_json_is_400(http, raw):
    error_of(http.post("/v1/envs/", content=raw), 400, "malformed_json")


@pytest.mark.parametrize("raw", [b"[1]", b"1", b'"CartPole-v1"', b"true"])
def test_non_object_bodies_are_400(http, raw):
    error_of(http.post("/v1/envs/", content=raw), 400, "invalid_parameter")


@pytest.mark.parametrize("raw", [b"null", b'""', b"[]", b""])
def test_blank_bodies_read_as_no_parameters(http, raw):
    """The original ignored these bodies; its Ruby, Lua, MATLAB, JS, Clojure and
    Rust bindings send them on reset, close, monitor/close and shutdown."""
    error_of(http.post("/v1/envs/", content=raw), 400, "missing_parameter")


def test_bodies_are_json_whatever_the_content_type(http):
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "", "image/png"]:
        response = http.post(
            "/v1/envs/",
            content=b'{"env_id": "CartPole-v1"}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 200, (content_type, response.text)
        http.post(f"/v1/envs/{response.json()['instance_id']}/close/")


@pytest.mark.parametrize(
    "env_id, action",
    [
        ("CartPole-v1", 2),
        ("CartPole-v1", -1),
        ("CartPole-v1", 0.5),
        ("CartPole-v1", "1"),
        ("CartPole-v1", [1]),
        ("CartPole-v1", True),
        ("CartPole-v1", {"a": 1}),
        ("CartPole-v1", 10**30),
        ("MountainCarContinuous-v0", [2.0]),
        ("MountainCarContinuous-v0", ["NaN"]),
        ("MountainCarContinuous-v0", ["Infinity"]),
        ("MountainCarContinuous-v0", [0.1, 0.2]),
        ("MountainCarContinuous-v0", [[[0.1]], 1]),
        ("MountainCarContinuous-v0", [1e300]),
        ("MountainCarContinuous-v0", "x"),
        ("Blackjack-v1", 3),
    ],
)
def test_actions_outside_the_space_are_400_and_leave_the_episode_alone(
    http, create, env_id, action
):
    instance_id = create(env_id)
    http.post(f"/v1/envs/{instance_id}/reset/")
    error_of(
        http.post(f"/v1/envs/{instance_id}/step/", json={"action": action}), 400, "invalid_action"
    )
    assert http.get(f"/v1/envs/{instance_id}/").json()["total_steps"] == 0


def test_step_before_reset_is_400_reset_needed(http, create):
    instance_id = create("CartPole-v1")
    error_of(http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0}), 400, "reset_needed")


@pytest.mark.parametrize(
    "fields, code",
    [
        ({"seed": 2**64}, "invalid_parameter"),
        ({"seed": 1.5}, "invalid_parameter"),
        ({"options": [1]}, "invalid_parameter"),
        ({"options": {"low": "x"}}, "invalid_reset_options"),
    ],
)
def test_bad_reset_fields_are_400(http, create, fields, code):
    instance_id = create("CartPole-v1")
    error_of(http.post(f"/v1/envs/{instance_id}/reset/", json=fields), 400, code)


def test_oversize_bodies_are_413_json(http, create):
    instance_id = create("CartPole-v1")
    big = b'{"action": [' + b"0," * 600_000 + b"0]}"
    error_of(http.post(f"/v1/envs/{instance_id}/step/", content=big), 413, "body_too_large")
    assert http.get("/healthz").status_code == 200


def test_unknown_routes_are_404_and_wrong_methods_405_with_allow(http):
    for path in [
        "/nope",
        "/v1",
        "/v1/envs/x/y/z",
        "/v1/envs/../../etc/passwd",
        "/v1/envs/%2e%2e%2f%2e%2e%2fetc/passwd/reset/x",
        "/%00",
        "/v2/envs/",
    ]:
        response = http.get(path)
        assert response.status_code in (400, 404), path
        assert response.json()["code"] in ("not_found", "unknown_instance")
    response = http.put("/v1/envs/")
    error_of(response, 405, "method_not_allowed")
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    error_of(http.get("/v1/shutdown/"), 405, "method_not_allowed")


def test_hostile_instance_ids_are_unknown_and_not_reflected_in_full(http):
    long_id = "a" * 5000
    body = error_of(http.get(f"/v1/envs/{long_id}/"), 400, "unknown_instance")
    assert len(body["message"]) < 200
    error_of(http.get("/v1/envs/<script>/"), 400, "unknown_instance")


def test_contains_by_path_treats_junk_as_not_a_member(http, create):
    instance_id = create("CartPole-v1")
    for x, member in [
        ("1", True),
        ("0", True),
        ("2", False),
        ("abc", False),
        ("1.5", False),
        ("%5B1%5D", False),
        ("null", False),
    ]:
        body = http.get(f"/v1/envs/{instance_id}/action_space/contains/{x}").json()
        assert body == {"member": member}, x


def test_shutdown_is_forbidden_without_the_flag(http):
    error_of(http.post("/v1/shutdown/"), 403, "shutdown_disabled")
    assert http.get("/healthz").status_code == 200


@pytest.mark.parametrize("depth", [150, 900, 1020])
def test_absurdly_deep_json_is_400_everywhere(http, create, depth):
    instance_id = create("MountainCarContinuous-v0")
    http.post(f"/v1/envs/{instance_id}/reset/")
    deep = "[" * depth + "0.1" + "]" * depth
    env = f"/v1/envs/{instance_id}"
    requests = [
        ("POST", f"{env}/step/", f'{{"action": {deep}}}'),
        ("POST", f"{env}/observation_space/contains", f'{{"observation": {deep}}}'),
        ("POST", f"{env}/observation_space/contains", f'{{"shape": {deep}}}'),
        ("POST", f"{env}/action_space/contains", f'{{"action": {deep}}}'),
        ("POST", "/v1/envs/", f'{{"env_id": "CartPole-v1", "kwargs": {{"a": {deep}}}}}'),
        ("GET", f"{env}/action_space/contains/{deep}", None),
    ]
    for method, path, body in requests:
        response = http.request(method, path, content=body)
        assert response.status_code in (400, 404, 414, 431), (path[:60], response.text[:200])
        if response.status_code == 400:
            assert response.json()["code"] in ("invalid_parameter", "malformed_json")
    assert http.get("/healthz").status_code == 200


def test_moderately_nested_actions_are_still_judged_by_the_space(http, create):
    instance_id = create("MountainCarContinuous-v0")
    http.post(f"/v1/envs/{instance_id}/reset/")
    step = f"/v1/envs/{instance_id}/step/"
    for action in ([0.25], 0.25):  # the space's shape, or a bare number for one element
        assert http.post(step, json={"action": action}).status_code == 200
    # other nestings are outside the space (and its JSON Schema), not a crash
    error_of(http.post(step, json={"action": [[[[0.25]]]]}), 400, "invalid_action")


def test_each_contains_route_allows_only_its_own_method(http, create):
    instance_id = create("CartPole-v1")
    response = http.post(f"/v1/envs/{instance_id}/action_space/contains/1", json={"action": 1})
    error_of(response, 405, "method_not_allowed")
    assert "POST" not in response.headers["allow"]
    error_of(http.get(f"/v1/envs/{instance_id}/action_space/contains"), 405, "method_not_allowed")


BODIES = [
    None,
    b"{}",
    b"null",
    b"[]",
    b'"x"',
    b"{",
    b'{"action": {"a": [1, "NaN"]}}',
    b'{"env_id": "CartPole-v1", "seed": 1, "kwargs": {"x": null}}',
]


def test_no_route_method_or_body_yields_a_server_error(http, create):
    """Every routed path, every method, a spread of bodies: 2xx/4xx only, and
    the server keeps serving."""
    from gym_http_server.app import routes
    from gym_http_server.config import Parts, ServerConfig

    live = create("CartPole-v1")
    paths = [path for path, _ in routes(Parts.from_config(ServerConfig()))]
    for template in paths:
        if template == "/v1/shutdown":
            continue  # this server was not started with --allow-shutdown; tested elsewhere
        for instance_id in (live, "deadbeef"):
            path = (
                template.replace("{instance_id}", instance_id)
                .replace("{x}", "1")
                .replace("{run_id}", "0123")
            )
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH"]:
                if method in ("DELETE", "POST") and template.endswith(("{instance_id}", "close")):
                    continue  # would close the live instance mid-sweep
                for body in BODIES:
                    response = http.request(method, path, content=body)
                    assert response.status_code < 500, (method, path, body, response.text)
    assert http.get(f"/v1/envs/{live}/").status_code == 200
