# `make test` and `make demo` do all the set-up themselves: a local virtual
# environment with the package and its dev extra, made again when pyproject.toml changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: test lint demo lab bench notebooks clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Lint and types first: a style or type error fails the run before the slower tests start.
test: lint
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

demo: $(STAMP)
	$(VENV)/bin/kapture-nb demo

bench: $(STAMP)
	for script in bench/*.py; do $(PY) $$script || exit 1; done

# Re-execute the notebooks in place, from notebooks/, and keep their outputs: nbval (in `make test`)
# compares the cells marked NBVAL_CHECK_OUTPUT with these. Run it after changing what a notebook shows.
NOTEBOOKS ?= $(wildcard notebooks/*.ipynb)
# JupyterLab on notebooks/, from the local environment (the walkthroughs run offline against the sandbox).
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

notebooks: $(STAMP)
	$(PY) -c "import sys, nbformat, nbclient; [nbformat.write(nbclient.execute(nbformat.read(p, as_version=4), cwd='notebooks', kernel_name='python3', timeout=300, record_timing=False), p) or print('executed', p) for p in sys.argv[1:]]" $(NOTEBOOKS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
