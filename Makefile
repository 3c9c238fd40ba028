# The two entry points of the README: `make demo` (install, open the tutorial)
# and `make test` (install everything the tests need, run every test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test bench demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/bench_engine.py
