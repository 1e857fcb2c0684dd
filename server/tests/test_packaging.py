"""What ``pip install ./server`` ships: the package, the CLI, and the spec itself
(a symlink to spec/openapi.yaml in the tree, a real file in the wheel)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import SPEC_PATH

SERVER_DIR = Path(__file__).parents[1]


def test_wheel_ships_the_spec_and_the_console_script(tmp_path):
    shutil.rmtree(SERVER_DIR / "build", ignore_errors=True)  # setuptools reuses a stale one
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-v",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(SERVER_DIR),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Every folder of the package is in setuptools' packages: it says nothing.
    assert "absent from the `packages` configuration" not in build.stdout + build.stderr
    shutil.rmtree(SERVER_DIR / "build", ignore_errors=True)
    wheel = next(tmp_path.glob("gym_http_server-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert archive.read("gym_http_server/openapi.yaml") == SPEC_PATH.read_bytes()
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "gym-http-server = gym_http_server.cli:main" in archive.read(entry_points).decode()
    for module in [
        "app",
        "spaces",
        "instances",
        "catalog",
        "cli",
        "testing",
        "resources/envs",
        "resources/spaces",
    ]:
        assert f"gym_http_server/{module}.py" in names
    for page in ["dashboard.html", "docs.html", "dashboard.js", "dashboard.css"]:
        assert f"gym_http_server/static/{page}" in names
