# `make serve` and `make test` set everything up themselves on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SERVER ?=
PROFILES ?=
TOKEN ?=
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider

.PHONY: serve test setup fmt lint chromium test-server test-ray test-granian test-conformance test-sdk-python test-node test-julia conformance bench bench-quick bench-profile bench-process bench-sdk bench-sessions clean

# The server alone: what `make serve` needs.
$(VENV)/.server: server/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e './server[video]'
	touch $@

# Everything the tests need, and Debian's Chromium for the browser tests
# (as root; elsewhere those tests say SKIPPED with the reason).
# granian (the `granian` extra) too, so that both engines are tested.
$(VENV)/.dev: $(VENV)/.server requirements-dev.txt
	$(BIN)/python -m pip install -q -r requirements-dev.txt -e './server[video,granian]'
	$(MAKE) --no-print-directory chromium
	touch $@

chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			-o DPkg::Lock::Timeout=600 chromium >/dev/null \
		|| echo "chromium could not be installed: the browser tests will be SKIPPED"; \
	else echo "no /usr/bin/chromium and not root: the browser tests will be SKIPPED"; fi

serve: $(VENV)/.server
	$(BIN)/gym-http-server --listen $(HOST) --port $(PORT)

# The OpenAPI linter, Redocly CLI, pinned by tools/package-lock.json.
tools/node_modules/.installed: tools/package.json tools/package-lock.json
	cd tools && npm ci --no-audit --no-fund
	touch $@

# What `ruff format` keeps formatted (settings in ruff.toml): all the
# repository's Python. `make fmt` formats it, `make lint` checks it.
FORMATTED ?= .

fmt: $(VENV)/.dev
	$(BIN)/ruff format $(FORMATTED)

