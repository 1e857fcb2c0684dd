"""Plain values to strict RFC 8259 JSON and back.

JSON has no NaN or infinities. Like the protobuf JSON mapping, non-finite
floats travel as the strings "NaN", "Infinity" and "-Infinity"; finite
numbers travel as numbers. numpy scalars and arrays become Python numbers and
(nested) lists, so rewards and ``info`` dicts from any environment serialize.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


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
    if array.dtype.kind in "biuf":
        return array.tolist()
    return to_jsonable(array.tolist())


def _map_floats(nested: Any) -> Any:
    if isinstance(nested, list):
        return [_map_floats(item) for item in nested]
    return float_to_json(nested)


def to_jsonable(value: Any) -> Any:
    """Any value an environment returns (reward, info) as strict JSON data."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return float_to_json(value)
    if isinstance(value, np.ndarray):
        return array_to_json(value)
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)
