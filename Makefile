# The two commands of the README's quick start: `make demo` and `make test`.
# Each creates its own virtual environment (.venv) with what it needs.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck pytest bench clean

$(BIN)/.installed-test: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is required (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	$(BIN)/python -m compileall -q src >/dev/null
	@touch $@

demo: $(BIN)/.installed-test
	$(BIN)/gitops-guard demo

lint: $(BIN)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports --no-cache

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy --strict src tests

pytest: $(BIN)/.installed-test
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)
	$(BIN)/coverage combine -q
	$(BIN)/coverage report --fail-under=90

test: lint typecheck pytest

bench: $(BIN)/.installed-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage .hypothesis
