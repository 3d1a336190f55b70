"""Ray >= 2.40 restores what ``convert-checkpoint --to ray`` wrote and acts like Ray 2.10 did.

Run inside the Ray 2.40 venv (``tools/oracle_ray240/setup.sh``)::

    tools/oracle_ray240/.venv/bin/python tools/oracle_ray240/check_converted.py CONVERTED_DIR EXPECTED_JSON

``EXPECTED_JSON`` is ``fixtures/ray_checkpoints/<case>/expected.json``: Ray 2.10's greedy
``action_dist_inputs`` (and state outs) for fixed observations, recorded from the legacy
checkpoint the conversion started from. Prints one JSON line; exit 0 when every number matches
(atol 1e-5), 1 otherwise.
"""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")


def _array(record: dict) -> np.ndarray:
    return np.asarray(record["values"], dtype=record["dtype"])


def check(module, expected: dict) -> dict:
    from ray.rllib.core.columns import Columns

    obs = torch.as_tensor(_array(expected["obs"]))
    batch = {Columns.OBS: obs}
    states = [_array(s) for s in expected.get("state_in", [])]
    if states:
        batch = {
            Columns.OBS: obs[:, None],
            Columns.STATE_IN: {
                "h": torch.as_tensor(states[0])[:, None],
                "c": torch.as_tensor(states[1])[:, None],
            },
        }
    with torch.no_grad():
        out = module.forward_inference(batch)
    dist_inputs = out[Columns.ACTION_DIST_INPUTS].reshape(len(obs), -1).numpy()
    diffs = {"action_dist_inputs": float(np.max(np.abs(dist_inputs - _array(expected["action_dist_inputs"]))))}
    if states:
        state_out = out[Columns.STATE_OUT]
        for i, key in enumerate(("h", "c")):
            got = state_out[key].reshape(len(obs), -1).numpy()
            diffs[f"state_out[{key}]"] = float(np.max(np.abs(got - _array(expected["state_out"][i]))))
    return diffs


def main(path: str, expected_path: str) -> int:
    import ray
    from ray.rllib.core.rl_module.rl_module import RLModule

    expected = json.load(open(expected_path))
    module = RLModule.from_checkpoint(path)
    if "obs" in expected:
        results = {"default_policy": check(module, expected)}
    else:
        results = {pid: check(module[pid], rec) for pid, rec in expected.items()}
    ok = all(v <= 1e-5 for diffs in results.values() for v in diffs.values())
    print(json.dumps({"ray": ray.__version__, "class": type(module).__name__, "ok": ok, "max_abs": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
