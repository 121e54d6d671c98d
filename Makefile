# tco: every command a developer or CI needs. `make serve` and `make test` work on a fresh clone.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Every install comes from a hash-pinned lock (requirements/*.lock, written by `make lock`), so a
# fresh machine next month gets the same packages as CI today. pip installs; uv only resolves.
RUNTIME_LOCK := requirements/runtime.lock
DEV_LOCK := requirements/dev.lock
RUNTIME_STAMP := $(VENV)/.runtime-stamp
STAMP := $(VENV)/.dev-stamp
PIP_LOCKED := $(BIN)/python -m pip install -q --require-hashes --no-deps
PIP_PROJECT := $(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
# AIPerf and GuideLLM for tests/tools (each runs against a local mock server in the suite): a
# venv each, since their pins clash with the dev lock; rebuilt only when their lock changes
# (AIPerf 1.2 GB, no torch; GuideLLM 5.9 GB, since guidellm 0.8.1 imports torch on its CLI path).
TOOLS_AIPERF_STAMP := .venv-tools/aiperf/.lock-installed
TOOLS_GUIDELLM_STAMP := .venv-tools/guidellm/.lock-installed
# Bytecode caching makes every pytest start fast; this environment turns it off by default.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install tools lint test unit bench serve openapi clients lock clean

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(RUNTIME_STAMP): $(RUNTIME_LOCK) pyproject.toml | $(VENV)/bin/python
	$(PIP_LOCKED) -r $(RUNTIME_LOCK)
	$(PIP_PROJECT)
	touch $@

$(STAMP): $(DEV_LOCK) pyproject.toml | $(VENV)/bin/python
	$(PIP_LOCKED) -r $(DEV_LOCK)
	$(PIP_PROJECT)
	touch $@ $(RUNTIME_STAMP)

install: $(STAMP)

# The stamp is a copy of the lock: tests/tools/test_real_tools.py reuses a venv whose stamp
# equals the lock, and builds it the same way when run without make.
.venv-tools/%/.lock-installed: requirements/tools-%.lock
	python3 -m venv --clear .venv-tools/$*
	.venv-tools/$*/bin/python -m pip install -q --require-hashes -r $<
	cp $< $@

tools: $(TOOLS_AIPERF_STAMP) $(TOOLS_GUIDELLM_STAMP)

lint: install
	$(BIN)/ruff check tco tests
	$(BIN)/ruff format --check tco tests
	$(BIN)/mypy

# The whole suite: domain, ingest, store, app, API, contract (schemathesis), generated clients on a live socket, browser,
# AIPerf and GuideLLM run against a mock server (their venvs installed first: the suite itself stays offline).
test: lint tools
	$(BIN)/pytest -n 2 --dist loadfile

unit: install
	$(BIN)/pytest tests/domain tests/ingest tests/store tests/app -q

bench: install
	$(BIN)/python -m tests.perf

serve: $(RUNTIME_STAMP)
	$(BIN)/tco serve

openapi: install
	$(BIN)/tco openapi --output openapi/openapi.json

# From the committed document only: generating clients never rewrites a tracked file.
clients: install
	bash scripts/make_clients.sh

# Re-resolve both locks from pyproject.toml (newest allowed versions, for Python 3.11, with hashes).
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
	  --custom-compile-command "make lock" --upgrade --quiet -o $(DEV_LOCK)
	$(BIN)/uv pip compile pyproject.toml requirements/editable-install.in -c $(DEV_LOCK) \
	  --generate-hashes --python-version 3.11 --custom-compile-command "make lock" --quiet \
	  -o $(RUNTIME_LOCK)

clean:
	rm -rf $(VENV) var clients test-output .venv-tools
