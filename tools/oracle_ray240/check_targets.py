"""Step 2 of the ``--target ray`` check (the Ray 2.40 venv): build with Ray, compare.

    tools/oracle_ray240/.venv/bin/python tools/oracle_ray240/check_targets.py WORK_DIR

For every class ``export_targets.py`` recorded: import the ``--target ray`` file (real Ray
imports), build the class with Ray's ``RLModuleSpec``, load the rlmigrate twin's weights with
``load_state_dict(strict=True)`` and compare ``forward_inference``'s action-distribution
inputs (atol 1e-6). Every file of the ``--target ray`` output must import, too. Prints one
JSON document; exit 0 when everything imports, builds and matches.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
#: inputs the --target ray output keeps unchanged on purpose (not legacy-torch code to port).
NOT_PYTHON_FOR_RAY = {"syntax_error.py": "a syntax error, left untouched", "tf_model.py": "a TF model (RLM060), imports tensorflow"}


def _seed_everything(module, seed: int) -> None:
    """As export_targets.seed_everything (that file imports rlmigrate's runtime, this one Ray)."""
    import random

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    module.action_space.seed(seed)


def _import(path: Path):
    spec = importlib.util.spec_from_file_location(f"ray_target_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(work: Path) -> int:
    from ray.rllib.core.columns import Columns
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    from rlmigrate.core.spaces import space_from_dict  # gymnasium + numpy only

    imports = {}
    for path in sorted((work / "ray").glob("*.py")):
        if path.name in NOT_PYTHON_FOR_RAY:
            imports[path.name] = f"not checked: {NOT_PYTHON_FOR_RAY[path.name]}"
            continue
        try:
            _import(path)
            imports[path.name] = "ok"
        except Exception as err:
            imports[path.name] = f"{type(err).__name__}: {err}".splitlines()[0]
    results = []
    for case in json.loads((work / "cases.json").read_text()):
        row = {"name": case["name"]}
        if "error" in case or "skipped" in case:
            row["status"] = case.get("error") or case["skipped"]
            results.append(row)
            continue
        try:
            cls = getattr(_import(work / "ray" / case["file"]), case["class"])
            module = RLModuleSpec(module_class=cls, observation_space=space_from_dict(case["observation_space"]),
                                  action_space=space_from_dict(case["action_space"]),
                                  model_config=case["model_config"]).build()
            if not case.get("heuristic"):
                weights = load_file(str(work / "cases" / f"{case['name']}.safetensors"))
                module.load_state_dict({k: torch.as_tensor(v) for k, v in weights.items()}, strict=True)
            recorded = np.load(work / "cases" / f"{case['name']}.npz")
            obs = ({k[5:]: torch.as_tensor(recorded[k]) for k in recorded.files if k.startswith("obs__")}
                   or torch.as_tensor(recorded["obs"]))
            batch = {Columns.OBS: obs}
            state = {k[7:]: torch.as_tensor(recorded[k]) for k in recorded.files if k.startswith("state__")}
            if state:
                batch = {Columns.OBS: obs[:, None], Columns.STATE_IN: state}
            with torch.no_grad():
                _seed_everything(module, 0)
                out = module.forward_inference(batch)
            if case.get("heuristic"):  # hand-written rules (RLM038): the same actions, exactly
                diff = float(np.max(np.abs(np.asarray(out[Columns.ACTIONS]) - recorded["actions"])))
            else:
                diff = float(np.max(np.abs(out[Columns.ACTION_DIST_INPUTS].numpy() - recorded["action_dist_inputs"])))
            row.update(status="match" if diff <= 1e-6 else "DIFFERENT", max_abs=diff)
        except Exception as err:
            row["status"] = f"{type(err).__name__}: {err}".splitlines()[0]
        results.append(row)
    import ray

    import_failures = {k: v for k, v in imports.items() if v != "ok" and not v.startswith("not checked")}
    matched = sum(r["status"] == "match" for r in results)
    compared = sum(r["status"] in ("match", "DIFFERENT") or "Error" in r["status"] for r in results)
    summary = {"ray": ray.__version__, "files": len(imports), "files_import": sum(v == "ok" for v in imports.values()),
               "import_failures": import_failures, "classes_compared": compared, "classes_match": matched,
               "classes": results, "imports": imports}
    print(json.dumps(summary, indent=1))
    return 0 if not import_failures and matched == compared else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
