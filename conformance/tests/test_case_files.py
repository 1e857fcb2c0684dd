"""The case files themselves: valid against case.schema.json, one topic per
file, unique names, and only operators and schemas that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from gym_http_conformance.assertions import OPERATORS, check_code
from gym_http_conformance.cases import (
    PROFILES,
    case_schema,
    error_codes,
    load_case_files,
    openapi_document,
)

CASES_DIR = Path(__file__).resolve().parents[1] / "cases"
CASE_PATHS = sorted(CASES_DIR.glob("*.json"))


def test_case_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(case_schema())


def test_every_topic_the_suite_promises_has_a_file():
    topics = {path.stem for path in CASE_PATHS}
    assert {
        "lifecycle",
        "envs",
        "reset",
        "step",
        "spaces",
        "errors",
        "legacy",
        "recording",
        "service",
    } <= topics


@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.name)
def test_case_file_matches_the_case_schema(path):
    data = json.loads(path.read_text())
    errors = list(Draft202012Validator(case_schema()).iter_errors(data))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


@pytest.mark.parametrize("path", CASE_PATHS, ids=lambda p: p.name)
def test_topic_equals_file_name_and_case_names_are_unique(path):
    data = json.loads(path.read_text())
    assert data["topic"] == path.stem
    names = [case["name"] for case in data["cases"]]
    assert len(names) == len(set(names)), names


def steps_of(case_file):
    for case in case_file.cases:
        for step in case["steps"] + case.get("cleanup", []):
            yield case["name"], step


def test_every_named_schema_exists_in_the_spec():
    schemas = openapi_document()["components"]["schemas"]
    for case_file in load_case_files(CASES_DIR):
        for name, step in steps_of(case_file):
            schema = step.get("expect", {}).get("schema")
            assert schema is None or schema in schemas, (case_file.topic, name, schema)


def test_every_expected_code_is_in_the_spec():
    codes = set(openapi_document()["components"]["schemas"]["ErrorCode"]["enum"])
    for case_file in load_case_files(CASES_DIR):
        for name, step in steps_of(case_file):
            code = step.get("expect", {}).get("code")
            assert code is None or code in codes, (case_file.topic, name, code)


def test_runner_knows_every_operator_of_the_format():
    assertion = case_schema()["$defs"]["assertion"]["properties"]
    assert set(assertion) - {"pointer"} == OPERATORS


def test_cases_cover_every_operation_of_the_spec():
    """Each path+method of spec/openapi.yaml is requested by at least one case."""
    requested = set()
    for case_file in load_case_files(CASES_DIR):
        for _, step in steps_of(case_file):
            path = re.sub(r"\{\{[a-z0-9_]+\}\}", "ID", step["request"]["path"]).rstrip("/")
            requested.add((step["request"]["method"], path))
    missing = []
    for path, operations in openapi_document()["paths"].items():
        pattern = re.sub(r"\{[a-z_]+\}", "[^/]+", path.rstrip("/")) + "$"
        for method in operations:
            if method == "parameters":
                continue
            if not any(m == method.upper() and re.match(pattern, p) for m, p in requested):
                missing.append(f"{method.upper()} {path}")
    assert not missing, missing


def test_the_schema_names_exactly_the_runner_profiles():
    profile = case_schema()["$defs"]["case"]["properties"]["profile"]
    assert tuple(profile["enum"]) == PROFILES
    assert "profile" in case_schema()["$defs"]["case"]["required"]


def test_legacy_and_v1_both_have_cases():
    used = {case["profile"] for case_file in load_case_files(CASES_DIR) for case in case_file.cases}
    assert {"legacy", "v1"} <= used <= set(PROFILES)


EXTENSION_ROUTES = {  # path fragment -> the profile that owns it
    "/v1/registry": "registry",
    "/render": "render",
    "/monitor/": "recording",
    "/v1/upload": "results",
    "/healthz": "service",
    "/openapi.yaml": "service",
    "/v1/shutdown": "service",
    "/v1/vector_envs": "vector",
}


def test_legacy_and_v1_cases_request_no_extension_route():
    """A server without any extension can conform to legacy and v1."""
    for case_file in load_case_files(CASES_DIR):
        for case in case_file.cases:
            if case["profile"] not in ("legacy", "v1"):
                continue
            for step in case["steps"]:
                path = step["request"]["path"]
                owners = [owner for fragment, owner in EXTENSION_ROUTES.items() if fragment in path]
                assert not owners, (case_file.topic, case["name"], path, owners)


def test_legacy_cases_check_nothing_the_original_did_not_have():
    """No error code, no schema of this spec (they require additive fields), and
    only the original's routes, written as its clients wrote them."""
    from legacy_emulation import ORIGINAL_ROUTES

    for case_file in load_case_files(CASES_DIR):
        for case in case_file.cases:
            if case["profile"] != "legacy":
                continue
            for step in case["steps"] + case.get("cleanup", []):
                where = (case_file.topic, case["name"], step["request"]["path"])
                assert not {"code", "schema"} & set(step.get("expect", {})), where
                path = re.sub(r"\{\{[a-z0-9_]+\}\}", "x", step["request"]["path"])
                assert any(
                    method == step["request"]["method"] and re.fullmatch(pattern, path)
                    for method, pattern in ORIGINAL_ROUTES
                ), where


def test_every_expected_code_comes_with_the_status_the_table_gives_it():
    table = error_codes()
    for case_file in load_case_files(CASES_DIR):
        for name, step in steps_of(case_file):
            expect = step.get("expect", {})
            if "code" in expect and isinstance(expect.get("status"), int):
                assert expect["status"] == table[expect["code"]]["status"], (case_file.topic, name)


def test_a_code_sent_with_another_status_than_the_table_gives_fails():
    body = {"message": "Instance_id x unknown", "code": "unknown_instance"}
    assert check_code(body, "unknown_instance", 400) == []
    assert any("x-error-codes" in failure for failure in check_code(body, "unknown_instance", 404))
