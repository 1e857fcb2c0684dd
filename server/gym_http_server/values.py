"""Wire values: what the space codecs and resources hand to the media handlers.

A wire value is None, a bool, an int, a str, a float, a list or a str-keyed
dict of wire values, a numeric numpy array, or a numeric numpy scalar. Values
keep their Python types here, so that a medium that can carry them carries
them: msgpack renders a numpy scalar as a 0-d array of its dtype and a
non-finite float as an IEEE float; JSON renders both as plain numbers, and
non-finite floats as the strings "NaN", "Infinity" and "-Infinity" (as in the
protobuf JSON mapping). Arrays stay arrays here: the JSON handler renders them
as nested lists (non-finite elements as those strings), the msgpack handler as
raw bytes with dtype and shape (see ``media``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}

# numpy kinds an array keeps on the wire: booleans, integers, floats.
NUMERIC_KINDS = "biuf"


class NonFinite(float):
    """A non-finite Python float on its way to a medium: JSON writes it as its
    string, msgpack as the IEEE float. (orjson and ormsgpack hand float
    subclasses to their ``default``, where each medium decides.)"""


def float_to_json(x: float) -> float | str:
    if math.isfinite(x):
        return float(x)  # numpy.float64 is a float subclass that JSON encoders refuse
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def float_from_json(value: Any) -> float:
    """A JSON number or one of the non-finite strings, else ValueError."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    raise ValueError(f"{value!r} is not a number")


def array_to_json(array: np.ndarray) -> Any:
    """Nested lists; floats checked for non-finite values only when needed."""
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        return _map_floats(array.tolist())
    if array.dtype.kind in NUMERIC_KINDS:
        return array.tolist()
    return to_wire(array.tolist())


def _map_floats(nested: Any) -> Any:
    if isinstance(nested, list):
        return [_map_floats(item) for item in nested]
    return float_to_json(nested)


def to_wire(value: Any) -> Any:
    """Any value an environment returns (reward, info, a frame) as wire values."""
    kind = type(value)
    if value is None or kind is bool or kind is str or kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else NonFinite(value)
    if isinstance(value, np.ndarray):
        return value if value.dtype.kind in NUMERIC_KINDS else to_wire(value.tolist())
    if isinstance(value, np.generic):
        # a numpy scalar stays one (a 0-d array in msgpack, a number in JSON)
        return value if value.dtype.kind in NUMERIC_KINDS else to_wire(value.item())
    if isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else NonFinite(value)
    if isinstance(value, dict):
        return {str(key): to_wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_wire(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def to_jsonable(value: Any) -> Any:
    """Wire values with arrays as nested lists: plain JSON data."""
    return _lists(to_wire(value))


def _lists(wire: Any) -> Any:
    if isinstance(wire, np.ndarray):
        return array_to_json(wire)
    if isinstance(wire, np.generic):
        return to_wire(wire.item()) if wire.dtype.kind != "f" else float_to_json(float(wire))
    if isinstance(wire, float):
        return float_to_json(wire)
    if isinstance(wire, dict):
        return {key: _lists(item) for key, item in wire.items()}
    if isinstance(wire, list):
        return [_lists(item) for item in wire]
    return wire
