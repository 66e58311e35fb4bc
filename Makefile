# `make demo` and `make test` set everything up on a fresh machine: system packages, .venv, the project.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FIXTURES ?= $(abspath ../shared/fixtures)
DEMO_OUT ?= demo_output
PYTEST_ARGS ?=

.PHONY: demo test setup clean bench-sim2real gpu-check

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt scripts/setup.sh
	PYTHON=$(PYTHON) VENV=$(VENV) bash scripts/setup.sh
	touch $@

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

demo: $(STAMP)
	FIXTURES=$(FIXTURES) DEMO_OUT=$(DEMO_OUT) BIN=$(BIN) bash scripts/demo.sh

CAMVID ?= $(abspath ../shared/datasets/camvid)
# Synthetic-only training, real CamVid val (the best measured recipe and generator settings: README "Training recipes"):
# about an hour on 2 CPU cores; cached stages, rerun to continue.
bench-sim2real: $(STAMP)
	$(BIN)/segkit bench sim2real --camvid $(CAMVID) --out results/sim2real

# One prepared run on a GPU box, sized for about 8 minutes on one large GPU: every model's training and inference speed and
# memory (fp32, bf16) beside a plain torchvision loop, DDP under torchrun, sliding-window and flip prediction, and
# with GPU_CHECK_ARGS="--camvid DIR" a short real run. Without a GPU it is a dry run on the CPU at toy sizes.
# It uses the Python that holds torch: the box's own (GPU_PYTHON=python3 after pip install -e .) or .venv's.
GPU_PYTHON ?= $(if $(wildcard $(BIN)/python),$(BIN)/python,python3)
GPU_CHECK_OUT ?= results/gpu_check
GPU_CHECK_ARGS ?=
gpu-check:
	$(GPU_PYTHON) benchmarks/gpu_check.py --out $(GPU_CHECK_OUT) $(GPU_CHECK_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache *.egg-info
