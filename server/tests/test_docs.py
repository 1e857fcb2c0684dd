"""The docs say what the code does: every `make` target, server option, route
and "status `code`" pair they name exists, and no statement the code has
outgrown (recording or upload "not implemented") comes back."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import SPEC_PATH

REPO = Path(__file__).resolve().parents[2]
DOCS = sorted([REPO / "README.md", *REPO.glob("*/README.md"), *REPO.glob("sdk/*/README.md")])
SPEC = yaml.safe_load(SPEC_PATH.read_text())

# Statements that were true once and must not come back.
STALE = [
    (
        r"(monitor|record\w*|upload\w*)[^.\n]{0,80}\bnot (yet )?(implemented|supported)",
        "recording and upload are implemented",
    ),
    (
        r"\bnot (yet )?(implemented|supported)[^.\n]{0,40}(monitor|record|upload)",
        "recording and upload are implemented",
    ),
]


def doc_ids():
    return [str(path.relative_to(REPO)) for path in DOCS]


@pytest.fixture(scope="module", params=DOCS, ids=doc_ids())
def doc(request) -> tuple[Path, str]:
    return request.param, request.param.read_text()


def test_docs_exist():
    assert {"README.md", "conformance/README.md", "sdk/python/README.md"} <= set(doc_ids())


# A verdict table row (`recording  0  10  0  not implemented`) reports a run, it
# states nothing about this server.
VERDICT_ROW = re.compile(r"^\w+\s+\d+\s+\d+\s+\d+\s+")


def test_no_stale_statement(doc):
    path, text = doc
    for number, line in enumerate(text.splitlines(), 1):
        if VERDICT_ROW.match(line):
            continue
        for pattern, truth in STALE:
            match = re.search(pattern, line, re.IGNORECASE)
            assert not match, f"{path.name}:{number}: {match.group(0)!r} ({truth})"


def test_the_stale_patterns_catch_what_they_are_for():
    said = [
        "`monitor/start` is not implemented yet",
        "Upload: not supported.",
        "Not implemented: recording into a folder",
    ]
    assert all(any(re.search(p, line, re.IGNORECASE) for p, _ in STALE) for line in said)


def make_targets() -> set[str]:
    makefile = (REPO / "Makefile").read_text()
    return set(re.findall(r"^([a-z][\w-]*):", makefile, re.MULTILINE))


def test_every_make_target_named_exists(doc):
    path, text = doc
    named = set(re.findall(r"`make ([a-z][\w-]*)", text))
    assert named - make_targets() == set(), path


def server_options() -> set[str]:
    out = subprocess.run(
        [sys.executable, "-m", "gym_http_server", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(re.findall(r"--[a-z][\w-]*", out.stdout))


def test_every_server_option_in_the_readme_exists():
    table = re.findall(r"^\| `(--[a-z][\w-]*)", (REPO / "README.md").read_text(), re.MULTILINE)
    assert len(table) > 10
    assert set(table) - server_options() == set()


def normalize(route: str) -> str:
    route = re.sub(r"\{[^}]+\}|\$\w+|<[^>]+>", "{}", route.split("?")[0])
    return route.rstrip("/")


def test_every_route_named_is_in_the_spec(doc):
    path, text = doc
    spec_routes = {normalize(p) for p in SPEC["paths"]}
    named = {normalize(m) for m in re.findall(r"`(?:GET |POST |DELETE )?(/v1/[\w/{}<>$.-]*)", text)}
    unknown = {
        route
        for route in named
        if route not in spec_routes
        and not any(route.startswith(s + "/") for s in spec_routes if "{}" in s)
    }
    # action_space/sample and contains/<x> are routes of their own in the spec.
    assert unknown == set(), (path, unknown)


def test_every_status_and_code_pair_named_is_in_the_error_table(doc):
    path, text = doc
    table = {entry["code"]: entry["status"] for entry in SPEC["components"]["x-error-codes"]}
    for status, code in re.findall(r"\b([45]\d\d) `([a-z]+(?:_[a-z]+)+)`", text):
        assert code in table, (path, code)
        assert table[code] == int(status), (path, code, status)
