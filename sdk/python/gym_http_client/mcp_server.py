"""A gym-http-server's environments as MCP tools, for agent frameworks.

``gym-http-mcp --server URL`` serves the Model Context Protocol over stdio
(what an MCP client launches); ``--http PORT`` serves it over streamable HTTP
instead, asking its clients for the token it holds (``GYM_HTTP_TOKEN``).
Built on the ``mcp`` SDK's ``MCPServer``; install with ``pip install
'gym-http-client[mcp]'``.

It lives in the client package because it is a client: every tool is one call
to the REST API, so it runs wherever the agent runs and needs none of the
server's dependencies.

Tools, one per verb: ``list_envs``, ``make``, ``reset``, ``step``, ``render``
(an image content block for ``rgb_array``, text for ``ansi``) and ``close``.
Results are structured (``structured_content``, and the same JSON as text).
An error of the API is a tool error (``is_error``) whose structured content is
the API's ``{code, message, status}``: the session goes on.

``step``'s input schema carries the action space's JSON Schema (the server's
``action_space/json_schema``) when the server is started for one environment
(``--env ENV_ID``, which ``make`` then defaults to); otherwise ``action`` is
any JSON value and ``make`` answers the instance's ``action_schema``.
"""

from __future__ import annotations

import argparse
import base64
import hmac
import json
import os
import sys
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, ImageContent, TextContent

from .async_client import AsyncHTTPClient
from .client import DEFAULT_BASE_URL, HTTPClient
from .errors import GymHTTPError

INSTRUCTIONS = (
    "Gymnasium environments on a gym-http-server. make an environment (its answer has "
    "the action space and its JSON Schema), reset it with a seed, step it with actions "
    "that follow the schema until terminated or truncated, render it, close it."
)


def result(data: dict) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(data))], structured_content=data
    )


def tool_error(error: GymHTTPError) -> CallToolResult:
    """The API's error as a tool error: the agent reads ``code`` and corrects itself."""
    data = {"code": error.code or "error", "message": error.message, "status": error.status}
    text = f"{data['code']}: {error.message}"
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=data, is_error=True
    )


def action_schema(base_url: str, env_id: str, token: str | None) -> dict:
    """The action space's JSON Schema of ``env_id``, from a short-lived instance."""
    with HTTPClient(base_url, token=token) as client:
        instance_id = client.create_env(env_id)
        try:
            return client.call("GET", f"/v1/envs/{instance_id}/action_space/json_schema")
        finally:
            client.close_env(instance_id)


