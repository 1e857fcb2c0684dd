"""The original openai/gym-http-api Python client, kept call for call.

Same class and method names, arguments, routes, request bodies and return
shapes, so code written for the original runs unchanged; the transport
underneath is this package's (pooled connections, timeouts, retries of
idempotent GETs). Extra arguments are keyword-only and optional.

Errors are the original ``ServerError`` (``message``, ``status_code``), raised
as a subclass of the typed error as well: ``except ServerError`` keeps
working, and ``except UnknownInstanceError`` works too.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import quote

from . import errors
from .client import DEFAULT_BASE_URL, NO_BODY, HTTPClient, create_body
from .spaces import jsonable


class ServerError(errors.GymHTTPError):
    """The original client's error: the server's ``message`` and the HTTP ``status_code``."""

    def __init__(
        self,
        message: str,
        status_code: int | None = None,
        *,
        code: str | None = None,
        body: Any = None,
    ):
        super().__init__(message, status=status_code, code=code, body=body)

    @property
    def status_code(self) -> int | None:
        return self.status


_LEGACY_CLASSES: dict[type, type] = {}


def as_server_error(error: errors.GymHTTPError) -> ServerError:
    """The same error as a ServerError that is also an instance of its typed class."""
    typed = type(error)
    if typed not in _LEGACY_CLASSES:
        _LEGACY_CLASSES[typed] = type(
            typed.__name__, (ServerError, typed), {"__module__": __name__}
        )
    legacy = _LEGACY_CLASSES[typed](error.message, error.status, code=error.code, body=error.body)
    legacy.__cause__ = error.__cause__
    return legacy


class Client:
    """Gym client to interface with a gym-http-server (the original ``gym_http_client.Client``)."""

    def __init__(
        self,
        remote_base: str = DEFAULT_BASE_URL,
        *,
        token: str | None = None,
        timeout: float = 30.0,
    ):
        self.remote_base = remote_base
        self.transport = HTTPClient(remote_base, token=token, timeout=timeout)

    def _request(self, method: str, route: str, data: Any = None) -> Any:
        try:
            body = jsonable(data) if method == "POST" else NO_BODY
            return self.transport.call(method, route, body)
        except errors.GymHTTPError as error:
            raise as_server_error(error) from error

    def _post_request(self, route: str, data: Any) -> Any:
        return self._request("POST", route, data)

    def _get_request(self, route: str) -> Any:
        return self._request("GET", route)

    def env_create(
        self,
        env_id: str,
        *,
        seed: int | None = None,
        render_mode: str | None = None,
        kwargs: dict | None = None,
    ) -> str:
        data = create_body(env_id, seed=seed, render_mode=render_mode, kwargs=kwargs)
        return self._post_request("/v1/envs/", data)["instance_id"]

    def env_list_all(self) -> dict:
        return self._get_request("/v1/envs/")["all_envs"]

    def env_reset(
        self, instance_id: str, *, seed: int | None = None, options: dict | None = None
    ) -> Any:
        data = None
        if seed is not None or options is not None:
            data = {"seed": seed, "options": options}
        return self._post_request(f"/v1/envs/{instance_id}/reset/", data)["observation"]

    def env_step(self, instance_id: str, action: Any, render: bool = False) -> list:
        resp = self._post_request(
            f"/v1/envs/{instance_id}/step/", {"action": action, "render": render}
        )
        return [resp["observation"], resp["reward"], resp["done"], resp["info"]]

    def env_action_space_info(self, instance_id: str) -> dict:
        return self._get_request(f"/v1/envs/{instance_id}/action_space/")["info"]

    def env_action_space_sample(self, instance_id: str) -> Any:
        return self._get_request(f"/v1/envs/{instance_id}/action_space/sample")["action"]

    def env_action_space_contains(self, instance_id: str, x: Any) -> bool:
        text = x if isinstance(x, str) else json.dumps(jsonable(x))
        route = f"/v1/envs/{instance_id}/action_space/contains/{quote(text, safe='')}"
        return self._get_request(route)["member"]

    def env_observation_space_info(self, instance_id: str) -> dict:
        return self._get_request(f"/v1/envs/{instance_id}/observation_space/")["info"]

    def env_observation_space_contains(self, instance_id: str, params: dict) -> bool:
        return self._post_request(f"/v1/envs/{instance_id}/observation_space/contains", params)[
            "member"
        ]

    def env_monitor_start(
        self,
        instance_id: str,
        directory: str,
        force: bool = False,
        resume: bool = False,
        video_callable: Any = False,
    ) -> None:
        self._post_request(
            f"/v1/envs/{instance_id}/monitor/start/",
            {
                "directory": directory,
                "force": force,
                "resume": resume,
                "video_callable": video_callable,
            },
        )

    def env_monitor_close(self, instance_id: str) -> None:
        self._post_request(f"/v1/envs/{instance_id}/monitor/close/", None)

    def env_close(self, instance_id: str) -> None:
        self._post_request(f"/v1/envs/{instance_id}/close/", None)

    def upload(
        self, training_dir: str, algorithm_id: str | None = None, api_key: str | None = None
    ) -> None:
        if not api_key:
            api_key = os.environ.get("OPENAI_GYM_API_KEY")
        self._post_request(
            "/v1/upload/",
            {"training_dir": training_dir, "algorithm_id": algorithm_id, "api_key": api_key},
        )

    def shutdown_server(self) -> None:
        self._post_request("/v1/shutdown/", None)

    def close(self) -> None:
        """Release the connection pool (the original had none to release)."""
        self.transport.close()
