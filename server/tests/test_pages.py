"""The pages' files over HTTP: what they load is served, from this server only.
What the pages do in a browser is test_dashboard.py's."""

from __future__ import annotations

import re

import pytest

from conftest import error_of
from gym_http_server.resources.pages import static_files

PAGES = ["/", "/dashboard", "/docs"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_html_that_may_load_only_from_this_server(http, path):
    response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "<!doctype html>" in response.text.lower()


REFERENCE = re.compile(r'(?:src|href)="/static/([^"]+)"|from "\./([^"]+)"')


def referenced_files(text: str) -> set[str]:
    """/static/ files named by src= and href=, and by ES module imports."""
    return {tag or module for tag, module in REFERENCE.findall(text)}


def test_every_file_the_pages_load_is_served_with_its_media_type(http):
    media = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    to_visit = set().union(*(referenced_files(http.get(p).text) for p in PAGES))
    seen = set()
    while to_visit:
        name = to_visit.pop()
        seen.add(name)
        response = http.get(f"/static/{name}")
        assert response.status_code == 200, name
        assert response.headers["content-type"] == media[name[name.rindex(".") :]], name
        if name.endswith(".js"):
            to_visit |= referenced_files(response.text) - seen
    assert {
        "dashboard.js",
        "dashboard.css",
        "plot.js",
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "docs.js",
    } <= seen


def test_static_files_are_the_ones_the_spec_lists(http, spec):
    listed = spec["paths"]["/static/{name}"]["parameters"][0]["schema"]["enum"]
    for name in listed:
        assert http.get(f"/static/{name}").status_code == 200, name
    assert set(static_files()) == set(listed)


@pytest.mark.parametrize(
    "name", ["nope.js", "dashboard.html", "..%2Fapp.py", "%2e%2e", "openapi.yaml", "index.html"]
)
def test_other_static_names_are_not_found(http, name):
    error_of(http.get(f"/static/{name}"), 404, "not_found")


def test_pages_answer_get_only(http):
    error_of(http.post("/dashboard", json={}), 405, "method_not_allowed")
