"""The shared conformance cases, sent through this SDK's own transport.

The interpreter is the conformance suite's (``gym_http_conformance``), so the
format has one implementation in Python; only the transport is this SDK's
``HTTPClient.request``, so running the cases checks this client's wire
behaviour (headers, bodies, status handling) as well as the server's.
"""

from __future__ import annotations

from typing import Any

from gym_http_client import HTTPClient
from gym_http_client.spaces import jsonable
from gym_http_conformance import runner
from gym_http_conformance.report import describe_failure
from gym_http_conformance.transport import Response, parse_json


class SDKTransport:
    """The conformance runner's transport interface, over ``HTTPClient``."""

    def __init__(self, http: HTTPClient):
        self.http = http

    def request(
        self,
        method: str,
        path: str,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        answer = self.http.request(method, path, content=data, headers=headers)
        lowered = {name.lower(): value for name, value in answer.headers.items()}
        if "msgpack" in lowered.get("content-type", "") and answer.is_json:
            # decoded by this SDK (arrays and scalars as numpy), compared in JSON form
            return Response(answer.status, lowered, answer.text, jsonable(answer.json))
        return Response(answer.status, lowered, answer.text, parse_json(answer.text))

    def get_json(self, path: str) -> Any:
        return self.request("GET", path).body


def run_case(case: dict, http: HTTPClient, registry: set[str], topic: str = "sdk"):
    """One case through the SDK; the result says passed, failed (and why) or skipped."""
    return runner.run_case(SDKTransport(http), topic, case, registry)


def failure_text(result) -> str:
    return describe_failure(result.failure) if result.failure else result.reason
