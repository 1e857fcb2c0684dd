"""Deliberately broken variants of the reference server, to prove the suite
catches what it claims to catch.

Most faults are WSGI middleware around ``gym_http_server.create_app()``: a
fault sees each request, may change it, forwards it, and may change the
answer. One (state shared between instances) needs a broken part instead.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import gymnasium as gym
import ormsgpack

from gym_http_server import create_app
from gym_http_server.config import Parts, ServerConfig
from gym_http_server.instances import InstanceTable

STATUS_TEXT = {
    200: "OK",
    204: "No Content",
    308: "Permanent Redirect",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Internal Server Error",
    501: "Not Implemented",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes

    def json(self):
        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None

    def with_json(self, value) -> Request:
        return replace(self, body=json.dumps(value).encode())

    def is_(self, method: str, suffix: str) -> bool:
        return self.method == method and re.search(suffix + "/?$", self.path) is not None


@dataclass(frozen=True)
class Answer:
    """An answer; faults change JSON answers only (``json()`` is None for msgpack)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def with_json(self, value, status: int | None = None) -> Answer:
        body = json.dumps(value).encode()
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        return Answer(status or self.status, headers + [("Content-Length", str(len(body)))], body)

    @property
    def code(self):
        body = self.json()
        return body.get("code") if isinstance(body, dict) else None


Forward = Callable[[Request], Answer]
Fault = Callable[[Request, Forward], Answer]


class Faulty:
    """WSGI middleware applying one fault to every exchange."""

    def __init__(self, app, fault: Fault):
        self.app, self.fault = app, fault

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        request = Request(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""), body)

        def forward(req: Request) -> Answer:
            inner = dict(
                environ,
                REQUEST_METHOD=req.method,
                PATH_INFO=req.path,
                CONTENT_LENGTH=str(len(req.body)),
                **{"wsgi.input": io.BytesIO(req.body)},
            )
            captured = {}

            def capture(status, headers, exc_info=None):
                captured["status"], captured["headers"] = int(status.split()[0]), headers

            chunks = self.app(inner, capture)
            data = b"".join(chunks)
            if hasattr(chunks, "close"):
                chunks.close()
            return Answer(captured["status"], list(captured["headers"]), data)

        answer = self.fault(request, forward)
        reason = STATUS_TEXT.get(answer.status, "Status")
        start_response(f"{answer.status} {reason}", answer.headers)
        return [answer.body]


# The faults -------------------------------------------------------------


def close_answers_200(req, forward):
    """Wrong status: close says 200 instead of 204."""
    answer = forward(req)
    if req.is_("POST", "/close") and answer.status == 204:
        return Answer(200, answer.headers, b"")
    return answer


def step_lacks_truncated(req, forward):
    """Missing field: StepResponse without truncated."""
    answer = forward(req)
    if req.is_("POST", "/step") and answer.status == 200 and answer.json():
        body = answer.json()
        body.pop("truncated", None)
        return answer.with_json(body)
    return answer


def reward_is_a_string(req, forward):
    """Wrong type: the reward travels as a decimal string."""
    answer = forward(req)
    if req.is_("POST", "/step") and answer.status == 200 and "reward" in (answer.json() or {}):
        body = answer.json()
        body["reward"] = str(body["reward"])
        return answer.with_json(body)
    return answer


def done_always_false(req, forward):
    """done inconsistent with terminated/truncated."""
    answer = forward(req)
    if req.is_("POST", "/step") and answer.status == 200 and "done" in (answer.json() or {}):
        return answer.with_json({**answer.json(), "done": False})
    return answer


def seed_ignored(req, forward):
    """The seed of reset and create is dropped."""
    body = req.json()
    if req.method == "POST" and isinstance(body, dict) and "seed" in body:
        body.pop("seed")
        req = req.with_json(body)
    return forward(req)


