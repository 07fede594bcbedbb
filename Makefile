# Custos — the two commands a fresh machine needs: `make run` and `make test`.
# Everything lives in .venv/ at the project root, installed from requirements.lock.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# What mypy checks (its settings are [tool.mypy] in pyproject.toml); tests/ is not typed.
TYPED := backend labels scanners worker

.PHONY: run test bench lint lock clean-venv

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Custos needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# The demo unit's name as labels, certificates and registers print it (CUSTOS_UNIT_NAME
# in the environment wins).
DEMO_UNIT_NAME := 某某市保密局机要室（演示单位）

run: $(STAMP)
	$(BIN)/custos migrate --noinput
	CUSTOS_UNIT_NAME="$${CUSTOS_UNIT_NAME:-$(DEMO_UNIT_NAME)}" $(BIN)/custos demo
	CUSTOS_UNIT_NAME="$${CUSTOS_UNIT_NAME:-$(DEMO_UNIT_NAME)}" $(BIN)/custos serve

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(TYPED)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m tests.bench $(BENCH)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy $(TYPED)

# Regenerate the lock after changing dependencies in pyproject.toml (needs uv).
lock:
	uv pip compile pyproject.toml --extra test --extra bench --python-version 3.11 -o requirements.lock

clean-venv:
	rm -rf $(VENV)
