# `make serve` and `make test` set everything up themselves on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
SERVER ?=
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider

.PHONY: serve test lint test-server conformance bench clean

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

lint: $(VENV)/.dev
	$(BIN)/ruff check server

test-server: $(VENV)/.dev
	$(PYTEST) server/tests

test: lint test-server

clean:
	rm -rf $(VENV)
