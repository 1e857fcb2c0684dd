"""Wire values in two media, JSON (the default) and msgpack, chosen by the client.

Resources set ``resp.media`` to wire values (see ``values``) and never look at
the media type: ``Negotiation`` picks the response handler from ``Accept``
once per request, and the handlers registered on the app render the same
values either way. Request bodies take one path: ``BodyLimit`` refuses an
oversize body from its headers, before anything is read, and every body
(``req.get_media()``, which ``params`` calls) goes to the one ``BodyHandler``,
which reads at most the limit and parses msgpack when the ``Content-Type``
says so and JSON otherwise, both under the same depth limit.

msgpack renders a numpy array as a map of three keys:
``{"dtype": "uint8", "shape": [210, 160, 3], "data": <bin>}``, where ``data``
holds the elements in C (row-major) order, little-endian. No other wire value
is binary, so a map whose ``data`` is binary is an array, in any language.
"""

from __future__ import annotations

import secrets
from typing import Any

import falcon
import msgpack
import numpy as np
import orjson
import ormsgpack

from .errors import BodyTooLarge, InvalidParameter, MalformedJson, MalformedMsgpack
from .values import NUMERIC_KINDS, NonFinite, array_to_json, to_jsonable

MEDIA_MSGPACK = "application/msgpack"
# Other names msgpack goes by; a request body in any of them is read as msgpack.
MSGPACK_TYPES = (MEDIA_MSGPACK, "application/x-msgpack", "application/vnd.msgpack")

# Deeper nesting than any space needs (numpy arrays have at most 64 axes);
# refusing it keeps recursive decoding far from Python's recursion limit.
MAX_DEPTH = 100
# The most elements a wire array may have, counting each zero-length axis as
# one: a shape such as [2**62, 0] holds nothing, yet numpy and the code
# after it cannot handle it.
MAX_ELEMENTS = 2**32

# The dtypes an array can have on the wire, by their numpy names.
WIRE_DTYPES = {
    name: np.dtype(name).newbyteorder("<")
    for name in (
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
    )
}

# The same dtypes in this machine's byte order, as arrays read from the wire become.
NATIVE_DTYPES = {name: dtype.newbyteorder("=") for name, dtype in WIRE_DTYPES.items()}
ARRAY_KEYS = frozenset(("dtype", "shape", "data"))

_NUMPY_JSON = orjson.OPT_SERIALIZE_NUMPY


# JSON -------------------------------------------------------------------------


def json_default(value: Any) -> Any:
    """What orjson cannot write by itself: arrays, and anything unforeseen.

    Integer and boolean arrays are written by orjson straight from memory;
    float arrays go through ``tolist()`` so their digits stay those of the
    float64 values (a float32 0.1 reads back as the same float32), and only
    when orjson wrote a ``null`` (its NaN) is there anything non-finite to fix.
    """
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind in "biu" and value.ndim == 0:
            return value.item()
        if kind in "biu":
            native = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("="))
            return orjson.Fragment(orjson.dumps(native, option=_NUMPY_JSON))
        if kind == "f":
            text = orjson.dumps(value.tolist())
            if b"null" not in text:
                return orjson.Fragment(text)
        return array_to_json(value)
    converted = to_jsonable(value)
    if type(converted) is type(value):
        return str(value)  # an unforeseen type must not turn into an empty 500
    return converted


def dump_json(data: Any) -> bytes:
    return orjson.dumps(data, default=json_default)


def json_handler() -> falcon.media.JSONHandler:
    return falcon.media.JSONHandler(dumps=dump_json, loads=orjson.loads)


