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

# The test venv: the test extra plus the lint tools (`make test` lints first), with the snapshot renderers
# pinned exactly by constraints/test.txt.
$(STAMP_TEST): pyproject.toml constraints/test.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints/test.txt -e '.[test,dev]'
	@touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/dagtop $(ARGS)

sandbox: $(STAMP_RUN)
	$(BIN)/dagtop sandbox $(ARGS)

lint: $(STAMP_TEST)
	$(BIN)/ruff check tui tests devtools
	$(BIN)/ruff format --check tui tests devtools
	$(BIN)/lint-imports

# Two workers; the tests that use the real Airflow servers share one worker (xdist_group "airflow", set in
# tests/conftest.py), so the servers start once; so do those of the real Taipy server (group "taipy").
# `make test PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= 2
test: lint airflow-servers taipy-server browser
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

screenshots: $(STAMP_TEST)
	$(BIN)/python -m devtools.screenshots screenshots

# Every bench in turn (devtools/run_benches.py), each table printed, all kept in bench/results.json; fails
# when any target is missed, after running them all. About 10 minutes.
bench: $(STAMP_TEST) airflow-servers
	$(BIN)/python -m devtools.run_benches

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# --- Airflow test servers ---
# Real Airflow 3.3.2 and 2.11.2 for tests/airflow, each in its own venv OUTSIDE the project's, cached
# between runs in ~/.cache/dagtop/airflow-<version> (move it with DAGTOP_AIRFLOW_CACHE). uv installs them
# from the pinned freeze files in tests/airflow/constraints/; a stamp file per venv (named after the
# freeze file's hash) makes this a no-op in about 0.1 s once installed. The tests start and stop the
# servers themselves (tests/airflow/conftest.py); `$(BIN)/python -m tests.airflow.servers start` runs
# both by hand.
.PHONY: airflow-servers bench-airflow
airflow-servers: | $(BIN)/python
	$(BIN)/python -m tests.airflow.servers install

# dagtop against the official apache-airflow-client (its own venv in the cache) on a real Airflow 3 with
# 50 DAGs (tests/airflow/bench_dags/), then against its 2.x release on a real Airflow 2 with the same
# DAGs; part of `make bench`, never of `make test`. About 4.5 min.
bench-airflow: $(STAMP_TEST) airflow-servers
	$(BIN)/python -m devtools.bench_airflow
# --- end Airflow test servers ---

# --- Taipy test server ---
# Real Taipy REST 4.1.1 for tests/taipy, in its own venv OUTSIDE the project's, cached in
# ~/.cache/dagtop/taipy-4.1.1 (moved with DAGTOP_AIRFLOW_CACHE, like the Airflow servers) and installed by
# uv from the pinned freeze file tests/taipy/constraints/taipy-4.1.1-py3.11-freeze.txt (about 10 s cold,
# 0.1 s once cached). The tests start and stop the server themselves (tests/taipy/conftest.py);
# `$(BIN)/python -m tests.taipy.servers start` runs one by hand with both scenarios created.
.PHONY: taipy-server
taipy-server: | $(BIN)/python
	$(BIN)/python -m tests.taipy.servers install
# --- end Taipy test server ---

# --- Browser for the web-mode test ---
# tests/web/test_browser.py drives the system's Chromium with the playwright package (in the test extra);
# Playwright's own browser download needs the internet, Debian's chromium package does not. Installed
# with apt-get when missing (sudo -n when not root; a few seconds once installed: the check only). Where
# it cannot be installed the test FAILS saying so (never skipped); DAGTOP_CHROMIUM names another binary.
.PHONY: browser
CHROMIUM ?= chromium
browser:
	@command -v $(CHROMIUM) >/dev/null 2>&1 || [ -n "$$DAGTOP_CHROMIUM" ] || { \
	  echo "make: installing Debian's chromium for the web-mode test (apt-get)"; \
	  command -v apt-get >/dev/null 2>&1 && \
	  $$([ "$$(id -u)" -eq 0 ] || echo sudo -n) env DEBIAN_FRONTEND=noninteractive \
	    sh -c 'apt-get update -qq && apt-get install -y -qq chromium >/dev/null'; \
	} || echo "make: warning: could not install chromium; tests/web/test_browser.py will fail (see its message)"
# --- end Browser ---
