"""What can be checked of the Julia SDK on a machine without Julia.

1. Every .jl file parses with the tree-sitter Julia grammar (no ERROR or
   MISSING node), and the parse check is shown to catch broken code.
2. The package hangs together: every included file exists, every exported
   name is defined, Project.toml names its deps with compat bounds.
3. The conformance runner handles every field and operator that
   conformance/case.schema.json defines, and runs every case file found.
4. With a `julia` on PATH, the package's own tests run against a live server;
   without one, the test is SKIPPED loudly with the reason.
5. Debian 11's Julia 1.5.3, unpacked into GYM_HTTP_JULIA_HOME by
   check/debian_julia.sh, runs test/stdlib_only.jl: every offline test that
   needs only Julia's standard library, against the real sources. Where that
   install is impossible (no network, no apt), the test is SKIPPED loudly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import tree_sitter
import tree_sitter_julia

SDK = Path(__file__).resolve().parents[1]
REPO = SDK.parents[1]
SCHEMA = REPO / "conformance" / "case.schema.json"
CASES = REPO / "conformance" / "cases"
RUNNER = SDK / "test" / "conformance.jl"
RUNTESTS = SDK / "test" / "runtests.jl"
JULIA_FILES = sorted(SDK.rglob("*.jl"))

PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_julia.language()))


def parse(source: bytes) -> tree_sitter.Tree:
    return PARSER.parse(source)


def walk(node: tree_sitter.Node):
    yield node
    for child in node.children:
        yield from walk(child)


def syntax_problems(source: bytes) -> list[str]:
    """Every ERROR or MISSING node, as 'line:column kind'."""
    problems = []
    for node in walk(parse(source).root_node):
        if node.type == "ERROR" or node.is_missing:
            row, column = node.start_point
            kind = "missing " + node.type if node.is_missing else "syntax error"
            problems.append(f"{row + 1}:{column + 1} {kind}")
    return problems


def literal_text(node: tree_sitter.Node) -> str | None:
    """The text of a plain string literal (no interpolation), else None."""
    if node.type != "string_literal":
        return None
    parts = [child for child in node.children if child.type not in ('"', '"""')]
    if any(part.type != "content" for part in parts):
        return None
    return "".join(part.text.decode() for part in parts)


def operator_of(node: tree_sitter.Node) -> str | None:
    for child in node.children:
        if child.type == "operator":
            return child.text.decode()
    return None


def callee_name(call: tree_sitter.Node) -> str:
    return call.children[0].text.decode() if call.children else ""


def handled_literals(tree: tree_sitter.Tree) -> set[str]:
    """String literals the code acts on: compared with == or `in`, used as a
    dict index, passed to get/haskey, or listed in a `const *_FIELDS` tuple.
    Docstrings and comments do not count."""
    handled = set()
    for node in walk(tree.root_node):
        text = literal_text(node)
        if text is None:
            continue
        ancestor, depth = node.parent, 0
        while ancestor is not None and depth < 3:
            if ancestor.type == "binary_expression" and operator_of(ancestor) in ("==", "!=", "in"):
                handled.add(text)
            elif ancestor.type == "index_expression":
                handled.add(text)
            elif ancestor.type == "call_expression" and callee_name(ancestor) in (
                "get",
                "haskey",
                "getindex",
            ):
                handled.add(text)
            elif ancestor.type == "assignment" and ancestor.children[0].text.decode().endswith(
                "_FIELDS"
            ):
                handled.add(text)
            ancestor, depth = ancestor.parent, depth + 1
    return handled


def calls(tree: tree_sitter.Tree) -> set[str]:
    return {callee_name(node) for node in walk(tree.root_node) if node.type == "call_expression"}


def all_literals(tree: tree_sitter.Tree) -> set[str]:
    return {text for node in walk(tree.root_node) if (text := literal_text(node)) is not None}


# --- 1. syntax -------------------------------------------------------------


def test_there_are_julia_sources_to_check():
    names = {path.relative_to(SDK).as_posix() for path in JULIA_FILES}
    assert {
        "src/GymHTTP.jl",
        "src/client.jl",
        "src/errors.jl",
        "src/spaces.jl",
        "src/env.jl",
        "test/runtests.jl",
        "test/conformance.jl",
    } <= names


