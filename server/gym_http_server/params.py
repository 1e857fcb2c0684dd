"""Request parameters, from bodies that ``media`` reads (JSON whatever the
Content-Type unless it names msgpack, size-capped, depth-capped).

Parameters are read the way the original gym-http-api read them, because its
clients rely on it: a value of ``null``, ``""`` or ``[]`` counts as not given,
so a required one is the legacy "was not provided" 400 and an optional one
takes its default. A body of ``null``, ``""`` or ``[]`` (which the Python,
Rust, Ruby, Lua and MATLAB bindings send where the original ignored the body)
likewise reads as no parameters.
"""

from __future__ import annotations

from typing import Any

import orjson

from .errors import InvalidParameter, MissingParameter, echo


def read_json(req) -> Any:
    """The parsed body, or None when the body is absent or blank: through the
    app's one body handler (``media.BodyHandler``), which owns the limits."""
    return req.get_media()


def is_blank(value: Any) -> bool:
    """Whether the original server counted this value as not given."""
    return value is None or (type(value) in (str, list) and not value)


def read_object(req) -> dict:
    """The body as a JSON object; absent, empty and blank bodies read as {}."""
    body = read_json(req)
    if is_blank(body):
        return {}
    if not isinstance(body, dict):
        raise InvalidParameter(f"Request body must be a JSON object, not {json_type(body)}")
    return body


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def required(body: dict, name: str) -> Any:
    value = body.get(name)
    if is_blank(value):
        raise MissingParameter(name)
    return value


def optional(body: dict, name: str, default: Any = None) -> Any:
    value = body.get(name)
    return default if is_blank(value) else value


def typed(body: dict, name: str, kind: str, default: Any = None, *, required_: bool = False) -> Any:
    """A parameter of one JSON type; absent and blank values mean the default."""
    value = required(body, name) if required_ else optional(body, name)
    if value is None:
        return default
    if json_type(value) != kind or (kind == "number" and isinstance(value, bool)):
        raise InvalidParameter(f"Parameter '{name}' must be a {kind}, not {json_type(value)}")
    return value


def flag(body: dict, name: str) -> bool:
    """A boolean parameter, false by default; the strings "true" and "false"
    (which the Lua binding sends) read as the booleans."""
    value = optional(body, name, False)
    if value in ("true", "false"):
        return value == "true"
    if not isinstance(value, bool):
        raise InvalidParameter(f"Parameter '{name}' must be a boolean, not {json_type(value)}")
    return value


def as_integer(value: Any) -> int | None:
    """The value as an int where JSON Schema counts it an integer (7, and 7.0:
    "a number with a zero fractional part"), else None; booleans are not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def seed_param(body: dict) -> int | None:
    seed = optional(body, "seed")
    if seed is None:
        return None
    seed = as_integer(seed)
    if seed is None or not 0 <= seed < 2**64:
        raise InvalidParameter("Parameter 'seed' must be an integer from 0 to 2**64-1")
    return seed


def only_query(req, *names: str) -> None:
    """Refuse query parameters the route does not take, so that a misspelt
    one (``?limt=5``) is an error the client sees, not a silent default."""
    unknown = sorted(set(req.params) - set(names))
    if unknown:
        raise InvalidParameter(
            f"Unknown query parameter {echo_json(unknown[0])}: this route takes "
            + (", ".join(names) or "none")
        )


def echo_json(value: Any) -> str:
    """Client data quoted in a message, briefly."""
    return echo(orjson.dumps(value, default=str).decode())  # str: arrays from msgpack


# Longer is forever to any client, and overflows the waits under it
# (an epoll timeout is an int of milliseconds): a longer timeout means this.
MAX_TIMEOUT_SECONDS = 1e6


def deadline(body: dict, operator_seconds: float | None) -> float | None:
    """Seconds the call may take: the request's ``timeout``, capped by the
    operator's ``--step-timeout``; the operator's alone when the request names none."""
    requested = optional(body, "timeout")
    if requested is None:
        return operator_seconds
    if (
        isinstance(requested, bool)
        or not isinstance(requested, (int, float))
        or not 0 < requested < float("inf")
    ):
        raise InvalidParameter("Parameter 'timeout' must be a positive number of seconds")
    requested = min(requested, MAX_TIMEOUT_SECONDS)
    return requested if operator_seconds is None else min(requested, operator_seconds)
