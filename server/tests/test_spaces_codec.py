"""The space codec on its own, over one shared list of spaces (like Gymnasium's
TESTING_SPACES): adding a space kind here tests it in every function below."""

from __future__ import annotations

import math

import numpy as np
import orjson
import pytest
from gymnasium import spaces as gs

from gym_http_server import media, spaces
from gym_http_server.values import to_jsonable

TESTING_SPACES = [
    gs.Discrete(3),
    gs.Discrete(5, start=-2),
    gs.Box(-1.0, 1.0, (3,), np.float32),
    gs.Box(-np.inf, np.inf, (2, 2), np.float64),
    gs.Box(0, 255, (2, 3), np.uint8),
    gs.Box(np.array([-np.inf, 0.0], np.float32), np.array([1.0, np.inf], np.float32)),
    gs.MultiBinary(4),
    gs.MultiBinary([2, 3]),
    gs.MultiDiscrete([3, 2, 4]),
    gs.MultiDiscrete(np.array([[2, 3], [4, 5]]), start=np.array([[1, 0], [-1, 2]])),
    gs.Text(max_length=6),
    gs.Text(min_length=0, max_length=3, charset="xyz"),
    gs.Tuple((gs.Discrete(2), gs.Box(0.0, 1.0, (2,)))),
    gs.Dict({"a": gs.Discrete(3), "b": gs.MultiBinary(2), "c": gs.Tuple((gs.Text(4),))}),
    gs.Sequence(gs.Discrete(4)),
    gs.Sequence(gs.Box(-1.0, 1.0, (2,), np.float32), stack=True),
    gs.Box(0.1, 0.7, (2,), np.float32),
    gs.Box(-1.0, 1.0, (1,), np.float32),
    gs.Graph(node_space=gs.Box(-1.0, 1.0, (2,), np.float32), edge_space=gs.Discrete(3)),
    gs.Graph(node_space=gs.Discrete(4), edge_space=None),
    gs.OneOf((gs.Discrete(2), gs.Box(0.0, 1.0, (2,), np.float32), gs.Text(3))),
    gs.Dict(
        {
            "o": gs.OneOf((gs.MultiBinary(2), gs.Tuple((gs.Discrete(3, start=1),)))),
            "s": gs.Sequence(gs.Text(2, charset="ab")),
        }
    ),
]
IDS = [repr(space) for space in TESTING_SPACES]


def wire(data):
    """What a client receives: strict JSON, serialized and parsed again."""
    return orjson.loads(media.dump_json(data))


@pytest.mark.parametrize("space", TESTING_SPACES, ids=IDS)
def test_samples_survive_the_wire_and_remain_members(space):
    space.seed(0)
    for _ in range(20):
        value = space.sample()
        data = wire(spaces.encode(space, value))
        assert spaces.contains(space, data)
        decoded = spaces.decode(space, data)
        assert space.contains(decoded)
        assert wire(spaces.encode(space, decoded)) == data


@pytest.mark.parametrize("space", TESTING_SPACES, ids=IDS)
def test_description_is_strict_json_naming_the_kind(space):
    description = wire(spaces.describe(space))
    assert description["name"] == type(space).__name__
    assert "supported" not in description


@pytest.mark.parametrize("space", TESTING_SPACES, ids=IDS)
def test_wrongly_typed_values_are_not_members(space):
    for junk in [None, "not a value", {"k": 1}, [[[[]]]], True]:
        if isinstance(space, gs.Text) and isinstance(junk, str):
            continue
        assert not spaces.contains(space, junk), junk


@pytest.mark.parametrize(
    "space",
    [
        gs.Discrete(3),
        gs.Discrete(5, start=-2),
        *[s for s in TESTING_SPACES if s.shape and s.dtype.kind == "i"],
    ],
    ids=repr,
)
def test_membership_is_what_gymnasium_decides_in_and_out_of_range(space):
    """The quick membership checks agree with the space's own ``contains``."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        data = rng.integers(-4, 8, size=space.shape or ()).tolist()
        value = spaces.decode(space, data)
        assert spaces.member(space, value) == space.contains(value), data


def test_discrete_keeps_the_original_fields_and_adds_start():
    assert spaces.describe(gs.Discrete(5, start=-2)) == {
        "name": "Discrete",
        "n": 5,
        "start": -2,
        "dtype": "int64",
    }


def test_box_keeps_legacy_flat_bounds_with_1e100_and_adds_exact_bounds():
    box = gs.Box(np.array([[-np.inf, 0.0]], np.float32), np.array([[1.0, np.inf]], np.float32))
    description = spaces.describe(box)
    assert description["shape"] == [1, 2]
    assert description["low"] == [-1e100, 0.0]
    assert description["high"] == [1.0, 1e100]
    assert description["bounds"] == {"low": [["-Infinity", 0.0]], "high": [[1.0, "Infinity"]]}


def test_box_accepts_flattened_actions_and_nonfinite_strings():
    box = gs.Box(-np.inf, np.inf, (2, 2), np.float64)
    decoded = spaces.decode(box, [1, "Infinity", "-Infinity", 2.5])
    assert decoded.shape == (2, 2) and decoded[0, 1] == math.inf
    assert wire(spaces.encode(box, decoded)) == [[1.0, "Infinity"], ["-Infinity", 2.5]]
    assert not spaces.contains(gs.Box(-1, 1, (1,)), ["NaN"])


def test_integer_box_refuses_fractions_and_discrete_refuses_booleans():
    assert not spaces.contains(gs.Box(0, 255, (1,), np.uint8), [1.5])
    assert spaces.contains(gs.Box(0, 255, (1,), np.uint8), [7])
    assert not spaces.contains(gs.Discrete(2), True)
    assert spaces.contains(gs.Discrete(2), 1.0)


class Custom(gs.Space):
    """A space kind of an env's own: no registration, so never on the wire."""


