"""Uploaded runs, read back: a local stand-in for the retired scoreboard."""

from __future__ import annotations

from ..config import Parts
from ..errors import InvalidParameter
from ..params import only_query
from ..values import to_jsonable

MAX_LIMIT = 1000


class ResultList:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp):
        only_query(req, "env_id", "limit")
        env_id = req.get_param("env_id")
        limit = req.get_param("limit", default="100")
        if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= MAX_LIMIT:
            raise InvalidParameter(f"Parameter 'limit' must be an integer from 1 to {MAX_LIMIT}")
        resp.media = {"runs": to_jsonable(self.parts.results.runs(env_id, int(limit)))}


class Result:
    def __init__(self, parts: Parts):
        self.parts = parts

    def on_get(self, req, resp, run_id):
        resp.media = to_jsonable(self.parts.results.run(run_id))
