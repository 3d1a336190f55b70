"""Every malformed checkpoint gives ``CheckpointError`` naming the file and the field, never a raw
``KeyError``/``JSONDecodeError``/``RecursionError``/``TypeError``, and nothing is half-loaded."""

from __future__ import annotations

import pytest
import torch

from rlmigrate import RLModule
from rlmigrate.core.checkpoint import CheckpointError, restore_module
from shim.policy.policy import Policy
from tests.security.conftest import ppo_module, read_json, write_json

DEEP_JSON = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("key", ["kind", "module_class", "ctor_kwargs", "files", "format", "format_version"])
def test_missing_metadata_key_is_named(module_checkpoint, key):
    meta = read_json(module_checkpoint / "metadata.json")
    del meta[key]
    write_json(module_checkpoint / "metadata.json", meta)
    with pytest.raises(CheckpointError, match=r"metadata\.json"):
        RLModule.from_checkpoint(module_checkpoint)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("files", [], "field 'files' must be an object"),
        ("modules", "x", "field 'modules' must be an object"),
        ("ctor_kwargs", None, "field 'ctor_kwargs' must be an object"),
        ("module_class", 7, "field 'module_class' must be a string"),
        ("catalog_class", ["a"], "field 'catalog_class' must be a string or null"),
        ("files", {"module_state.safetensors": {"sha256": 5}}, r"files\['module_state.safetensors'\] needs a 'sha256'"),
        ("files", {"module_state.safetensors": {"sha256": "0", "size": -3}}, "size'] must be a non-negative int"),
    ],
)
def test_wrongly_typed_metadata_fields_are_named(module_checkpoint, field, value, match):
    meta = read_json(module_checkpoint / "metadata.json")
    meta[field] = value
    write_json(module_checkpoint / "metadata.json", meta)
    with pytest.raises(CheckpointError, match=match):
        RLModule.from_checkpoint(module_checkpoint)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("model_config", 5, "ctor_kwargs.model_config must be an object"),
        ("inference_only", "yes", "ctor_kwargs.inference_only must be a boolean"),
        ("observation_space", {"space": "no-such-space"}, "ctor_kwargs.observation_space is not a valid space"),
        ("observation_space", {"space": "box"}, "ctor_kwargs.observation_space is not a valid space"),
        ("action_space", {"space": "discrete", "n": -4}, "ctor_kwargs.action_space is not a valid space"),
        ("model_config", {"fcnet_hiddens": "wide"}, "ctor_kwargs failed"),
        ("model_config", {"fcnet_activation": "no_such_activation"}, "ctor_kwargs failed"),
    ],
)
def test_bad_constructor_arguments_are_named(module_checkpoint, key, value, match):
    meta = read_json(module_checkpoint / "metadata.json")
    meta["ctor_kwargs"][key] = value
    write_json(module_checkpoint / "metadata.json", meta)
    with pytest.raises(CheckpointError, match=match):
        RLModule.from_checkpoint(module_checkpoint)


@pytest.mark.parametrize("text", ["{not json", DEEP_JSON, "\xff\xfe", '"a string"', "[]"])
def test_unparsable_metadata_is_a_checkpoint_error(module_checkpoint, text):
    (module_checkpoint / "metadata.json").write_bytes(text.encode("latin-1") if text == "\xff\xfe" else text.encode())
    with pytest.raises(CheckpointError, match=r"metadata\.json"):
        RLModule.from_checkpoint(module_checkpoint)


def test_missing_weights_file_is_named(module_checkpoint):
    (module_checkpoint / "module_state.safetensors").unlink()
    with pytest.raises(CheckpointError, match=r"weights file .*module_state\.safetensors.* is missing"):
        RLModule.from_checkpoint(module_checkpoint)


def test_malformed_checkpoint_leaves_the_module_unchanged(module_checkpoint):
    meta = read_json(module_checkpoint / "metadata.json")
    meta["files"]["module_state.safetensors"]["size"] = 1
    write_json(module_checkpoint / "metadata.json", meta)
    module = ppo_module()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    with pytest.raises(CheckpointError, match="metadata says 1"):
        restore_module(module, module_checkpoint)
    assert all(torch.equal(before[k], v) for k, v in module.state_dict().items())


@pytest.mark.parametrize("key", ["policy_spec", "weights_file", "weights_sha256", "global_timestep", "num_grad_updates"])
def test_missing_policy_record_field_is_named(policy_checkpoint, key):
    record = read_json(policy_checkpoint / "policy_state.json")
    del record[key]
    write_json(policy_checkpoint / "policy_state.json", record)
    with pytest.raises(CheckpointError, match=rf"policy_state\.json.*{key}"):
        Policy.from_checkpoint(str(policy_checkpoint))


@pytest.mark.parametrize("key", ["policy_class", "observation_space", "action_space", "config"])
def test_missing_policy_spec_field_is_named(policy_checkpoint, key):
    record = read_json(policy_checkpoint / "policy_state.json")
    del record["policy_spec"][key]
    write_json(policy_checkpoint / "policy_state.json", record)
    with pytest.raises(CheckpointError, match=rf"policy_state\.json.*{key}"):
        Policy.from_checkpoint(str(policy_checkpoint))


@pytest.mark.parametrize("text", ["{not json", DEEP_JSON, "[]"])
def test_unparsable_policy_record_is_a_checkpoint_error(policy_checkpoint, text):
    (policy_checkpoint / "policy_state.json").write_text(text)
    with pytest.raises(CheckpointError, match=r"policy_state\.json"):
        Policy.from_checkpoint(str(policy_checkpoint))


def test_policy_spec_that_builds_nothing_is_named(policy_checkpoint):
    record = read_json(policy_checkpoint / "policy_state.json")
    record["policy_spec"]["observation_space"] = {"space": "box", "shape": "wide"}
    write_json(policy_checkpoint / "policy_state.json", record)
    with pytest.raises(CheckpointError, match=r"policy_state\.json.*policy_spec"):
        Policy.from_checkpoint(str(policy_checkpoint))
