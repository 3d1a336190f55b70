"""Property: a hostile checkpoint is refused with ``CheckpointError`` or loads correctly; no other
exception, no hang, no large allocation.

Hypothesis rewrites a valid checkpoint the way an attacker controlling the directory could:
sizes in the model config, the weights (random keys, shapes, dtypes, NaN/inf; sha256 and size
fixed up so integrity checks do not stop them), any metadata field replaced by random JSON, and
for policy checkpoints the ``weights_file`` path. A load that succeeds must hold exactly the
weights in the file.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from safetensors.numpy import load_file

from rlmigrate.core.apis import non_inference_prefixes
from rlmigrate.core.checkpoint import CheckpointError, load_module
from shim.policy.policy import Policy
from shim.policy.torch_policy_v2 import TorchPolicyV2
from tests.security.conftest import (
    ACT,
    OBS,
    ppo_module,
    read_json,
    rewrite_module_weights,
    rewrite_policy_weights,
    write_json,
)

MODULE_EXAMPLES = 250
POLICY_EXAMPLES = 150

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
dtypes = st.sampled_from([np.float32, np.float32, np.float16, np.float64, np.int32, np.int64, np.bool_, np.uint8])
paths = st.sampled_from(
    ["..", "../x", "/dev/zero", "/etc/passwd", "/", "a/b", "", ".", "weights.safetensors", "metadata.json", "module"]
) | st.text(max_size=20)


@st.composite
def weight_sets(draw: st.DrawFn, real: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Weights: the real keys with some shapes/dtypes/values changed, keys dropped or added."""
    out: dict[str, np.ndarray] = {}
    for key, value in real.items():
        if draw(st.integers(0, 29)) == 0:
            continue  # dropped
        shape = value.shape if draw(st.integers(0, 19)) else tuple(draw(st.lists(st.integers(0, 5), max_size=3)))
        array = np.resize(value, shape).astype(draw(dtypes) if draw(st.integers(0, 19)) == 0 else value.dtype)
        array = array * np.asarray(draw(st.floats(-2, 2)), array.dtype) if array.dtype.kind == "f" else array
        if array.dtype.kind == "f" and array.size and draw(st.integers(0, 19)) == 0:
            array.flat[draw(st.integers(0, array.size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        out[key] = np.ascontiguousarray(array)
    if draw(st.integers(0, 9)) == 0:
        out[draw(st.text(min_size=1, max_size=8))] = np.zeros(draw(st.integers(0, 3)), draw(dtypes))
    return out


def _fresh_copy(base: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="rlm-hostile-")) / "ckpt"
    shutil.copytree(base, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def base_module_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(ppo_module().save_to_path(tmp_path_factory.mktemp("base") / "module"))


@pytest.fixture(scope="module")
def base_policy_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    policy = TorchPolicyV2(OBS, ACT, {"model": {"fcnet_hiddens": [8]}})
    return Path(policy.export_checkpoint(str(tmp_path_factory.mktemp("base") / "policy")))


def _mutate_metadata(meta: dict[str, Any], data: st.DataObject) -> None:
    if data.draw(st.integers(0, 3), label="change fcnet_hiddens") == 0:
        meta["ctor_kwargs"]["model_config"]["fcnet_hiddens"] = data.draw(
            st.lists(st.sampled_from([8, 8, 0, -1, 3, 40000, 2**31]), max_size=3), label="fcnet_hiddens"
        )
    for _ in range(data.draw(st.sampled_from([0, 0, 0, 1, 2]), label="replaced fields")):
        where = meta if data.draw(st.booleans()) else meta["ctor_kwargs"]
        if isinstance(where, dict) and where:
            key = data.draw(st.sampled_from(sorted(where)), label="field")
            where[key] = data.draw(json_values, label=f"value of {key}")


def test_full_checkpoint_marked_inference_only_loads_all_but_the_learner_only_parts(base_module_checkpoint: Path) -> None:
    path = _fresh_copy(base_module_checkpoint)
    try:
        meta = read_json(path / "metadata.json")
        meta["ctor_kwargs"]["inference_only"] = True
        write_json(path / "metadata.json", meta)
        module = load_module(path)
        stored = load_file(str(path / "module_state.safetensors"))
        state = module.get_state()
        dropped = sorted(set(stored) - set(state))
        prefixes = non_inference_prefixes(module)
        assert module.inference_only and dropped and prefixes
        assert all(any(k == p or k.startswith(p + ".") for p in prefixes) for k in dropped)
        for key in state:
            np.testing.assert_array_equal(state[key], stored[key])
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
@settings(max_examples=MODULE_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_module_checkpoint_is_refused_or_loaded_exactly(base_module_checkpoint: Path, data: st.DataObject) -> None:
    path = _fresh_copy(base_module_checkpoint)
    try:
        real = load_file(str(path / "module_state.safetensors"))
        if data.draw(st.booleans(), label="rewrite weights"):
            rewrite_module_weights(path, data.draw(weight_sets(real), label="weights"))
        meta = read_json(path / "metadata.json")
        _mutate_metadata(meta, data)
        write_json(path / "metadata.json", meta)
        try:
            module = load_module(path)
        except CheckpointError:
            event("refused with CheckpointError")
            return
        event("loaded")
        stored = load_file(str(path / "module_state.safetensors"))
        state = module.get_state()
        assert set(state) <= set(stored) | set(real)
        # an inference-only module (metadata may say so) drops the learner-only parts of a full
        # checkpoint, as designed (checkpoint_plan: non-inference keys are optional); nothing else
        prefixes = non_inference_prefixes(module) if module.inference_only else ()
        for key, value in stored.items():
            if key not in state and any(key == p or key.startswith(p + ".") for p in prefixes):
                continue
            np.testing.assert_array_equal(state[key], value)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


@settings(max_examples=POLICY_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_policy_checkpoint_is_refused_or_loaded_exactly(base_policy_checkpoint: Path, data: st.DataObject) -> None:
    path = _fresh_copy(base_policy_checkpoint)
    try:
        real = load_file(str(path / "weights.safetensors"))
        if data.draw(st.booleans(), label="rewrite weights"):
            rewrite_policy_weights(path, data.draw(weight_sets(real), label="weights"))
        record = read_json(path / "policy_state.json")
        if data.draw(st.integers(0, 3), label="change weights_file") == 0:
            record["weights_file"] = data.draw(paths, label="weights_file")
        for _ in range(data.draw(st.sampled_from([0, 0, 0, 1, 2]), label="replaced fields")):
            where = record if data.draw(st.booleans()) else record["policy_spec"]
            if isinstance(where, dict) and where:
                key = data.draw(st.sampled_from(sorted(where)), label="field")
                where[key] = data.draw(json_values, label=f"value of {key}")
        write_json(path / "policy_state.json", record)
        try:
            policy = Policy.from_checkpoint(str(path))
        except CheckpointError:
            event("refused with CheckpointError")
            return
        event("loaded")
        stored = load_file(str(path / record["weights_file"]))
        weights = policy.get_weights()
        assert set(weights) == set(stored)
        for key, value in stored.items():
            np.testing.assert_array_equal(weights[key], value)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


MULTI_EXAMPLES = 100


@pytest.fixture(scope="module")
def base_multi_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from rlmigrate import MultiRLModule, RLModuleSpec

    spec = RLModuleSpec.from_module(ppo_module())
    multi = MultiRLModule(rl_module_specs={"a": spec, "b": spec})
    return Path(multi.save_to_path(tmp_path_factory.mktemp("base") / "multi"))


@settings(max_examples=MULTI_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_multi_checkpoint_paths_are_refused_or_loaded_exactly(base_multi_checkpoint: Path, data: st.DataObject) -> None:
    """Module directory names from random text and path tricks; sub-directories swapped for
    symlinks that point inside or outside the checkpoint."""
    path = _fresh_copy(base_multi_checkpoint)
    try:
        meta = read_json(path / "metadata.json")
        for module_id in sorted(meta["modules"]):
            if data.draw(st.integers(0, 2), label=f"rename {module_id}") == 0:
                meta["modules"][module_id] = data.draw(paths, label=f"dir of {module_id}")
        write_json(path / "metadata.json", meta)
        link = data.draw(st.sampled_from([None, "inside", "outside"]), label="symlink b")
        if link is not None:
            target = path.parent / "b_moved" if link == "outside" else path / "b_real"
            shutil.move(path / "b", target)
            (path / "b").symlink_to(target, target_is_directory=True)
        try:
            module = load_module(path)
        except CheckpointError:
            event("refused with CheckpointError")
            return
        event("loaded")
        for module_id, directory in meta["modules"].items():
            stored = load_file(str(path / directory / "module_state.safetensors"))
            for key, value in stored.items():
                np.testing.assert_array_equal(module[module_id].get_state()[key], value)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
