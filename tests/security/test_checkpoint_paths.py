"""Checkpoint paths stay inside the checkpoint: no ``..``, no absolute paths, no symlinks out,
no devices or FIFOs (``/dev/zero`` would be read until memory runs out, a FIFO blocks)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch

from rlmigrate import MultiRLModule, RLModule, RLModuleSpec
from rlmigrate.core.checkpoint import CheckpointError
from shim.policy.policy import Policy
from tests.security.conftest import ppo_module, read_json, write_json


def _set_weights_file(path: Path, value: str) -> None:
    record = read_json(path / "policy_state.json")
    record["weights_file"] = value
    write_json(path / "policy_state.json", record)


def test_policy_weights_file_with_dot_dot_is_refused(policy_checkpoint):
    shutil.copy(policy_checkpoint / "weights.safetensors", policy_checkpoint.parent / "outside.safetensors")
    _set_weights_file(policy_checkpoint, "../outside.safetensors")
    with pytest.raises(CheckpointError, match=r"weights_file.*plain name inside the checkpoint"):
        Policy.from_checkpoint(str(policy_checkpoint))


def test_policy_weights_file_with_an_absolute_path_is_refused(policy_checkpoint):
    outside = policy_checkpoint.parent / "outside.safetensors"
    shutil.copy(policy_checkpoint / "weights.safetensors", outside)
    _set_weights_file(policy_checkpoint, str(outside))
    with pytest.raises(CheckpointError, match="weights_file"):
        Policy.from_checkpoint(str(policy_checkpoint))


def test_policy_weights_file_naming_dev_zero_is_refused_without_reading(policy_checkpoint):
    _set_weights_file(policy_checkpoint, "/dev/zero")
    with pytest.raises(CheckpointError, match="weights_file"):
        Policy.from_checkpoint(str(policy_checkpoint))


def test_policy_weights_symlinked_to_a_device_is_refused(policy_checkpoint):
    link = policy_checkpoint / "zero.safetensors"
    link.symlink_to("/dev/zero")
    _set_weights_file(policy_checkpoint, link.name)
    with pytest.raises(CheckpointError, match="outside the checkpoint|not a regular file"):
        Policy.from_checkpoint(str(policy_checkpoint))


def test_policy_weights_file_that_is_a_fifo_is_refused_without_blocking(policy_checkpoint):
    os.mkfifo(policy_checkpoint / "pipe")
    _set_weights_file(policy_checkpoint, "pipe")
    with pytest.raises(CheckpointError, match="not a regular file"):
        Policy.from_checkpoint(str(policy_checkpoint))


def test_policy_module_checkpoint_outside_the_directory_is_refused(tmp_path, policy_checkpoint):
    record = read_json(policy_checkpoint / "policy_state.json")
    record["module_checkpoint"] = "../elsewhere"
    write_json(policy_checkpoint / "policy_state.json", record)
    ppo_module().save_to_path(policy_checkpoint.parent / "elsewhere")
    with pytest.raises(CheckpointError, match="module_checkpoint"):
        Policy.from_checkpoint(str(policy_checkpoint))


def test_policies_sub_directory_symlinked_out_is_refused(tmp_path, policy_checkpoint):
    multi = tmp_path / "multi"
    (multi / "policies").mkdir(parents=True)
    (multi / "policies" / "p0").symlink_to(policy_checkpoint, target_is_directory=True)
    with pytest.raises(CheckpointError, match="outside the checkpoint"):
        Policy.from_checkpoint(str(multi))


def test_module_weights_symlinked_out_of_the_checkpoint_are_refused(module_checkpoint):
    """The linked file is byte-identical (sha256 matches): only the location is wrong."""
    outside = module_checkpoint.parent / "outside.safetensors"
    shutil.move(module_checkpoint / "module_state.safetensors", outside)
    (module_checkpoint / "module_state.safetensors").symlink_to(outside)
    with pytest.raises(CheckpointError, match="points outside the checkpoint directory"):
        RLModule.from_checkpoint(module_checkpoint)


def test_module_metadata_symlinked_out_is_refused(module_checkpoint):
    outside = module_checkpoint.parent / "metadata.json"
    shutil.move(module_checkpoint / "metadata.json", outside)
    (module_checkpoint / "metadata.json").symlink_to(outside)
    with pytest.raises(CheckpointError, match="points outside the checkpoint directory"):
        RLModule.from_checkpoint(module_checkpoint)


def test_module_weights_replaced_by_a_fifo_are_refused_without_blocking(module_checkpoint):
    (module_checkpoint / "module_state.safetensors").unlink()
    os.mkfifo(module_checkpoint / "module_state.safetensors")
    with pytest.raises(CheckpointError, match="not a regular file"):
        RLModule.from_checkpoint(module_checkpoint)


def test_symlink_inside_the_checkpoint_is_followed(module_checkpoint):
    real = module_checkpoint / "real.safetensors"
    shutil.move(module_checkpoint / "module_state.safetensors", real)
    (module_checkpoint / "module_state.safetensors").symlink_to(real.name)
    assert isinstance(RLModule.from_checkpoint(module_checkpoint), RLModule)


def _multi(tmp_path: Path) -> tuple[MultiRLModule, Path]:
    spec = RLModuleSpec.from_module(ppo_module())
    multi = MultiRLModule(rl_module_specs={"a": spec, "b": spec})
    return multi, Path(multi.save_to_path(tmp_path / "multi"))


def test_multi_module_sub_directory_symlinked_out_is_refused_and_nothing_loads(tmp_path):
    multi, path = _multi(tmp_path)
    outside = tmp_path / "outside_b"
    shutil.move(path / "b", outside)
    (path / "b").symlink_to(outside, target_is_directory=True)
    target = MultiRLModule(rl_module_specs={mid: RLModuleSpec.from_module(multi[mid]) for mid in ("a", "b")})
    before = {k: v.clone() for k, v in target["a"].state_dict().items()}
    with pytest.raises(CheckpointError, match="outside the checkpoint"):
        target.restore_from_path(str(path))
    assert all(torch.equal(before[k], v) for k, v in target["a"].state_dict().items())


@pytest.mark.parametrize("name", ["../b", "/tmp", "b/../../x", "", ".", "a\x00b"])
def test_multi_module_directory_names_must_be_plain(tmp_path, name):
    _, path = _multi(tmp_path)
    meta = read_json(path / "metadata.json")
    meta["modules"]["b"] = name
    write_json(path / "metadata.json", meta)
    with pytest.raises(CheckpointError, match="module directory"):
        RLModule.from_checkpoint(path)


def test_component_directory_symlinked_out_is_refused(tmp_path):
    multi, path = _multi(tmp_path)
    outside = tmp_path / "outside_a"
    shutil.move(path / "a", outside)
    (path / "a").symlink_to(outside, target_is_directory=True)
    before = {k: v.clone() for k, v in multi["a"].state_dict().items()}
    with pytest.raises(CheckpointError, match="outside the checkpoint"):
        multi.restore_from_path(str(path), component="a")
    assert all(torch.equal(before[k], v) for k, v in multi["a"].state_dict().items())
