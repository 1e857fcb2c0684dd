"""Case files and the contract they refer to, found next to this module.

The cases, their schema and spec/openapi.yaml ship inside the package, so an
installed runner checks a server against exactly the contract it came with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

PROFILES = (
    "legacy",
    "v1",
    "registry",
    "recording",
    "results",
    "render",
    "msgpack",
    "vector",
    "auth",
    "service",
)
"""Every case belongs to one. ``legacy``: what the original openai/gym-http-api
promised; ``v1``: this spec's additive core; the rest: one per extension."""


def package_file(name: str) -> Path:
    return Path(str(resources.files("gym_http_conformance").joinpath(name)))


def default_cases_dir() -> Path:
    return package_file("cases")


@cache
def case_schema() -> dict:
    return json.loads(package_file("case.schema.json").read_text(encoding="utf-8"))


@cache
def openapi_document() -> dict:
    return yaml.safe_load(package_file("openapi.yaml").read_text(encoding="utf-8"))


@cache
def error_codes() -> dict[str, dict]:
    """The spec's table of error codes (`x-error-codes`): code -> its entry
    (status, retry, category, description)."""
    return {entry["code"]: entry for entry in openapi_document()["components"]["x-error-codes"]}


@dataclass(frozen=True)
class CaseFile:
    path: Path
    topic: str
    description: str
    cases: list[dict]


def load_case_files(directory: Path | str | None = None) -> list[CaseFile]:
    """Every ``*.json`` case file of a directory, by file name."""
    directory = Path(directory) if directory is not None else default_cases_dir()
    files = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            if case.get("profile") not in PROFILES:
                raise ValueError(
                    f"{path}: case {case.get('name')!r} has profile "
                    f"{case.get('profile')!r}; each case needs one of {PROFILES}"
                )
        files.append(CaseFile(path, data["topic"], data.get("description", ""), data["cases"]))
    return files
