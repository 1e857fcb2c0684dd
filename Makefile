# `make serve` and `make test` set everything up themselves on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SERVER ?=
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider

.PHONY: serve test lint test-server test-conformance test-sdk-python test-node test-julia conformance bench clean

# The server alone: what `make serve` needs.
$(VENV)/.server: server/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ./server
	touch $@

# Everything the tests need.
$(VENV)/.dev: $(VENV)/.server requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

serve: $(VENV)/.server
	$(BIN)/gym-http-server --listen $(HOST) --port $(PORT)

# Python (ruff), JavaScript (node --check), Julia (tree-sitter parse).
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check sdk/python
	for f in sdk/node/src/*.js; do node --check $$f || exit 1; done
	$(PYTEST) sdk/julia/check -k "parses or parse_check"

test-server: $(VENV)/.dev
	$(PYTEST) server/tests

$(VENV)/.conformance: $(VENV)/.dev conformance/pyproject.toml
	$(BIN)/python -m pip install -q -e ./conformance
	touch $@

# Check any server: `make conformance SERVER=http://host:port`; without
# SERVER, against a reference server started for the run.
conformance: $(VENV)/.conformance
ifeq ($(SERVER),)
	PYTHONPATH=server/tests $(BIN)/gym-http-conformance --start-reference --import testenvs
else
	$(BIN)/gym-http-conformance $(SERVER)
endif

# Case files, the runner against the reference server and broken servers,
# schemathesis and hypothesis fuzzing (bounded).
test-conformance: $(VENV)/.conformance
	$(PYTEST) conformance/tests

# torch is pinned: its CPU wheel is on disk, an unpinned one is a multi-GB CUDA build.
$(VENV)/.sdk-python: $(VENV)/.conformance sdk/python/pyproject.toml
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e './sdk/python[test]'
	touch $@

test-sdk-python: $(VENV)/.sdk-python
	$(BIN)/ruff format --check sdk/python
	$(PYTEST) sdk/python/tests

# The Node SDK against the reference server from .venv.
test-node: $(VENV)/.dev
	cd sdk/node && npm ci --no-audit --no-fund && \
		GYM_HTTP_SERVER_BIN=$(abspath $(BIN))/gym-http-server npm test

# No Julia registry here: parse and cross-check the sources, run the
# stdlib-only tests on Debian 11's Julia 1.5.3 (unpacked into .venv), and say
# SKIPPED for the full Pkg.test() (it runs where HTTP.jl and JSON3.jl install).
test-julia: $(VENV)/.dev
	GYM_HTTP_JULIA_HOME=$(abspath $(VENV))/julia-debian11 $(PYTEST) -rs sdk/julia/check

bench: $(VENV)/.server
	$(BIN)/python bench/step_throughput.py

# SDK step rates against raw keep-alive HTTP loops (Python, async, Node), as ratios.
.PHONY: bench-sdk
bench-sdk: $(VENV)/.sdk-python
	$(BIN)/python bench/sdk_overhead.py

test: lint test-server conformance test-conformance test-sdk-python test-node test-julia

clean:
	rm -rf $(VENV) sdk/node/node_modules
