# MNIST, reproduced — every target creates or refreshes the virtual environment with the extras it needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PROFILE ?= quick
JOBS ?= 2  # chapters at once for make reproduce: on 2 cores, two 1-thread kernels beat one 2-thread kernel 1.29x
# The published run's exact versions (torch 2.13.0, CPU build): every install below is constrained by them.
LOCK := requirements/lock.txt
export KERAS_BACKEND := torch
# JupyterLab refuses to start as root unless told to; pass the flag only when we are root.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)
ifdef MNIST_DATA_DIR  # relative to where make runs; made absolute because notebook kernels run in notebooks/
export MNIST_DATA_DIR := $(abspath $(MNIST_DATA_DIR))
endif

.PHONY: venv venv-book venv-lab book book-profile test test-unit test-slow test-notebooks test-book lint typecheck reproduce bench lab clean

# $(VENV)/.installed-<extras>: one stamp per set of extras, refreshed when pyproject.toml or the lock changes.
$(VENV)/.installed-%: pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[$*]'
	touch $@

venv: $(VENV)/.installed-dev  ## .venv with everything: the package, [book], [dev] (tests, linters)
venv-book: $(VENV)/.installed-book  ## .venv with the package and [book] (papermill, jupyter-book)
venv-lab: $(VENV)/.installed-book,lab  ## .venv with the package, [book] and [lab] (JupyterLab)

book: venv-book  ## build the HTML book from the committed executed notebooks (no training)
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

book-profile: reproduce  ## run a profile (resuming), then build its book with this commit's pages: _build/books/<PROFILE>/
	$(PY) -m mnist_helpers.reproduce.book_pages --profile $(PROFILE)

test: test-unit test-slow test-notebooks test-book  ## everything CI checks, one visible step each

test-unit: venv  ## the fast unit tests (no subprocesses, no nbval, no book build, no browser): about a minute
	$(PY) -m pytest tests -o addopts="-ra" --ignore tests/test_book.py -m "not slow"

test-slow: venv  ## the unit tests that start subprocesses or kernels (kill-and-resume, dead kernel, Ctrl-C)
	$(PY) -m pytest tests -o addopts="-ra" --ignore tests/test_book.py -m slow

test-notebooks: venv  ## nbval: execute every notebook with its quick defaults, compare the checked cells
	$(PY) -m pytest notebooks

test-book: venv  ## build the book with warnings as errors, then open every page in headless Chromium
	$(PY) -m pytest tests/test_book.py -o addopts="-ra"

lint: venv typecheck  ## ruff lint and format check over the package, tests, benchmarks and notebooks; then mypy
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv  ## mypy on the package (settings in pyproject.toml, [tool.mypy])
	$(VENV)/bin/mypy

reproduce: venv-book  ## re-execute every chapter with a profile: make reproduce PROFILE=full
	$(PY) -m mnist_helpers.reproduce.runner --profile $(PROFILE) --jobs $(JOBS)

bench: venv-book  ## the engine against the seed-style pipeline, side by side
	$(PY) -m benchmarks.run

lab: venv-lab  ## open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab $(LAB_FLAGS) notebooks/

clean:
	rm -rf _build build .pytest_cache *.egg-info
