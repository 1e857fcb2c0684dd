"""Gymnasium spaces from the server's JSON descriptions, and values to and from JSON.

The mirror image of the server's codec, in the same shape as
``gymnasium.spaces.utils``: ``from_description`` rebuilds a real Gymnasium
space from ``GET .../action_space/`` (one builder per ``name``), and the
``functools.singledispatch`` functions ``to_json(space, value)`` and
``from_json(space, data)`` carry elements across, one registration per kind.
JSON has no NaN or infinities, so they travel as "NaN", "Infinity" and
"-Infinity" (Box bounds, observations, actions, rewards).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import singledispatch
from typing import Any

import numpy as np
from gymnasium import spaces

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


class UnsupportedSpaceError(ValueError):
    """The server describes a space kind it cannot carry over the wire."""


# Plain values ------------------------------------------------------------


def float_from_json(value: Any) -> float:
    """A JSON number or one of the non-finite strings (a reward, a Box entry)."""
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not a number")
    return float(value)


def float_to_json(x: float) -> float | str:
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def jsonable(value: Any) -> Any:
    """Any Python/numpy value as strict JSON data (numpy to lists, non-finite floats to strings)."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return float_to_json(value)
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    raise TypeError(f"{type(value).__name__} cannot be sent as JSON")


def _floats(data: Any) -> Any:
    if isinstance(data, list):
        return [_floats(item) for item in data]
    return float_from_json(data)


