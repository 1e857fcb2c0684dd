"""The original openai/gym-http-api Python client, kept call for call.

Same class and method names, arguments, routes, request bodies and return
shapes, so code written for the original runs unchanged; the transport
underneath is this package's (pooled connections, timeouts, retries of
idempotent GETs). Extra arguments are keyword-only and optional.

Errors are the original ``ServerError`` (``message``, ``status_code``), raised
as a subclass of the typed error as well: ``except ServerError`` keeps
working, and ``except UnknownInstanceError`` works too.

``AsyncClient`` has the same methods for asyncio (``await client.env_step(...)``).
The methods are written once: each hands ``_request`` the route, the data and
how to shape the answer, and ``_request`` is a coroutine on the async client.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from operator import itemgetter
from typing import Any
from urllib.parse import quote

from . import errors
from .async_client import AsyncHTTPClient
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


Shape = Callable[[Any], Any] | None


def _nothing(answer: Any) -> None:
    return None


def _step_list(answer: dict) -> list:
    return [answer["observation"], answer["reward"], answer["done"], answer["info"]]


def _body(method: str, data: Any) -> Any:
    return jsonable(data) if method == "POST" else NO_BODY


class _Calls:
    """The original client's methods, for ``Client`` and ``AsyncClient`` alike."""

    transport_class: type

    def __init__(
        self,
        remote_base: str = DEFAULT_BASE_URL,
        *,
        token: str | None = None,
        timeout: float = 30.0,
    ):
        self.remote_base = remote_base
        self.transport = self.transport_class(remote_base, token=token, timeout=timeout)

    def _request(self, method: str, route: str, data: Any = None, shape: Shape = None) -> Any:
        raise NotImplementedError

    def _post_request(self, route: str, data: Any, shape: Shape = None) -> Any:
        return self._request("POST", route, data, shape)

    def _get_request(self, route: str, shape: Shape = None) -> Any:
        return self._request("GET", route, None, shape)

    def env_create(
        self,
        env_id: str,
        *,
        seed: int | None = None,
        render_mode: str | None = None,
        kwargs: dict | None = None,
    ) -> Any:
        data = create_body(env_id, seed=seed, render_mode=render_mode, kwargs=kwargs)
        return self._post_request("/v1/envs/", data, itemgetter("instance_id"))

    def env_list_all(self) -> Any:
        return self._get_request("/v1/envs/", itemgetter("all_envs"))

    def env_reset(
        self, instance_id: str, *, seed: int | None = None, options: dict | None = None
    ) -> Any:
        data = None
        if seed is not None or options is not None:
            data = {"seed": seed, "options": options}
        route = f"/v1/envs/{instance_id}/reset/"
        return self._post_request(route, data, itemgetter("observation"))

    def env_step(self, instance_id: str, action: Any, render: bool = False) -> Any:
        """``[observation, reward, done, info]``."""
        data = {"action": action, "render": render}
        return self._post_request(f"/v1/envs/{instance_id}/step/", data, _step_list)

    def env_action_space_info(self, instance_id: str) -> Any:
        return self._get_request(f"/v1/envs/{instance_id}/action_space/", itemgetter("info"))

    def env_action_space_sample(self, instance_id: str) -> Any:
        route = f"/v1/envs/{instance_id}/action_space/sample"
        return self._get_request(route, itemgetter("action"))

    def env_action_space_contains(self, instance_id: str, x: Any) -> Any:
        text = x if isinstance(x, str) else json.dumps(jsonable(x))
        route = f"/v1/envs/{instance_id}/action_space/contains/{quote(text, safe='')}"
        return self._get_request(route, itemgetter("member"))

    def env_observation_space_info(self, instance_id: str) -> Any:
        route = f"/v1/envs/{instance_id}/observation_space/"
        return self._get_request(route, itemgetter("info"))

    def env_observation_space_contains(self, instance_id: str, params: dict) -> Any:
        route = f"/v1/envs/{instance_id}/observation_space/contains"
        return self._post_request(route, params, itemgetter("member"))

    def env_monitor_start(
        self,
        instance_id: str,
        directory: str,
        force: bool = False,
        resume: bool = False,
        video_callable: Any = False,
    ) -> Any:
        data = {
            "directory": directory,
            "force": force,
            "resume": resume,
            "video_callable": video_callable,
        }
        return self._post_request(f"/v1/envs/{instance_id}/monitor/start/", data, _nothing)

    def env_monitor_close(self, instance_id: str) -> Any:
        return self._post_request(f"/v1/envs/{instance_id}/monitor/close/", None, _nothing)

    def env_close(self, instance_id: str) -> Any:
        return self._post_request(f"/v1/envs/{instance_id}/close/", None, _nothing)

    def upload(
        self, training_dir: str, algorithm_id: str | None = None, api_key: str | None = None
    ) -> Any:
        if not api_key:
            api_key = os.environ.get("OPENAI_GYM_API_KEY")
        data = {"training_dir": training_dir, "algorithm_id": algorithm_id, "api_key": api_key}
        return self._post_request("/v1/upload/", data, _nothing)

    def shutdown_server(self) -> Any:
        return self._post_request("/v1/shutdown/", None, _nothing)


class Client(_Calls):
    """Gym client to interface with a gym-http-server (the original ``gym_http_client.Client``)."""

    transport_class = HTTPClient

    def _request(self, method: str, route: str, data: Any = None, shape: Shape = None) -> Any:
        try:
            answer = self.transport.call(method, route, _body(method, data))
        except errors.GymHTTPError as error:
            raise as_server_error(error) from error
        return answer if shape is None else shape(answer)

    def close(self) -> None:
        """Release the connection pool (the original had none to release)."""
        self.transport.close()


class AsyncClient(_Calls):
    """``Client`` for asyncio: the same methods, awaited, and the same ``ServerError``."""

    transport_class = AsyncHTTPClient

    async def _request(self, method: str, route: str, data: Any = None, shape: Shape = None) -> Any:
        try:
            answer = await self.transport.call(method, route, _body(method, data))
        except errors.GymHTTPError as error:
            raise as_server_error(error) from error
        return answer if shape is None else shape(answer)

    async def close(self) -> None:
        """Release the connection pool."""
        await self.transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()