def invalid_action_is_500(req, forward):
    """A bad action answers 5xx instead of 400 invalid_action."""
    answer = forward(req)
    if answer.code == "invalid_action":
        return answer.with_json({"message": "boom", "code": "internal_error"}, status=500)
    return answer


def accepts_out_of_space_action(req, forward):
    """An action outside the space is stepped anyway (replaced by a sample)."""
    answer = forward(req)
    if req.is_("POST", "/v1/envs/[^/]+/step") and answer.code == "invalid_action":
        instance = req.path.rstrip("/").rsplit("/", 1)[0]
        sample = forward(Request("GET", f"{instance}/action_space/sample", b"")).json()
        return forward(req.with_json({"action": sample["action"]}))
    return answer


def close_is_a_no_op(req, forward):
    """A closed instance keeps answering: close says 204 but closes nothing."""
    if req.is_("POST", "/close") and re.match(r"^/v1/envs/[0-9a-f]{8}/close/?$", req.path):
        return Answer(204, [], b"")
    return forward(req)


def unknown_instance_coded_bad_request(req, forward):
    """The right status with the wrong code."""
    answer = forward(req)
    if answer.code == "unknown_instance":
        return answer.with_json({**answer.json(), "code": "bad_request"})
    return answer


def trailing_slash_required(req, forward):
    """Paths without their trailing slash are 404."""
    if req.path.startswith("/v1/") and not req.path.endswith("/"):
        return Answer(
            404,
            [("Content-Type", "application/json")],
            b'{"message": "404 Not Found", "code": "not_found"}',
        )
    return forward(req)


def sample_outside_space(req, forward):
    """A Discrete sample of n, one past the last action."""
    answer = forward(req)
    if req.is_("GET", "/action_space/sample") and answer.status == 200 and answer.json():
        action = answer.json()["action"]
        if isinstance(action, int):
            return answer.with_json({"action": action + 100})
    return answer


def errors_in_plain_text(req, forward):
    """Errors without the JSON {message, code} shape."""
    answer = forward(req)
    if answer.status >= 400:
        return Answer(answer.status, [("Content-Type", "text/plain")], b"error")
    return answer


def msgpack_reward_differs(req, forward):
    """A step answered in msgpack carries another reward than the same step in JSON."""
    answer = forward(req)
    content_type = dict((k.lower(), v) for k, v in answer.headers).get("content-type", "")
    if req.is_("POST", "/step") and answer.status == 200 and "msgpack" in content_type:
        body = ormsgpack.unpackb(answer.body)
        if isinstance(body.get("reward"), (int, float)):
            body["reward"] += 1
            data = ormsgpack.packb(body)
            headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
            return Answer(200, headers + [("Content-Length", str(len(data)))], data)
    return answer


MIDDLEWARE_FAULTS: dict[str, Fault] = {
    fault.__name__: fault
    for fault in [
        close_answers_200,
        step_lacks_truncated,
        reward_is_a_string,
        done_always_false,
        seed_ignored,
        invalid_action_is_500,
        accepts_out_of_space_action,
        close_is_a_no_op,
        unknown_instance_coded_bad_request,
        trailing_slash_required,
        sample_outside_space,
        msgpack_reward_differs,
        errors_in_plain_text,
    ]
}


class SharedEnvTable(InstanceTable):
    """State leaking between instances: every instance of an env id drives
    the first one's environment."""

    def __init__(self, max_envs: int) -> None:
        super().__init__(max_envs)
        self.first: dict[str, gym.Env] = {}

    def add(self, env_id, env, **details):
        shared = self.first.setdefault(env_id, env)
        return super().add(env_id, shared, **details)


def broken_app(name: str):
    """The reference app with the named fault."""
    if name == "instances_share_state":
        config = ServerConfig()
        return create_app(parts=Parts.from_config(config, SharedEnvTable(config.max_envs)))
    return Faulty(create_app(), MIDDLEWARE_FAULTS[name])


FAULTS = sorted([*MIDDLEWARE_FAULTS, "instances_share_state"])
