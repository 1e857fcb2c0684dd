"""Attacks an outsider tried, one test per finding, kept forever.

Each runs against a real server on loopback and ends by checking that it
kept serving a normal client (``/healthz`` under a second) and lost no data
(results still readable, recordings intact).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import ormsgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ServerProcess, error_of
from gym_http_server.results import _SCHEMA

MSGPACK = {"Content-Type": "application/msgpack"}


class Target:
    """A server process, a client of it, and a run uploaded before any attack."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.tmp_path = tmp_path
        self.args = args
        self.server = ServerProcess(tmp_path, *args)
        self.http = httpx.Client(base_url=self.server.url, timeout=60)
        self.run_id = ""

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir

    def record_and_upload(self, directory: str = "/runs/before") -> str:
        instance_id = self.http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
            "instance_id"
        ]
        start = self.http.post(
            f"/v1/envs/{instance_id}/monitor/start/", json={"directory": directory}
        )
        assert start.status_code == 204, start.text
        self.http.post(f"/v1/envs/{instance_id}/reset/", json={"seed": 1})
        done = False
        while not done:
            done = self.http.post(f"/v1/envs/{instance_id}/step/", json={"action": 0}).json()[
                "done"
            ]
        self.http.post(f"/v1/envs/{instance_id}/close/")
        uploaded = self.http.post("/v1/upload/", json={"training_dir": directory, "api_key": "key"})
        assert uploaded.status_code == 200, uploaded.text
        self.run_id = uploaded.json()["run_id"]
        return self.run_id

    def restart(self) -> None:
        self.http.close()
        assert self.server.stop(signal.SIGTERM) == 0
        self.server = ServerProcess(self.tmp_path, *self.args)
        self.http = httpx.Client(base_url=self.server.url, timeout=60)

    def assert_still_serving(self) -> None:
        """A normal client is served at once, and nothing stored was lost."""
        started = time.monotonic()
        health = self.http.get("/healthz")
        assert health.status_code == 200 and time.monotonic() - started < 1.0
        if self.run_id:
            listed = self.http.get("/v1/results/")
            assert listed.status_code == 200, listed.text
            assert self.run_id in [run["run_id"] for run in listed.json()["runs"]]
            assert self.http.get(f"/v1/results/{self.run_id}").status_code == 200
            assert list(
                (self.data_dir / "recordings" / "runs" / "before").glob(
                    "openaigym.manifest.*.manifest.json"
                )
            )

    def close(self) -> None:
        self.http.close()
        self.server.kill()


@pytest.fixture
def target(tmp_path):
    made = Target(tmp_path)
    yield made
    made.close()


def files_outside(root: Path, tmp_path: Path) -> list[Path]:
    """Files under tmp_path that are not under the data root (the server's
    stderr goes to a pipe, so a test writes nothing else there)."""
    return [p for p in tmp_path.rglob("*") if p.is_file() and root not in p.parents]


# 1. Server-owned files out of the clients' namespace ---------------------------

SERVER_FILE_NAMES = [
    "/results.sqlite3-journal",
    "/results.sqlite3-wal",
    "/results.sqlite3",
    "results.sqlite3-shm",
    "/server",
    "server/results.sqlite3",
    "/server/secret",
    "recordings",
    "/server/layout",
]


def test_folders_named_like_the_servers_files_never_break_the_results_store(target):
    target.record_and_upload()
    for name in SERVER_FILE_NAMES:
        instance_id = target.http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
            "instance_id"
        ]
        start = target.http.post(
            f"/v1/envs/{instance_id}/monitor/start/", json={"directory": name, "resume": True}
        )
        assert start.status_code == 204, (name, start.text)
        target.http.post(f"/v1/envs/{instance_id}/reset/")
        target.http.post(f"/v1/envs/{instance_id}/close/")
        upload = target.http.post("/v1/upload/", json={"training_dir": name, "api_key": "k"})
        assert upload.status_code in (200, 400), (name, upload.text)
        target.assert_still_serving()
    target.record_and_upload("/runs/after")
    target.restart()  # the original broke for good: every later start too
    target.assert_still_serving()
    server_files = target.data_dir / "server"
    assert sorted(p.name for p in server_files.iterdir()) == ["layout", "results.sqlite3", "secret"]
    assert files_outside(target.data_dir, target.tmp_path) == []


