# tco: every command a developer or CI needs. `make serve` and `make test` work on a fresh clone.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Bytecode caching makes every pytest start fast; this environment turns it off by default.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install lint test unit bench serve openapi clients clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check tco tests
	$(BIN)/ruff format --check tco tests
	$(BIN)/mypy

# The whole suite: unit, API, contract (schemathesis), generated clients on a live socket, browser.
test: lint
	$(BIN)/pytest -n 2 --dist loadfile

unit: install
	$(BIN)/pytest tests/unit -q

bench: install
	$(BIN)/python -m tests.perf

serve: install
	$(BIN)/tco serve

openapi: install
	$(BIN)/tco openapi --output openapi/openapi.json

clients: install openapi
	bash scripts/make_clients.sh

clean:
	rm -rf $(VENV) var clients test-output
