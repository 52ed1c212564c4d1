# Beleidszoeker: `make run` serves the app, `make test` runs the whole suite. Both set up what they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
PORT   ?= 8000

.PHONY: run test setup install install-test clean-data help

help:
	@echo "make run    install into .venv, build the index from the bundled corpus if missing, serve on http://127.0.0.1:$(PORT) (and the mirrors)"
	@echo "make test   install test dependencies and run the whole test suite"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Re-install only when the dependency list changes (keeps a second `make run` fast).
$(VENV)/.installed: setup.cfg pyproject.toml constraints.txt | $(PY)
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed tests/js/package-lock.json
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	cd tests/js && npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

setup: install
	$(PY) run.py setup

run: setup
	$(PY) run.py serve --with-mirrors --port $(PORT)

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

clean-data:
	rm -rf data