TOO_LONG_NAMES = [
    "x" * 256,
    "/runs/" + "y" * 300,
    "a/" * 600,
    "\u00e9" * 200,
    "ok/" + "z" * 256 + "/more",
]


def test_names_too_long_for_the_file_system_are_invalid_directory(target):
    target.record_and_upload()
    instance_id = target.http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
        "instance_id"
    ]
    for name in TOO_LONG_NAMES:
        error_of(
            target.http.post(f"/v1/envs/{instance_id}/monitor/start/", json={"directory": name}),
            400,
            "invalid_directory",
        )
        error_of(
            target.http.post("/v1/upload/", json={"training_dir": name, "api_key": "k"}),
            400,
            "invalid_directory",
        )
    assert target.http.get(f"/v1/envs/{instance_id}/").json()["recording"] is None
    target.assert_still_serving()
    assert files_outside(target.data_dir, target.tmp_path) == []


def test_a_data_folder_in_the_old_layout_is_moved_on_start(tmp_path):
    """Before the split, clients' folders sat beside results.sqlite3; a client
    may even have named folders ``recordings`` and ``server``."""
    root = tmp_path / "data"
    for folder in ("runs/old", "recordings", "server"):
        (root / folder).mkdir(parents=True)
        (root / folder / "openaigym.manifest.0.1.manifest.json").write_text("{}")
    with sqlite3.connect(root / "results.sqlite3") as db:
        db.executescript(_SCHEMA)
        db.execute(
            "INSERT INTO runs VALUES ('00aa11bb22cc33dd', 'CartPole-v1', NULL, 'u', "
            "'runs/old', 1.0, 1, 9.0, 9.0, 2.0, ?)",
            (
                json.dumps(
                    {
                        "episode_rewards": [9.0],
                        "episode_lengths": [9],
                        "timestamps": [3.0],
                        "initial_reset_timestamp": 1.0,
                        "videos": [],
                    }
                ),
            ),
        )
    db.close()
    (root / "results.sqlite3-journal").mkdir()  # a folder a client made, not a journal
    server = ServerProcess(tmp_path)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            runs = http.get("/v1/results/").json()["runs"]
            assert [run["run_id"] for run in runs] == ["00aa11bb22cc33dd"]
            assert http.get("/v1/results/00aa11bb22cc33dd").json()["episode_rewards"] == [9.0]
    finally:
        server.kill()
    assert sorted(p.name for p in root.iterdir()) == ["recordings", "server"]
    assert sorted(p.name for p in (root / "recordings").iterdir()) == [
        "recordings",
        "results.sqlite3-journal",
        "runs",
        "server",
    ]
    for folder in ("runs/old", "recordings", "server"):
        assert (root / "recordings" / folder / "openaigym.manifest.0.1.manifest.json").is_file()
    assert (root / "server" / "results.sqlite3").is_file()


def test_describe_shows_the_servers_absolute_path_only_when_the_operator_opts_in(tmp_path):
    for args, shown in [((), False), (("--show-data-path",), True)]:
        target = Target(tmp_path / str(shown), *args)
        try:
            instance_id = target.http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()[
                "instance_id"
            ]
            target.http.post(f"/v1/envs/{instance_id}/monitor/start/", json={"directory": "d"})
            recording = target.http.get(f"/v1/envs/{instance_id}/").json()["recording"]
            assert recording["directory"] == "d"
            assert ("path" in recording) is shown
            described = json.dumps(target.http.get(f"/v1/envs/{instance_id}/").json())
            assert (str(target.data_dir.resolve()) in described) is shown
        finally:
            target.close()


# 2. No request imports code ------------------------------------------------------

IMPORTING_REQUESTS = [
    ("GymHttpTest/Wrapper-v0", {"env_id": "importcanary:Env"}),
    ("GymHttpTest/Wrapper-v0", {"env_id": " importcanary : Env "}),
    ("GymHttpTest/Wrapper-v0", {"env_id": "importcanary.sub:Env-v0"}),
    ("GymV26Environment-v0", {"env_id": "importcanary:Env"}),
    ("GymV21Environment-v0", {"env_id": "importcanary:Env"}),
    ("CartPole-v1", {"options": ["x", {"deep": "importcanary:Env"}]}),
    ("CartPole-v1", {"importcanary:Env": 1}),
    ("importcanary:Env", {}),
]


