"""Record the model-level cases of ``model_cases.py`` under real Ray 2.10.

Writes ``fixtures/oracle/models/<case>.json`` (inputs and outputs, array records) and
``<case>.weights.safetensors`` (the model's ``state_dict``, keys as Ray names them). The shim
tests (``tests/shim/models/test_model_oracle.py``) build the same case through
``shim.ray_compat``, load these weights and must reproduce the outputs (atol 1e-5).

    tools/oracle/.venv/bin/python tools/oracle/record_models.py [case ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from jsonio import array_record  # noqa: E402
from model_cases import CASES  # noqa: E402

OUT = HERE.parents[1] / "fixtures" / "oracle" / "models"


def _numpy(value: object) -> np.ndarray:
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def record(case: str, seed: int) -> Path:
    """Builds ``case`` with a fixed seed, runs its inputs, writes the two fixture files."""
    build, make_inputs, run = CASES[case]
    torch.manual_seed(seed)
    np.random.seed(seed)
    model = build()
    inputs = make_inputs(np.random.default_rng(seed))
    with torch.no_grad():
        outputs = run(model, inputs)
    weights = {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}
    OUT.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(OUT / f"{case}.weights.safetensors"), metadata={"case": case})
    import ray

    payload = {
        "case": case,
        "ray": ray.__version__,
        "torch": torch.__version__.split("+")[0],
        "model_class": type(model).__name__,
        "state_dict_keys": list(weights),
        "inputs": {k: array_record(np.asarray(v)) for k, v in inputs.items()},
        "outputs": {k: array_record(_numpy(v)) for k, v in outputs.items()},
    }
    path = OUT / f"{case}.json"
    path.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n")
    return path


def main(argv: list[str]) -> int:
    names = argv or sorted(CASES)
    for index, case in enumerate(sorted(CASES)):
        if case in names:
            print("wrote", record(case, seed=100 + index))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
