# d2lrnn: the two commands are `make book` and `make test` (see README.md).
SHELL := /bin/bash
# Both create .venv with the pinned set in requirements.txt when it is missing
# or older than requirements.txt/pyproject.toml.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Binder's lean environment, built here to test it (see binder-env).
BINDER_VENV := .binder-venv
BOOK_FLAGS ?= --warningiserror --nitpick --keep-going
# JavaScript the HTML book serves itself (MathJax, require.js, the ipywidgets
# HTML manager), installed from npm (package-lock.json) at build time.
VENDOR := _assets/static/vendor

.PHONY: help setup vendor book test unit notebooks test-book browser binder-env lint format sync lab serve bench clean distclean lock

help:
	@echo "make book      set up .venv if needed, execute every chapter (cached) and build _build/html"
	@echo "make test      set up .venv if needed, lint, unit tests, execute every chapter, build and browser-test the book"
	@echo "make binder-env build Binder's lean environment (binder/) in .binder-venv, as repo2docker would"
	@echo "make lab       JupyterLab; open any chapters/*.md as a notebook (jupytext pairing)"
	@echo "make serve     serve the built book (_build/html) on http://127.0.0.1:$(PORT)"
	@echo "make bench     the book's language models, then its translation model, against d2l's, chapter 7's ablations: benchmarks/results.json"
	@echo "make sync      re-pair chapters/*.md and chapters/*.ipynb after editing either"
	@echo "make clean     remove the built book, caches and test output (keeps .venv)"
	@echo "make distclean clean, and remove .venv too"
	@echo "make lock      re-resolve pyproject.toml's ranges into requirements.txt"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

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

# The execution cache keys on each notebook's code only; when d2lrnn itself
# changes, every chapter must run again, so the cache is dropped.
_build/.d2lrnn-version: $(wildcard d2lrnn/*.py d2lrnn/*/*.py) requirements.txt
	rm -rf _build/.jupyter_cache _build/html _build/.doctrees _build/jupyter_execute
	@mkdir -p _build && touch $@

book: $(STAMP) $(VENDOR)/.copied _build/.d2lrnn-version
	$(BIN)/jupyter-book build . --builder html $(BOOK_FLAGS)

test: lint unit notebooks test-book browser

# The book builds with warnings as errors, with every chapter executed; then
# each chapter's printed numbers must equal those of the `notebooks` run.
test-book: book
	$(BIN)/pytest tests/book

# The browser tests drive Debian's Chromium headless through Playwright for
# Python (pinned in requirements.txt); no browser is downloaded. On a fresh
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
browser: book $(CHROMIUM) $(BINDER_VENV)/.built
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest tests/browser

# Binder's environment (binder/), built here as repo2docker builds it: a clean
# venv from exactly binder/requirements.txt and binder/postBuild (about a
# minute). tests/browser/test_binder_env.py opens every chapter in its JupyterLab.
$(BINDER_VENV)/.built: binder/requirements.txt binder/postBuild binder/runtime.txt pyproject.toml
	bash binder/verify.sh

binder-env: $(BINDER_VENV)/.built

unit: $(STAMP)
	$(BIN)/pytest tests/unit tests/benchmarks tests/binder

notebooks: $(STAMP)
	$(BIN)/pytest -x tests/notebooks

lint: $(STAMP)
	$(BIN)/ruff check d2lrnn tests benchmarks binder
	$(BIN)/ruff format --check d2lrnn tests benchmarks binder

format: $(STAMP)
	$(BIN)/ruff format d2lrnn tests benchmarks binder
	$(BIN)/ruff check --fix d2lrnn tests benchmarks binder

sync: $(STAMP)
	$(BIN)/jupytext --sync chapters/*.md
	@touch chapters/*.ipynb  # the pair is in sync: mark the notebooks as the newer side

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=.

PORT ?= 8000
serve:
	@test -f _build/html/index.html || { echo "no built book: run 'make book' first"; exit 1; }
	$(PYTHON) -m http.server --directory _build/html --bind 127.0.0.1 $(PORT)

# Speed and perplexity against d2l, side by side (about 35 minutes on 2 cores
# for 3 seeds); BENCH_ARGS passes options, e.g. BENCH_ARGS="--models lstm --seeds 5".
# Then the translation model against d2l's: speed, BLEU and chrF (about 10 minutes);
# SEQ2SEQ_ARGS passes its options, e.g. SEQ2SEQ_ARGS="--seeds 2 --threads 1".
# Then chapter 7's ablations (scheduled sampling, reversed sources, reading the
# padding, attention), which the chapter quotes from results.json (about 10 minutes);
# ABLATION_ARGS passes their options, e.g. ABLATION_ARGS="--variants forward,attention".
bench: $(STAMP)
	$(BIN)/python -m benchmarks lm $(BENCH_ARGS)
	$(BIN)/python -m benchmarks seq2seq $(SEQ2SEQ_ARGS)
	$(BIN)/python -m benchmarks ablations $(ABLATION_ARGS)

clean:
	rm -rf _build .pytest_cache .ruff_cache test-output $(VENDOR)
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
	find chapters -name .ipynb_checkpoints -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(BINDER_VENV) *.egg-info node_modules

lock:
	rm -rf /tmp/d2lrnn-lock && $(PYTHON) -m venv /tmp/d2lrnn-lock
	/tmp/d2lrnn-lock/bin/python -m pip install --quiet -e '.[book,test]'
	{ sed -n '1,3p' requirements.txt; /tmp/d2lrnn-lock/bin/python -m pip freeze --exclude-editable; } > requirements.txt.new
	mv requirements.txt.new requirements.txt
	/tmp/d2lrnn-lock/bin/python binder/lock.py
