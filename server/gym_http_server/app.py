"""The WSGI application: its parts, its routes, its error handling."""

from __future__ import annotations

import falcon

from . import errors, media
from .auth import TokenAuth
from .config import Parts, ServerConfig
from .metrics import RequestMetrics
from .resources import envs, pages, recording, results, service, spaces, vector


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
        (f"{r}/action_space/sample", spaces.ActionSample(parts)),
        (f"{r}/action_space/contains", spaces.ActionContains(parts)),
        (f"{r}/action_space/contains/{{x}}", spaces.ActionContainsByPath(parts)),
        (f"{r}/observation_space", spaces.SpaceInfo(parts, "observation_space")),
        (f"{r}/observation_space/contains", spaces.ObservationContains(parts)),
        (f"{r}/monitor/start", recording.MonitorStart(parts)),
        (f"{r}/monitor/close", recording.MonitorClose(parts)),
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


def create_app(config: ServerConfig | None = None, /, *, parts: Parts | None = None,
               **options) -> falcon.App:
    """The Falcon WSGI app, for waitress or any WSGI server.

    ``options`` are ServerConfig fields (``max_envs=8``); tests may pass
    their own ``parts`` instead.
    """
    if parts is None:
        parts = Parts.from_config(config or ServerConfig(**options))
    app = falcon.App(middleware=middleware(parts))
    app.req_options.strip_url_path_trailing_slash = True
    media.install(app)
    errors.install(app)
    for path, resource in routes(parts):
        app.add_route(path, resource)
    return app


def middleware(parts: Parts) -> list:
    """CORS first (so even a 401 carries its headers), then metrics (so a 401
    is counted), then the token check."""
    config, stack = parts.config, []
    if config.cors_origins:
        origins = "*" if "*" in config.cors_origins else list(config.cors_origins)
        stack.append(falcon.CORSMiddleware(allow_origins=origins,
                                           expose_headers=["Retry-After", "WWW-Authenticate"]))
    stack.append(RequestMetrics(parts.metrics))
    if config.token:
        stack.append(TokenAuth(config.token))
    return stack
