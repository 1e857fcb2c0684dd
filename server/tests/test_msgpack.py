"""msgpack bodies: the same values as JSON, arrays as raw bytes, errors as JSON."""

from __future__ import annotations

import numpy as np
import orjson
import ormsgpack
import pytest
from test_spaces_codec import IDS, TESTING_SPACES

from conftest import error_of
from gym_http_server import media, spaces
from gym_http_server.values import to_wire
from testenvs import ENV_ID as ALL_SPACES

MSGPACK = "application/msgpack"
ASKS_MSGPACK = {"Accept": MSGPACK}
SENDS_MSGPACK = {"Content-Type": MSGPACK, "Accept": MSGPACK}


def client_decode(value):
    """What any client does with a msgpack answer, from the spec's description
    alone: a map whose ``data`` is binary is an array."""
    if isinstance(value, dict):
        if isinstance(value.get("data"), bytes):
            dtype = np.dtype(value["dtype"]).newbyteorder("<")
            return np.frombuffer(value["data"], dtype=dtype).reshape(value["shape"])
        return {key: client_decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [client_decode(item) for item in value]
    return value


def as_json(value):
    """Decoded msgpack values, written as the JSON medium writes them."""
    return orjson.loads(media.dump_json(to_wire(value)))


def post_msgpack(http, path, body, headers=SENDS_MSGPACK):
    return http.post(path, content=ormsgpack.packb(body), headers=headers)


def unpack(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MSGPACK
    return client_decode(ormsgpack.unpackb(response.content))


@pytest.mark.parametrize("space", TESTING_SPACES, ids=IDS)
def test_samples_survive_msgpack_and_equal_their_json(space):
    space.seed(0)
    for _ in range(20):
        wire = spaces.encode(space, space.sample())
        received = client_decode(ormsgpack.unpackb(media.dump_msgpack(wire)))
        assert as_json(received) == as_json(wire)
        sent = media.load_msgpack(media.dump_msgpack(received))
        assert spaces.contains(space, sent)
        assert as_json(spaces.encode(space, spaces.decode(space, sent))) == as_json(wire)


def test_arrays_are_dtype_shape_and_little_endian_row_major_bytes():
    array = np.arange(6, dtype=">i4").reshape(2, 3)[:, ::2]
    packed = ormsgpack.unpackb(media.dump_msgpack({"x": array}))["x"]
    assert packed["dtype"] == "int32" and packed["shape"] == [2, 2]
    assert packed["data"] == np.array([[0, 2], [3, 5]], "<i4").tobytes()


def test_every_dtype_and_shape_renders_in_json_as_its_tolist():
    arrays = [
        np.array(5, np.int64),
        np.array(True),
        np.array(1.5, np.float32),
        np.zeros((0, 2), np.uint8),
        np.zeros((2, 0, 3), np.float32),
        np.array([2**64 - 1], np.uint64),
        np.arange(6, dtype=np.int8).reshape(2, 3)[:, ::2],
        np.array([[True, False]]),
        np.arange(4, dtype=">i2"),
        np.array([0.1], np.float32),
    ]
    for array in arrays:
        assert orjson.loads(media.dump_json(array)) == array.tolist(), array
        received = client_decode(ormsgpack.unpackb(media.dump_msgpack(array)))
        assert received.dtype == array.dtype.newbyteorder("=") and received.shape == array.shape
        assert (received == array).all()


def test_nonfinite_floats_are_ieee_in_msgpack_and_strings_in_json():
    wire = to_wire(
        {"a": np.array([np.nan, -np.inf], np.float32), "r": float("inf"), "s": "Infinity"}
    )
    received = client_decode(ormsgpack.unpackb(media.dump_msgpack(wire)))
    assert np.isnan(received["a"][0]) and received["a"][1] == -np.inf
    assert received["r"] == np.inf and type(received["r"]) is float
    assert received["s"] == "Infinity"
    assert orjson.loads(media.dump_json(wire)) == {
        "a": ["NaN", "-Infinity"],
        "r": "Infinity",
        "s": "Infinity",
    }


def test_numpy_scalars_are_0d_arrays_in_msgpack_and_numbers_in_json():
    wire = to_wire(
        {
            "i": np.int64(7),
            "f": np.float32(0.5),
            "b": np.bool_(True),
            "n": 3,
            "x": 2.5,
            "inf": np.float64(-np.inf),
        }
    )
    packed = ormsgpack.unpackb(media.dump_msgpack(wire))
    assert packed["i"] == {"dtype": "int64", "shape": [], "data": np.int64(7).tobytes()}
    assert packed["f"]["dtype"] == "float32" and packed["b"]["dtype"] == "bool"
    assert packed["inf"]["dtype"] == "float64" and packed["n"] == 3 and packed["x"] == 2.5
    assert orjson.loads(media.dump_json(wire)) == {
        "i": 7,
        "f": 0.5,
        "b": True,
        "n": 3,
        "x": 2.5,
        "inf": "-Infinity",
    }
    assert media.load_msgpack(media.dump_msgpack(wire))["i"] == np.int64(7)


def test_without_accept_the_answer_is_todays_json(http, create):
    instance_id = create("CartPole-v1")
    for headers in [{}, {"Accept": "*/*"}, {"Accept": f"application/json, {MSGPACK};q=0.5"}]:
        response = http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 1}, headers=headers)
        assert response.headers["content-type"] == "application/json"
        assert len(response.json()["observation"]) == 4