@pytest.mark.parametrize("path", JULIA_FILES, ids=lambda p: p.relative_to(SDK).as_posix())
def test_julia_file_parses_without_errors(path: Path):
    assert syntax_problems(path.read_bytes()) == [], f"{path} does not parse"


@pytest.mark.parametrize(
    "broken",
    [
        b"function f(x)\n    x + 1\n",  # missing end
        b"struct S\n    a::Int\n    b::\nend\n",  # dangling type annotation
        b"x = [1, 2\ny = 3\n",  # unclosed bracket
        b'if x == 1\n    print("one"\nend\n',  # unclosed call
    ],
)
def test_parse_check_flags_broken_code(broken: bytes):
    assert syntax_problems(broken), "the parse check must catch this"


def test_parse_check_accepts_the_idioms_this_package_uses():
    source = b"""
    retry(f; n = 2) = n > 0 ? f() : nothing
    x = try
        parse(Int, "1")
    catch err
        err isa ArgumentError || rethrow()
        0
    end
    (observation = 1, info = Dict{String,Any}())
    replace("a{{b}}", r"\\{\\{b\\}\\}" => m -> uppercase(m))
    """
    assert syntax_problems(source) == []


# --- 2. the package hangs together ----------------------------------------


def module_tree() -> tree_sitter.Tree:
    return parse((SDK / "src" / "GymHTTP.jl").read_bytes())


def included_files(tree: tree_sitter.Tree) -> list[str]:
    found = []
    for node in walk(tree.root_node):
        if node.type == "call_expression" and callee_name(node) == "include":
            args = [literal_text(n) for n in walk(node) if n.type == "string_literal"]
            found.extend(a for a in args if a)
    return found


def test_module_includes_one_file_per_concern_in_house_order():
    assert included_files(module_tree()) == [
        "client.jl",
        "errors.jl",
        "spaces.jl",
        "api.jl",
        "env.jl",
    ]
    for name in included_files(module_tree()):
        assert (SDK / "src" / name).is_file()


def exported_names(tree: tree_sitter.Tree) -> set[str]:
    names = set()
    for node in walk(tree.root_node):
        if node.type == "export_statement":
            names |= {child.text.decode() for child in node.children if child.type == "identifier"}
    return names


def defined_names(paths=None) -> set[str]:
    """Names given a definition in `paths` (default: src/): functions (long
    and short form, including Base.f extensions by their short name), structs,
    abstract types and consts."""
    names = set()
    for path in paths if paths is not None else (SDK / "src").glob("*.jl"):
        for node in walk(parse(path.read_bytes()).root_node):
            if node.type in ("struct_definition", "abstract_definition"):
                head = next(c for c in node.children if c.type in ("type_head", "identifier"))
                names.add(next(n for n in walk(head) if n.type == "identifier").text.decode())
            elif node.type == "function_definition":
                signature = next(c for c in node.children if c.type == "signature")
                call = next(n for n in walk(signature) if n.type == "call_expression")
                names.add(call.children[0].text.decode().split(".")[-1])
            elif node.type == "assignment" and node.children[0].type == "call_expression":
                names.add(node.children[0].children[0].text.decode().split(".")[-1])
            elif node.type == "assignment" and node.children[0].type == "where_expression":
                call = next(n for n in walk(node.children[0]) if n.type == "call_expression")
                names.add(call.children[0].text.decode().split(".")[-1])
            elif node.type == "const_statement":
                assignment = next(c for c in node.children if c.type == "assignment")
                names.add(assignment.children[0].text.decode())
    return names


def test_every_exported_name_is_defined():
    exported = exported_names(module_tree())
    assert len(exported) > 30
    assert exported - defined_names() == set()


# Base, Core and Test names the sources call; anything else must be defined
# in the package or its tests. Without a Julia runtime this is what catches a
# misspelt function name.
JULIA_BUILTINS = set(
    """
@__DIR__ @error @test @test_skip @test_throws @testset @warn
ArgumentError Bool Char Dict ErrorException Expr Float32 Float64 IOBuffer Int Ref String Tuple
all any append! axes basename ceil codeunits collect copy count endswith enumerate error fill filter
filter! findfirst first foldl get haskey include isdefined isempty isequal isfinite isinf isinteger
isnan join joinpath keys length lowercase lpad map match max maximum min nameof normpath ntuple
occursin pairs parse permutedims print println prod push! rand read readdir replace repr
reshape rethrow reverse rpad rstrip selectdim size sleep something sort sort! split sprint
startswith string strip sum take! throw tryparse typeof unique uppercase values write zip
delete! eachline
""".split()
)


