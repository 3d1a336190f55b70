"""Converted fixtures import and build with the runtime; feed-forward models compute the same
logits and values as the legacy originals (run through the shim) with the same weights."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from rlmigrate.core.legacy_config import legacy_model_config, migrated_model_config
from rlmigrate.core.spaces import space_from_dict
from rlmigrate.testing.episode_columns import episode_columns

ROOT = Path(__file__).resolve().parents[2]
LEGACY = ROOT / "fixtures" / "legacy"
EXPECTED = ROOT / "fixtures" / "expected"
CASES = json.loads((LEGACY / "CASES.json").read_text())
BUILD = [(n, c) for n, case in sorted(CASES.items()) if not n.startswith("_") for c in case["classes"]]
ray_compat = pytest.importorskip("shim.ray_compat")


def spec_config(case: dict) -> dict:
    """What the rewritten spec carries for the case's legacy config (never given by hand)."""
    user = dict(case["model_config"], custom_model_config=dict(case["custom_model_config"]))
    return migrated_model_config(user)


def load(path: Path, tag: str):
    """Execute a fixture with its folder on ``sys.path`` (a fixture may import a sibling, as
    policy_factory.py does): the siblings it imported are forgotten again, since the legacy
    and the expected folder hold files of the same names."""
    name = f"_rlm_fixture_{tag}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    before = set(sys.modules)
    sys.path.insert(0, str(path.parent))
    try:
        with ray_compat.installed():
            spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
        for sibling in set(sys.modules) - before:
            file = getattr(sys.modules[sibling], "__file__", None) or ""
            if Path(file).resolve().parent == path.parent.resolve():
                del sys.modules[sibling]
    return module


def space(d):
    if d["space"] == "box":
        import gymnasium as gym
        import numpy as np
        return gym.spaces.Box(np.float32(d["low"]), np.float32(d["high"]), tuple(d["shape"]), np.float32)
    if d["space"] == "dict":
        import gymnasium as gym
        return gym.spaces.Dict({k: space(v) for k, v in d["spaces"].items()})
    return space_from_dict(d)


@pytest.mark.parametrize("name, case", BUILD, ids=[f"{n}:{c['migrated']}" for n, c in BUILD])
def test_converted_class_builds_and_runs(name, case):
    module = load(EXPECTED / name, "new")
    cls = getattr(module, case["migrated"])
    obs_space, act_space = space(case["observation_space"]), space(case["action_space"])
    built = cls(observation_space=obs_space, action_space=act_space,
                model_config=spec_config(case))
    torch.manual_seed(0)
    batch = {"obs": _sample(obs_space, 5, case["stateful"])}
    if case["stateful"]:
        # torch modules keep tensors; framework-free (heuristic) modules numpy arrays
        initial = {k: torch.as_tensor(v) for k, v in built.get_initial_state().items()}
        batch["state_in"] = {k: v.unsqueeze(0).repeat(5, *([1] * v.dim())) for k, v in initial.items()}
    if case.get("episode_columns"):
        # a module reading the episode columns its legacy policy's view requirements declared:
        # a connector would write them into its batch (with the time axis of a stateful one)
        columns = episode_columns(tuple(case["episode_columns"]), 5, seed=0)
        batch.update({k: np.repeat(v[:, None], 3, axis=1) for k, v in columns.items()}
                     if case["stateful"] else columns)
    out = built.forward_inference(batch)
    assert "action_dist_inputs" in out or "actions" in out
    if case["has_value_function"]:
        values = built.compute_values(batch)
        assert values.shape[0] in (5, 5 * 3)


def _sample(obs_space, batch, stateful):
    import gymnasium as gym

    if isinstance(obs_space, gym.spaces.Dict):
        return {k: _sample(s, batch, stateful) for k, s in obs_space.spaces.items()}
    shape = (batch, 3, *obs_space.shape) if stateful else (batch, *obs_space.shape)
    if isinstance(obs_space, gym.spaces.Discrete):
        return torch.randint(int(obs_space.n), shape)
    if isinstance(obs_space, gym.spaces.Box) and obs_space.dtype.kind == "f":
        return torch.rand(shape) * 2 - 1 if obs_space.low.min() < 0 else torch.rand(shape)
    obs_space.seed(0)  # MultiDiscrete, integer Box, ...: the space's own draws
    rows = [obs_space.sample() for _ in range(batch * (3 if stateful else 1))]
    return torch.as_tensor(np.stack(rows).reshape(shape))


FEEDFORWARD = [(n, c) for n, c in BUILD if c["kind"] == "model" and not c["stateful"]
               and c["observation_space"]["space"] == "box" and CASES[n]["status"] != "manual"]


@pytest.mark.parametrize("name, case", FEEDFORWARD, ids=[n for n, _ in FEEDFORWARD])
def test_same_weights_give_same_outputs_as_legacy(name, case):
    old_module, new_module = load(LEGACY / name, "old"), load(EXPECTED / name, "new")
    obs_space, act_space = space(case["observation_space"]), space(case["action_space"])
    new = getattr(new_module, case["migrated"])(observation_space=obs_space, action_space=act_space,
                                                model_config=spec_config(case))
    num_outputs = new.get_inference_action_dist_cls().required_input_dim(act_space)
    with ray_compat.installed():
        old = getattr(old_module, case["legacy"])(obs_space, act_space, num_outputs,
                                                  legacy_model_config(case["model_config"]), "legacy",
                                                  **case["custom_model_config"])
    built = set(case.get("lazily_built") or ())
    if built:  # built by the first forward call: both warmed up first, as verify does
        assert not {key.split(".")[0] for key in new.state_dict()} & built
        warm = _sample(obs_space, 2, False)
        with torch.no_grad():
            old({"obs": warm}, [], None)
            new.forward_inference({"obs": warm})
        assert built <= {key.split(".")[0] for key in new.state_dict()}
    new.load_state_dict(old.state_dict())  # same attribute names → same keys
    old.eval()
    obs = _sample(obs_space, 7, False)
    with torch.no_grad():
        logits, _ = old({"obs": obs}, [], None)
        expected_values = old.value_function() if case["has_value_function"] else None
    out = new.forward_inference({"obs": obs})
    torch.testing.assert_close(out["action_dist_inputs"], logits)
    if expected_values is not None:
        torch.testing.assert_close(new.compute_values({"obs": obs}), expected_values)