@pytest.fixture
def canary(tmp_path, monkeypatch) -> Path:
    """Where ``importcanary`` leaves a file once imported (by a server started after)."""
    marker = tmp_path / "canary-imported"
    monkeypatch.setenv("GYM_HTTP_CANARY", str(marker))
    return marker


def test_the_canary_module_leaves_its_mark_when_imported(canary):
    """The control: a test that looks for the mark can fail."""
    tests = Path(__file__).parent
    subprocess.run([sys.executable, "-c", "import importcanary"], cwd=tests, check=True)
    assert canary.read_text() == "imported\n"


def test_no_request_imports_a_module_it_names(canary, tmp_path):
    target = Target(tmp_path)
    try:
        target.record_and_upload()
        wrapped = target.http.post(
            "/v1/envs/",
            json={"env_id": "GymHttpTest/Wrapper-v0", "kwargs": {"env_id": "CartPole-v1"}},
        )
        assert wrapped.status_code == 200, wrapped.text  # the wrapper does make what it is named
        for env_id, kwargs in IMPORTING_REQUESTS:
            for route, extra in [("/v1/envs/", {}), ("/v1/vector_envs/", {"num_envs": 1})]:
                body = {"env_id": env_id, "kwargs": kwargs, **extra}
                error_of(target.http.post(route, json=body), 400, "env_id_refused")
                packed = ormsgpack.packb(body)
                error_of(
                    target.http.post(route, content=packed, headers=MSGPACK), 400, "env_id_refused"
                )
        target.assert_still_serving()
    finally:
        target.close()
    assert not canary.exists(), "a request imported importcanary"


def shimmy_python() -> str:
    """The Python of the venv with shimmy[gym-v26] (``make test`` builds it), or SKIP."""
    default = Path(__file__).parents[2] / ".venv-shimmy" / "bin" / "python"
    python = Path(os.environ.get("GYM_HTTP_SHIMMY_PYTHON", default))
    log = python.parent.parent / "install.log"
    probe = python.is_file() and subprocess.run(
        [str(python), "-c", "import shimmy, gym, gym_http_server"], capture_output=True
    )
    if not probe or probe.returncode != 0:
        reason = log.read_text()[-400:] if log.is_file() else "make .venv-shimmy/.ready"
        pytest.skip(
            f"SKIPPED LOUDLY: no venv with shimmy[gym-v26] and the server at {python} "
            f"(shimmy pins numpy 1.x and needs a venv of its own): {reason}"
        )
    return str(python)