def called_names(tree: tree_sitter.Tree) -> tuple[set[str], set[str]]:
    """(unqualified callees and macros, names called as GymHTTP.name)."""
    plain, qualified = set(), set()
    for node in walk(tree.root_node):
        if node.type == "macro_identifier":
            plain.add(node.text.decode())
        if node.type != "call_expression":
            continue
        callee = node.children[0]
        if callee.type == "identifier":
            plain.add(callee.text.decode())
        elif callee.type == "field_expression" and callee.children[0].text == b"GymHTTP":
            qualified.add(callee.children[-1].text.decode())
    return plain, qualified


def test_every_called_name_is_defined_or_from_base():
    local = defined_names(JULIA_FILES)
    undefined = {}
    for path in JULIA_FILES:
        plain, _ = called_names(parse(path.read_bytes()))
        # a call of a parameter (f(env)) is a local name, not a global one
        unknown = plain - local - JULIA_BUILTINS - {"f"}
        if unknown:
            undefined[path.relative_to(SDK).as_posix()] = sorted(unknown)
    assert undefined == {}


def test_tests_call_only_names_the_package_defines():
    package = defined_names()
    for path in (SDK / "test").glob("*.jl"):
        _, qualified = called_names(parse(path.read_bytes()))
        assert qualified - package == set(), path.name


def test_defined_name_check_flags_a_misspelt_call(tmp_path: Path):
    source = tmp_path / "typo.jl"
    source.write_text("step(client, id) = step_env!(client, id)\n")
    plain, _ = called_names(parse(source.read_bytes()))
    assert plain - defined_names([source]) - JULIA_BUILTINS == {"step_env!"}


def test_error_types_are_gym_http_errors_with_showerror():
    errors = (SDK / "src" / "errors.jl").read_text()
    exported = exported_names(module_tree())
    error_types = {name for name in exported if name.endswith("Error") and name != "GymHTTPError"}
    for name in error_types:
        assert f"struct {name} <: GymHTTPError" in errors, name
    assert "function Base.showerror(io::IO, err::GymHTTPError)" in errors
    base_names = {"TimeoutError", "ErrorException", "ArgumentError", "BoundsError", "DomainError"}
    assert not error_types & base_names, "error types must not shadow Base or HTTP.jl names"


def test_project_toml_pins_deps_and_test_target():
    project = tomllib.loads((SDK / "Project.toml").read_text())
    assert project["name"] == "GymHTTP"
    assert project["deps"] == {
        "HTTP": "cd3eb016-35fb-5094-929b-558a96fad6f3",
        "JSON3": "0f8b85d8-7281-11e9-16c2-39a750bddbf1",
    }
    assert set(project["compat"]) == {"julia", *project["deps"]}
    assert project["extras"] == {"Test": "8dfed614-e22c-5e08-85e1-65c5234f0b40"}
    assert project["targets"] == {"test": ["Test"]}


# --- 3. the conformance runner covers the case format ---------------------


def schema_names() -> dict[str, set[str]]:
    schema = json.loads(SCHEMA.read_text())
    defs = schema["$defs"]
    return {
        "case field": set(defs["case"]["properties"]),
        "step field": set(defs["step"]["properties"]),
        "request field": set(defs["request"]["properties"]),
        "expect field": set(defs["expect"]["properties"]),
        "assertion operator": set(defs["assertion"]["properties"]),
        "JSON type": set(defs["assertion"]["properties"]["type"]["enum"]),
    }


@pytest.mark.parametrize("kind", sorted(schema_names()))
def test_runner_handles_every_name_the_schema_defines(kind: str):
    handled = handled_literals(parse(RUNNER.read_bytes()))
    assert schema_names()[kind] - handled == set(), f"{kind}s the Julia runner does not handle"


def test_handled_literal_check_ignores_comments_and_docstrings():
    source = b'''
    # "equals" in a comment
    """
    "not_equals" in a docstring
    """
    f(op) = op == "gte"
    '''
    assert handled_literals(parse(source)) == {"gte"}


