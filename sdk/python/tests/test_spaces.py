"""Spaces rebuild from the reference server's descriptions, and values cross the wire both ways.

The server side here is the reference server's own codec
(``gym_http_server.spaces``), so the SDK is checked against exactly what the
server sends and reads; a new space kind is covered by adding one line to
SPACES.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from gymnasium import spaces
from gymnasium.utils.env_checker import data_equivalence

from gym_http_client import spaces as sdk
from gym_http_client.client import decode_msgpack
from gym_http_server import spaces as server_codec
from gym_http_server.media import dump_json, dump_msgpack

SPACES = [
    spaces.Discrete(5),
    spaces.Discrete(3, start=-1),
    spaces.Box(-1.0, 1.0, (3,), np.float32),
    spaces.Box(-np.inf, np.inf, (2, 2), np.float64),
    spaces.Box(
        np.array([-np.inf, 0.0], np.float32), np.array([1.0, np.inf], np.float32), dtype=np.float32
    ),
    spaces.Box(0, 255, (2, 3, 3), np.uint8),
    spaces.Box(-5, 5, (4,), np.int32),
    spaces.MultiBinary(4),
    spaces.MultiBinary([2, 3]),
    spaces.MultiDiscrete([3, 2, 5]),
    spaces.MultiDiscrete([[2, 3], [4, 5]], start=[[-1, 0], [1, 2]]),
    spaces.Text(max_length=6),
    spaces.Text(min_length=2, max_length=4, charset="xyz"),
    spaces.Tuple((spaces.Discrete(2), spaces.Box(0.0, 1.0, (1,), np.float32))),
    spaces.Dict(
        {
            "a": spaces.Discrete(3),
            "b": spaces.MultiBinary(2),
            "c": spaces.Tuple((spaces.Text(3), spaces.Discrete(4))),
        }
    ),
    spaces.Sequence(spaces.Discrete(4)),
    spaces.Sequence(spaces.Box(-1.0, 1.0, (2,), np.float32), stack=True),
    spaces.Graph(spaces.Box(-1.0, 1.0, (2,), np.float32), spaces.Discrete(3)),
    spaces.Graph(spaces.Discrete(4), None),
    spaces.OneOf((spaces.Discrete(2), spaces.Box(0.0, 1.0, (2,), np.float32), spaces.Text(3))),
]


def over_the_wire(data):
    """What a JSON round trip does to data, strictly (no NaN tokens); numpy
    arrays among the server's wire values as its JSON media handler writes them."""
    return json.loads(json.dumps(data, allow_nan=False, default=server_json))


def server_json(array):
    return json.loads(dump_json(array))


@pytest.mark.parametrize("space", SPACES, ids=repr)
def test_description_rebuilds_an_equal_space(space):
    description = over_the_wire(server_codec.describe(space))
    rebuilt = sdk.from_description(description)
    assert rebuilt == space
    assert rebuilt.dtype == space.dtype


@pytest.mark.parametrize("space", SPACES, ids=repr)
def test_server_values_decode_to_members(space):
    space.seed(0)
    for _ in range(5):
        value = space.sample()
        if isinstance(space, spaces.Sequence) and space.stack and len(value) == 0:
            continue  # the server cannot send an empty stacked sequence
        wire = server_codec.encode(space, value)
        decoded = sdk.from_json(space, over_the_wire(wire))
        assert space.contains(decoded)
        # JSON carries the values, not numpy's scalar types (an np.int64 reads back as int)
        assert sdk.jsonable(decoded) == sdk.jsonable(value)
        packed = sdk.from_json(space, decode_msgpack(dump_msgpack(wire)))
        assert space.contains(packed)
        assert data_equivalence(packed, value)  # msgpack: the very types too


@pytest.mark.parametrize("space", SPACES, ids=repr)
def test_sdk_actions_decode_on_the_server(space):
    space.seed(1)
    for _ in range(5):
        value = space.sample()
        if isinstance(space, spaces.Sequence) and space.stack and len(value) == 0:
            continue
        wire = over_the_wire(sdk.to_json(space, value))
        assert server_codec.contains(space, wire)
        assert data_equivalence(server_codec.decode(space, wire), value)


def test_non_finite_values_travel_as_strings():
    box = spaces.Box(-np.inf, np.inf, (3,), np.float32)
    value = np.array([np.nan, np.inf, -np.inf], dtype=np.float32)
    wire = sdk.to_json(box, value)
    assert wire == ["NaN", "Infinity", "-Infinity"]
    decoded = sdk.from_json(box, wire)
    assert np.isnan(decoded[0]) and decoded[1] == np.inf and decoded[2] == -np.inf
    assert decoded.dtype == np.float32
    assert math.isnan(sdk.float_from_json("NaN")) and sdk.float_from_json(2) == 2.0
    assert sdk.jsonable({"r": np.float64(np.inf), 1: np.int64(3)}) == {"r": "Infinity", "1": 3}


def test_rejects_what_is_not_a_number():
    for bad in (True, "nan", None, [1]):
        with pytest.raises(ValueError):
            sdk.float_from_json(bad)


def test_unsupported_space_descriptions_raise_a_clear_error():
    with pytest.raises(sdk.UnsupportedSpaceError):
        sdk.from_description({"name": "Graph", "shape": None, "supported": False})
    with pytest.raises(sdk.UnsupportedSpaceError):
        sdk.from_description({"name": "SomethingNew"})


def test_a_remote_env_with_graph_and_oneof_spaces_steps(base_url, registered):
    from gym_http_client import make

    env_id = "GymHttpTest/GraphOneOf-v0"
    if env_id not in registered:
        pytest.skip(f"SKIPPED: {env_id} is not registered (gym-http-conformance not installed)")
    env = make(env_id, base_url=base_url)
    try:
        observation, _ = env.reset(seed=3)
        assert env.observation_space.contains(observation)
        env.action_space.seed(3)
        action = env.action_space.sample()
        observation, reward, *_ = env.step(action)
        assert env.observation_space.contains(observation)
        assert reward == len(action["graph"].nodes) + int(action["choice"][0])
    finally:
        env.close()
