# Two set-up-free entry points: `make demo` and `make test` (see README.md).
# Both create .venv, install the CPU torch wheel when no torch is present, then the project.
# `make test` runs ruff (lint, then format check) before pytest, so CI runs them too.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= $(or $(FINDNA_BENCH_DATA),../shared/data)
# absolute, so tests and commands that change directory still find the data
DATA_ROOT := $(abspath $(DATA))
TORCH_SPEC ?= torch==2.13.0

.PHONY: install demo test

$(BIN)/findna-bench: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e ".[test,report,slurm,hf]"
	touch $@

install: $(BIN)/findna-bench

demo: install
	$(BIN)/findna-bench run --model cnn --suite gue --profile smoke --seeds 3 --data-root $(DATA_ROOT) --results results/demo

# lint and format check first (seconds), then the tests
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	FINDNA_BENCH_DATA=$(DATA_ROOT) $(BIN)/pytest -q -n 2