def load_json(raw: bytes | str, what: str = "Request body") -> Any:
    """JSON text as data, refusing what is not JSON or is nested absurdly deep."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise MalformedJson(f"{what} is not valid JSON: {error}") from None
    if _bracket_count(raw) > MAX_DEPTH and _nesting_depth(value) > MAX_DEPTH:
        raise InvalidParameter(f"{what} nests arrays and objects deeper than {MAX_DEPTH} levels")
    return value


def _bracket_count(raw: bytes | str) -> int:
    """An upper bound of the nesting depth, counted at C speed."""
    if isinstance(raw, str):
        return raw.count("[") + raw.count("{")
    return raw.count(b"[") + raw.count(b"{")


def _nesting_depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (list, dict)))
    return deepest if isinstance(value, (list, dict)) else 0


# msgpack ----------------------------------------------------------------------


def msgpack_default(value: Any) -> Any:
    """Arrays, and numpy scalars as 0-d arrays, as ``MsgpackArray`` maps;
    non-finite Python floats (``values.NonFinite``) as IEEE floats; tuples
    and subclasses of int, str, dict and list (an ``IntEnum`` in an info) as
    their plain values."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in NUMERIC_KINDS:
        return array_to_msgpack(np.asarray(value))
    if isinstance(value, NonFinite):
        return float(value)
    if isinstance(value, tuple):
        return list(value)
    for plain in (int, str, dict, list):
        if isinstance(value, plain):
            return plain(value)
    converted = to_jsonable(value)
    if type(converted) is type(value):
        return str(value)
    return converted


# Wire names by dtype: numpy computes ``dtype.name`` anew each time it is read,
# which a batched step (four arrays) would pay for eight times.
_WIRE_NAMES = {dtype: name for name, dtype in WIRE_DTYPES.items()}


def array_to_msgpack(array: np.ndarray) -> dict:
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    name = _WIRE_NAMES.get(dtype)
    if name is None:  # float128, say
        array, dtype, name = array.astype(np.float64), np.dtype("<f8"), "float64"
    data = np.ascontiguousarray(array, dtype=dtype).reshape(-1).view(np.uint8)
    # A view of the array's bytes: packed straight from the array, not copied first.
    return {"dtype": name, "shape": list(array.shape), "data": memoryview(data)}


def dump_msgpack(data: Any) -> bytes:
    """Answers are packed by ``msgpack``, requests read by ``ormsgpack``:
    ormsgpack writes large binary values about ten times slower (a batch of 8
    Pong frames, 806 KB: 510 µs against 66), and reads small maps faster.
    Exact types only: a numpy float64 is a float subclass that must reach
    ``msgpack_default`` to stay a 0-d array."""
    return msgpack.packb(data, default=msgpack_default, strict_types=True)


# A value no client can know, packed after the body: see load_msgpack.
_END = ormsgpack.packb(f"end-{secrets.token_hex(16)}")
_END_VALUE = ormsgpack.unpackb(_END)


def load_msgpack(raw: bytes, what: str = "Request body") -> Any:
    """msgpack bytes as wire values, arrays as numpy arrays; MalformedMsgpack
    when they are not one msgpack value or an array map is inconsistent.

    ormsgpack reads the first value and ignores what follows it, so the body
    is read as the first element of a two-element array whose second is a
    value unknown to the client: that second element comes back intact only
    when nothing follows the client's value.
    """
    try:
        value, end = ormsgpack.unpackb(b"\x92" + raw + _END)
    except (ormsgpack.MsgpackDecodeError, ValueError, TypeError) as error:
        raise MalformedMsgpack(f"{what} is not valid msgpack: {error}") from None
    if end != _END_VALUE:
        raise MalformedMsgpack(f"{what} has bytes after its msgpack value")
    return _with_arrays(value, 1, what)


