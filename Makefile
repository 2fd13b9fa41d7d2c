# Two set-up-free entry points: `make demo` and `make test` (see README.md).
# Both create .venv, install the CPU torch wheel when no torch is present, then the project.
# `make test` runs ruff (lint, then format check) and mypy before pytest, so CI runs them too.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= $(or $(FINDNA_BENCH_DATA),../shared/data)
# absolute, so tests and commands that change directory still find the data
DATA_ROOT := $(abspath $(DATA))
TORCH_SPEC ?= torch==2.13.0
MAMBA_SSM ?= 2.3.2.post1

.PHONY: install demo test

$(BIN)/findna-bench: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e ".[test,report,slurm,hf]"
	# the hf tests run Caduceus's real code: mamba-ssm without its CUDA kernels (its reference
	# functions stand in for them inside the tests only), and triton, which CUDA builds of torch
	# bring and which sends DNABERT-2's code to its Triton kernel unless the plugin prevents it
	$(BIN)/pip install -q triton setuptools wheel packaging
	MAMBA_FORCE_BUILD=TRUE MAMBA_SKIP_CUDA_BUILD=TRUE $(BIN)/pip install -q --no-build-isolation --no-deps "mamba-ssm==$(MAMBA_SSM)"
	touch $@

install: $(BIN)/findna-bench

demo: install
	$(BIN)/findna-bench run --model cnn --suite gue --profile smoke --seeds 3 --data-root $(DATA_ROOT) --results results/demo

# lint, format check and types first (seconds), then the tests
test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	FINDNA_BENCH_DATA=$(DATA_ROOT) $(BIN)/pytest -q -n 2
