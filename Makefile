# d2lrnn: the two commands are `make book` and `make test` (see README.md).
SHELL := /bin/bash

# ------------------------------------------------------------------ Pythons and environments
# A working pythonX.Y: on the PATH if it runs (pyenv's shims refuse a version that is not
# selected), else pyenv's own copy.
find_python = $(firstword $(foreach p,$(shell command -v python$(1) 2>/dev/null) \
  $(wildcard $(shell pyenv root 2>/dev/null)/versions/$(1).*/bin/python$(1)),\
  $(if $(shell $(p) -c 'print(1)' 2>/dev/null),$(p))))

# The Python that builds the book and runs the browser tests: 3.11 when there is one (the
# oldest set, numpy 1.23.5), else 3.13, else 3.12, else python3. Choose another with, for
# example, `make test PYTHON=python3.13`.
PYTHON ?= $(or $(call find_python,3.11),$(call find_python,3.13),$(call find_python,3.12),python3)
PY := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
# One venv per environment, each installed from its exact set (requirements/py3.X.txt).
VENV := .venvs/$(PY)
BIN  := $(VENV)/bin
STAMP := $(VENV)/.installed

# What `make test` runs besides $(PY): the other supported Pythons and a Colab-like runtime
# (Python 3.13 with Colab's numpy 2.1.3, IPython 7.34 and ipywidgets 7.7.1). Every chapter
# runs in 3.11, 3.13 and colab; 3.12 (numpy 1.26) runs the unit tests and CHAPTERS_3.12.
MATRIX ?= 3.11 3.13 3.12 colab
CHAPTERS_3.12 ?= 01,02
python_of = $(call find_python,$(if $(filter colab,$(1)),3.13,$(1)))
FOUND   := $(foreach e,$(MATRIX),$(if $(call python_of,$(e)),$(e)))
MISSING := $(filter-out $(FOUND),$(MATRIX))
OTHERS  := $(filter-out $(PY),$(FOUND))
PYTHON_ENVS := $(filter-out colab,$(OTHERS))
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Where two processes share the two cores (two test workers; the executor does the same for
# two chapters), an OpenMP thread that waits should sleep, not spin and take the other's
# core. No number changes (see tests/notebooks/execute.py). Not for a student's kernels
# (make lab): alone, chapter 7's two threads are faster spinning.
PAIRED := OMP_WAIT_POLICY=PASSIVE

# The Binder environment (binder/), built here to test it (see binder-env).
BINDER_VENV := .binder-venv
BOOK_FLAGS ?= --warningiserror --nitpick --keep-going
# JavaScript the HTML book serves itself (MathJax, require.js, the ipywidgets
# HTML manager), installed from npm (package-lock.json) at build time.
VENDOR := _assets/static/vendor

.PHONY: help setup envs setup-all vendor execute execute-all book test unit unit-matrix notebooks \
        test-book browser binder-env lint format sync lab serve bench clean distclean lock \
        chapter-times check-matrix mutation

help:
	@echo "make book      set up $(VENV) if needed, execute every chapter (two at a time, cached) and build _build/html"
	@echo "make test      set up every environment, lint, unit tests, execute every chapter in each, build and browser-test the book"
	@echo "               Python $(PY) builds the book ($(PYTHON)); environments found: $(FOUND); missing: $(or $(MISSING),none)"
	@echo "make binder-env build Binder's lean environment (binder/) in $(BINDER_VENV), as repo2docker would"
	@echo "make lab       JupyterLab; open any chapters/*.md as a notebook (jupytext pairing)"
	@echo "make serve     serve the built book (_build/html) on http://127.0.0.1:$(PORT)"
	@echo "make bench     the book's language models, then its translation model, against d2l's, chapter 7's ablations, longer sentences and subwords, chapter 6's depth, chapters 3-6's seeds: benchmarks/results.json"
	@echo "make mutation  mutmut's score for clipping, scores, checks, train, text, exercises/core and chapter 7's decoding (not in make test)"
	@echo "make chapter-times  each chapter alone, and in the last parallel build: the README's table"
	@echo "make sync      re-pair chapters/*.md and chapters/*.ipynb after editing either"
	@echo "make clean     remove the built book, caches and test output (keeps the environments)"
	@echo "make distclean clean, and remove the environments too"
	@echo "make lock      re-resolve pyproject.toml's ranges into requirements/ (every Python, Colab, Binder)"

# .venvs/3.X from requirements/py3.X.txt, made anew when that file or pyproject.toml changes.
# The set is closed, so --no-deps installs exactly it (see requirements/lock.py). pip compiles
# every module at install (not --no-compile: where PYTHONDONTWRITEBYTECODE is set, as on these
# machines, Python would then compile mxnet and the rest anew in every kernel; and with it
# unset, each of the two test workers compiles what it imports at once, in every environment.
# Measured on fresh clones: the installs ended 14 s sooner, the set-up no sooner (Binder's
# environment ends it), and the three unit-test runs took 24 s longer).
PIP_INSTALL := -m pip install -qq --disable-pip-version-check --no-deps
.venvs/%/.installed: requirements/py%.txt pyproject.toml
	@py="$(call find_python,$*)"; test -n "$$py" || { echo "python$* is not on this machine"; exit 1; }; \
	  rm -rf .venvs/$* && "$$py" -m venv .venvs/$*
	.venvs/$*/bin/python $(PIP_INSTALL) -r requirements/py$*.txt
	.venvs/$*/bin/python $(PIP_INSTALL) -e .
	@sha256sum requirements/py$*.txt pyproject.toml > $@

# Colab-like: Python 3.13 with exactly Colab's packages (requirements/colab.txt); d2lrnn,
# MXNet and sacrebleu are not installed: each chapter's first cell installs them, as on Colab.
.venvs/colab/.installed: requirements/colab.txt
	@py="$(call find_python,3.13)"; test -n "$$py" || { echo "python3.13 is not on this machine"; exit 1; }; \
	  rm -rf .venvs/colab && "$$py" -m venv .venvs/colab
	.venvs/colab/bin/python $(PIP_INSTALL) -r requirements/colab.txt
	@sha256sum requirements/colab.txt > $@

setup: $(STAMP)

ifeq ($(PY),)
$(STAMP):
	@echo "$(PYTHON) does not run here: set PYTHON to a Python 3.11, 3.12 or 3.13"; exit 1
endif

# A Python with no tested set (3.10, 3.14 ...): say so, instead of make's "no rule to make".
requirements/py%.txt:
	@echo "Python $* is not supported: the book is tested on Python 3.11, 3.12 and 3.13"
	@echo "(requirements/py3.X.txt); choose one with PYTHON=python3.13, for example."
	@exit 1

# A supported Python missing from this machine is skipped with a note, except in CI.
check-matrix:
	@if [ -n "$(MISSING)" ]; then \
	  if [ -n "$$CI" ]; then echo "CI needs every environment of MATRIX; missing: $(MISSING)"; exit 1; fi; \
	  echo "note: no Python for $(MISSING) on this machine: those environments are skipped"; fi

ENV_STAMPS := $(STAMP) $(foreach e,$(OTHERS),.venvs/$(e)/.installed)
envs: check-matrix
	@$(MAKE) --no-print-directory -j$(JOBS) $(ENV_STAMPS)

# Everything make test needs installed, $(JOBS) at a time (pip and apt wait on the disk and
# the network as much as on the CPU): the environments, Binder's, the book's JavaScript,
# Chromium.
setup-all: check-matrix
	@$(MAKE) --no-print-directory -j$(JOBS) $(ENV_STAMPS) $(BINDER_VENV)/.built \
	  $(VENDOR)/.copied $(CHROMIUM)

vendor: $(VENDOR)/.copied

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# The widget manager loads its icon fonts from @jupyter-widgets/html-manager/dist/
# relative to each page, so the fonts also go next to the pages (html_extra_path).
WIDGET_FONTS := $(addsuffix /@jupyter-widgets/html-manager/dist,_assets/extra _assets/extra/chapters)

$(VENDOR)/.copied: node_modules/.installed
	rm -rf _assets && mkdir -p $(VENDOR)/html-manager $(VENDOR)/mathjax $(WIDGET_FONTS)
	cp node_modules/requirejs/require.js $(VENDOR)/
	cp node_modules/@jupyter-widgets/html-manager/dist/*.js $(VENDOR)/html-manager/
	cp -r node_modules/mathjax/es5/. $(VENDOR)/mathjax/
	for d in $(WIDGET_FONTS); do \
	  cp node_modules/@jupyter-widgets/html-manager/dist/*.{woff,woff2,ttf,eot,svg} $$d/; done
	@touch $@

# ------------------------------------------------------------------ executing the chapters
# tests/notebooks/execute.py runs the chapters $(JOBS) at a time in fresh kernels of each
# environment's Python, into _build/executed/<env>/ (and, for $(PY), into the book's
# jupyter-cache, which `jupyter-book build` then renders without executing anything). A
# chapter already executed with the same code, d2lrnn and environment is not run again.
EXECUTE = $(BIN)/python -m tests.notebooks.execute --book $(PY) --jobs $(JOBS) --env $(PY)=$(VENV)

# What the book needs: every chapter in $(PY).
execute: $(STAMP)
	$(EXECUTE)

# What the tests need: every chapter in every environment, all in one pool.
execute-all: envs
	$(EXECUTE) $(foreach e,$(PYTHON_ENVS),--env $(e)=.venvs/$(e)) \
	  $(if $(filter colab,$(OTHERS)),--env colab=.venvs/colab:colab) \
	  $(if $(filter 3.12,$(OTHERS)),--only "3.12:$(CHAPTERS_3.12)")

book: $(STAMP) $(VENDOR)/.copied execute
	$(BIN)/jupyter-book build . --builder html $(BOOK_FLAGS)

# ------------------------------------------------------------------ tests
test: setup-all lint unit unit-matrix execute-all notebooks test-book browser

# Unit tests on both cores (pytest-xdist), in $(PY), then in the other Pythons. The tests
# of the benchmarks and of the pinned sets run in $(PY) only: `make bench` and `make lock`
# run there, and nowhere else.
PYTEST_UNIT = -n $(JOBS) tests/unit tests/binder
unit: $(STAMP)
	$(PAIRED) $(BIN)/pytest $(PYTEST_UNIT) tests/benchmarks tests/requirements

unit-matrix: envs
	@for e in $(PYTHON_ENVS); do echo "== unit tests on Python $$e"; \
	  $(PAIRED) .venvs/$$e/bin/pytest $(PYTEST_UNIT) -p no:cacheprovider || exit 1; done

# The executed chapters: no error in any environment, the same printed numbers in all of
# them (the determinism check: independent executions), Colab's packages untouched; and
# the notebook tests that need a kernel of their own.
notebooks: $(STAMP)
	D2LRNN_ENVS="$(PY) $(OTHERS)" $(PAIRED) $(BIN)/pytest -n $(JOBS) tests/notebooks

# The book builds with warnings as errors from the executions above; then its glued
# numbers are checked against its prose.
test-book: book
	$(BIN)/pytest tests/book

# The browser tests drive Debian's Chromium headless through Playwright for
# Python (pinned in requirements/); no browser is downloaded. On a fresh
# machine the package is installed from Debian's archive.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "install Chromium, or set CHROMIUM=/path/to/chromium"; exit 1; }
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

# The built book in Chromium (every page, math, figures, widgets, search,
# accessibility basics), and a chapter run in JupyterLab; screenshots go to
# test-output/browser/.
# On both cores, a test file per worker (a file's tests share its server and its timings).
browser: book $(CHROMIUM) $(BINDER_VENV)/.built
	CHROMIUM=$(CHROMIUM) $(PAIRED) $(BIN)/pytest -n $(JOBS) --dist loadfile tests/browser

# Binder's environment (binder/), built here as repo2docker builds it: a clean
# venv from exactly binder/requirements.txt and binder/postBuild (about a
# minute). tests/browser/test_binder_env.py opens every chapter in its JupyterLab.
$(BINDER_VENV)/.built: binder/requirements.txt binder/postBuild binder/runtime.txt pyproject.toml
	BINDER_PYTHON="$(call find_python,$(shell sed -n 's/^python-//p' binder/runtime.txt))" bash binder/verify.sh

binder-env: $(BINDER_VENV)/.built

lint: $(STAMP)
	$(BIN)/ruff check d2lrnn tests benchmarks binder requirements
	$(BIN)/ruff format --check d2lrnn tests benchmarks binder requirements

format: $(STAMP)
	$(BIN)/ruff format d2lrnn tests benchmarks binder requirements
	$(BIN)/ruff check --fix d2lrnn tests benchmarks binder requirements

sync: $(STAMP)
	$(BIN)/jupytext --sync chapters/*.md
	@touch chapters/*.ipynb  # the pair is in sync: mark the notebooks as the newer side

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=.

PORT ?= 8000
serve:
	@test -f _build/html/index.html || { echo "no built book: run 'make book' first"; exit 1; }
	$(PYTHON) -m http.server --directory _build/html --bind 127.0.0.1 $(PORT)

# Each chapter executed alone on a quiet machine, next to its time in the last parallel
# build (_build/executed/$(PY)/times.json): the table of the README.
chapter-times: $(STAMP)
	$(BIN)/python -m benchmarks chapters --build _build/executed/$(PY)

# Speed and perplexity against d2l, side by side (about 35 minutes on 2 cores
# for 3 seeds); BENCH_ARGS passes options, e.g. BENCH_ARGS="--models lstm --seeds 5".
# Then chapter 7's learning rate and epochs, chosen on the validation split (about 25
# minutes); the translation model against d2l's: speed, BLEU and chrF (about 15 minutes);
# SEQ2SEQ_ARGS passes its options, e.g. SEQ2SEQ_ARGS="--seeds 2 --threads 1".
# Then chapter 7's ablations and its trace of the gap to d2l (scheduled sampling,
# reversed sources, reading the padding, attention, d2l's four differences), which the
# chapter quotes from results.json (about 45 minutes for 3 seeds);
# ABLATION_ARGS passes their options, e.g. ABLATION_ARGS="--variants forward,attention".
# Then chapter 6's depth against width, and chapters 4-6's experiments on three seeds
# (about 15 minutes together).
SEQ2SEQ_ARGS ?= --seeds 3
ABLATION_ARGS ?= --seeds 3
bench: $(STAMP)
	$(BIN)/python -m benchmarks lm $(BENCH_ARGS)
	$(BIN)/python -m benchmarks tuning
	$(BIN)/python -m benchmarks seq2seq $(SEQ2SEQ_ARGS)
	$(BIN)/python -m benchmarks ablations $(ABLATION_ARGS)
	$(BIN)/python -m benchmarks ablations --max-len 10 --variants forward,bidirectional-attention
	$(BIN)/python -m benchmarks subwords
	$(BIN)/python -m benchmarks subwords --save-model
	$(BIN)/python -m benchmarks depth
	$(BIN)/python -m benchmarks seeds

# The mutation score (issue 32; not part of make test): mutmut on the modules where a silent
# bug would mislead a student most, each against its own unit tests and the bad-input
# registry, one worker (mutation/run.py; settings in pyproject.toml [tool.mutmut]). Python
# 3.11 only; mutmut is installed into .venvs/3.11 from its own pinned set. Some modules:
# make mutation MUTATION_MODULES="clipping text".
MUTATION_MODULES ?=
.venvs/3.11/.mutmut: requirements/mutation-py3.11.txt .venvs/3.11/.installed
	.venvs/3.11/bin/python $(PIP_INSTALL) -r requirements/mutation-py3.11.txt
	@touch $@

mutation: .venvs/3.11/.mutmut
	OMP_NUM_THREADS=1 MXNET_OMP_MAX_THREADS=1 .venvs/3.11/bin/python mutation/run.py $(MUTATION_MODULES)

clean:
	rm -rf _build .pytest_cache .ruff_cache test-output $(VENDOR) build/mutation mutants
	find . -name __pycache__ -not -path './.venvs/*' -not -path './$(BINDER_VENV)/*' -prune -exec rm -rf {} +
	find chapters -name .ipynb_checkpoints -prune -exec rm -rf {} +

distclean: clean
	rm -rf .venvs $(BINDER_VENV) *.egg-info node_modules

# Every pinned set, from pyproject.toml's ranges: requirements/py3.X.txt and
# student-py3.X.txt for each Python, requirements/colab.txt, binder/requirements.txt.
lock:
	python3 requirements/lock.py $(foreach v,3.11 3.12 3.13,--python $(v)=$(call find_python,$(v)))
