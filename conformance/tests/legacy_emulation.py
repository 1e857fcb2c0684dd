"""A legacy emulation: the reference app made to answer like the archived
openai/gym-http-api, to show the suite tells the two contracts apart.

It is WSGI middleware (the ``Faulty`` wrapper of faults.py) that

- serves only the original's routes, exactly as Flask routed them (the
  original's trailing slashes; other paths 404, a missing slash 308), so
  every extension route is hidden, recording (monitor) included: the
  original's recording was gym's Monitor, which no longer exists;
- drops what the original did not send: error ``code``s, ``terminated`` and
  ``truncated``, reset ``info``, every space field but Discrete ``n`` and
  Box ``shape``/``low``/``high``;
- ignores what the original ignored (seeds, options, kwargs, render modes);
- answers 500 where the original crashed (an invalid action, a body that is
  not an object where it read the body), keeping 400 with a message where it
  answered 400; reset, close and monitor/close never read the body.
"""

from __future__ import annotations

import re

from faults import Answer, Faulty, Request

from gym_http_server import create_app

_ID = r"[^/]+"
ORIGINAL_ROUTES = [  # (method, path pattern), as openai/gym-http-api's Flask app had them
    ("POST", r"/v1/envs/"),
    ("GET", r"/v1/envs/"),
    ("POST", rf"/v1/envs/{_ID}/reset/"),
    ("POST", rf"/v1/envs/{_ID}/step/"),
    ("GET", rf"/v1/envs/{_ID}/action_space/"),
    ("GET", rf"/v1/envs/{_ID}/action_space/sample"),
    ("GET", rf"/v1/envs/{_ID}/action_space/contains/{_ID}"),
    ("GET", rf"/v1/envs/{_ID}/observation_space/"),
    ("POST", rf"/v1/envs/{_ID}/observation_space/contains"),
    ("POST", rf"/v1/envs/{_ID}/close/"),
]
# Routes whose handler never read the body: any body at all was fine.
BODY_IGNORED = re.compile(rf"/v1/envs/{_ID}/(reset|close|monitor/close)/")
ORIGINAL_400_CODES = {
    "unknown_instance",
    "missing_parameter",
    "malformed_env_id",
    "unknown_env_id",
    "deprecated_env_id",
}
FLASK_404 = b"<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
FLASK_500 = b"<!doctype html>\n<title>500 Internal Server Error</title>\n"


def _html(status: int, body: bytes, extra: list[tuple[str, str]] | None = None) -> Answer:
    return Answer(
        status,
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        + (extra or []),
        body,
    )


def _route(method: str, path: str) -> str:
    """'ok', 'redirect' (the path lacks the route's trailing slash), or 'missing'."""
    for route_method, pattern in ORIGINAL_ROUTES:
        if route_method == method and re.fullmatch(pattern, path):
            return "ok"
    for route_method, pattern in ORIGINAL_ROUTES:
        if route_method == method and re.fullmatch(pattern, path + "/"):
            return "redirect"
    return "missing"


def _original_space(info: dict) -> dict:
    if info.get("name") == "Discrete":
        return {"name": "Discrete", "n": info["n"]}
    if info.get("name") == "Box":
        return {key: info[key] for key in ("name", "shape", "low", "high")}
    return {"name": info.get("name")}


def _original_request(req: Request) -> Request:
    body = req.json()
    if req.is_("POST", "/v1/envs") and isinstance(body, dict):
        return req.with_json({"env_id": body.get("env_id")})
    if req.method == "POST" and BODY_IGNORED.fullmatch(req.path):
        return Request(req.method, req.path, b"")
    if req.is_("POST", "/step") and isinstance(body, dict):
        return req.with_json({key: body[key] for key in ("action",) if key in body})
    return req


def legacy_answers(req: Request, forward) -> Answer:
    route = _route(req.method, req.path)
    if route == "missing":
        return _html(404, FLASK_404)
    if route == "redirect":
        return _html(308, b"", [("Location", req.path + "/")])
    body = req.json()
    reads_body = not BODY_IGNORED.fullmatch(req.path)
    if (
        req.method == "POST"
        and reads_body
        and req.body.strip()
        and not isinstance(body, (dict, type(None)))
    ):
        return _html(500, FLASK_500)
    answer = forward(_original_request(req))
    data = answer.json()
    if answer.status >= 400:
        if answer.code in ORIGINAL_400_CODES:
            return answer.with_json({"message": data["message"]})
        return _html(500, FLASK_500)
    if not isinstance(data, dict):
        return answer
    if req.is_("POST", "/reset"):
        return answer.with_json({"observation": data["observation"]})
    if req.is_("POST", "/step"):
        original = ("observation", "reward", "done", "info")
        return answer.with_json({key: data[key] for key in original})
    if "info" in data and re.search(r"_space/$", req.path):
        return answer.with_json({"info": _original_space(data["info"])})
    return answer


def legacy_app():
    """The reference app answering like openai/gym-http-api."""
    return Faulty(create_app(), legacy_answers)