def build_server(
    base_url: str = DEFAULT_BASE_URL, *, env_id: str | None = None, token: str | None = None
) -> MCPServer:
    """The MCP server for the gym-http-server at ``base_url``."""
    schema = action_schema(base_url, env_id, token) if env_id else {}
    schema.pop("$schema", None)
    api = AsyncHTTPClient(base_url, token=token)
    server = MCPServer("gym-http", instructions=INSTRUCTIONS)

    async def call(method: str, path: str, body: Any = None) -> Any:
        return await (api.call(method, path) if body is None else api.call(method, path, body))

    @server.tool(description="The environment ids this server can make, and the live instances.")
    async def list_envs() -> CallToolResult:
        try:
            registry = await call("GET", "/v1/registry/")
            live = await call("GET", "/v1/envs/")
        except GymHTTPError as error:
            return tool_error(error)
        ids = sorted(entry["env_id"] for entry in registry["envs"])
        return result({"env_ids": ids, "instances": live["all_envs"]})

    @server.tool(
        description="Create an instance of an environment. Answers its instance_id, "
        "its spaces and the JSON Schema its actions must follow."
    )
    async def make(
        env_id: str | None = env_id,
        seed: int | None = None,
        render_mode: str | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> CallToolResult:
        body: dict[str, Any] = {"env_id": env_id}
        for key, value in (("seed", seed), ("render_mode", render_mode), ("kwargs", kwargs)):
            if value is not None:
                body[key] = value
        try:
            instance_id = (await call("POST", "/v1/envs/", body))["instance_id"]
            described = await call("GET", f"/v1/envs/{instance_id}/")
            actions = await call("GET", f"/v1/envs/{instance_id}/action_space/json_schema")
        except GymHTTPError as error:
            return tool_error(error)
        return result(
            {
                "instance_id": instance_id,
                "env_id": described["env_id"],
                "render_mode": described["render_mode"],
                "action_space": described["action_space"],
                "observation_space": described["observation_space"],
                "action_schema": actions,
            }
        )

    @server.tool(description="Start a new episode; the same seed gives the same episode.")
    async def reset(
        instance_id: str, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> CallToolResult:
        body = {
            key: value for key, value in (("seed", seed), ("options", options)) if value is not None
        }
        try:
            return result(await call("POST", f"/v1/envs/{instance_id}/reset/", body))
        except GymHTTPError as error:
            return tool_error(error)

    @server.tool(
        description="Take one action. Answers observation, reward, terminated, "
        "truncated and info; reset once terminated or truncated."
    )
    async def step(instance_id: str, action: Any) -> CallToolResult:
        try:
            answer = await call("POST", f"/v1/envs/{instance_id}/step/", {"action": action})
        except GymHTTPError as error:
            return tool_error(error)
        answer.pop("done", None)
        return result(answer)

    @server.tool(description="The current frame: an image (rgb_array) or text (ansi).")
    async def render(instance_id: str) -> CallToolResult:
        try:
            mode = (await call("GET", f"/v1/envs/{instance_id}/"))["render_mode"]
            if mode == "rgb_array":
                png = await api.render_png(instance_id)
                return CallToolResult(
                    content=[
                        ImageContent(
                            type="image", data=base64.b64encode(png).decode(), mime_type="image/png"
                        )
                    ],
                    structured_content={"render_mode": mode, "mime_type": "image/png"},
                )
            frame = await call("GET", f"/v1/envs/{instance_id}/render/")
        except GymHTTPError as error:
            return tool_error(error)
        text = frame["frame"] if isinstance(frame["frame"], str) else json.dumps(frame["frame"])
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=frame
        )

    @server.tool(description="Close an instance and free its environment.")
    async def close(instance_id: str) -> CallToolResult:
        try:
            await call("POST", f"/v1/envs/{instance_id}/close/", {})
        except GymHTTPError as error:
            return tool_error(error)
        return result({"closed": instance_id})

    step_tool = server._tool_manager.get_tool("step")
    step_tool.parameters = {
        "type": "object",
        "required": ["instance_id", "action"],
        "properties": {
            "instance_id": {"type": "string", "description": "From make."},
            "action": {
                **schema,
                "description": "An action: a value of the action space (see make's action_schema).",
            },
        },
    }
    return server


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="gym-http-mcp", description="A gym-http-server's environments as MCP tools."
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("GYM_HTTP_SERVER", DEFAULT_BASE_URL),
        help="the gym-http-server's URL (default: $GYM_HTTP_SERVER or %(default)s)",
    )
    parser.add_argument(
        "--env",
        dest="env_id",
        default=None,
        help="serve this environment id: make defaults to it and step's input "
        "schema is its action space's JSON Schema",
    )
    parser.add_argument(
        "--http",
        type=int,
        metavar="PORT",
        default=None,
        help="serve streamable HTTP on this port (path /mcp) instead of stdio",
    )
    parser.add_argument("--host", default="127.0.0.1", help="with --http: the address to bind")
    args = parser.parse_args(argv)
    token = os.environ.get("GYM_HTTP_TOKEN")
    server = build_server(args.server, env_id=args.env_id, token=token)
    if args.http is None:
        server.run("stdio")
    else:
        serve_http(server, args.host, args.http, token)


def serve_http(server: MCPServer, host: str, port: int, token: str | None) -> None:
    """Streamable HTTP at ``/mcp``. This server calls the gym-http-server
    with ``token``, so it must not lend it to whoever reaches its port: with
    a token, every MCP request must carry the same one (``Authorization:
    Bearer``), as every API call to the gym-http-server must."""
    import uvicorn

    app = server.streamable_http_app(host=host)
    if token:
        app = RequireBearer(app, token)
    elif host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"gym-http-mcp: serving {host} without a token: anyone who can reach port "
            f"{port} can create and step environments (set GYM_HTTP_TOKEN)",
            file=sys.stderr,
        )
    uvicorn.run(app, host=host, port=port, log_level="warning")


class RequireBearer:
    """ASGI middleware: HTTP requests without ``Authorization: Bearer
    <token>`` get the API's 401 (``{message, code: "unauthorized"}``)."""

    def __init__(self, app, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and not self.authorized(scope):
            body = json.dumps(
                {"message": "missing or wrong bearer token", "code": "unauthorized"}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"www-authenticate", b'Bearer realm="gym-http-mcp"'),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def authorized(self, scope) -> bool:
        given = [value for name, value in scope["headers"] if name == b"authorization"]
        return len(given) == 1 and hmac.compare_digest(given[0], self.expected)


if __name__ == "__main__":
    main()
