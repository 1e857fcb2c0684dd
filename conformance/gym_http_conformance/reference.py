"""Starting the reference server for a run, when no URL is given.

Only available where gym-http-server is installed (this repository's venv);
an installed runner checking another server never needs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def reference_server(imports: list[str], token: str | None = None) -> Iterator[str]:
    try:
        from gym_http_server.testing import running_server
    except ImportError as error:
        raise SystemExit(
            "--start-reference needs the gym-http-server package; pass a server URL instead"
        ) from error
    args = [arg for module in imports for arg in ("--import", module)]
    # The token goes in the environment, never on a command line ps can show.
    env = {"GYM_HTTP_SERVER_TOKEN": token} if token else None
    with running_server(*args, env=env) as base_url:
        yield base_url
