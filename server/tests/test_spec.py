"""The contract itself: valid OpenAPI 3.1, and in step with the server's routes and codes."""

from __future__ import annotations

import re
from pathlib import Path

from openapi_spec_validator import validate

from gym_http_server import errors
from gym_http_server.app import routes
from gym_http_server.config import Parts, ServerConfig


def test_spec_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def normalize(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path.rstrip("/"))


def test_every_route_is_in_the_spec_and_every_spec_path_is_routed(spec):
    parts = Parts.from_config(ServerConfig())
    routed = {normalize(path) for path, _ in routes(parts)}
    specified = {normalize(path) for path in spec["paths"]}
    assert routed == specified


def test_every_operation_documents_its_responses_and_has_an_id(spec):
    ids = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            ids.append(operation["operationId"])
            assert operation.get("summary"), (path, method)
            for status, response in operation["responses"].items():
                assert "$ref" in response or response.get("description"), (path, status)
    assert len(ids) == len(set(ids))


SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "openapi.yaml"
ENTRY_LINE = re.compile(
    r"^    - \{ code: ([a-z_]+), status: (\d+), retry: (true|false), category: ([a-z_]+), "
    r"description: \".*\" \}$"
)


def sent_codes() -> dict[str, int]:
    """Every code the server can send, with its status: one per ApiError
    class, the codes of falcon's own errors, and the last-resort 500."""
    sent = {}
    for cls in vars(errors).values():
        if isinstance(cls, type) and issubclass(cls, errors.ApiError):
            status = int(str(cls.status).split()[0])
            assert sent.setdefault(cls.code, status) == status, cls
    for status, code in errors.HTTP_CODES.items():
        assert sent.setdefault(code, status) == status, code
    sent["internal_error"] = 500
    return sent


def test_every_code_the_server_sends_is_in_the_table_with_its_status_and_no_other(spec):
    table = {entry["code"]: entry["status"] for entry in spec["components"]["x-error-codes"]}
    assert sent_codes() == table


def test_the_error_code_enum_lists_the_table(spec):
    table = [entry["code"] for entry in spec["components"]["x-error-codes"]]
    assert len(table) == len(set(table))
    assert set(spec["components"]["schemas"]["ErrorCode"]["enum"]) == set(table)


def test_every_table_entry_is_complete_and_its_category_defined(spec):
    categories = spec["components"]["x-error-categories"]
    for entry in spec["components"]["x-error-codes"]:
        assert set(entry) == {"code", "status", "retry", "category", "description"}, entry
        assert entry["category"] in categories, entry
        assert isinstance(entry["retry"], bool) and 400 <= entry["status"] < 600, entry
        assert entry["description"].strip(), entry
    assert {e["category"] for e in spec["components"]["x-error-codes"]} == set(categories)


def test_retry_depends_on_the_status_alone(spec):
    """SDKs decide retries before reading a body (and for bodies a proxy
    wrote), so two codes of one status may not disagree about retrying."""
    by_status = {}
    for entry in spec["components"]["x-error-codes"]:
        assert by_status.setdefault(entry["status"], entry["retry"]) == entry["retry"], entry


def test_each_table_entry_is_one_line_in_its_flow_form(spec):
    """Clients without a YAML library (Julia's tests) read the table line by line."""
    lines = [m.groups() for m in map(ENTRY_LINE.match, SPEC_PATH.read_text().splitlines()) if m]
    parsed = [
        (e["code"], str(e["status"]), str(e["retry"]).lower(), e["category"])
        for e in spec["components"]["x-error-codes"]
    ]
    assert lines == parsed


SCHEMA_KEYWORDS = {
    "type",
    "description",
    "properties",
    "required",
    "items",
    "oneOf",
    "anyOf",
    "allOf",
    "enum",
    "const",
    "$ref",
    "additionalProperties",
    "minimum",
    "maximum",
    "pattern",
    "discriminator",
    "minItems",
    "maxItems",
    "minLength",
    "maxProperties",
    "title",
    "examples",
    "default",
    "format",
    "exclusiveMinimum",
}


def test_schemas_use_only_known_keywords(spec):
    """Catches YAML slips such as an unquoted comma in a flow mapping, which
    silently turns half a description into a bogus keyword."""

    def walk(schema, where):
        if not isinstance(schema, dict):
            return
        unknown = set(schema) - SCHEMA_KEYWORDS
        assert not unknown, (where, unknown)
        for name, sub in schema.get("properties", {}).items():
            walk(sub, f"{where}.{name}")
        for key in ("items", "additionalProperties"):
            walk(schema.get(key), f"{where}.{key}")
        for key in ("oneOf", "anyOf", "allOf"):
            for i, sub in enumerate(schema.get(key, [])):
                walk(sub, f"{where}.{key}[{i}]")

    for name, schema in spec["components"]["schemas"].items():
        walk(schema, name)


def test_a_body_reads_the_same_in_msgpack_as_in_json(spec):
    """The server decodes both into one value before it reads it, so where
    an operation takes both, one schema describes both."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            content = (
                operation.get("requestBody", {}).get("content", {})
                if method != "parameters"
                else {}
            )
            if {"application/json", "application/msgpack"} <= content.keys():
                json_schema = content["application/json"]["schema"]
                assert content["application/msgpack"]["schema"] == json_schema, (path, method)
