#!/usr/bin/env bash
# Build tools/oracle_ray240/.venv: Python 3.11, torch 2.13.0 (the CPU wheel on local disk), Ray 2.40.0.
# Idempotent. Usage: bash tools/oracle_ray240/setup.sh [--no-constraints]
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
constraints=(-c constraints.txt)
if [ "${1:-}" = "--no-constraints" ]; then constraints=(); fi
if [ ! -x .venv/bin/python ]; then "$PYTHON" -m venv .venv; fi
# torch first and alone: resolving it together with ray would pull CUDA wheels.
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -r requirements.txt "${constraints[@]}"
.venv/bin/python -c "import warnings; warnings.filterwarnings('ignore'); import ray, ray.rllib, torch, gymnasium, numpy; print(f'ray 2.40 oracle venv ok: ray {ray.__version__}, torch {torch.__version__}, gymnasium {gymnasium.__version__}, numpy {numpy.__version__}')"
