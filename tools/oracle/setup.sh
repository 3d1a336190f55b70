#!/usr/bin/env bash
# Build tools/oracle/.venv: Python 3.11, torch 2.13.0 (CPU wheel on local disk), Ray 2.10.0 RLlib.
# Idempotent; a second run only checks. Usage: bash tools/oracle/setup.sh [--no-constraints]
#   --no-constraints: resolve requirements.txt afresh instead of the recorded exact versions.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
  echo "oracle setup: Ray 2.10 needs Python 3.11 here; $PYTHON is $("$PYTHON" -V 2>&1). Set PYTHON=." >&2
  exit 2
fi

constraints=(-c constraints.txt)
if [ "${1:-}" = "--no-constraints" ]; then constraints=(); fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# torch first and alone: the local CPU wheel; resolving it together with ray would pull CUDA wheels.
.venv/bin/pip install -q torch==2.13.0
.venv/bin/pip install -q -r requirements.txt "${constraints[@]}"

# Smoke check: the imports record.py needs, and the versions the fixtures were recorded with.
.venv/bin/python - <<'PY'
import warnings
warnings.filterwarnings("ignore")
import gymnasium, numpy, ray, torch
from ray.rllib.algorithms.ppo.ppo_torch_policy import PPOTorchPolicy  # noqa: F401
print(f"oracle venv ok: ray {ray.__version__}, torch {torch.__version__}, "
      f"gymnasium {gymnasium.__version__}, numpy {numpy.__version__}")
PY
