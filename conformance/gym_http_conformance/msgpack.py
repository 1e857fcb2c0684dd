"""msgpack bodies as the JSON values they stand for, with the standard library.

The server answers ``Accept: application/msgpack`` with msgpack whose values
are those of the JSON answer, except that numeric arrays travel as
``MsgpackArray`` maps ``{dtype, shape, data}`` (raw little-endian bytes) and
non-finite numbers inside them as IEEE 754 values. ``json_value`` turns a
decoded body back into the JSON form (nested lists; ``"NaN"``,
``"Infinity"``, ``"-Infinity"``), so msgpack steps are checked with the same
assertions, against values saved from JSON steps.
"""

from __future__ import annotations

import math
import struct
from typing import Any

MEDIA_TYPES = ("application/msgpack", "application/x-msgpack", "application/vnd.msgpack")

_DTYPES = {
    "bool": "?",
    "int8": "b",
    "int16": "h",
    "int32": "i",
    "int64": "q",
    "uint8": "B",
    "uint16": "H",
    "uint32": "I",
    "uint64": "Q",
    "float16": "e",
    "float32": "f",
    "float64": "d",
}


class MsgpackError(ValueError):
    """The bytes are not msgpack this format allows."""


def unpackb(data: bytes) -> Any:
    value, end = _decode(memoryview(data), 0)
    if end != len(data):
        raise MsgpackError(f"{len(data) - end} bytes after the value")
    return value


def _take(buf: memoryview, pos: int, size: int) -> tuple[bytes, int]:
    if pos + size > len(buf):
        raise MsgpackError("truncated")
    return bytes(buf[pos : pos + size]), pos + size


def _unpack(fmt: str, buf: memoryview, pos: int) -> tuple[Any, int]:
    raw, pos = _take(buf, pos, struct.calcsize(fmt))
    return struct.unpack(fmt, raw)[0], pos


def _decode(buf: memoryview, pos: int) -> tuple[Any, int]:  # noqa: PLR0911, PLR0912
    if pos >= len(buf):
        raise MsgpackError("truncated")
    byte = buf[pos]
    pos += 1
    if byte <= 0x7F:
        return byte, pos
    if byte >= 0xE0:
        return byte - 0x100, pos
    if 0x80 <= byte <= 0x8F:
        return _map(buf, pos, byte & 0x0F)
    if 0x90 <= byte <= 0x9F:
        return _array(buf, pos, byte & 0x0F)
    if 0xA0 <= byte <= 0xBF:
        return _str(buf, pos, byte & 0x1F)
    simple = {0xC0: None, 0xC2: False, 0xC3: True}
    if byte in simple:
        return simple[byte], pos
    lengths = {
        0xC4: ">B",
        0xC5: ">H",
        0xC6: ">I",
        0xD9: ">B",
        0xDA: ">H",
        0xDB: ">I",
        0xDC: ">H",
        0xDD: ">I",
        0xDE: ">H",
        0xDF: ">I",
    }
    if byte in lengths:
        size, pos = _unpack(lengths[byte], buf, pos)
        if byte <= 0xC6:
            return _take(buf, pos, size)
        if byte <= 0xDB:
            return _str(buf, pos, size)
        return _array(buf, pos, size) if byte <= 0xDD else _map(buf, pos, size)
    numbers = {
        0xCA: ">f",
        0xCB: ">d",
        0xCC: ">B",
        0xCD: ">H",
        0xCE: ">I",
        0xCF: ">Q",
        0xD0: ">b",
        0xD1: ">h",
        0xD2: ">i",
        0xD3: ">q",
    }
    if byte in numbers:
        return _unpack(numbers[byte], buf, pos)
    raise MsgpackError(f"type byte 0x{byte:02x} (an extension type, or reserved)")


def _str(buf: memoryview, pos: int, size: int) -> tuple[str, int]:
    raw, pos = _take(buf, pos, size)
    try:
        return raw.decode("utf-8"), pos
    except UnicodeDecodeError as error:
        raise MsgpackError("a str that is not UTF-8") from error


def _array(buf: memoryview, pos: int, size: int) -> tuple[list, int]:
    items = []
    for _ in range(size):
        item, pos = _decode(buf, pos)
        items.append(item)
    return items, pos


def _map(buf: memoryview, pos: int, size: int) -> tuple[dict, int]:
    result = {}
    for _ in range(size):
        key, pos = _decode(buf, pos)
        if not isinstance(key, str):
            raise MsgpackError(f"a map key that is not a string: {key!r}")
        result[key], pos = _decode(buf, pos)
    return result, pos


def is_array(value: Any) -> bool:
    """A ``MsgpackArray``: the only maps whose ``data`` is binary."""
    return isinstance(value, dict) and isinstance(value.get("data"), bytes)


def array_values(value: dict) -> Any:
    """A ``MsgpackArray`` as nested lists in its shape (a bare number for shape [])."""
    dtype, shape, data = value.get("dtype"), value.get("shape"), value["data"]
    if dtype not in _DTYPES or not isinstance(shape, list):
        raise MsgpackError(f"a MsgpackArray with dtype {dtype!r} and shape {shape!r}")
    count = math.prod(shape)
    code = _DTYPES[dtype]
    if len(data) != count * struct.calcsize(code):
        raise MsgpackError(f"a {dtype} MsgpackArray of shape {shape} with {len(data)} bytes")
    flat = [_finite(x) for x in struct.unpack(f"<{count}{code}", data)]
    if dtype == "bool":
        flat = [bool(x) for x in flat]

    def nest(items: list, dims: list[int]) -> Any:
        if not dims:
            return items[0]
        if len(dims) == 1:
            return items
        step = len(items) // dims[0] if dims[0] else 0
        return [nest(items[i * step : (i + 1) * step], dims[1:]) for i in range(dims[0])]

    return nest(flat, shape)


def _finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")
    return x


def json_value(value: Any) -> Any:
    """A decoded msgpack value in its JSON form."""
    if is_array(value):
        return array_values(value)
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, bytes):
        raise MsgpackError("binary data outside a MsgpackArray")
    return _finite(value)