def _with_arrays(value: Any, depth: int, what: str) -> Any:
    if depth > MAX_DEPTH:
        raise InvalidParameter(f"{what} nests arrays and maps deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        if isinstance(value.get("data"), bytes):
            return array_from_msgpack(value, what)
        return {key: _with_arrays(item, depth + 1, what) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_arrays(item, depth + 1, what) for item in value]
    if isinstance(value, bytes):
        raise MalformedMsgpack(f"{what} has binary data outside an array map")
    return value


def array_from_msgpack(value: dict, what: str) -> np.ndarray:
    dtype, shape, data = value.get("dtype"), value.get("shape"), value["data"]
    if value.keys() != ARRAY_KEYS:
        raise MalformedMsgpack(f"{what}: an array map has exactly the keys dtype, shape, data")
    wire_dtype = WIRE_DTYPES.get(dtype) if type(dtype) is str else None
    if wire_dtype is None:
        raise MalformedMsgpack(f"{what}: array dtype must be one of {sorted(WIRE_DTYPES)}")
    if type(shape) is not list or len(shape) > 64:
        raise MalformedMsgpack(f"{what}: array shape must be a list of non-negative integers")
    count, bound = 1, 1
    for n in shape:  # Python integers: no overflow
        if type(n) is not int or n < 0:
            raise MalformedMsgpack(f"{what}: array shape must be a list of non-negative integers")
        count, bound = count * n, bound * max(n, 1)
    if bound > MAX_ELEMENTS:
        raise MalformedMsgpack(
            f"{what}: array shape {shape} is larger than any array "
            f"a request can hold ({MAX_ELEMENTS} elements)"
        )
    if len(data) != wire_dtype.itemsize * count:
        raise MalformedMsgpack(
            f"{what}: array data has {len(data)} bytes, not "
            f"{wire_dtype.itemsize} x the product of shape {shape}"
        )
    array = np.frombuffer(data, dtype=wire_dtype).astype(NATIVE_DTYPES[dtype]).reshape(shape)
    return array[()] if not shape else array  # shape []: the numpy scalar it stands for


class MsgpackHandler(falcon.media.BaseHandler):
    """Renders answers; request bodies go to ``BodyHandler``."""

    def serialize(self, media: Any, content_type: str | None = None) -> bytes:
        return dump_msgpack(media)

    _serialize_sync = serialize


class BodyHandler(falcon.media.BaseHandler):
    """Every request body: at most ``max_bytes`` read, msgpack if the
    Content-Type names it and JSON whatever else it says (the original
    clients send JSON as text/plain, form types or nothing). A blank body
    reads as None."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def deserialize(self, stream, content_type, content_length) -> Any:
        raw = stream.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            raise BodyTooLarge(f"Request body exceeds the limit of {self.max_bytes} bytes")
        if not raw or raw.isspace():
            return None
        if is_msgpack(content_type):
            return load_msgpack(raw)
        return load_json(raw)


class RequestMedia(falcon.media.Handlers):
    """The request side's handlers: whatever the Content-Type, the one body handler."""

    def __init__(self, body: BodyHandler) -> None:
        self.body = body
        super().__init__({falcon.MEDIA_JSON: body, **{name: body for name in MSGPACK_TYPES}})

    def _create_resolver(self):
        def resolve(media_type, default, raise_not_found=True):
            return self.body, None, None

        resolve.cache_clear = lambda: None
        return resolve


class BodyLimit:
    """Falcon middleware: a body declared larger than the limit is refused
    from its headers, before any of it is read or any route runs."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    def process_request(self, req, resp) -> None:
        length = req.content_length
        if length is not None and length > self.max_bytes:
            raise BodyTooLarge(
                f"Request body of {length} bytes exceeds the limit of {self.max_bytes}"
            )


def is_msgpack(content_type: str | None) -> bool:
    """Does a request's Content-Type name msgpack (parameters aside)?"""
    return (
        content_type is not None
        and "msgpack" in content_type
        and (content_type.split(";", 1)[0].strip().lower() in MSGPACK_TYPES)
    )


class Negotiation:
    """Falcon middleware: msgpack answers for clients that prefer them.

    Most requests carry no msgpack in ``Accept`` and cost one substring test;
    an ``Accept`` of just a msgpack type costs one lookup; anything else with
    msgpack in it is negotiated with quality values.
    """

    def process_request(self, req, resp) -> None:
        accept = req.get_header("Accept")
        if accept in MSGPACK_TYPES:  # what msgpack clients send: no parsing needed
            resp.content_type = MEDIA_MSGPACK
        elif accept and "msgpack" in accept:
            preferred = req.client_prefers((falcon.MEDIA_JSON, *MSGPACK_TYPES))
            if preferred in MSGPACK_TYPES:
                resp.content_type = MEDIA_MSGPACK


def install(app: falcon.App, max_body_bytes: int) -> None:
    """Register the media once on the app: JSON (the default) and msgpack
    answers, one handler and one size limit for every request body."""
    msgpack = MsgpackHandler()
    app.resp_options.media_handlers.update(
        {falcon.MEDIA_JSON: json_handler(), **{name: msgpack for name in MSGPACK_TYPES}}
    )
    app.req_options.media_handlers = RequestMedia(BodyHandler(max_body_bytes))
    app.add_middleware(BodyLimit(max_body_bytes))
    app.add_middleware(Negotiation())
