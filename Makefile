# Two commands on a fresh machine (Python 3.11 + pip): `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed

.PHONY: setup demo test typecheck check-install bench bench-report docs lint clean ray-oracle corpus corpus-deps corpus-modernize corpus-record real-world

# The whole toolkit (extras runtime, shim, testing) plus the test tools: `.[test]` pulls
# `rlmigrate[all]`. A user's codemod-only install is `pip install rlmigrate` (no torch).
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

# mypy in default mode on the packages listed under [tool.mypy] files in pyproject.toml.
typecheck: $(STAMP)
	$(PY) -m mypy

# A fresh venv with only `pip install .` (no torch) runs `rlmigrate rewrite --check` and the
# pre-commit hook (`pre-commit try-repo`); needs a package index, skips when there is none.
# `make check-install CHECK_INSTALL_ARGS=--full` also installs rlmigrate[all] and runs the README.
check-install:
	$(PYTHON) tools/check_install.py $(CHECK_INSTALL_ARGS)

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

# Real-world corpus (tools/corpus/README.md); needs the network (or MIRROR=dir of git
# snapshots) and the Ray 2.10 oracle venv (tools/oracle/setup.sh). Never part of CI.
CORPUS    ?= .corpus
ORACLE_PY ?= tools/oracle/.venv/bin/python
RAY_SITE  := $(firstword $(wildcard tools/oracle/.venv/lib/python3*/site-packages))

corpus: $(STAMP)
	$(PY) tools/corpus/fetch.py --dest $(CORPUS) $(if $(MIRROR),--from-mirror $(MIRROR)) $(if $(RAY_SITE),--ray-site $(RAY_SITE))

# the corpus's third-party imports, in a folder apart from both venvs (judge.py and
# record_corpus.py append it to their path); pycddlib compiles against Debian's libcdd-dev and
# libgmp-dev; the git-only packages come from MIRROR's snapshots when given, else from GitHub
corpus-deps: $(STAMP)
	$(PIP) install -q --no-deps --target $(CORPUS)/deps -r tools/corpus/requirements-corpus.txt
	$(PY) tools/corpus/git_deps.py --target $(CORPUS)/deps $(if $(MIRROR),--mirror $(MIRROR))

# copies of the repositories with only the modernize rules' fixes (RLM035, RLM036): the recorder
# builds a policy from there when Ray 2.10 imports its file only after them
corpus-modernize: corpus
	$(PY) tools/corpus/modernize.py --cache $(CORPUS)

corpus-record: corpus corpus-deps corpus-modernize
	$(ORACLE_PY) tools/corpus/record_corpus.py --cache $(CORPUS)

real-world: $(STAMP) corpus-deps
	test -f $(CORPUS)/oracle/SUMMARY.json || $(MAKE) corpus-record
	$(PY) tools/corpus/judge.py --cache $(CORPUS)

clean:
	rm -rf $(VENV) build

# Ray >= 2.40 interop checks (tools/oracle_ray240: --target ray builds and matches on Ray,
# convert-checkpoint round trips, PPO trains locally and distributed); needs the venv that
# tools/oracle_ray240/setup.sh makes, skips with a message without it. Not part of CI.
ray-oracle: $(STAMP)
	OUR_PY=$(PY) bash tools/oracle_ray240/run.sh
