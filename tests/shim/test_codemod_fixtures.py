"""The codemod's legacy fixtures (fixtures/legacy/, written against ``ray.rllib``) import
through ``shim.ray_compat`` and their models act through shim Policies, unmodified."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from rlmigrate.core.nest import flatten
from rlmigrate.core.spaces import space_from_dict
from shim.policy.torch_policy_v2 import TorchPolicyV2

LEGACY = Path(__file__).resolve().parents[2] / "fixtures" / "legacy"
CASES = json.loads((LEGACY / "CASES.json").read_text()) if (LEGACY / "CASES.json").is_file() else {}
FILES = sorted(p.name for p in LEGACY.glob("*.py"))


def _compiles(path: Path) -> bool:
    try:
        compile(path.read_bytes(), str(path), "exec")
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return False
    return True


def _load(name: str) -> Any:
    module_name = f"codemod_fixture_{Path(name).stem}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, LEGACY / name)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
    return sys.modules[module_name]


@pytest.mark.parametrize("name", FILES)
def test_fixture_imports_through_ray_compat(name: str, ray_aliases: None) -> None:
    if not _compiles(LEGACY / name):
        pytest.skip("deliberately broken fixture (codemod error-path input)")
    try:
        _load(name)
    except ModuleNotFoundError as err:
        if err.name and not err.name.startswith("ray"):
            pytest.skip(f"needs {err.name} (not a ray.rllib import)")
        raise


MODEL_CLASSES = [
    (file, entry)
    for file, case in CASES.items()
    if isinstance(case, dict)
    for entry in case.get("classes", [])
    if entry.get("kind") == "model"
]


@pytest.mark.parametrize(
    ("file", "entry"), MODEL_CLASSES, ids=[f"{f}:{e['legacy']}" for f, e in MODEL_CLASSES]
)
def test_fixture_models_act_through_shim_policy(file: str, entry: dict, ray_aliases: None) -> None:
    if not _compiles(LEGACY / file):
        pytest.skip("deliberately broken fixture")
    try:
        module = _load(file)
    except ModuleNotFoundError as err:
        pytest.skip(f"needs {err.name}")
    cls = getattr(module, entry["legacy"])
    obs_space = space_from_dict(entry["observation_space"])
    act_space = space_from_dict(entry["action_space"])
    model = {
        **entry.get("model_config", {}),
        "custom_model": cls,
        "custom_model_config": entry.get("custom_model_config", {}),
    }
    torch.manual_seed(0)
    policy = TorchPolicyV2(obs_space, act_space, {"model": model})
    obs_space.seed(0)
    batch = [obs_space.sample() for _ in range(3)]
    if "action_mask" in getattr(obs_space, "spaces", {}):
        for item in batch:
            item["action_mask"][0] = 1.0
    state = None
    for explore in (False, True):
        actions, state_out, extra = policy.compute_actions(batch, state, explore=explore)
        # a Dict/Tuple action space answers a struct of (3, ...) leaves
        assert all(np.shape(leaf)[0] == 3 for leaf in flatten(actions)) and "action_dist_inputs" in extra
        assert len(state_out) == policy.num_state_tensors() == len(policy.get_initial_state())
        assert policy.is_recurrent() is entry.get("stateful", policy.is_recurrent())
        state = state_out or None
        if entry.get("has_value_function"):
            assert policy.model.value_function().shape[0] == 3