# Python (ruff), the spec (Redocly CLI; its rule exceptions are in
# redocly.yaml), JavaScript (node --check), Julia (tree-sitter parse).
lint: $(VENV)/.dev tools/node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(FORMATTED)
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		tools/node_modules/.bin/redocly lint --config redocly.yaml spec/openapi.yaml
	for f in sdk/node/src/*.js; do node --check $$f || exit 1; done
	for f in server/gym_http_server/static/*.js; do node --input-type=module --check < $$f || exit 1; done
	$(PYTEST) sdk/julia/check -k "parses or parse_check"

$(VENV)/.conformance: $(VENV)/.dev conformance/pyproject.toml
	$(BIN)/python -m pip install -q -e ./conformance
	touch $@

# shimmy's gym-v26 wrapper pins numpy 1.x, so it gets a venv of its own with
# the server in it, for the attack test that no request imports code through
# it; if it cannot be built here, that test says SKIPPED with this log's tail.
SHIMMY_VENV ?= .venv-shimmy
$(SHIMMY_VENV)/.ready: server/pyproject.toml
	test -x $(SHIMMY_VENV)/bin/python || $(PYTHON) -m venv $(SHIMMY_VENV)
	$(SHIMMY_VENV)/bin/python -m pip install -q 'shimmy[gym-v26]>=1.0' -e './server' \
		> $(SHIMMY_VENV)/install.log 2>&1 && touch $@ \
		|| echo "shimmy[gym-v26] could not be installed (see $(SHIMMY_VENV)/install.log)"

# The server's tests use the conformance fixture environment (gym_http_conformance.allspaces).
# The two longest stages run their tests on two pytest-xdist workers: most
# of a test is waiting on a server it started, so two keep both cores busy.
test-server: $(VENV)/.conformance $(SHIMMY_VENV)/.ready
	GYM_HTTP_SHIMMY_PYTHON=$(abspath $(SHIMMY_VENV))/bin/python \
		$(PYTEST) -n 2 -rs server/tests --ignore=server/tests/test_ray.py --ignore=server/tests/test_ray_cluster.py

# The Ray backend (--backend ray, the `ray` extra): its own tests (actors,
# a killed actor's coded error, nothing left after SIGTERM, the conformance
# suite) and the Python SDK's core tests against a server on it.
$(VENV)/.ray: $(VENV)/.sdk-python server/pyproject.toml
	$(BIN)/python -m pip install -q -e './server[video,ray]'
	touch $@

test-ray: $(VENV)/.ray
	$(PYTEST) -rs server/tests/test_ray.py server/tests/test_ray_cluster.py
	GYM_HTTP_TEST_SERVER_ARGS="--backend ray" $(PYTEST) -rs sdk/python/tests/test_remote_env.py

# The same API served by granian (--engine granian): the conformance suite
# (every profile: a token made up for the run), the server's tests of what an
# engine owns (stopping with recordings flushed, hostile requests, metrics and
# CORS, the reaper) and the Python SDK's core tests. test-server runs the
# engine tests (held sessions, floods) on both engines.
test-granian: $(VENV)/.sdk-python
	@GYM_HTTP_TOKEN=granian-$(shell od -An -N8 -tx8 /dev/urandom | tr -d " ") GYM_HTTP_TEST_ENGINE=granian \
		$(BIN)/gym-http-conformance --start-reference --import gym_http_conformance.allspaces
	GYM_HTTP_TEST_ENGINE=granian $(PYTEST) -rs server/tests/test_stop.py server/tests/test_hostile.py \
		server/tests/test_metrics.py server/tests/test_eviction.py
	GYM_HTTP_TEST_ENGINE=granian $(PYTEST) -rs sdk/python/tests/test_remote_env.py

# Check any server: `make conformance SERVER=http://host:port [TOKEN=...] [PROFILES="legacy v1"]`;
# without SERVER, against a reference server started for the run, with a
# token (TOKEN, or one made up for the run) so that the auth profile runs too.
# The token travels in the environment (GYM_HTTP_TOKEN), never on a command line.
conformance: $(VENV)/.conformance
ifeq ($(SERVER),)
	@GYM_HTTP_TOKEN='$(or $(TOKEN),conformance-$(shell od -An -N8 -tx8 /dev/urandom | tr -d " "))' \
		$(BIN)/gym-http-conformance --start-reference --import gym_http_conformance.allspaces $(PROFILES:%=--profile %)
else
	@$(if $(TOKEN),GYM_HTTP_TOKEN='$(TOKEN)') $(BIN)/gym-http-conformance $(SERVER) $(PROFILES:%=--profile %)
endif

# Case files, the runner against the reference server and broken servers,
# schemathesis and hypothesis fuzzing (bounded).
test-conformance: $(VENV)/.conformance
	$(PYTEST) -n 2 conformance/tests

# torch is pinned: its CPU wheel is on disk, an unpinned one is a multi-GB CUDA build.
$(VENV)/.sdk-python: $(VENV)/.conformance sdk/python/pyproject.toml
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e './sdk/python[test,mcp]'
	touch $@

test-sdk-python: $(VENV)/.sdk-python
	$(PYTEST) sdk/python/tests

# The Node SDK against the reference server from .venv.
test-node: $(VENV)/.conformance
	cd sdk/node && npm ci --no-audit --no-fund && \
		GYM_HTTP_SERVER_BIN=$(abspath $(BIN))/gym-http-server npm test

# No Julia registry here: parse and cross-check the sources, run the
# stdlib-only tests on Debian 11's Julia 1.5.3 (unpacked into .venv), and say
# SKIPPED for the full Pkg.test() (it runs where HTTP.jl and JSON3.jl install).
test-julia: $(VENV)/.dev
	GYM_HTTP_JULIA_HOME=$(abspath $(VENV))/julia-debian11 $(PYTEST) -rs sdk/julia/check

$(VENV)/.bench: $(VENV)/.server bench/requirements.txt
	$(BIN)/python -m pip install -q -e './server[video,ray]' -r bench/requirements.txt
	touch $@

# Ratios measured side by side in one run (a minute or two); writes one
# results file per section in bench/results/. RUNS=3 adds three runs to the
# files; PEERS=1 installs and steps the installable peers (bench/peers.py);
# PEER=http://host:port adds a row for another gym-http-api server.
# Then the README's tables are generated anew from the files.
# SERVER_ARGS="--threads 4" starts this server's instances with those options.
PEER ?=
PEERS ?=
RUNS ?= 1
SERVER_ARGS ?=
bench: $(VENV)/.bench
	for run in $$(seq $(RUNS)); do \
		$(BIN)/python bench/bench.py $(if $(PEERS),--peers) $(if $(PEER),--peer $(PEER)) \
			$(if $(SERVER_ARGS),--server-args "$(SERVER_ARGS)") \
			$$( [ $$run -gt 1 ] && echo --append ) || exit 1; done
	$(BIN)/python bench/tables.py --write
	$(MAKE) --no-print-directory bench-sdk

# Where a step's CPU time goes in the server (bench/results/profile.*).
bench-profile: $(VENV)/.bench
	$(BIN)/python bench/profile_step.py
	$(BIN)/python bench/tables.py --write

# One short round of every row but Ray's (starting a Ray takes a minute on a
# busy machine; make test-ray covers it) into .venv/bench-quick/, a short
# profile, their tables rendered, and the README's tables checked against
# bench/results/: the bench never rots.
bench-quick: $(VENV)/.bench $(VENV)/.dev
	rm -rf $(VENV)/bench-quick
	$(BIN)/python bench/bench.py --quick --no-ray --results $(VENV)/bench-quick
	$(BIN)/python bench/profile_step.py --rounds 1 --calls 50 --results $(VENV)/bench-quick
	$(BIN)/python bench/sessions.py --quick --out $(VENV)/bench-quick
	$(BIN)/python bench/tables.py --results $(VENV)/bench-quick > /dev/null
	$(PYTEST) bench/tests

# A CartPole step and a create on --backend process against the default
# backend, side by side (prints medians and the ratio; no results file).
bench-process: $(VENV)/.server
	$(BIN)/python bench/process_overhead.py

# A group of 64 same-seed CartPoles (POST /v1/env_groups/) against 64
# create+reset round trips, side by side (prints medians and the ratio).
bench-groups: $(VENV)/.server
	$(BIN)/python bench/groups.py

# Sessions on both engines (held sessions up to 16,384, CartPole at 1 to 256
# sessions, a 50 ms env up to 1,024): writes bench/results/sessions.json, from
# which bench/tables.py renders the README's table. A few minutes.
bench-sessions: $(VENV)/.dev
	for run in $$(seq $(RUNS)); do \
		$(BIN)/python bench/sessions.py $$( [ $$run -gt 1 ] && echo --append ) || exit 1; done
	$(BIN)/python bench/tables.py --write

# SDK step rates against raw keep-alive HTTP loops (Python, async, Node), as ratios.
bench-sdk: $(VENV)/.sdk-python
	$(BIN)/python bench/sdk_overhead.py

# Everything CI runs, one stage after another, each announced and timed, with
# a table of the stages' times at the end (about 8 minutes on 2 cores, plus
# the first setup).
TEST_STAGES := setup lint test-server test-ray test-granian conformance test-conformance \
	test-sdk-python test-node test-julia bench-quick
test:
	@tools/stages "$(MAKE)" $(TEST_STAGES)

# Every venv and package the tests need (the first run downloads them).
setup: $(VENV)/.ray $(VENV)/.bench tools/node_modules/.installed

clean:
	rm -rf $(VENV) sdk/node/node_modules tools/node_modules
