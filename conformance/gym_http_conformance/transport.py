"""Plain HTTP/1.1 with the standard library: the runner needs nothing else,
and sees every response as sent (no redirects followed, no retries)."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from . import msgpack
from .pointer import MISSING


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-case names
    text: str
    body: Any = field(default=MISSING)  # the parsed JSON (or msgpack, in its JSON form), or MISSING


class Transport:
    """Sends requests to one server; ``base_url`` may carry a path prefix."""

    def __init__(self, base_url: str, timeout: float = 30.0, token: str | None = None):
        parts = urlsplit(base_url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme = parts.scheme
        self.netloc = parts.netloc
        self.prefix = parts.path
        self.timeout = timeout
        # Sent as `Authorization: Bearer <token>` on every request whose step
        # names no Authorization header of its own.
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        connection_class = (
            http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(self.netloc, timeout=self.timeout)
        try:
            connection.request(
                method, self.prefix + path, body=data, headers=with_auth(headers or {}, self.token)
            )
            raw = connection.getresponse()
            payload = raw.read()
            response_headers = {name.lower(): value for name, value in raw.getheaders()}
        finally:
            connection.close()
        text = payload.decode("utf-8", errors="replace")
        media_type = response_headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type in msgpack.MEDIA_TYPES:
            return Response(raw.status, response_headers, text, parse_msgpack(payload))
        return Response(raw.status, response_headers, text, parse_json(text))

    def get_json(self, path: str) -> Any:
        return self.request("GET", path).body


def with_auth(headers: dict[str, str], token: str | None) -> dict[str, str]:
    """The step's headers, with the runner's token unless the step names an
    Authorization header itself; an empty one means "send none"."""
    if any(name.lower() == "authorization" for name in headers):
        return {
            name: value
            for name, value in headers.items()
            if not (name.lower() == "authorization" and value == "")
        }
    if token:
        return {**headers, "Authorization": f"Bearer {token}"}
    return headers


def parse_json(text: str) -> Any:
    """Strict RFC 8259: NaN and Infinity tokens are not JSON."""
    if not text.strip():
        return MISSING

    def refuse(token: str) -> Any:
        raise ValueError(f"{token} is not JSON")

    try:
        return json.loads(text, parse_constant=refuse)
    except ValueError:
        return MISSING


def parse_msgpack(payload: bytes) -> Any:
    """A msgpack body in its JSON form (arrays as nested lists), or MISSING."""
    try:
        return msgpack.json_value(msgpack.unpackb(payload))
    except msgpack.MsgpackError:
        return MISSING
