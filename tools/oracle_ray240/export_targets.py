"""Step 1 of the ``--target ray`` check (rlmigrate's venv, no Ray): rewrite, build, record.

    .venv/bin/python tools/oracle_ray240/export_targets.py WORK_DIR

Rewrites ``fixtures/legacy`` twice (``--target rlmigrate`` and ``--target ray``) into
``WORK_DIR``, builds every migrated class listed in ``fixtures/legacy/CASES.json`` from the
rlmigrate output with seeded weights, and records, per class, its weights (safetensors), fixed
observations and ``forward_inference`` outputs into ``WORK_DIR/cases/<file>.<Class>.*``.
``check_targets.py`` (in the Ray venv) builds the ``--target ray`` twin with Ray's own
``RLModuleSpec``, loads the same weights and compares.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import save_file

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rlmigrate.cli import main as rlmigrate_main  # noqa: E402
from rlmigrate.core.columns import Columns  # noqa: E402
from rlmigrate.core.spaces import space_from_dict  # noqa: E402
from rlmigrate.core.spec import RLModuleSpec  # noqa: E402
from rlmigrate.testing.loading import load_reference  # noqa: E402

BATCH = 6


def _sample(space, batch: int, seed: int):
    space.seed(seed)
    samples = [space.sample() for _ in range(batch)]
    if isinstance(samples[0], dict):
        return {k: np.stack([s[k] for s in samples]).astype(np.float32) for k in samples[0]}
    return np.stack(samples).astype(np.float32)


def seed_everything(module, seed: int) -> None:
    """numpy, ``random``, torch and the module's action space: what a heuristic draws from."""
    import random

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    module.action_space.seed(seed)


def _to_tensors(obs):
    if isinstance(obs, dict):
        return {k: torch.as_tensor(v) for k, v in obs.items()}
    return torch.as_tensor(obs)


def export(work: Path) -> list[dict]:
    for target in ("rlmigrate", "ray"):
        code = rlmigrate_main(["rewrite", str(ROOT / "fixtures" / "legacy"), "--out", str(work / target),
                               "--target", target, "--format", "json", "--report", str(work / f"{target}.report.json")])
        if code not in (0, 1, 2):  # 2: the bundled syntax_error.py fixture fails on purpose
            raise SystemExit(f"rewrite --target {target} exited {code}")
    cases = json.loads((ROOT / "fixtures" / "legacy" / "CASES.json").read_text())
    exported = []
    (work / "cases").mkdir(exist_ok=True)
    for file_name, entry in sorted(cases.items()):
        if file_name.startswith("_") or entry.get("status") not in ("converted", "review"):
            continue
        for case in entry.get("classes", []):
            name = f"{file_name[:-3]}.{case['migrated']}"
            record = {"name": name, "file": file_name, "class": case["migrated"],
                      "observation_space": case["observation_space"], "action_space": case["action_space"],
                      "model_config": case.get("migrated_model_config") or {}, "stateful": case.get("stateful", False)}
            try:
                cls, _ = load_reference(f"{work / 'rlmigrate' / file_name}:{case['migrated']}", legacy=True)
                torch.manual_seed(0)
                module = RLModuleSpec(module_class=cls, observation_space=space_from_dict(case["observation_space"]),
                                      action_space=space_from_dict(case["action_space"]),
                                      model_config=record["model_config"]).build()
                obs = _sample(module.observation_space, BATCH, seed=7)
                batch = {Columns.OBS: _to_tensors(obs)}
                state = {}
                if module.is_stateful():  # one time step: (B, 1, ...) and the tiled initial state
                    batch[Columns.OBS] = batch[Columns.OBS][:, None]
                    state = {k: np.repeat(np.asarray(v)[None], BATCH, 0)
                             for k, v in module.get_initial_state().items()}
                    batch[Columns.STATE_IN] = {k: torch.as_tensor(v) for k, v in state.items()}
                with torch.no_grad():
                    seed_everything(module, 0)
                    out = module.forward_inference(batch)
                if isinstance(module, torch.nn.Module):
                    save_file({k: v.detach().cpu().numpy() for k, v in module.state_dict().items()},
                              str(work / "cases" / f"{name}.safetensors"))
                    outputs = {"action_dist_inputs": out[Columns.ACTION_DIST_INPUTS].numpy()}
                else:  # a hand-written (RLM038) module: no weights, its own actions
                    record["heuristic"] = True
                    outputs = {"actions": np.asarray(out[Columns.ACTIONS])}
                np.savez(work / "cases" / f"{name}.npz", **outputs,
                         **{f"state__{k}": v for k, v in state.items()},
                         **({f"obs__{k}": v for k, v in obs.items()} if isinstance(obs, dict) else {"obs": obs}))
            except Exception as err:  # recorded, not hidden: the check reports it
                record["error"] = f"{type(err).__name__}: {err}".splitlines()[0]
            exported.append(record)
    (work / "cases.json").write_text(json.dumps(exported, indent=1))
    return exported


if __name__ == "__main__":
    work_dir = Path(sys.argv[1])
    work_dir.mkdir(parents=True, exist_ok=True)
    rows = export(work_dir)
    print(json.dumps({"exported": len(rows), "errors": [r for r in rows if "error" in r]}))
