"""A JSON Schema (2020-12) for every space: the wire values that decode into it.

``json_schema(space)`` is a ``functools.singledispatch`` function like those of
``spaces``, one registration per kind. A value the schema accepts decodes
into an element of the space, and a value it refuses is refused by
``spaces.decode``/``member`` (``invalid_action`` on a step), so a tool call or
a structured-output decoder that follows the schema produces valid actions.
The lenient forms ``decode`` keeps for legacy clients are part of the schema:
arrays may also be sent flat, one-element ones as a bare number,
integers as integral floats (``1.0``).

Two facts of a Graph are beyond JSON Schema: that ``edge_links`` name
existing nodes and that there is one link per edge. The schema says what it
can (pairs of non-negative integers) and ``decode`` checks the rest.

Float bounds are exact for the space's dtype: a float32 Box with high 0.1
accepts every JSON number that rounds to at most float32(0.1), which is what
``decode`` (which casts, then compares) accepts.
"""

from __future__ import annotations

import math
from functools import singledispatch

import numpy as np
from gymnasium import spaces

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# No NUL and no end-of-string anchor that allows a trailing newline (Python's ``$``).
_END = r"(?![\s\S])"


def document(space: spaces.Space) -> dict:
    """The schema as a standalone document, as the API serves it."""
    return {"$schema": DIALECT, **json_schema(space)}


@singledispatch
def json_schema(space: spaces.Space) -> dict:
    return {"not": {}, "description": f"{type(space).__name__} spaces cannot be sent"}


@json_schema.register
def _(space: spaces.Discrete) -> dict:
    start = int(space.start)
    return {"type": "integer", "minimum": start, "maximum": start + int(space.n) - 1}


def _float_limit(bound: float, dtype: np.dtype, upward: bool) -> float:
    """The furthest JSON number that, cast to ``dtype``, is still within ``bound``."""
    top = float(np.finfo(dtype).max)
    if math.isinf(bound):
        return top if upward else -top
    if dtype == np.float64:
        return bound
    exact = dtype.type(bound)
    beyond = np.nextafter(exact, dtype.type(np.inf if upward else -np.inf), dtype=dtype)
    if np.isinf(beyond):
        return top if upward else -top
    midpoint = (float(exact) + float(beyond)) / 2  # exact in float64
    if dtype.type(midpoint) == exact:  # a tie that rounds to the bound
        return midpoint
    return float(np.nextafter(midpoint, -np.inf if upward else np.inf))


def _box_leaf(low, high, dtype: np.dtype) -> dict:
    if np.issubdtype(dtype, np.integer):
        return {"type": "integer", "minimum": int(low), "maximum": int(high)}
    if dtype == np.bool_:
        return {"type": "boolean"}
    number = {
        "type": "number",
        "minimum": _float_limit(float(low), dtype, False),
        "maximum": _float_limit(float(high), dtype, True),
    }
    infinities = [
        name
        for name, value in (("-Infinity", -math.inf), ("Infinity", math.inf))
        if float(low) <= value <= float(high)
    ]
    return {"anyOf": [number, {"enum": infinities}]} if infinities else number


def _array_schema(leaves: np.ndarray) -> dict:
    """Nested arrays of ``leaves.shape`` whose element i matches leaves[i]."""
    if not isinstance(leaves, np.ndarray):
        return leaves
    if leaves.ndim == 0:
        return leaves.item()
    first = leaves.reshape(-1)[0] if leaves.size else {}
    uniform = all(item == first for item in leaves.reshape(-1))
    shape = {"type": "array", "minItems": leaves.shape[0], "maxItems": leaves.shape[0]}
    if uniform:
        return {**shape, "items": _array_schema(leaves[0]) if leaves.shape[0] else {}}
    return {**shape, "prefixItems": [_array_schema(row) for row in leaves], "items": False}


def _array_forms(leaves: np.ndarray) -> dict:
    """The space's shape, or flat, or (one element) bare: what decode reshapes."""
    forms = [_array_schema(leaves)]
    if leaves.ndim != 1:
        forms.append(_array_schema(leaves.reshape(-1)))
    if leaves.size == 1 and leaves.ndim != 0:
        forms.append(leaves.reshape(-1)[0])
    return forms[0] if len(forms) == 1 else {"anyOf": forms}


def _leaves(shape, make) -> np.ndarray:
    leaves = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        leaves[index] = make(index)
    return leaves


@json_schema.register
def _(space: spaces.Box) -> dict:
    low, high = np.broadcast_to(space.low, space.shape), np.broadcast_to(space.high, space.shape)
    return _array_forms(_leaves(space.shape, lambda i: _box_leaf(low[i], high[i], space.dtype)))


@json_schema.register
def _(space: spaces.MultiBinary) -> dict:
    return _array_forms(
        _leaves(space.shape, lambda i: {"type": "integer", "minimum": 0, "maximum": 1})
    )


@json_schema.register
def _(space: spaces.MultiDiscrete) -> dict:
    start, nvec = space.start, space.nvec
    return _array_forms(
        _leaves(
            space.shape,
            lambda i: {
                "type": "integer",
                "minimum": int(start[i]),
                "maximum": int(start[i] + nvec[i] - 1),
            },
        )
    )


@json_schema.register
def _(space: spaces.Tuple) -> dict:
    n = len(space.spaces)
    return {
        "type": "array",
        "prefixItems": [json_schema(sub) for sub in space.spaces],
        "items": False,
        "minItems": n,
    }


@json_schema.register
def _(space: spaces.Dict) -> dict:
    return {
        "type": "object",
        "properties": {key: json_schema(sub) for key, sub in space.spaces.items()},
        "required": list(space.spaces),
        "additionalProperties": False,
    }


def _char(c: str) -> str:
    return f"\\u{ord(c):04x}" if ord(c) < 0x10000 else c


@json_schema.register
def _(space: spaces.Text) -> dict:
    charset = "".join(_char(c) for c in sorted(space.character_set))
    return {
        "type": "string",
        "minLength": int(space.min_length),
        "maxLength": int(space.max_length),
        "pattern": f"^[{charset}]*{_END}",
    }


@json_schema.register
def _(space: spaces.Sequence) -> dict:
    return {"type": "array", "items": json_schema(space.feature_space)}


@json_schema.register
def _(space: spaces.Graph) -> dict:
    graph = {
        "type": "object",
        "required": ["nodes"],
        "additionalProperties": False,
        "properties": {"nodes": {"type": "array", "items": json_schema(space.node_space)}},
    }
    if space.edge_space is not None:
        link = {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
        graph["properties"]["edges"] = {"type": "array", "items": json_schema(space.edge_space)}
        graph["properties"]["edge_links"] = {
            "type": "array",
            "items": {"type": "array", "prefixItems": [link, link], "items": False, "minItems": 2},
        }
        graph["dependentRequired"] = {"edges": ["edge_links"], "edge_links": ["edges"]}
    return graph


@json_schema.register
def _(space: spaces.OneOf) -> dict:
    return {
        "oneOf": [
            {
                "type": "array",
                "prefixItems": [{"const": index}, json_schema(sub)],
                "items": False,
                "minItems": 2,
            }
            for index, sub in enumerate(space.spaces)
        ]
    }
