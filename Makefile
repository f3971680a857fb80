# Two commands matter: `make demo` and `make test`. Both set everything up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= sqlite:///./pavedroad.db
HOST ?= 127.0.0.1
PORT ?= 8000
DOCS_PORT ?= 8001
PYTEST_ARGS ?=

.PHONY: demo test docs setup setup-test chromium lint typecheck unit docs-check clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[docs]'
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test chromium

# Browser tests drive Debian's chromium through Playwright (Playwright's own download cannot work here).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)); \
	  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then \
	    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and cannot be installed here: browser tests will be skipped"; \
	  fi; \
	fi

demo: setup
	$(BIN)/pavedroad init --db $(DEMO_DB)
	$(BIN)/pavedroad demo load --db $(DEMO_DB)
	@echo "Open http://$(HOST):$(PORT) and sign in as demo@brightwave.example / pavedroad-demo"
	$(BIN)/pavedroad serve --db $(DEMO_DB) --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

unit: setup-test
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# The documentation site (MkDocs, Material theme), built offline; warnings are errors.
docs-check: $(VENV)/.installed-test
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dev-addr $(HOST):$(DOCS_PORT)

test: setup-test lint typecheck unit docs-check

# The README's screenshots (home, a KPI page, the roadmap at 1440x900), made from the demo.
screenshots: setup-test
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .site
