# Two commands on a fresh machine (Python 3.11 + pip): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed

.PHONY: setup demo test bench bench-report docs lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first: a CPU build is on the local disk; any other resolution downloads CUDA wheels.
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -m rlmigrate.demo

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

# Every benchmark writes benchmarks/results/<name>.json and exits 1 when it misses a target;
# all of them run, the report is written, then make fails if any missed (or crashed).
BENCHMARKS := $(filter-out benchmarks/report.py,$(wildcard benchmarks/[a-z]*.py))

# An extra's stamp: installed once per pyproject.toml change (make docs stays fast on reruns).
$(VENV)/.installed-%: $(STAMP)
	$(PIP) install -q -e '.[$*]'
	touch $@

bench: $(VENV)/.installed-bench
	status=0; for b in $(BENCHMARKS); do echo "== $$b"; $(PY) $$b || status=1; done; \
	$(PY) benchmarks/report.py || status=1; exit $$status

bench-report: $(VENV)/.installed-bench
	$(PY) benchmarks/report.py

# The docs site (mkdocs-material + mkdocstrings); --strict fails on any broken link or warning.
docs: $(VENV)/.installed-docs
	$(VENV)/bin/mkdocs build --strict --site-dir build/site

lint: $(STAMP)
	$(PIP) install -q ruff
	$(VENV)/bin/ruff check rlmigrate shim tests benchmarks tools

clean:
	rm -rf $(VENV) build
