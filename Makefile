# The two entry points of the README: `make demo` (install, open the tutorial)
# and `make test` (install everything the tests need, run every test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-deps js-deps lint test test-js test-py test-e2e bench demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"

# Debian's chromium drives the end-to-end tests (playwright cannot download a browser here).
system-deps:
	@command -v npm >/dev/null || { echo "make test needs Node.js >= 20 with npm on PATH" >&2; exit 1; }
	@[ -x /usr/bin/chromium ] || { \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

js-deps:
	cd js && npm ci --no-audit --no-fund

# The committed bundle must be what js/src builds to; then type-check and unit-test the JS.
test-js: js-deps
	cd js && node build.mjs --check && npm run --silent check && npm test

# Style checked by machine: ruff (lint, imports, docstrings, private access) and mypy --strict.
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

test-py: install
	$(BIN)/python -m pytest

test: system-deps test-js lint test-py

bench: install
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_view.py
	$(BIN)/python bench/bench_stores.py

test-e2e: install system-deps
	$(BIN)/python -m pytest tests/e2e

# Install the package with JupyterLab and open the quickstart tutorial. JupyterLab serves
# notebooks/ and prints (and opens, when there is a browser) the URL of the quickstart notebook
# itself, not the Launcher; pass JUPYTER_ARGS=--no-browser on a machine without a browser.
JUPYTER_ARGS ?=
ROOT_FLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
DEMO_NOTEBOOK := 01-quickstart.ipynb
demo: $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[demo]"
	$(BIN)/python -m jupyter lab --ServerApp.root_dir=notebooks \
	  --LabApp.default_url=/lab/tree/$(DEMO_NOTEBOOK) $(ROOT_FLAG) $(JUPYTER_ARGS)
