# The two commands a newcomer needs: `make run` and `make test`.
# Everything is installed into .venv from PyPI; nothing on the machine by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install only when the project's metadata changes.
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint screenshots bench sandbox clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/dagtop $(ARGS)

sandbox: $(STAMP_RUN)
	$(BIN)/dagtop sandbox $(ARGS)

lint: $(STAMP_TEST)
	$(BIN)/ruff check tui tests
	$(BIN)/ruff format --check tui tests
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

screenshots: $(STAMP_TEST)
	$(BIN)/python -m tui.tools.screenshots screenshots

bench: $(STAMP_TEST)
	$(BIN)/python -m tui.tools.bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
