# One-command entry points. Only python3 (3.11+) must exist beforehand: the first target run
# creates .tools/ (a private venv holding uv), and uv builds .venv from uv.lock.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := .venv

.PHONY: help demo sim test check lint typecheck layers format bench clean

help:
	@echo "make demo       the offline agents resolve an incident in an emulated cloud"
	@echo "make sim        start the emulated cloud with the demo app (Ctrl-C stops it)"
	@echo "make test       run the whole test suite (lint, types, layers, then pytest)"
	@echo "make check      lint, type-check and layer contracts"
	@echo "make bench      run the benchmark scripts in benchmarks/"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet
	@touch $@

demo: .venv/.synced
	$(UV) run --frozen stratus demo

sim: .venv/.synced
	$(UV) run --frozen stratus sim up --app demo

test: check
	$(UV) run --frozen pytest -q -n auto --dist worksteal

lint: .venv/.synced
	$(UV) run --frozen ruff check src tests benchmarks
	$(UV) run --frozen ruff format --check src tests benchmarks

typecheck: .venv/.synced
	$(UV) run --frozen mypy

layers: .venv/.synced
	$(UV) run --frozen lint-imports

check: lint typecheck layers

format: .venv/.synced
	$(UV) run --frozen ruff format src tests benchmarks
	$(UV) run --frozen ruff check --fix src tests benchmarks

bench: .venv/.synced
	$(UV) run --frozen python -m benchmarks.scale
	$(UV) run --frozen python -m benchmarks.traffic
	$(UV) run --frozen python -m benchmarks.kernel
	$(UV) run --frozen python -m benchmarks.offline_policy --jobs 2
	$(UV) run --frozen python -m benchmarks.bench_suite

clean:
	rm -rf .venv $(TOOLS)
