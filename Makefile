# `make demo` and `make test` set everything up on a fresh machine: system packages, .venv, the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FIXTURES ?= $(abspath ../shared/fixtures)
DEMO_OUT ?= demo_output
PYTEST_ARGS ?=

.PHONY: demo test setup clean bench-sim2real

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/setup.sh
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	FIXTURES=$(FIXTURES) DEMO_OUT=$(DEMO_OUT) BIN=$(BIN) bash scripts/demo.sh

CAMVID ?= $(abspath ../shared/datasets/camvid)
# Synthetic-only training, real CamVid val: about an hour on 2 CPU cores; cached stages, rerun to continue.
bench-sim2real: $(STAMP)
	$(BIN)/segkit bench sim2real --camvid $(CAMVID) --out results/sim2real

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache *.egg-info