def test_same_seed_gives_the_same_values_in_json_and_msgpack(http, create):
    by_json, by_msgpack = create(ALL_SPACES, seed=5), create(ALL_SPACES, seed=5)
    sample = http.get(f"/v1/envs/{by_json}/action_space/sample").json()["action"]
    first = http.post(f"/v1/envs/{by_json}/reset/").json()
    assert as_json(unpack(post_msgpack(http, f"/v1/envs/{by_msgpack}/reset/", None))) == first
    force = media.array_to_msgpack(np.array(sample["force"], np.float32))
    for _ in range(3):
        stepped = http.post(f"/v1/envs/{by_json}/step/", json={"action": sample}).json()
        received = unpack(
            post_msgpack(
                http, f"/v1/envs/{by_msgpack}/step/", {"action": {**sample, "force": force}}
            )
        )
        assert as_json(received) == stepped


def test_box_observations_arrive_as_float32_arrays(http, create):
    instance_id = create("CartPole-v1", seed=2)
    observation = unpack(http.post(f"/v1/envs/{instance_id}/reset/", headers=ASKS_MSGPACK))
    assert isinstance(observation["observation"], np.ndarray)
    assert observation["observation"].dtype == np.float32
    assert observation["observation"].shape == (4,)
    step = unpack(post_msgpack(http, f"/v1/envs/{instance_id}/step/", {"action": 1}))
    assert step["observation"].dtype == np.float32 and isinstance(step["reward"], float)


def test_frames_arrive_as_uint8_arrays(http, create):
    instance_id = create(ALL_SPACES, render_mode="rgb_array")
    http.post(f"/v1/envs/{instance_id}/reset/")
    frame = unpack(http.get(f"/v1/envs/{instance_id}/render/", headers=ASKS_MSGPACK))["frame"]
    assert frame.dtype == np.uint8 and frame.ndim == 3
    assert frame.tolist() == http.get(f"/v1/envs/{instance_id}/render/").json()["frame"]


def test_every_space_description_and_sample_answers_msgpack(http, create):
    instance_id = create(ALL_SPACES, seed=3)
    for path in ["", "action_space/", "observation_space/"]:
        url = f"/v1/envs/{instance_id}/{path}"
        assert as_json(unpack(http.get(url, headers=ASKS_MSGPACK))) == http.get(url).json()
    sample = unpack(http.get(f"/v1/envs/{instance_id}/action_space/sample", headers=ASKS_MSGPACK))
    packed = {
        key: media.array_to_msgpack(value) if isinstance(value, np.ndarray) else value
        for key, value in sample["action"].items()
    }
    contains = post_msgpack(
        http, f"/v1/envs/{instance_id}/action_space/contains", {"action": packed}
    )
    assert unpack(contains) == {"member": True}


def test_msgpack_arrays_of_the_wrong_kind_are_invalid_actions(http, create):
    instance_id = create("Pendulum-v1")
    http.post(f"/v1/envs/{instance_id}/reset/")
    path = f"/v1/envs/{instance_id}/step/"
    good = post_msgpack(http, path, {"action": media.array_to_msgpack(np.array([0.5], "<f8"))})
    assert unpack(good)["observation"].shape == (3,)
    wrong_shape = media.array_to_msgpack(np.zeros((2, 2), np.float32))
    error_of(post_msgpack(http, path, {"action": wrong_shape}), 400, "invalid_action")


BAD_BODIES = {
    "not msgpack": b"\xc1",
    "truncated": b"\x81\xa6action",
    "extension type": b"\x81\xa6action\xd4\x01\x00",
    "non-string key": b"\x81\x01\x02",
    "binary outside an array": ormsgpack.packb({"action": b"\x00"}),
    "array data of the wrong length": ormsgpack.packb(
        {"action": {"dtype": "float32", "shape": [2], "data": b"\x00" * 4}}
    ),
    "array of an unknown dtype": ormsgpack.packb(
        {"action": {"dtype": "complex64", "shape": [1], "data": b"\x00" * 8}}
    ),
    "array with a bad shape": ormsgpack.packb(
        {"action": {"dtype": "uint8", "shape": [-1], "data": b"\x00"}}
    ),
    "array map with extra keys": ormsgpack.packb(
        {"action": {"dtype": "uint8", "shape": [1], "data": b"\x00", "x": 1}}
    ),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_malformed_msgpack_bodies_are_json_400s(http, create, body):
    instance_id = create("CartPole-v1")
    http.post(f"/v1/envs/{instance_id}/reset/")
    response = http.post(f"/v1/envs/{instance_id}/step/", content=body, headers=SENDS_MSGPACK)
    error_of(response, 400, "malformed_msgpack")


def test_deeply_nested_msgpack_is_refused_without_a_500(http, create):
    instance_id = create("CartPole-v1")
    for depth in (150, 5000):
        body = b"\x81\xa6action" + b"\x91" * depth + b"\x00"
        response = http.post(
            f"/v1/envs/{instance_id}/action_space/contains", content=body, headers=SENDS_MSGPACK
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] in {"invalid_parameter", "malformed_msgpack"}


def test_errors_stay_json_for_msgpack_clients(http):
    response = post_msgpack(http, "/v1/envs/", {"env_id": "NoSuchEnv-v0"})
    error_of(response, 400, "unknown_env_id")
    error_of(http.get("/v1/envs/00000000/", headers=ASKS_MSGPACK), 400, "unknown_instance")


def test_msgpack_bodies_create_and_reset_like_json(http, create):
    created = unpack(post_msgpack(http, "/v1/envs/", {"env_id": "FrozenLake-v1", "seed": 4}))
    instance_id = created["instance_id"]
    try:
        reset = unpack(post_msgpack(http, f"/v1/envs/{instance_id}/reset/", {"seed": 4}))
        assert reset["observation"] == 0
    finally:
        http.post(f"/v1/envs/{instance_id}/close/")
