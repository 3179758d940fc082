# Two commands for a newcomer: `make run` (the platform on its embedded defaults) and
# `make test` (the test suite against a real MariaDB, installed and started if missing).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export CCDATA_HOME ?= $(CURDIR)/.ccdata
PORT ?= 3000
METRICS_PORT ?= 9108

.PHONY: install run test lint benchmark metrics

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

run: install  ## Dagster UI + daemon at http://127.0.0.1:$(PORT); sensors and schedules start on their own
	mkdir -p "$(DAGSTER_HOME)" "$(CCDATA_HOME)"
	cp local/dagster.yaml "$(DAGSTER_HOME)/dagster.yaml"
	$(BIN)/python scripts/dagster_dev.py -w workspace.yaml -h 127.0.0.1 -p $(PORT)

test: install  ## lint, then every test (a real MariaDB is required; this starts one)
	bash scripts/ensure-mariadb.sh
	bash scripts/ensure-postgres.sh
	bash scripts/ensure-redis.sh
	bash scripts/ensure-chromium.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest --ignore=ccdata_assets_tests/ui
	# The browser test runs in a pytest process of its own: a dagster dev instance's process-wide
	# state must not reach the in-process tests.
	$(BIN)/pytest ccdata_assets_tests/ui

metrics: install  ## Prometheus metrics at http://127.0.0.1:$(METRICS_PORT)/metrics, health at /health
	$(BIN)/python -m ccdata_assets.metrics --port $(METRICS_PORT)

benchmark: install
	$(BIN)/python scripts/benchmark_backfill.py
	$(BIN)/python -m ccdata_assets_tests.warehouse.bench_write_paths
