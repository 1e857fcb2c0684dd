"""Wire values in two media, JSON (the default) and msgpack, chosen by the client.

Resources set ``resp.media`` to wire values (see ``values``) and never look at
the media type: ``Negotiation`` picks the response handler from ``Accept``
once per request, and the handlers registered on the app render the same
values either way. Request bodies are parsed by ``params``, which reads
msgpack when the ``Content-Type`` says so and JSON otherwise.

msgpack renders a numpy array as a map of three keys:
``{"dtype": "uint8", "shape": [210, 160, 3], "data": <bin>}``, where ``data``
holds the elements in C (row-major) order, little-endian. No other wire value
is binary, so a map whose ``data`` is binary is an array, in any language.
"""

from __future__ import annotations

from typing import Any

import falcon
import numpy as np
import orjson
import ormsgpack

from .errors import InvalidParameter, MalformedMsgpack
from .values import NUMERIC_KINDS, array_to_json, to_jsonable

MEDIA_MSGPACK = "application/msgpack"
# Other names msgpack goes by; a request body in any of them is read as msgpack.
MSGPACK_TYPES = (MEDIA_MSGPACK, "application/x-msgpack", "application/vnd.msgpack")

# The bound params.MAX_DEPTH sets for JSON bodies.
MAX_DEPTH = 100

# The dtypes an array can have on the wire, by their numpy names.
WIRE_DTYPES = {name: np.dtype(name).newbyteorder("<") for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64",
)}

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


# msgpack ----------------------------------------------------------------------


def msgpack_default(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype.kind in NUMERIC_KINDS:
        return array_to_msgpack(value)
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
    data = np.ascontiguousarray(array, dtype=dtype)
    return {"dtype": name, "shape": list(array.shape), "data": data.tobytes()}


def dump_msgpack(data: Any) -> bytes:
    return ormsgpack.packb(data, default=msgpack_default)


def load_msgpack(raw: bytes, what: str = "Request body") -> Any:
    """msgpack bytes as wire values, arrays as numpy arrays; MalformedMsgpack
    when they are not msgpack or an array map is inconsistent."""
    try:
        value = ormsgpack.unpackb(raw)
    except (ormsgpack.MsgpackDecodeError, ValueError, TypeError) as error:
        raise MalformedMsgpack(f"{what} is not valid msgpack: {error}") from None
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
    if set(value) != {"dtype", "shape", "data"}:
        raise MalformedMsgpack(f"{what}: an array map has exactly the keys dtype, shape, data")
    if dtype not in WIRE_DTYPES:
        raise MalformedMsgpack(f"{what}: array dtype must be one of {sorted(WIRE_DTYPES)}")
    if not (isinstance(shape, list) and len(shape) <= 64 and all(
            type(n) is int and n >= 0 for n in shape)):
        raise MalformedMsgpack(f"{what}: array shape must be a list of non-negative integers")
    wire_dtype = WIRE_DTYPES[dtype]
    if len(data) != wire_dtype.itemsize * int(np.prod(shape, dtype=np.float64)):
        raise MalformedMsgpack(f"{what}: array data has {len(data)} bytes, not "
                               f"{wire_dtype.itemsize} x the product of shape {shape}")
    return np.frombuffer(data, dtype=wire_dtype).reshape(shape).astype(wire_dtype.name)


class MsgpackHandler(falcon.media.BaseHandler):
    def serialize(self, media: Any, content_type: str | None = None) -> bytes:
        return dump_msgpack(media)

    def deserialize(self, stream, content_type, content_length) -> Any:
        return load_msgpack(stream.read())

    _serialize_sync = serialize


def is_msgpack(content_type: str | None) -> bool:
    """Does a request's Content-Type name msgpack (parameters aside)?"""
    return content_type is not None and "msgpack" in content_type and (
        content_type.split(";", 1)[0].strip().lower() in MSGPACK_TYPES)


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


def install(app: falcon.App) -> None:
    """Register both media once on the app; JSON stays the default."""
    json_ = json_handler()
    msgpack = MsgpackHandler()
    handlers = {falcon.MEDIA_JSON: json_, **{name: msgpack for name in MSGPACK_TYPES}}
    app.resp_options.media_handlers.update(handlers)
    app.req_options.media_handlers.update(handlers)
    app.add_middleware(Negotiation())