def test_every_case_file_uses_only_names_the_runner_handles():
    handled = handled_literals(parse(RUNNER.read_bytes()))
    files = sorted(CASES.glob("*.json"))
    assert files
    for path in files:
        for case in json.loads(path.read_text())["cases"]:
            assert set(case) <= handled, (path.name, case["name"])
            for step in case["steps"] + case.get("cleanup", []):
                assert set(step) <= handled and set(step["request"]) <= handled, (
                    path.name,
                    case["name"],
                )
                expect = step.get("expect", {})
                assert set(expect) <= handled, (path.name, case["name"])
                for assertion in expect.get("assert", []):
                    assert set(assertion) <= handled, (path.name, case["name"], assertion)


def test_runner_reads_the_case_directory_rather_than_a_list():
    runner, runtests = parse(RUNNER.read_bytes()), parse(RUNTESTS.read_bytes())
    assert "readdir" in calls(runner)
    assert "case_files" in calls(runtests) and "run_case_file" in calls(runtests)
    named_files = {
        text
        for tree in (runner, runtests)
        for text in all_literals(tree)
        if text.endswith(".json") and text != ".json"
    }
    assert named_files == set(), "case files must be discovered, not listed"


# --- 4. the Julia tests themselves -----------------------------------------


def loud_skip(message: str) -> None:
    print("\n" + "!" * 100 + "\n" + message + "\n" + "!" * 100, file=sys.stderr)
    pytest.skip(message)


def test_julia_package_tests_against_a_live_server():
    julia = shutil.which("julia")
    if julia is None:
        loud_skip(
            "SKIPPED: the full Julia SDK tests (sdk/julia/test/runtests.jl via Pkg.test()) did not "
            "run because HTTP.jl and JSON3.jl cannot be installed (no Julia package registry "
            "reachable) and no `julia` is on PATH: transport, API calls, RemoteEnv, the lifecycle "
            "test, the conformance cases against a live server, and error/assertion messages that "
            "need JSON3 are checked statically only. The stdlib-only offline tests run on Debian "
            "11's Julia 1.5.3 (test_stdlib_only_tests_run_on_debian_julia)"
        )
    from gym_http_server.testing import running_server

    with running_server() as base_url:
        env = {**os.environ, "GYM_HTTP_SERVER": base_url}
        result = subprocess.run(
            [julia, f"--project={SDK}", "-e", "using Pkg; Pkg.instantiate(); Pkg.test()"],
            env=env,
            capture_output=True,
            text=True,
            timeout=1500,
        )
    print(result.stdout[-20000:], result.stderr[-20000:])
    assert result.returncode == 0, "Julia tests failed"


