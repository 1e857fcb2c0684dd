"""Hypothesis strategies for the values of a space, built from the JSON space
description a server returns (never from Gymnasium objects), so the property
tests check the wire contract itself."""

from __future__ import annotations

import math

from hypothesis import strategies as st

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
UNBOUNDED_LIMIT = 1e6  # where a Box bound is infinite, stay finite and ordinary


def values(description: dict) -> st.SearchStrategy:
    """Members of the described space, encoded as JSON data."""
    return _KINDS[description["name"]](description)


def _discrete(d: dict) -> st.SearchStrategy:
    return st.integers(d["start"], d["start"] + d["n"] - 1)


def _flatten(nested) -> list:
    if isinstance(nested, list):
        return [leaf for item in nested for leaf in _flatten(item)]
    return [nested]


def _nest(flat: list, shape: list[int]):
    if not shape:
        return flat[0]
    size = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * size : (i + 1) * size], shape[1:]) for i in range(shape[0])]


def _bound(value) -> float:
    return NON_FINITE.get(value, value) if isinstance(value, str) else float(value)


def _box(d: dict) -> st.SearchStrategy:
    shape = d["shape"]
    count = math.prod(shape)
    lows = [_bound(v) for v in _flatten(d["bounds"]["low"])] or [_bound(d["bounds"]["low"])]
    highs = [_bound(v) for v in _flatten(d["bounds"]["high"])] or [_bound(d["bounds"]["high"])]
    if len(lows) == 1:
        lows, highs = lows * count, highs * count
    integral = d["dtype"].startswith(("int", "uint"))
    width = 32 if d["dtype"] == "float32" else 16 if d["dtype"] == "float16" else 64
    elements = []
    for low, high in zip(lows, highs, strict=True):
        low = max(low, -UNBOUNDED_LIMIT)
        high = min(high, UNBOUNDED_LIMIT)
        if integral:
            elements.append(st.integers(math.ceil(low), math.floor(high)))
        else:
            elements.append(
                st.floats(low, high, width=width, allow_nan=False, allow_infinity=False).map(float)
            )
    return st.tuples(*elements).map(lambda flat: _nest(list(flat), shape))


def _multi_binary(d: dict) -> st.SearchStrategy:
    shape = d["shape"]
    return st.lists(st.integers(0, 1), min_size=math.prod(shape), max_size=math.prod(shape)).map(
        lambda flat: _nest(flat, shape)
    )


def _multi_discrete(d: dict) -> st.SearchStrategy:
    shape = d["shape"]
    nvec, start = _flatten(d["nvec"]), _flatten(d["start"])
    return st.tuples(*[st.integers(s, s + n - 1) for n, s in zip(nvec, start, strict=True)]).map(
        lambda flat: _nest(list(flat), shape)
    )


def _tuple(d: dict) -> st.SearchStrategy:
    return st.tuples(*[values(sub) for sub in d["spaces"]]).map(list)


def _dict(d: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries({key: values(sub) for key, sub in d["spaces"].items()})


def _text(d: dict) -> st.SearchStrategy:
    return st.text(
        alphabet=st.sampled_from(d["charset"]), min_size=d["min_length"], max_size=d["max_length"]
    )


def _sequence(d: dict) -> st.SearchStrategy:
    min_size = 1 if d["stack"] else 0
    return st.lists(values(d["feature_space"]), min_size=min_size, max_size=4)


_KINDS = {
    "Discrete": _discrete,
    "Box": _box,
    "MultiBinary": _multi_binary,
    "MultiDiscrete": _multi_discrete,
    "Tuple": _tuple,
    "Dict": _dict,
    "Text": _text,
    "Sequence": _sequence,
}

SPACE_KINDS = frozenset(_KINDS)


def kinds_in(description: dict) -> set[str]:
    """Every space kind a description contains, nested ones included."""
    found = {description["name"]}
    for sub in (
        description.get("spaces", [])
        if isinstance(description.get("spaces"), list)
        else (description.get("spaces") or {}).values()
    ):
        found |= kinds_in(sub)
    if "feature_space" in description:
        found |= kinds_in(description["feature_space"])
    return found
