"""Gymnasium environments on a gym-http-server, from Python.

- ``make(env_id, base_url=...)`` returns a ``RemoteEnv``, a real ``gymnasium.Env``.
- ``make_vec(env_id, num_envs, base_url=...)`` returns a ``RemoteVectorEnv``, a
  real ``gymnasium.vector.VectorEnv`` stepped one batch per request.
- ``Client`` and ``ServerError`` are drop-in replacements for the original
  openai/gym-http-api client.
- ``HTTPClient`` is the transport underneath, for raw access to the v1 API.
- ``make_async``/``AsyncRemoteEnv``, ``AsyncClient`` and ``AsyncHTTPClient``
  are the same for asyncio, to drive many environments from one event loop.
"""

from .async_client import AsyncHTTPClient
from .client import DEFAULT_BASE_URL, HTTPClient, Response, RetryPolicy, retry_delay
from .env import AsyncRemoteEnv, RemoteEnv, make, make_async
from .errors import (
    AuthError,
    BadRequestError,
    EnvBrokenError,
    EnvProcessDiedError,
    GymConnectionError,
    GymHTTPError,
    GymTimeoutError,
    InternalServerError,
    LimitError,
    NotFoundError,
    StepTimeoutError,
    UnknownInstanceError,
    UnsupportedError,
)
from .legacy import AsyncClient, Client, ServerError
from .spaces import UnsupportedSpaceError
from .vector import RemoteVectorEnv, make_vec

__version__ = "1.0.0"

__all__ = [
    "DEFAULT_BASE_URL",
    "HTTPClient",
    "AsyncHTTPClient",
    "Response",
    "RetryPolicy",
    "retry_delay",
    "GymHTTPError",
    "GymConnectionError",
    "GymTimeoutError",
    "BadRequestError",
    "UnknownInstanceError",
    "EnvBrokenError",
    "StepTimeoutError",
    "EnvProcessDiedError",
    "NotFoundError",
    "LimitError",
    "AuthError",
    "UnsupportedError",
    "InternalServerError",
    "UnsupportedSpaceError",
    "RemoteEnv",
    "make",
    "AsyncRemoteEnv",
    "make_async",
    "RemoteVectorEnv",
    "make_vec",
    "Client",
    "AsyncClient",
    "ServerError",
]