def test_fatou_lint_finds_nothing():
    """Fatou lints Julia without running it (unused bindings, redundant
    comparisons, ...): a second static opinion where no runtime exists."""
    fatou = shutil.which("fatou") or shutil.which("fatou", path=str(Path(sys.executable).parent))
    if fatou is None:
        pytest.skip("SKIPPED: fatou (Julia linter, PyPI package `fatou`) is not installed")
    result = subprocess.run(
        [fatou, "lint", "--no-config", "--color", "never", str(SDK)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def readme_julia_blocks() -> list[str]:
    text = (SDK / "README.md").read_text()
    return [block.split("```", 1)[0] for block in text.split("```julia\n")[1:]]


def test_readme_examples_parse_and_call_only_exported_names():
    """The README's Julia cannot run here; at least it parses and uses the
    public surface as it exists."""
    blocks = readme_julia_blocks()
    assert len(blocks) >= 3
    exported = exported_names(module_tree())
    for block in blocks:
        assert syntax_problems(block.encode()) == [], block
        plain, _ = called_names(parse(block.encode()))
        assert plain - exported - JULIA_BUILTINS == set(), block


# --- 5. stdlib-only tests on Debian 11's Julia 1.5.3 ------------------------

JULIA_HOME = Path(os.environ.get("GYM_HTTP_JULIA_HOME", REPO / ".venv" / "julia-debian11"))
INSTALLER = SDK / "check" / "debian_julia.sh"
STDLIB_ONLY = SDK / "test" / "stdlib_only.jl"


@pytest.fixture(scope="module")
def debian_julia() -> tuple[list[str], dict[str, str]]:
    """(command, environment) to run Debian 11's Julia, installed on first use
    into JULIA_HOME; a loud skip when it cannot be installed here."""
    try:
        install = subprocess.run(
            ["bash", str(INSTALLER), str(JULIA_HOME)], capture_output=True, text=True, timeout=600
        )
        problem = install.stderr.strip().splitlines()[-1:] if install.returncode else None
    except (OSError, subprocess.TimeoutExpired) as err:
        problem = [repr(err)]
    if problem:
        loud_skip(
            "SKIPPED: the stdlib-only Julia tests (sdk/julia/test/stdlib_only.jl) did not run "
            f"because Debian 11's Julia 1.5.3 could not be installed into {JULIA_HOME} "
            f"(sdk/julia/check/debian_julia.sh failed: {' '.join(problem)})"
        )
    lib = JULIA_HOME / "root" / "usr" / "lib" / "x86_64-linux-gnu"
    env = {**os.environ, "LD_LIBRARY_PATH": f"{lib}:{lib / 'julia'}"}
    return [str(JULIA_HOME / "root" / "usr" / "bin" / "julia"), "--startup-file=no"], env


def run_julia(debian_julia, script: Path) -> subprocess.CompletedProcess:
    command, env = debian_julia
    return subprocess.run(
        [*command, str(script)], env=env, capture_output=True, text=True, timeout=300
    )


def test_summary(output: str) -> dict[str, int]:
    """The counts of the last top-level Test summary, e.g. {"Pass": 134,
    "Total": 134}; columns with no entries (Fail, Error, Broken) are absent."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Test Summary:")]
    assert starts, "no Test Summary in the output:\n" + output
    header, counts = lines[starts[-1]], lines[starts[-1] + 1]
    names = header.split("|", 1)[1].split()
    values = [int(value) for value in counts.split("|", 1)[1].split()]
    return dict(zip(names, values, strict=True))


test_summary.__test__ = False  # a helper, not a test


def test_summary_parser_reads_failures_and_errors():
    output = (
        "Test Summary: | Pass  Fail  Error  Total\n"
        "GymHTTP       |  120     2      1    123\n"
        "  retry policy |   14     2            16\n"
    )
    assert test_summary(output) == {"Pass": 120, "Fail": 2, "Error": 1, "Total": 123}


def test_stdlib_only_tests_run_on_debian_julia(debian_julia):
    result = run_julia(debian_julia, STDLIB_ONLY)
    output = result.stdout + result.stderr
    print(output)
    assert "on Julia 1.5.3" in output, output
    assert result.returncode == 0, output
    counts = test_summary(output)
    assert counts.get("Pass", 0) >= 100 and counts["Pass"] == counts["Total"], counts
    assert not {"Fail", "Error", "Broken"} & set(counts), counts


def test_stdlib_only_run_fails_on_a_false_test(debian_julia, tmp_path: Path):
    """Teeth: the same harness plus one false @test must make Julia exit non-zero."""
    script = tmp_path / "with_false_test.jl"
    script.write_text(
        f"include({json.dumps(str(STDLIB_ONLY))})\n"
        '@testset "deliberately false" begin\n'
        '    @test GymHTTP.decode_float("Infinity") == -Inf\n'
        "end\n"
    )
    result = run_julia(debian_julia, script)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert test_summary(output) == {"Fail": 1, "Total": 1}, output


def sdk_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of src/ and test/ with `old` replaced by `new` in `file`."""
    copy = tmp_path / "julia"
    for folder in ("src", "test"):
        shutil.copytree(SDK / folder, copy / folder)
    target = copy / file
    source = target.read_text()
    assert source.count(old) == 1, (file, old)
    target.write_text(source.replace(old, new))
    return copy


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        # a behaviour change in the sources is caught by the tests
        (
            "src/spaces.jl",
            'x == "Infinity" && return Inf',
            'x == "Infinity" && return -Inf',
            "Fail",
        ),
        # a load-time need for HTTP.jl (here a method signature) stops the run:
        # nothing in the harness stands in for HTTP.jl
        (
            "src/client.jl",
            "body_text(response::RawResponse) = String(copy(response.body))",
            "body_text(response::HTTP.Response) = String(copy(response.body))",
            "UndefVarError: HTTP not defined",
        ),
    ],
    ids=["wrong-infinity", "load-time-HTTP"],
)
def test_stdlib_only_run_fails_on_a_broken_sdk(debian_julia, tmp_path, file, old, new, expected):
    copy = sdk_copy(tmp_path, file, old, new)
    result = run_julia(debian_julia, copy / "test" / "stdlib_only.jl")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert expected in output, output
