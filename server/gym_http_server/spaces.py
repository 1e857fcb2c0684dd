"""Gymnasium spaces on the wire: describe, encode, decode, one registration per kind.

Modelled on ``gymnasium.spaces.utils``: each operation is a
``functools.singledispatch`` function, so a new space kind is one
registration per operation in this module and nothing anywhere else.

- ``describe(space)``: the ``info`` object of ``GET .../action_space/``. The
  original gym-http-api fields stay unchanged (Discrete ``n``; Box ``shape`` and
  flattened ``low``/``high`` with +-1e100 for infinities); the rest is additive.
- ``encode(space, value)``: an element of the space as wire values (see
  ``values``: numpy arrays stay arrays, the media handlers render them).
- ``decode(space, data)``: wire values, as a JSON or msgpack body parses to
  (nested lists or numpy arrays), as an element of the space; raises
  ``ValueError`` when the data cannot be one (wrong type, shape, keys).
- ``member(space, value)``: Gymnasium's own membership test of a decoded value
  (with a shortcut for Discrete, which every step of many envs pays for).
- ``contains(space, data)``: decode, then ``member``.

A space kind with no ``decode`` registration raises ``Unsupported`` (a
ValueError), so the step path learns it cannot decode without asking first.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any

import numpy as np
from gymnasium import spaces

from .values import NUMERIC_KINDS, array_to_json, float_from_json, to_wire

LEGACY_INFINITY = 1e100


@singledispatch
def describe(space: spaces.Space) -> dict:
    return {"name": type(space).__name__, "shape": _shape(space), "supported": False}


@singledispatch
def encode(space: spaces.Space, value: Any) -> Any:
    return to_wire(value)


class Unsupported(ValueError):
    """The space is of a kind that cannot travel over the wire."""


@singledispatch
def decode(space: spaces.Space, data: Any) -> Any:
    raise Unsupported(f"{type(space).__name__} spaces cannot be sent over the wire")


@singledispatch
def member(space: spaces.Space, value: Any) -> bool:
    return bool(space.contains(value))


def contains(space: spaces.Space, data: Any) -> bool:
    try:
        value = decode(space, data)
    except ValueError:
        return False
    return member(space, value)


def is_supported(space: spaces.Space) -> bool:
    return decode.dispatch(type(space)) is not decode.dispatch(object)


def _shape(space: spaces.Space) -> list[int] | None:
    return None if space.shape is None else list(space.shape)


def _integer(value: Any) -> int:
    """A JSON integer; integral floats (1.0) are accepted, booleans are not."""
    if type(value) is int and -(2**63) <= value < 2**63:
        return value
    if isinstance(value, bool):
        raise ValueError("expected an integer, got a boolean")
    if isinstance(value, np.integer):  # a 0-d integer array sent as msgpack
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ValueError(f"expected an integer, got {value!r}")
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"integer {value} is out of the 64-bit range")
    return value


def _nested(data: Any, leaf) -> Any:
    if isinstance(data, list):
        return [_nested(item, leaf) for item in data]
    return leaf(data)


def _plain_ints(data: Any) -> bool:
    """A flat list of JSON integers in the 64-bit range: one C-speed conversion."""
    return (
        isinstance(data, list)
        and set(map(type, data)) <= {int}
        and -(2**63) <= min(data, default=0)
        and max(data, default=0) < 2**63
    )


def _array(data: Any, leaf, dtype, shape: tuple[int, ...]) -> np.ndarray:
    """Nested JSON lists or a numpy array as an array of ``shape``; flat ones of
    the right size are reshaped, because legacy clients send Box actions flattened."""
    if isinstance(data, np.ndarray):
        array = _numeric(data, dtype)
    elif leaf is _integer and _plain_ints(data):
        array = np.array(data, dtype=np.int64)  # a batch of Discrete actions, say
    else:
        array = np.asarray(_nested(data, leaf), dtype=dtype)
    if array.shape != shape:
        if not _reshapeable(array, shape):
            raise ValueError(f"expected shape {list(shape)}, got {list(array.shape)}")
        array = array.reshape(shape)
    return array


def _reshapeable(array: np.ndarray, shape: tuple[int, ...]) -> bool:
    """The lenient forms legacy clients send: flat, or one element bare."""
    return array.size == int(np.prod(shape)) and array.ndim <= 1


def _fits(array: np.ndarray, dtype) -> np.ndarray:
    """Integers cast to ``dtype`` only when they fit (numpy would wrap them)."""
    if array.dtype == dtype:
        return array
    info = np.iinfo(dtype)
    if array.size and (array.min() < info.min or array.max() > info.max):
        raise ValueError(f"integer out of the range of {np.dtype(dtype)}")
    return array.astype(dtype)


def _numeric(data: np.ndarray, dtype) -> np.ndarray:
    """An array from a msgpack body, as ``dtype`` when its values allow."""
    if data.dtype.kind not in NUMERIC_KINDS:
        raise ValueError(f"expected numbers, got an array of {data.dtype}")
    if np.dtype(dtype).kind in "iu" and data.dtype.kind == "f":
        if not (np.isfinite(data).all() and (data == np.round(data)).all()):
            raise ValueError("expected integers")
    if np.dtype(dtype).kind in "iu" and data.dtype == np.uint64 and (data >= 2**63).any():
        raise ValueError("integer out of the 64-bit range")
    return data.astype(dtype)


# Discrete ---------------------------------------------------------------


@describe.register
def _(space: spaces.Discrete) -> dict:
    return {
        "name": "Discrete",
        "n": int(space.n),
        "start": int(space.start),
        "dtype": str(space.dtype),
    }


@encode.register
def _(space: spaces.Discrete, value: Any) -> Any:
    """What the env returned: a numpy integer stays one (a 0-d array in
    msgpack), a Python int stays an int."""
    return value if isinstance(value, np.integer) else int(value)


@decode.register
def _(space: spaces.Discrete, data: Any) -> np.integer:
    return space.dtype.type(_integer(data))


@member.register
def _(space: spaces.Discrete, value: Any) -> bool:
    """What ``Discrete.contains`` decides for the scalars ``decode`` returns."""
    if isinstance(value, np.integer) and value.dtype == space.dtype:
        return int(space.start) <= int(value) < int(space.start + space.n)
    return bool(space.contains(value))


# Box --------------------------------------------------------------------


def _legacy_bound(bound: np.ndarray) -> list:
    if np.issubdtype(bound.dtype, np.integer):
        return bound.flatten().tolist()
    flat = np.nan_to_num(
        bound.astype(np.float64).flatten(), posinf=LEGACY_INFINITY, neginf=-LEGACY_INFINITY
    )
    return flat.tolist()


@describe.register
def _(space: spaces.Box) -> dict:
    return {
        "name": "Box",
        "shape": list(space.shape),
        "low": _legacy_bound(space.low),
        "high": _legacy_bound(space.high),
        "dtype": str(space.dtype),
        "bounds": {"low": array_to_json(space.low), "high": array_to_json(space.high)},
    }


@encode.register
def _(space: spaces.Box, value: Any) -> np.ndarray:
    return np.asarray(value)


@decode.register
def _(space: spaces.Box, data: Any) -> np.ndarray:
    array = _array(data, float_from_json, np.float64, space.shape)
    if np.issubdtype(space.dtype, np.integer):
        if not (np.isfinite(array).all() and (array == np.round(array)).all()):
            raise ValueError(f"expected integers for a {space.dtype} Box")
        return _fits(array, space.dtype)
    elif np.issubdtype(space.dtype, np.floating):
        limit = np.finfo(space.dtype).max
        if (np.abs(array[np.isfinite(array)]) > limit).any():
            raise ValueError(f"value out of range for {space.dtype}")
    return array.astype(space.dtype)


# MultiBinary and MultiDiscrete -----------------------------------------------


@describe.register
def _(space: spaces.MultiBinary) -> dict:
    n = space.n if isinstance(space.n, int) else [int(k) for k in space.n]
    return {"name": "MultiBinary", "n": n, "shape": list(space.shape), "dtype": str(space.dtype)}


@describe.register
def _(space: spaces.MultiDiscrete) -> dict:
    return {
        "name": "MultiDiscrete",
        "nvec": space.nvec.tolist(),
        "start": space.start.tolist(),
        "shape": list(space.shape),
        "dtype": str(space.dtype),
    }


@encode.register(spaces.MultiBinary)
@encode.register(spaces.MultiDiscrete)
def _(space, value: Any) -> np.ndarray:
    return np.asarray(value)


@decode.register(spaces.MultiBinary)
@decode.register(spaces.MultiDiscrete)
def _(space, data: Any) -> np.ndarray:
    return _fits(_array(data, _integer, np.int64, space.shape), space.dtype)


@member.register
def _(space: spaces.MultiDiscrete, value: Any) -> bool:
    """What ``MultiDiscrete.contains`` decides for the arrays ``decode``
    returns, in one pass (a batch of Discrete actions is one of these)."""
    if isinstance(value, np.ndarray) and value.dtype == space.dtype and value.shape == space.shape:
        offset = value - space.start
        return bool(((offset >= 0) & (offset < space.nvec)).all())
    return bool(space.contains(value))


# Tuple and Dict ---------------------------------------------------------


@describe.register
def _(space: spaces.Tuple) -> dict:
    return {"name": "Tuple", "spaces": [describe(sub) for sub in space.spaces]}


@encode.register
def _(space: spaces.Tuple, value: Any) -> list:
    return [encode(sub, item) for sub, item in zip(space.spaces, value, strict=True)]


@decode.register
def _(space: spaces.Tuple, data: Any) -> tuple:
    if not isinstance(data, list) or len(data) != len(space.spaces):
        raise ValueError(f"expected an array of {len(space.spaces)} elements")
    return tuple(decode(sub, item) for sub, item in zip(space.spaces, data, strict=True))


@describe.register
def _(space: spaces.Dict) -> dict:
    return {"name": "Dict", "spaces": {key: describe(sub) for key, sub in space.spaces.items()}}


@encode.register
def _(space: spaces.Dict, value: Any) -> dict:
    return {key: encode(sub, value[key]) for key, sub in space.spaces.items()}


@decode.register
def _(space: spaces.Dict, data: Any) -> dict:
    if not isinstance(data, dict) or set(data) != set(space.spaces):
        raise ValueError(f"expected an object with keys {sorted(space.spaces)}")
    return {key: decode(sub, data[key]) for key, sub in space.spaces.items()}


# Text and Sequence ------------------------------------------------------


@describe.register
def _(space: spaces.Text) -> dict:
    return {
        "name": "Text",
        "min_length": int(space.min_length),
        "max_length": int(space.max_length),
        "charset": space.characters,
    }


@encode.register
def _(space: spaces.Text, value: Any) -> str:
    return str(value)


@decode.register
def _(space: spaces.Text, data: Any) -> str:
    if not isinstance(data, str):
        raise ValueError("expected a string")
    return data


@describe.register
def _(space: spaces.Sequence) -> dict:
    return {
        "name": "Sequence",
        "feature_space": describe(space.feature_space),
        "stack": bool(space.stack),
    }


@encode.register
def _(space: spaces.Sequence, value: Any) -> list:
    return [encode(space.feature_space, item) for item in value]


@decode.register
def _(space: spaces.Sequence, data: Any) -> Any:
    if not isinstance(data, list):
        raise ValueError("expected an array")
    items = tuple(decode(space.feature_space, item) for item in data)
    if space.stack:
        if not items:
            feature = space.feature_space
            return np.empty((0, *(feature.shape or ())), dtype=feature.dtype)
        return np.stack(items)
    return items


# Graph ------------------------------------------------------------------
# On the wire an object: ``nodes``, an array of node-space values, and with an
# edge space ``edges`` (edge-space values) and ``edge_links`` (``[from, to]``
# node indices), both present or both absent. Arrays of array-like features
# stay one numpy array (one msgpack bin for all nodes).


@describe.register
def _(space: spaces.Graph) -> dict:
    edge = None if space.edge_space is None else describe(space.edge_space)
    return {"name": "Graph", "node_space": describe(space.node_space), "edge_space": edge}


def _batch_encode(feature: spaces.Space, batch: Any) -> Any:
    if isinstance(feature, (spaces.Box, spaces.Discrete, spaces.MultiBinary, spaces.MultiDiscrete)):
        return np.asarray(batch)
    from gymnasium.vector.utils import batch_space, iterate

    return [encode(feature, item) for item in iterate(batch_space(feature, 1), batch)]


def _batch_decode(feature: spaces.Space, data: Any, where: str) -> Any:
    from gymnasium.vector.utils import concatenate, create_empty_array

    if isinstance(data, np.ndarray):
        data = data.tolist()
    if not isinstance(data, list):
        raise ValueError(f"at /{where}: expected an array")
    items = [_at((where, index), decode, feature, item) for index, item in enumerate(data)]
    empty = create_empty_array(feature, len(items))
    return concatenate(feature, items, empty) if items else empty


def _at(path: tuple, function, space: Any, data: Any) -> Any:
    """``function(space, data)``, naming the path into the value when it fails."""
    try:
        return function(space, data)
    except Unsupported:
        raise
    except ValueError as error:
        text = str(error)
        prefix = "/" + "/".join(str(part) for part in path)
        if text.startswith("at /"):
            raise ValueError(f"at {prefix}{text[3:]}") from None
        raise ValueError(f"at {prefix}: {text}") from None


@encode.register
def _(space: spaces.Graph, value: Any) -> dict:
    wire = {"nodes": _batch_encode(space.node_space, value.nodes)}
    if value.edges is not None and value.edge_links is not None:
        wire["edges"] = _batch_encode(space.edge_space, value.edges)
        wire["edge_links"] = np.asarray(value.edge_links, dtype=np.int64)
    return wire


@decode.register
def _(space: spaces.Graph, data: Any) -> spaces.GraphInstance:
    if not isinstance(data, dict) or "nodes" not in data:
        raise ValueError("expected an object with nodes")
    has_edges = {"edges", "edge_links"} & set(data)
    if set(data) - {"nodes", "edges", "edge_links"} or has_edges and len(has_edges) != 2:
        raise ValueError("expected nodes, and edges with edge_links or neither")
    if has_edges and space.edge_space is None:
        raise ValueError("this graph has no edge space: expected nodes only")
    nodes = _batch_decode(space.node_space, data["nodes"], "nodes")
    if not has_edges:
        return spaces.GraphInstance(nodes, None, None)
    edges = _batch_decode(space.edge_space, data["edges"], "edges")
    links = data["edge_links"]
    if isinstance(links, np.ndarray):
        links = links.tolist()
    if not isinstance(links, list):
        raise ValueError("at /edge_links: expected an array")
    pairs = [
        _at(("edge_links", index), _decode_link, None, link) for index, link in enumerate(links)
    ]
    count = len(data["nodes"])
    if len(pairs) != len(data["edges"]):
        raise ValueError("at /edge_links: expected one link per edge")
    for index, pair in enumerate(pairs):
        if not all(0 <= end < count for end in pair):
            raise ValueError(f"at /edge_links/{index}: a node index is out of range")
    return spaces.GraphInstance(nodes, edges, np.asarray(pairs, np.int32).reshape(-1, 2))


def _decode_link(_, data: Any) -> list[int]:
    if not isinstance(data, list) or len(data) != 2:
        raise ValueError("expected [from, to]")
    return [_integer(end) for end in data]


# OneOf ------------------------------------------------------------------
# On the wire ``[index, value]``, as Gymnasium's own ``to_jsonable`` writes it.


@describe.register
def _(space: spaces.OneOf) -> dict:
    return {"name": "OneOf", "spaces": [describe(sub) for sub in space.spaces]}


@encode.register
def _(space: spaces.OneOf, value: Any) -> list:
    index, item = value
    return [int(index), encode(space.spaces[int(index)], item)]


@decode.register
def _(space: spaces.OneOf, data: Any) -> tuple:
    if not isinstance(data, list) or len(data) != 2:
        raise ValueError("expected [index, value]")
    index = _integer(data[0])
    if not 0 <= index < len(space.spaces):
        raise ValueError(f"at /0: expected an index below {len(space.spaces)}")
    return np.int64(index), _at((1,), decode, space.spaces[index], data[1])


# Where a value leaves its space ------------------------------------------


def locate(space: spaces.Space, data: Any) -> str:
    """The JSON pointer into ``data`` of the innermost part that is not in its
    space ("" for the whole value), for error messages."""
    children = _children(space, data)
    for key, sub, item in children:
        if not contains(sub, item):
            return f"/{key}{locate(sub, item)}"
    return ""


def _children(space: spaces.Space, data: Any) -> list:
    if isinstance(space, spaces.Dict) and isinstance(data, dict):
        return [(key, sub, data[key]) for key, sub in space.spaces.items() if key in data]
    if isinstance(space, spaces.Tuple) and isinstance(data, list):
        pairs = zip(space.spaces, data, strict=False)
        return [(i, sub, item) for i, (sub, item) in enumerate(pairs)]
    if isinstance(space, spaces.Sequence) and isinstance(data, list):
        return [(i, space.feature_space, item) for i, item in enumerate(data)]
    if (
        isinstance(space, spaces.OneOf)
        and isinstance(data, list)
        and len(data) == 2
        and type(data[0]) is int
        and 0 <= data[0] < len(space.spaces)
    ):
        return [(1, space.spaces[data[0]], data[1])]
    return []
