"""Sizes, dtypes and values read from a checkpoint are checked before they are trusted.

* sizes in ``metadata.json`` (``fcnet_hiddens: [40000, 40000]``) are compared with the
  safetensors header before any real allocation;
* a tensor whose dtype differs from the module's is refused unless ``allow_dtype_cast=True``;
* NaN/inf weights are refused unless ``allow_non_finite=True``;
* a refused load changes nothing.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from rlmigrate import RLModule
from rlmigrate.core.checkpoint import CheckpointError, load_module, restore_module
from shim.policy.policy import Policy
from tests.security.conftest import (
    ppo_module,
    read_json,
    rewrite_module_weights,
    rewrite_policy_weights,
    write_json,
)


@pytest.fixture
def no_large_real_allocation(monkeypatch):
    """Fail the test if a Linear layer with more than 10**8 weights is initialised for real."""
    original = torch.nn.Linear.reset_parameters

    def guarded(self):
        if not self.weight.is_meta and self.weight.numel() > 10**8:
            raise AssertionError(f"allocated a real {tuple(self.weight.shape)} weight before checking the checkpoint")
        original(self)

    monkeypatch.setattr(torch.nn.Linear, "reset_parameters", guarded)


def test_huge_sizes_in_metadata_are_refused_before_allocation(module_checkpoint, no_large_real_allocation):
    meta = read_json(module_checkpoint / "metadata.json")
    meta["ctor_kwargs"]["model_config"]["fcnet_hiddens"] = [40000, 40000]
    write_json(module_checkpoint / "metadata.json", meta)
    with pytest.raises(CheckpointError, match=r"module_state\.safetensors.*shape mismatch.*\(40000, 4\)"):
        RLModule.from_checkpoint(module_checkpoint)


def _weights(path):
    return load_file(str(path / "module_state.safetensors"))


@pytest.mark.parametrize("dtype", [np.float16, np.float64, np.int32, np.int64, np.bool_, np.uint8])
def test_weights_of_another_dtype_are_refused_by_default(module_checkpoint, dtype):
    arrays = {k: v.astype(dtype) for k, v in _weights(module_checkpoint).items()}
    rewrite_module_weights(module_checkpoint, arrays)
    with pytest.raises(CheckpointError, match=r"dtype mismatch.*float32, checkpoint .*allow_dtype_cast=True"):
        RLModule.from_checkpoint(module_checkpoint)


def test_float16_weights_load_when_the_cast_is_asked_for(module_checkpoint):
    arrays = {k: v.astype(np.float16) for k, v in _weights(module_checkpoint).items()}
    rewrite_module_weights(module_checkpoint, arrays)
    module = load_module(module_checkpoint, allow_dtype_cast=True)
    for key, value in module.state_dict().items():
        assert value.dtype == torch.float32
        np.testing.assert_array_equal(value.numpy(), arrays[key].astype(np.float32))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused_and_load_only_when_allowed(module_checkpoint, bad):
    arrays = _weights(module_checkpoint)
    key = sorted(arrays)[0]
    arrays[key] = np.full_like(arrays[key], bad)
    rewrite_module_weights(module_checkpoint, arrays)
    with pytest.raises(CheckpointError, match=rf"NaN or inf in \[{key!r}\].*allow_non_finite=True"):
        RLModule.from_checkpoint(module_checkpoint)
    loaded = load_module(module_checkpoint, allow_non_finite=True)
    assert not torch.isfinite(loaded.state_dict()[key]).any()


def test_refused_weights_leave_an_existing_module_unchanged(module_checkpoint):
    arrays = _weights(module_checkpoint)
    arrays = {k: np.full_like(v, np.nan) for k, v in arrays.items()}
    rewrite_module_weights(module_checkpoint, arrays)
    module = ppo_module()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    with pytest.raises(CheckpointError, match="NaN"):
        restore_module(module, module_checkpoint)
    assert all(torch.equal(before[k], v) for k, v in module.state_dict().items())


def _raw_with_header(header: dict, data: bytes) -> bytes:
    encoded = json.dumps(header).encode()
    return struct.pack("<Q", len(encoded)) + encoded + data


@pytest.mark.parametrize(
    ("header", "data", "match"),
    [
        ({"w": {"dtype": "F32", "shape": [40000, 40000], "data_offsets": [0, 16]}}, b"\0" * 16, "do not hold shape"),
        ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 10**12]}}, b"\0" * 8, "do not hold shape"),
        ({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4, "dtype 'BF16' is not supported"),
        ({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "non-negative ints"),
        ({"w": {"dtype": "F32", "shape": "big", "data_offsets": [0, 4]}}, b"\0" * 4, "non-negative ints"),
        ({"w": [1, 2]}, b"", "must be an object"),
        ([1, 2], b"", "not an object"),
    ],
)
def test_hostile_safetensors_headers_are_refused_by_name(module_checkpoint, header, data, match):
    rewrite_module_weights(module_checkpoint, {}, raw=_raw_with_header(header, data))
    with pytest.raises(CheckpointError, match=match):
        RLModule.from_checkpoint(module_checkpoint)


def test_header_length_beyond_the_file_is_refused(module_checkpoint):
    rewrite_module_weights(module_checkpoint, {}, raw=struct.pack("<Q", 2**60) + b"{}")
    with pytest.raises(CheckpointError, match="header length"):
        RLModule.from_checkpoint(module_checkpoint)


def test_policy_weights_of_another_dtype_or_nan_are_refused(policy_checkpoint):
    from safetensors.numpy import load_file as load

    arrays = load(str(policy_checkpoint / "weights.safetensors"))
    rewrite_policy_weights(policy_checkpoint, {k: v.astype(np.float16) for k, v in arrays.items()})
    with pytest.raises(CheckpointError, match="dtype mismatch"):
        Policy.from_checkpoint(str(policy_checkpoint))
    assert Policy.from_checkpoint(str(policy_checkpoint), allow_dtype_cast=True) is not None

    key = sorted(arrays)[0]
    arrays[key] = np.full_like(arrays[key], np.nan)
    rewrite_policy_weights(policy_checkpoint, arrays)
    with pytest.raises(CheckpointError, match="NaN or inf"):
        Policy.from_checkpoint(str(policy_checkpoint))
    loaded = Policy.from_checkpoint(str(policy_checkpoint), allow_non_finite=True)
    assert np.isnan(loaded.get_weights()[key]).all()


def test_policy_weights_of_the_wrong_shape_are_refused_by_file(policy_checkpoint):
    from safetensors.numpy import load_file as load

    arrays = load(str(policy_checkpoint / "weights.safetensors"))
    key = sorted(arrays)[0]
    arrays[key] = np.zeros((3, 3, 3), np.float32)
    rewrite_policy_weights(policy_checkpoint, arrays)
    with pytest.raises(CheckpointError, match=rf"weights\.safetensors.*shape mismatch for {key}"):
        Policy.from_checkpoint(str(policy_checkpoint))


def test_huge_sizes_in_a_policy_config_are_refused_before_allocation(policy_checkpoint, no_large_real_allocation):
    record = read_json(policy_checkpoint / "policy_state.json")
    record["policy_spec"]["config"]["model"]["fcnet_hiddens"] = [40000, 40000]
    write_json(policy_checkpoint / "policy_state.json", record)
    with pytest.raises(CheckpointError, match=r"weights\.safetensors.*shape mismatch"):
        Policy.from_checkpoint(str(policy_checkpoint))


def test_restore_from_path_takes_the_same_opt_in_flags(module_checkpoint):
    arrays = {k: v.astype(np.float16) for k, v in _weights(module_checkpoint).items()}
    rewrite_module_weights(module_checkpoint, arrays)
    module = ppo_module()
    with pytest.raises(CheckpointError, match="allow_dtype_cast"):
        module.restore_from_path(str(module_checkpoint))
    module.restore_from_path(str(module_checkpoint), allow_dtype_cast=True)
    key = sorted(arrays)[0]
    np.testing.assert_array_equal(module.state_dict()[key].numpy(), arrays[key].astype(np.float32))