def test_shimmys_gym_v26_wrapper_imports_nothing_a_request_names(canary, tmp_path):
    python = shimmy_python()
    tests = str(Path(__file__).parent)
    env = {**os.environ, "PYTHONPATH": tests}
    # The attack is real: shimmy's wrapper hands the id to gym, which imports its module.
    direct = subprocess.run(
        [
            python,
            "-c",
            "import gymnasium, shimmy\n"
            "try: gymnasium.make('GymV26Environment-v0', env_id='importcanary:Env')\n"
            "except Exception: pass",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert canary.exists(), direct.stderr
    canary.unlink()
    data_dir = tmp_path / "data"
    server = subprocess.Popen(
        [
            python,
            "-m",
            "gym_http_server",
            "-p",
            "0",
            "--data-dir",
            str(data_dir),
            "--import",
            "shimmy",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = server.stderr.readline()
        while "listening on" not in line:
            assert line, "the server exited before listening"
            line = server.stderr.readline()
        threading.Thread(target=server.stderr.read, daemon=True).start()
        url = line.split("listening on ")[1].strip()
        with httpx.Client(base_url=url, timeout=60) as http:
            made = http.post(
                "/v1/envs/",
                json={"env_id": "GymV26Environment-v0", "kwargs": {"env_id": "CartPole-v1"}},
            )
            assert made.status_code == 200, made.text  # shimmy really serves gym's CartPole
            for kwargs in [
                {"env_id": "importcanary:Env"},
                {"env_id": "importcanary:X-v0"},
                {"env_id": "CartPole-v1", "make_kwargs": {"e": "importcanary:E"}},
            ]:
                error_of(
                    http.post(
                        "/v1/envs/", json={"env_id": "GymV26Environment-v0", "kwargs": kwargs}
                    ),
                    400,
                    "env_id_refused",
                )
            started = time.monotonic()
            assert http.get("/healthz").status_code == 200
            assert time.monotonic() - started < 1.0
    finally:
        server.terminate()
        server.wait(30)
    assert not canary.exists(), "a request made the server import importcanary"


# 3. Bounded cost per request ----------------------------------------------------


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_huge_frozenlake_map_is_refused_before_it_costs_anything(target):
    target.record_and_upload()
    pid = target.server.process.pid
    cpu_before = cpu_seconds(pid)
    desc = ["S" + "F" * 998 + "F"] * 999 + ["F" * 999 + "G"]
    body = orjson.dumps({"env_id": "FrozenLake-v1", "kwargs": {"desc": desc}})
    assert len(body) < 1 << 20  # under the default body limit
    for route, extra in [("/v1/envs/", b""), ("/v1/vector_envs/", b"")]:
        sent = (
            body
            if route == "/v1/envs/"
            else orjson.dumps({"env_id": "FrozenLake-v1", "num_envs": 2, "kwargs": {"desc": desc}})
        )
        error_of(target.http.post(route, content=sent + extra), 400, "kwargs_too_large")
    # A batch of 1024 Taxis builds 1024 transition tables (830 MiB): refused from one's size.
    taxis = target.http.post(
        "/v1/vector_envs/",
        json={"env_id": "Taxi-v4", "num_envs": 1024, "vectorization_mode": "sync"},
    )
    error_of(taxis, 400, "num_envs_too_large")
    assert cpu_seconds(pid) - cpu_before < 10.0
    assert target.server.rss_bytes() < 512 * 1024 * 1024
    fits = target.http.post(
        "/v1/vector_envs/", json={"env_id": "Taxi-v4", "num_envs": 64, "vectorization_mode": "sync"}
    )
    assert fits.status_code == 200, fits.text
    # What today's clients pass still works, and a map within the bound is built.
    for kwargs in [
        {"map_name": "8x8", "is_slippery": False},
        {"is_slippery": False},
        {"render_mode": "ansi", "max_episode_steps": 3},
        {"desc": ["S" + "F" * 28 + "F"] * 29 + ["F" * 29 + "G"]},
    ]:
        made = target.http.post("/v1/envs/", json={"env_id": "FrozenLake-v1", "kwargs": kwargs})
        assert made.status_code == 200, (kwargs, made.text)
    error_of(
        target.http.post(
            "/v1/envs/", json={"env_id": "CartPole-v1", "kwargs": {"no_such_kwarg": 1}}
        ),
        400,
        "env_creation_failed",
    )
    error_of(
        target.http.post(
            "/v1/vector_envs/",
            json={
                "env_id": "CartPole-v1",
                "num_envs": 1,
                "kwargs": {"vector_kwargs": {"context": "spawn"}},
            },
        ),
        400,
        "kwarg_not_allowed",
    )
    target.assert_still_serving()


def test_an_operators_kwargs_allowlist_is_all_a_client_may_set(tmp_path):
    target = Target(
        tmp_path,
        "--allow-kwargs",
        "FrozenLake-v1=map_name,is_slippery",
        "--max-kwargs-bytes",
        "200",
    )
    try:
        for env_id, kwargs in [
            ("FrozenLake-v1", {"map_name": "8x8", "is_slippery": False}),
            ("CartPole-v1", {"max_episode_steps": 5}),
            ("CartPole-v1", {"render_mode": "rgb_array"}),
        ]:
            made = target.http.post("/v1/envs/", json={"env_id": env_id, "kwargs": kwargs})
            assert made.status_code == 200, made.text
        for env_id, kwargs in [
            ("FrozenLake-v1", {"desc": ["SG"]}),
            ("CartPole-v1", {"sutton_barto_reward": True}),
        ]:
            error_of(
                target.http.post("/v1/envs/", json={"env_id": env_id, "kwargs": kwargs}),
                400,
                "kwarg_not_allowed",
            )
        error_of(
            target.http.post(
                "/v1/envs/", json={"env_id": "FrozenLake-v1", "kwargs": {"map_name": "x" * 300}}
            ),
            400,
            "kwargs_too_large",
        )
        target.assert_still_serving()
    finally:
        target.close()


# 4. No unhandled 500s: msgpack arrays that disagree, trailing bytes, fuzzing ------

HUGE_SHAPES = [[0, 2**63], [2**62, 0], [2**32, 2**32, 0], [0, 2**64 - 1], [2**33, 0, 2**33]]


def array_map(shape, data=b"", dtype="float32") -> dict:
    return {"dtype": dtype, "shape": shape, "data": data}


def test_msgpack_arrays_whose_shape_and_data_disagree_are_400(target):
    target.record_and_upload()
    http = target.http
    iid = http.post("/v1/envs/", json={"env_id": "Pendulum-v1"}).json()["instance_id"]
    http.post(f"/v1/envs/{iid}/reset/")
    vid = http.post("/v1/vector_envs/", json={"env_id": "Pendulum-v1", "num_envs": 2}).json()[
        "vector_id"
    ]
    http.post(f"/v1/vector_envs/{vid}/reset/")
    single, batched = f"/v1/envs/{iid}/step/", f"/v1/vector_envs/{vid}/step/"
    for shape in HUGE_SHAPES:
        for path, body in [
            (single, {"action": array_map(shape)}),
            (batched, {"actions": array_map(shape)}),
            (batched, {"actions": [array_map(shape), array_map(shape)]}),
            (f"/v1/envs/{iid}/action_space/contains", {"action": array_map(shape)}),
        ]:
            response = http.post(path, content=ormsgpack.packb(body), headers=MSGPACK)
            error_of(response, 400, "malformed_msgpack")
    for shape, data, dtype in [
        ([1], b"\0" * 3, "float32"),
        ([2], b"\0" * 4, "float32"),
        ([-1], b"", "float32"),
        ([1], b"\0" * 4, "float128"),
    ]:
        error_of(
            http.post(
                single,
                content=ormsgpack.packb({"action": array_map(shape, data, dtype)}),
                headers=MSGPACK,
            ),
            400,
            "malformed_msgpack",
        )
    for timeout in (1e300, 2e47, 5e-324):  # a wait of a googol seconds overflowed
        reset = http.post(f"/v1/vector_envs/{vid}/reset/", json={"timeout": timeout})
        assert reset.status_code in (200, 504), reset.text
    vid = http.post("/v1/vector_envs/", json={"env_id": "Pendulum-v1", "num_envs": 2}).json()[
        "vector_id"
    ]
    http.post(f"/v1/vector_envs/{vid}/reset/")
    good = ormsgpack.packb({"action": array_map([1], b"\0" * 4)})
    assert http.post(single, content=good, headers=MSGPACK).status_code == 200
    for trailing in [b"\x00", b"\xc0", good, b"\x91", b"\xa3end"]:
        error_of(
            http.post(single, content=good + trailing, headers=MSGPACK), 400, "malformed_msgpack"
        )
    target.assert_still_serving()


KEYS = [
    "action",
    "actions",
    "seed",
    "options",
    "env_id",
    "kwargs",
    "num_envs",
    "render",
    "directory",
    "observation",
    "x",
    "force",
    "training_dir",
    "api_key",
    "dtype",
    "shape",
    "data",
]
DTYPES = [
    "bool",
    "int8",
    "uint8",
    "int64",
    "uint64",
    "float16",
    "float32",
    "float64",
    "float128",
    "object",
    "<f8",
    "U3",
]
# Zero-length axes beside huge ones: arrays that hold nothing yet overflow.
DIMS = st.one_of(
    st.sampled_from([0, 0, 1, 2]), st.sampled_from([-1, 2**31, 2**32, 2**62, 2**63, 2**64 - 1])
)
INTEGERS = st.integers(-(2**63), 2**64 - 1)  # what msgpack and orjson can write
ARRAYS = st.fixed_dictionaries(
    {
        "dtype": st.one_of(
            st.sampled_from(DTYPES[:8]), st.sampled_from(DTYPES), INTEGERS, st.none()
        ),
        "shape": st.one_of(st.lists(DIMS, max_size=4), INTEGERS, st.text(max_size=3)),
        "data": st.just(b"") | st.binary(max_size=24),
    }
)
SCALARS = (
    st.none()
    | st.booleans()
    | INTEGERS
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
    | st.sampled_from(["CartPole-v1", "Pendulum-v1", "GymHttpTest/AllSpaces-v0", "x:y", "..", "/"])
)
VALUES = st.recursive(
    SCALARS | ARRAYS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
BODIES = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=4)


@pytest.fixture(scope="module")
def fuzzed(base_url):
    """Targets on the shared server: an instance of every space kind, a batch."""
    with httpx.Client(base_url=base_url, timeout=60) as http:
        made = [
            http.post("/v1/envs/", json={"env_id": env_id}).json()["instance_id"]
            for env_id in ("GymHttpTest/AllSpaces-v0", "Pendulum-v1", "CartPole-v1")
        ]
        for iid in made:
            http.post(f"/v1/envs/{iid}/reset/")
        vid = http.post("/v1/vector_envs/", json={"env_id": "Pendulum-v1", "num_envs": 2}).json()[
            "vector_id"
        ]
        http.post(f"/v1/vector_envs/{vid}/reset/")
        paths = [
            f"/v1/envs/{iid}/{verb}"
            for iid in made
            for verb in ("step/", "reset/", "action_space/contains", "observation_space/contains")
        ]
        paths += [
            f"/v1/vector_envs/{vid}/step/",
            f"/v1/vector_envs/{vid}/reset/",
            "/v1/envs/",
            "/v1/vector_envs/",
            f"/v1/envs/{made[2]}/monitor/start/",
            "/v1/upload/",
        ]
        yield http, paths
        for iid in made:
            http.delete(f"/v1/envs/{iid}")
        http.delete(f"/v1/vector_envs/{vid}")


def post_fuzzed(http, path: str, content: bytes, media_type: str) -> None:
    response = http.post(path, content=content, headers={"Content-Type": media_type})
    assert response.status_code < 500, (path, content[:200], response.text[:300])
    assert response.headers["content-type"].startswith("application/json") or (
        response.status_code < 300
    )
    if response.status_code == 200 and path in ("/v1/envs/", "/v1/vector_envs/"):
        made = response.json()
        if "instance_id" in made:
            http.delete(f"/v1/envs/{made['instance_id']}")
        else:
            http.delete(f"/v1/vector_envs/{made['vector_id']}")


FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(
    data=st.data(),
    raw=st.binary(max_size=64),
    media_type=st.sampled_from(["application/msgpack", "application/json", "text/plain"]),
)
def test_arbitrary_bytes_never_get_a_5xx(fuzzed, data, raw, media_type):
    http, paths = fuzzed
    post_fuzzed(http, data.draw(st.sampled_from(paths)), raw, media_type)


@FUZZ
@given(
    data=st.data(),
    body=BODIES | st.fixed_dictionaries({"action": ARRAYS}),
    cut=st.integers(0, 3),
    tail=st.binary(max_size=3),
)
def test_msgpack_near_misses_never_get_a_5xx(fuzzed, data, body, cut, tail):
    http, paths = fuzzed
    packed = ormsgpack.packb(body)
    for content in (packed, packed[: len(packed) - cut] + tail):
        post_fuzzed(http, data.draw(st.sampled_from(paths)), content, "application/msgpack")


ARRAY_BODIES = st.fixed_dictionaries(
    {
        "dtype": st.sampled_from(DTYPES),
        "shape": st.lists(DIMS, max_size=4),
        "data": st.just(b"") | st.binary(max_size=24),
    }
).flatmap(
    lambda array: st.sampled_from(
        [{"action": array}, {"actions": array}, {"actions": [array, array]}, {"observation": array}]
    )
)


@FUZZ
@given(data=st.data(), body=ARRAY_BODIES)
def test_msgpack_array_maps_of_any_shape_never_get_a_5xx(fuzzed, data, body):
    http, paths = fuzzed
    path = data.draw(st.sampled_from([p for p in paths if p.endswith(("step/", "contains"))]))
    post_fuzzed(http, path, ormsgpack.packb(body), "application/msgpack")


@FUZZ
@given(data=st.data(), body=BODIES, cut=st.integers(0, 3), tail=st.text(max_size=3))
def test_json_near_misses_never_get_a_5xx(fuzzed, data, body, cut, tail):
    http, paths = fuzzed
    text = orjson.dumps(body, default=lambda value: value.hex())  # bytes as text in JSON
    for content in (text, text[: len(text) - cut] + tail.encode()):
        post_fuzzed(http, data.draw(st.sampled_from(paths)), content, "application/json")


def test_the_fuzzed_server_still_serves(fuzzed):
    http, _ = fuzzed
    started = time.monotonic()
    assert http.get("/healthz").status_code == 200
    assert time.monotonic() - started < 1.0
    made = http.post("/v1/envs/", json={"env_id": "CartPole-v1"})
    assert made.status_code == 200
    http.delete(f"/v1/envs/{made.json()['instance_id']}")


# 5. Logs that cannot be forged --------------------------------------------------

FORGED = "2030-01-01 00:00:00,000 CRITICAL gym_http_server: FORGED"
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+: |^    \| "
    r"|^gym-http-server listening on "
)


def forging_requests(http) -> None:
    """Client text with line breaks of every kind, where the server may log it."""
    breaks = ["\n", "\r", "\r\n", "\x00", "\x85", "\u2028", "\u2029", "\x1b[2K\r"]
    for line_break in breaks:
        quoted = quote(line_break + FORGED)
        http.get(f"/v1/envs/x{quoted}/")
        http.post(f"/v1/envs/x{quoted}/step/", json={"action": 0})
        http.get(f"/no/such/route{quoted}")
        http.post("/v1/envs/", json={"env_id": "CartPole-v1" + line_break + FORGED})
        iid = http.post("/v1/envs/", json={"env_id": "CartPole-v1"}).json()["instance_id"]
        http.post(
            f"/v1/envs/{iid}/monitor/start/",
            json={"directory": "runs/forged" + line_break + FORGED},
        )
        http.delete(f"/v1/envs/{iid}")


def test_no_client_text_starts_a_log_line(tmp_path):
    target = Target(tmp_path, "--log-level", "debug")
    try:
        forging_requests(target.http)
        target.assert_still_serving()
    finally:
        target.http.close()
        target.server.stop(signal.SIGTERM)
    text = "".join(target.server.lines)
    assert "records into" in text  # client folders did reach the log, escaped
    assert "\x00" not in text and "\x1b" not in text
    lines = text.splitlines()  # every line break Python knows, \x85 and \u2028 included
    assert lines and all(LOG_LINE.match(line) for line in lines), [
        line for line in lines if not LOG_LINE.match(line)
    ][:5]
    assert not any(line.startswith(FORGED) for line in lines)


def test_a_traceback_with_client_text_stays_inside_its_record():
    """The last-resort handler logs a traceback; what a client put in the
    exception's message cannot start a line of its own."""
    from gym_http_server.logs import JsonFormatter, TextFormatter

    try:
        raise KeyError("\n" + FORGED + "\u2028" + FORGED)
    except KeyError:
        record = logging.LogRecord(
            "gym_http_server.errors",
            logging.ERROR,
            __file__,
            1,
            "unhandled error on %r %r",
            ("GET", "/x\n" + FORGED),
            sys.exc_info(),
        )
    text = TextFormatter().format(record)
    assert all(LOG_LINE.match(line) for line in text.splitlines())
    assert len(JsonFormatter().format(record).splitlines()) == 1


def test_json_logs_are_one_object_a_line(tmp_path):
    target = Target(tmp_path, "--log-format", "json", "--log-level", "debug")
    try:
        forging_requests(target.http)
        target.assert_still_serving()
    finally:
        target.http.close()
        target.server.stop(signal.SIGTERM)
    entries = [
        json.loads(line)
        for line in "".join(target.server.lines).splitlines()
        if not line.startswith("gym-http-server listening on ")
    ]
    assert len(entries) > 20
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    assert any("records into" in entry["message"] for entry in entries)


# 6. Headers and auth -------------------------------------------------------------

SAFE_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def assert_safe_headers(response: httpx.Response) -> None:
    for name, value in SAFE_HEADERS.items():
        assert response.headers.get(name) == value, (response.url, name, response.headers)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_every_response_carries_the_security_headers(tmp_path):
    token = "attack-suite-token"
    target = Target(tmp_path, "--token", token, "--max-body-bytes", "1000")
    bearer = {"Authorization": f"Bearer {token}"}
    http = target.http
    try:
        for response in [
            http.get("/healthz"),
            http.get("/metrics"),
            http.get("/openapi.yaml"),
            http.get("/"),
            http.get("/docs"),
            http.get("/static/api.js"),
            http.get("/v1/envs/"),  # 401
            http.get("/v1/envs/", headers=bearer),
            http.post("/v1/envs/", headers=bearer, json={"env_id": "nope"}),  # 400
            http.post("/v1/envs/", headers=bearer, content=b"x" * 2000),  # 413 from the app
            http.post("/v1/envs/", headers=bearer, content=b"x" * 20000),  # 413 from waitress
            http.get("/no/such/route", headers=bearer),
            http.request("PATCH", "/v1/envs/", headers=bearer),
        ]:
            assert_safe_headers(response)
        page = http.get("/dashboard")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert_safe_headers(page)
    finally:
        target.close()


def test_the_bearer_scheme_is_case_insensitive_and_the_token_is_not(tmp_path):
    token = "Case-Sensitive-Token"
    target = Target(tmp_path, "--token", token)
    try:
        for scheme in ("Bearer", "bearer", "BEARER", "bEaReR"):
            answer = target.http.get("/v1/envs/", headers={"Authorization": f"{scheme} {token}"})
            assert answer.status_code == 200, scheme
        for header in (
            f"Bearer {token.lower()}",
            f"Basic {token}",
            token,
            f"Bearer  {token}",
            "Bearer",
            f"Bearer\t{token}",
        ):
            error_of(
                target.http.get("/v1/envs/", headers={"Authorization": header}), 401, "unauthorized"
            )
    finally:
        target.close()


def test_uploader_ids_are_keyed_by_each_servers_secret(tmp_path):
    ids = []
    for name in ("one", "two"):
        target = Target(tmp_path / name)
        try:
            run_id = target.record_and_upload()
            ids.append(target.http.get(f"/v1/results/{run_id}").json()["uploader"])
            secret = target.data_dir / "server" / "secret"
            assert secret.stat().st_mode & 0o077 == 0 and len(secret.read_bytes()) == 32
            target.restart()  # the secret is kept: the same key is the same uploader
            again = target.http.post(
                "/v1/upload/", json={"training_dir": "/runs/before", "api_key": "key"}
            ).json()
            assert again["created"] is False
            target.record_and_upload("/runs/again")
            assert target.http.get(f"/v1/results/{target.run_id}").json()["uploader"] == ids[-1]
        finally:
            target.close()
    unsalted = hashlib.sha256(b"gym-http-server upload\0key").hexdigest()[:16]
    assert ids[0] != ids[1] and unsalted not in ids


def test_a_layout_move_cut_short_is_finished_on_the_next_start(tmp_path):
    """A stop in the middle of the move leaves a staging folder; the next
    start finishes the move without nesting or losing anything."""
    from gym_http_server.dataroot import DataRoot

    root = tmp_path / "data"
    (root / ".recordings-cut" / "moved").mkdir(parents=True)  # each entry moves whole
    (root / "not-yet").mkdir(parents=True)
    (root / "results.sqlite3").write_bytes(b"")
    data_root = DataRoot(root)
    assert data_root.resolve("/moved").is_dir()
    assert data_root.resolve("/not-yet").is_dir()
    assert sorted(p.name for p in root.iterdir()) == ["recordings", "server"]
    assert (root / "server" / "results.sqlite3").is_file()
    # The marker written, the last rename not done: the next start renames.
    (root / "recordings").rename(root / ".recordings-again")
    assert DataRoot(root).resolve("moved").is_dir()
    assert sorted(p.name for p in root.iterdir()) == ["recordings", "server"]
