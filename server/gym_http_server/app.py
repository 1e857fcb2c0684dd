"""The WSGI application: its parts, its routes, its error handling."""

from __future__ import annotations

import atexit
from multiprocessing import util as multiprocessing_util

import falcon

from . import errors, media
from .auth import TokenAuth
from .config import ConfigError, Parts, ServerConfig
from .metrics import RequestMetrics
from .resources import envs, groups, pages, recording, results, service, spaces, vector
from .security import SecurityHeaders


def routes(parts: Parts) -> list[tuple[str, object]]:
    """Every path of spec/openapi.yaml, in its order (trailing slashes are optional)."""
    r = "/v1/envs/{instance_id}"
    v = "/v1/vector_envs/{vector_id}"
    return [
        ("/v1/envs", envs.EnvCollection(parts)),
        (r, envs.Env(parts)),
        (f"{r}/reset", envs.Reset(parts)),
        (f"{r}/step", envs.Step(parts)),
        (f"{r}/render", envs.Render(parts)),
        (f"{r}/close", envs.Close(parts)),
        (f"{r}/action_space", spaces.SpaceInfo(parts, "action_space")),
        (f"{r}/action_space/json_schema", spaces.SpaceSchema(parts, "action_space")),
        (f"{r}/action_space/sample", spaces.ActionSample(parts)),
        (f"{r}/action_space/contains", spaces.ActionContains(parts)),
        (f"{r}/action_space/contains/{{x}}", spaces.ActionContainsByPath(parts)),
        (f"{r}/observation_space", spaces.SpaceInfo(parts, "observation_space")),
        (f"{r}/observation_space/json_schema", spaces.SpaceSchema(parts, "observation_space")),
        (f"{r}/observation_space/contains", spaces.ObservationContains(parts)),
        (f"{r}/monitor/start", recording.MonitorStart(parts)),
        (f"{r}/monitor/close", recording.MonitorClose(parts)),
        ("/v1/env_groups", groups.GroupCollection(parts)),
        ("/v1/env_groups/reset", groups.GroupReset(parts)),
        ("/v1/vector_envs", vector.VectorCollection(parts)),
        (v, vector.Vector(parts)),
        (f"{v}/reset", vector.VectorReset(parts)),
        (f"{v}/step", vector.VectorStep(parts)),
        (f"{v}/close", vector.VectorClose(parts)),
        ("/v1/upload", recording.Upload(parts)),
        ("/v1/results", results.ResultList(parts)),
        ("/v1/results/{run_id}", results.Result(parts)),
        ("/v1/registry", service.Registry(parts)),
        ("/v1/shutdown", service.Shutdown(parts)),
        ("/openapi.yaml", service.Spec()),
        ("/healthz", service.Health(parts)),
        ("/metrics", service.MetricsText(parts)),
        ("/", pages.Page("dashboard.html")),
        ("/dashboard", pages.Page("dashboard.html")),
        ("/docs", pages.Page("docs.html")),
        ("/static/{name}", pages.StaticFile()),
    ]


class App(falcon.App):
    """The Falcon app, knowing the service it serves (None for apps built from
    a test's own parts): ``app.service.close()`` closes it explicitly."""

    def __init__(self, *args, service=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.service = service


def create_app(
    config: ServerConfig | None = None, /, *, parts: Parts | None = None, **options
) -> App:
    """The WSGI app for any WSGI server (gunicorn, granian, uwsgi...), tied to
    a running service built from ``config`` (or ServerConfig ``options``,
    ``max_envs=8``): its backend, its tables and, with ``env_ttl``, its
    reaper. The service closes (every recording flushed) when the process
    exits normally, or at once with ``app.service.close()``.

    Tests may pass their own ``parts`` instead; nothing is started then.
    """
    if parts is not None:
        if config is not None or options:
            raise ConfigError("give parts or a config, not both")
        return build_app(parts)
    from .service import Service

    config = config if config is not None else ServerConfig(**options)
    if config.allow_shutdown:
        raise ConfigError(
            "allow_shutdown: an app handed to another WSGI server cannot stop that server; "
            "serve with start_server() or gym-http-server --allow-shutdown, or stop it as "
            "that server is stopped"
        )
    service = Service.start(config)
    # At exit: atexit in a process that ends normally; multiprocessing's
    # finalizers in a worker process a server forked (granian's, whose
    # workers end without running atexit). close() runs once either way.
    atexit.register(service.close)
    multiprocessing_util.Finalize(None, service.close, exitpriority=10)
    return service.app()


def build_app(parts: Parts, service=None) -> App:
    app = App(middleware=middleware(parts), service=service)
    app.req_options.strip_url_path_trailing_slash = True
    media.install(app, parts.config.max_body_bytes)
    errors.install(app)
    for path, resource in routes(parts):
        app.add_route(path, resource)
    return app


def middleware(parts: Parts) -> list:
    """The security headers, CORS (so even a 401 carries their headers), then
    metrics (so a 401 is counted), then the token check."""
    config, stack = parts.config, [SecurityHeaders()]
    if config.cors_origins:
        origins = "*" if "*" in config.cors_origins else list(config.cors_origins)
        stack.append(
            falcon.CORSMiddleware(
                allow_origins=origins, expose_headers=["Retry-After", "WWW-Authenticate"]
            )
        )
    stack.append(RequestMetrics(parts.metrics))
    if config.token:
        stack.append(TokenAuth(config.token))
    return stack
