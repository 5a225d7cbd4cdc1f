# MNIST, reproduced — every target creates or refreshes the virtual environment it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= quick
export KERAS_BACKEND := torch
ifdef MNIST_DATA_DIR  # relative to where make runs; made absolute because notebook kernels run in notebooks/
export MNIST_DATA_DIR := $(abspath $(MNIST_DATA_DIR))
endif

.PHONY: venv book test reproduce bench lab clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed  ## create or refresh .venv

book: venv  ## build the HTML book from the committed executed notebooks (no training)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

test: venv  ## unit tests, nbval on the notebooks, the book build and the browser check
	$(PY) -m pytest

reproduce: venv  ## re-execute every chapter with a profile: make reproduce PROFILE=full
	$(PY) -m mnist_helpers.runner --profile $(PROFILE)

bench: venv  ## the engine against the seed-style pipeline, side by side
	$(PY) -m benchmarks.run

lab: venv  ## open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab notebooks/

clean:
	rm -rf _build .pytest_cache