def _array(data: Any, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    if dtype.kind == "f":
        numbers = np.asarray(data)
        if numbers.dtype.kind in "iuf":  # no "NaN"/"Infinity" strings to convert
            numbers = numbers.astype(dtype, copy=False)
        else:
            numbers = np.asarray(_floats(data), dtype=dtype)
    else:
        numbers = np.asarray(data, dtype=dtype)
    return numbers if numbers.shape == shape else numbers.reshape(shape)


# Descriptions -> spaces ---------------------------------------------------

_BUILDERS: dict[str, Callable[[dict], spaces.Space]] = {}


def _builds(name: str):
    def register(builder):
        _BUILDERS[name] = builder
        return builder

    return register


def from_description(description: dict) -> spaces.Space:
    """The Gymnasium space a server's ``info`` object describes."""
    name = description.get("name")
    if description.get("supported") is False or name not in _BUILDERS:
        raise UnsupportedSpaceError(f"the server cannot carry {name!r} spaces over the wire")
    return _BUILDERS[name](description)


@_builds("Discrete")
def _(d: dict) -> spaces.Discrete:
    return spaces.Discrete(d["n"], start=d.get("start", 0), dtype=d.get("dtype", "int64"))


@_builds("Box")
def _(d: dict) -> spaces.Box:
    dtype = np.dtype(d.get("dtype", "float32"))
    shape = tuple(d["shape"])
    bounds = d.get("bounds") or {"low": d["low"], "high": d["high"]}  # pre-1.0 servers: legacy only
    return spaces.Box(
        _array(bounds["low"], dtype, shape),
        _array(bounds["high"], dtype, shape),
        shape=shape,
        dtype=dtype,
    )


@_builds("MultiBinary")
def _(d: dict) -> spaces.MultiBinary:
    return spaces.MultiBinary(d["n"])


@_builds("MultiDiscrete")
def _(d: dict) -> spaces.MultiDiscrete:
    dtype = np.dtype(d.get("dtype", "int64"))
    return spaces.MultiDiscrete(
        np.asarray(d["nvec"], dtype=dtype),
        dtype=dtype,
        start=np.asarray(d.get("start", 0), dtype=dtype),
    )


@_builds("Tuple")
def _(d: dict) -> spaces.Tuple:
    return spaces.Tuple([from_description(sub) for sub in d["spaces"]])


@_builds("Dict")
def _(d: dict) -> spaces.Dict:
    return spaces.Dict({key: from_description(sub) for key, sub in d["spaces"].items()})


@_builds("Text")
def _(d: dict) -> spaces.Text:
    return spaces.Text(d["max_length"], min_length=d["min_length"], charset=d["charset"])


@_builds("Sequence")
def _(d: dict) -> spaces.Sequence:
    return spaces.Sequence(from_description(d["feature_space"]), stack=d.get("stack", False))


# Values -> JSON (actions) ---------------------------------------------------


@singledispatch
def to_json(space: spaces.Space, value: Any) -> Any:
    """An element of ``space`` as JSON data for the wire."""
    return jsonable(value)


@to_json.register
def _(space: spaces.Discrete, value: Any) -> int:
    return int(value)


@to_json.register
def _(space: spaces.Tuple, value: Any) -> list:
    return [to_json(sub, item) for sub, item in zip(space.spaces, value, strict=True)]


@to_json.register
def _(space: spaces.Dict, value: Any) -> dict:
    return {key: to_json(sub, value[key]) for key, sub in space.spaces.items()}


@to_json.register
def _(space: spaces.Text, value: Any) -> str:
    return str(value)


@to_json.register
def _(space: spaces.Sequence, value: Any) -> list:
    return [to_json(space.feature_space, item) for item in value]


# JSON -> values (observations) ----------------------------------------------


@singledispatch
def from_json(space: spaces.Space, data: Any) -> Any:
    """JSON data from the wire as an element of ``space``, with the space's dtypes."""
    raise UnsupportedSpaceError(f"{type(space).__name__} values cannot be read from the wire")


@from_json.register
def _(space: spaces.Discrete, data: Any) -> Any:
    """As the environment returned it where the wire says (a numpy integer from
    msgpack, a Python int), else the space's dtype."""
    if isinstance(data, np.integer) or type(data) is int:
        return data
    return space.dtype.type(data)


def number(value: Any) -> Any:
    """A reward as it came: int, float or numpy scalar; a non-finite string as a float."""
    if isinstance(value, str):
        return float_from_json(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise ValueError(f"{value!r} is not a number")
    return value


def flag(value: Any) -> Any:
    """terminated or truncated as it came: a numpy bool stays one."""
    return value if isinstance(value, np.bool_) else bool(value)


@from_json.register(spaces.Box)
@from_json.register(spaces.MultiBinary)
@from_json.register(spaces.MultiDiscrete)
def _(space, data: Any) -> np.ndarray:
    return _array(data, space.dtype, space.shape)


@from_json.register
def _(space: spaces.Tuple, data: Any) -> tuple:
    return tuple(from_json(sub, item) for sub, item in zip(space.spaces, data, strict=True))


@from_json.register
def _(space: spaces.Dict, data: Any) -> dict:
    return {key: from_json(sub, data[key]) for key, sub in space.spaces.items()}


@from_json.register
def _(space: spaces.Text, data: Any) -> str:
    return str(data)


@from_json.register
def _(space: spaces.Sequence, data: Any) -> Any:
    items = tuple(from_json(space.feature_space, item) for item in data)
    if space.stack:
        return np.stack(items) if items else np.zeros((0,) + (space.feature_space.shape or ()))
    return items


# Graph and OneOf --------------------------------------------------------------
# A Graph travels as {nodes, edges, edge_links} (edges only with an edge space),
# a OneOf as [index, value], as Gymnasium's own to_jsonable writes them.


@_builds("Graph")
def _(d: dict) -> spaces.Graph:
    edge = d.get("edge_space")
    return spaces.Graph(from_description(d["node_space"]), from_description(edge) if edge else None)


@_builds("OneOf")
def _(d: dict) -> spaces.OneOf:
    return spaces.OneOf([from_description(sub) for sub in d["spaces"]])


def _batch_to_json(feature: spaces.Space, batch: Any) -> list:
    from gymnasium.vector.utils import batch_space, iterate

    return [to_json(feature, item) for item in iterate(batch_space(feature, 1), batch)]


def _batch_from_json(feature: spaces.Space, data: Any) -> Any:
    from gymnasium.vector.utils import concatenate, create_empty_array

    items = [from_json(feature, item) for item in data]
    empty = create_empty_array(feature, len(items))
    return concatenate(feature, items, empty) if items else empty


@to_json.register
def _(space: spaces.Graph, value: Any) -> dict:
    data = {"nodes": _batch_to_json(space.node_space, value.nodes)}
    if value.edges is not None and value.edge_links is not None:
        data["edges"] = _batch_to_json(space.edge_space, value.edges)
        data["edge_links"] = jsonable(np.asarray(value.edge_links))
    return data


@from_json.register
def _(space: spaces.Graph, data: Any) -> spaces.GraphInstance:
    nodes = _batch_from_json(space.node_space, data["nodes"])
    if data.get("edges") is None or space.edge_space is None:
        return spaces.GraphInstance(nodes, None, None)
    edges = _batch_from_json(space.edge_space, data["edges"])
    links = np.asarray(data["edge_links"], dtype=np.int32).reshape(-1, 2)
    return spaces.GraphInstance(nodes, edges, links)


@to_json.register
def _(space: spaces.OneOf, value: Any) -> list:
    index, item = value
    return [int(index), to_json(space.spaces[int(index)], item)]


@from_json.register
def _(space: spaces.OneOf, data: Any) -> tuple:
    index, item = data
    return np.int64(index), from_json(space.spaces[int(index)], item)
