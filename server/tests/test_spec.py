"""The contract itself: valid OpenAPI 3.1, and in step with the server's routes and codes."""

from __future__ import annotations

import re

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


def test_error_codes_match_the_spec_enum(spec):
    documented = set(spec["components"]["schemas"]["ErrorCode"]["enum"])
    raised = {cls.code for cls in vars(errors).values()
              if isinstance(cls, type) and issubclass(cls, errors.ApiError)}
    assert raised <= documented
    assert set(errors.HTTP_CODES.values()) | {"internal_error"} <= documented
    described = spec["components"]["schemas"]["ErrorCode"]["description"]
    for code in raised:
        assert f"`{code}`" in described, code


SCHEMA_KEYWORDS = {
    "type", "description", "properties", "required", "items", "oneOf", "anyOf", "allOf",
    "enum", "const", "$ref", "additionalProperties", "minimum", "maximum", "pattern",
    "discriminator", "minItems", "maxItems", "minLength", "maxProperties", "title", "examples",
    "default", "format",
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