def test_unknown_space_kinds_are_described_by_name_and_never_decoded():
    custom = Custom()
    assert spaces.describe(custom)["supported"] is False
    assert not spaces.is_supported(custom)
    with pytest.raises(ValueError):
        spaces.decode(custom, [])


def test_every_gymnasium_space_kind_travels_over_the_wire():
    kinds = {type(space) for space in TESTING_SPACES}
    every = {
        getattr(gs, name)
        for name in gs.__all__
        if isinstance(getattr(gs, name), type)
        and issubclass(getattr(gs, name), gs.Space)
        and getattr(gs, name) is not gs.Space
    }
    assert every <= kinds, every - kinds
    assert all(spaces.is_supported(space) for space in TESTING_SPACES)


def test_graph_and_oneof_wire_shapes():
    graph = gs.Graph(node_space=gs.Discrete(4), edge_space=gs.Box(0.0, 1.0, (1,), np.float32))
    value = {"nodes": [0, 3], "edges": [[0.5]], "edge_links": [[1, 0]]}
    decoded = spaces.decode(graph, value)
    assert graph.contains(decoded) and wire(spaces.encode(graph, decoded)) == value
    assert spaces.contains(graph, {"nodes": [1]})
    assert not spaces.contains(graph, {"nodes": [1], "edges": [[0.5]], "edge_links": [[0, 1]]})
    assert not spaces.contains(graph, {"nodes": [1, 2], "edges": [[0.5]]})
    one_of = gs.OneOf((gs.Discrete(2), gs.Text(3)))
    assert spaces.decode(one_of, [1, "ab"]) == (1, "ab")
    assert not spaces.contains(one_of, [2, 0]) and not spaces.contains(one_of, [0, "ab"])


def test_refusals_name_the_path_into_the_value():
    space = gs.Dict({"a": gs.Tuple((gs.Discrete(2), gs.OneOf((gs.Text(2), gs.Discrete(3)))))})
    assert spaces.locate(space, {"a": [1, [1, 7]]}) == "/a/1/1"
    assert spaces.locate(space, {"a": [5, [0, "x"]]}) == "/a/0"
    assert spaces.locate(space, {"a": [1, [0, "x"]]}) == ""
    graph = gs.Graph(node_space=gs.Discrete(2), edge_space=gs.Discrete(2))
    with pytest.raises(ValueError, match="at /edges/1"):
        spaces.decode(graph, {"nodes": [0, 1], "edges": [0, "x"], "edge_links": [[0, 1]] * 2})


def test_info_values_become_strict_json():
    info = {
        "a": np.float32(1.5),
        "b": np.arange(3),
        3: (np.nan, -np.inf),
        "c": {np.int8(1)},
        "d": np.float64(2.5),
        "e": np.bool_(True),
    }
    assert wire(to_jsonable(info)) == {
        "a": 1.5,
        "b": [0, 1, 2],
        "3": ["NaN", "-Infinity"],
        "c": [1],
        "d": 2.5,
        "e": True,
    }


def test_empty_sequences_are_members_stacked_or_not():
    assert spaces.contains(gs.Sequence(gs.Discrete(3)), [])
    assert spaces.contains(gs.Sequence(gs.Box(-1.0, 1.0, (2,), np.float32), stack=True), [])


def test_response_serializer_never_fails_on_unforeseen_types():
    import datetime

    from gym_http_server.media import dump_json

    data = {"a": np.float64(1.5), "b": np.arange(2), "c": datetime.time(1), "d": Ellipsis}
    assert orjson.loads(dump_json(data)) == {
        "a": 1.5,
        "b": [0, 1],
        "c": "01:00:00",
        "d": "Ellipsis",
    }
