"""Safe checkpoints: format, tampering, crafted pickles, class allowlist, fit checks."""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from rlmigrate import (
    BCTorchRLModule,
    MultiRLModule,
    MultiRLModuleSpec,
    PPOTorchRLModule,
    RLModule,
    RLModuleConfig,
    RLModuleSpec,
    TorchRLModule,
)
from rlmigrate.core.checkpoint import CheckpointError, load_module, restore_module, save_module

OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(3)
BATCH = {"obs": torch.linspace(-1, 1, 20).reshape(5, 4)}


def ppo(hidden=8, **kw):
    return PPOTorchRLModule(observation_space=OBS, action_space=ACT, model_config={"fcnet_hiddens": [hidden], **kw})


def logits(module):
    return module.forward_inference(BATCH)["action_dist_inputs"]


def weights(module):
    return {k: v.clone() for k, v in module.state_dict().items()}


def assert_unchanged(module, before):
    after = module.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


# ------------------------------------------------------------------------------ format
def test_directory_holds_json_metadata_and_safetensors_only(tmp_path):
    module = ppo()
    path = Path(save_module(module, tmp_path / "ckpt"))
    assert sorted(os.listdir(path)) == ["metadata.json", "module_state.safetensors"]
    meta = json.loads((path / "metadata.json").read_text())
    assert meta["format"] == "rlmigrate-rl-module" and meta["format_version"] == 1
    assert meta["module_class"] == "rlmigrate.modules.ppo.PPOTorchRLModule"
    assert meta["catalog_class"] == "rlmigrate.models.ppo_catalog.PPOCatalog"
    assert meta["ctor_kwargs"]["observation_space"]["space"] == "box"
    assert meta["ctor_kwargs"]["model_config"] == {"fcnet_hiddens": [8]}
    import hashlib

    blob = (path / "module_state.safetensors").read_bytes()
    assert meta["files"]["module_state.safetensors"]["sha256"] == hashlib.sha256(blob).hexdigest()
    stored = load_file(str(path / "module_state.safetensors"))
    assert set(stored) == set(module.get_state())


def test_save_to_path_without_path_makes_a_fresh_directory():
    import shutil

    a, b = ppo().save_to_path(), ppo().save_to_path()
    try:
        assert a != b and Path(a, "metadata.json").is_file()
    finally:
        shutil.rmtree(a, ignore_errors=True)
        shutil.rmtree(b, ignore_errors=True)


def test_restore_into_an_existing_module_copies_the_weights(tmp_path):
    source, target = ppo(), ppo()
    target.restore_from_path(source.save_to_path(tmp_path))
    torch.testing.assert_close(logits(target), logits(source), rtol=0, atol=0)


def test_callable_in_model_config_is_named_at_save(tmp_path):
    module = ppo(fcnet_activation=torch.nn.Tanh)
    with pytest.raises(CheckpointError, match=r"'model_config'\['fcnet_activation'\] is a type.*use names"):
        module.save_to_path(tmp_path)


# ------------------------------------------------------------------------------ tampering
@pytest.fixture
def saved(tmp_path):
    return Path(ppo().save_to_path(tmp_path / "ckpt"))


def test_flipped_byte_is_detected_and_nothing_loaded(saved):
    blob = bytearray((saved / "module_state.safetensors").read_bytes())
    blob[-1] ^= 0xFF
    (saved / "module_state.safetensors").write_bytes(bytes(blob))
    target = ppo()
    before = weights(target)
    with pytest.raises(CheckpointError, match="sha256.*tampered"):
        target.restore_from_path(saved)
    assert_unchanged(target, before)


def test_truncated_weights_are_detected(saved):
    blob = (saved / "module_state.safetensors").read_bytes()
    (saved / "module_state.safetensors").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(CheckpointError, match="truncated"):
        RLModule.from_checkpoint(saved)


def test_missing_weights_are_detected(saved):
    (saved / "module_state.safetensors").unlink()
    with pytest.raises(CheckpointError, match="module_state.safetensors.*missing"):
        RLModule.from_checkpoint(saved)


def test_bad_json_is_detected(saved):
    (saved / "metadata.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        RLModule.from_checkpoint(saved)


def test_wrong_format_is_detected(saved):
    meta = json.loads((saved / "metadata.json").read_text())
    meta["format"] = "something-else"
    (saved / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(CheckpointError, match="expected format 'rlmigrate-rl-module'"):
        RLModule.from_checkpoint(saved)


def test_missing_directory_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        RLModule.from_checkpoint(tmp_path / "nope")


def _set_class(saved, path):
    meta = json.loads((saved / "metadata.json").read_text())
    meta["module_class"] = path
    (saved / "metadata.json").write_text(json.dumps(meta))


def test_metadata_naming_a_non_rlmodule_class_is_refused(saved):
    _set_class(saved, "rlmigrate.models.catalog.Catalog")
    with pytest.raises(CheckpointError, match="not a subclass of RLModule"):
        RLModule.from_checkpoint(saved)


def test_class_outside_rlmigrate_is_never_imported(saved, tmp_path, monkeypatch):
    marker = tmp_path / "imported.marker"
    package = tmp_path / "pkgroot"
    package.mkdir()
    (package / "evil_ckpt_mod.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\nclass Thing:\n    pass\n"
    )
    monkeypatch.syspath_prepend(str(package))
    _set_class(saved, "evil_ckpt_mod.Thing")
    with pytest.raises(CheckpointError, match="not importable from an allowed module.*allowed_modules"):
        RLModule.from_checkpoint(saved)
    assert not marker.exists()
    assert "evil_ckpt_mod" not in sys.modules


def test_from_checkpoint_checks_the_calling_class(tmp_path):
    path = BCTorchRLModule(observation_space=OBS, action_space=ACT, model_config={"fcnet_hiddens": [4]}).save_to_path(tmp_path)
    with pytest.raises(CheckpointError, match="BCTorchRLModule is not a subclass of PPOTorchRLModule"):
        PPOTorchRLModule.from_checkpoint(path)


# ------------------------------------------------------------------------------ crafted pickles
class _WritesMarker:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "pwned"))


@pytest.mark.parametrize("name", ["module_state.pt", "module_state.pkl", "class_and_ctor_args.pkl"])
def test_crafted_pickle_in_the_directory_is_never_executed(saved, tmp_path, name):
    marker = tmp_path / f"{name}.marker"
    payload = pickle.dumps(_WritesMarker(str(marker)))
    pickle.loads(payload)
    assert marker.exists()  # the payload really runs code when unpickled...
    marker.unlink()  # ...and is armed again
    (saved / name).write_bytes(payload)
    module = RLModule.from_checkpoint(saved)
    module.restore_from_path(saved)
    load_module(saved)
    assert not marker.exists()


def test_rllib_pickle_directory_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "marker"
    directory = tmp_path / "rllib_ckpt"
    directory.mkdir()
    for name in ("class_and_ctor_args.pkl", "module_state.pt"):
        (directory / name).write_bytes(pickle.dumps(_WritesMarker(str(marker))))
    with pytest.raises(CheckpointError, match="RLlib pickle files.*never loads"):
        RLModule.from_checkpoint(directory)
    assert not marker.exists()


# ------------------------------------------------------------------------------ fit checks
def test_shape_mismatch_lists_keys_and_changes_nothing(tmp_path):
    path = ppo(hidden=8).save_to_path(tmp_path)
    target = ppo(hidden=16)
    before = weights(target)
    with pytest.raises(CheckpointError, match=r"shape mismatch for encoder\.encoder\.net\.mlp\.0\.bias: module \(16,\), checkpoint \(8,\); encoder\.encoder\.net\.mlp\.0\.weight: module \(16, 4\), checkpoint \(8, 4\)"):
        target.restore_from_path(path)
    assert_unchanged(target, before)


def test_different_architecture_lists_missing_and_unexpected_keys(tmp_path):
    path = ppo(vf_share_layers=False).save_to_path(tmp_path)
    with pytest.raises(CheckpointError, match="keys missing.*encoder.encoder.*keys the module does not have.*actor_encoder"):
        ppo().restore_from_path(path)


def test_inference_only_and_full_checkpoints_load_into_each_other(tmp_path):
    full = ppo(vf_share_layers=False)
    lean = PPOTorchRLModule(observation_space=OBS, action_space=ACT, inference_only=True,
                            model_config={"fcnet_hiddens": [8], "vf_share_layers": False})
    lean.restore_from_path(full.save_to_path(tmp_path / "full"))
    torch.testing.assert_close(logits(lean), logits(full), rtol=0, atol=0)
    other = ppo(vf_share_layers=False)
    other.restore_from_path(lean.save_to_path(tmp_path / "lean"))
    torch.testing.assert_close(logits(other), logits(full), rtol=0, atol=0)


def test_single_checkpoint_into_multi_module_is_refused(tmp_path):
    path = ppo().save_to_path(tmp_path)
    multi = MultiRLModuleSpec(rl_module_specs={"a": RLModuleSpec.from_module(ppo())}).build()
    with pytest.raises(CheckpointError, match="single module.*MultiRLModule"):
        multi.restore_from_path(path)


# ------------------------------------------------------------------------------ multi
def _multi():
    spec = RLModuleSpec(module_class=PPOTorchRLModule, observation_space=OBS, action_space=ACT, model_config={"fcnet_hiddens": [8]})
    return MultiRLModuleSpec(rl_module_specs={"a": spec, "b": spec}).build()


def test_multi_layout_is_one_directory_per_module(tmp_path):
    path = Path(_multi().save_to_path(tmp_path / "m"))
    assert sorted(os.listdir(path)) == ["a", "b", "metadata.json"]
    meta = json.loads((path / "metadata.json").read_text())
    assert meta["kind"] == "multi" and meta["modules"] == {"a": "a", "b": "b"}
    assert json.loads((path / "a" / "metadata.json").read_text())["kind"] == "single"


def test_a_bad_sub_module_leaves_every_sub_module_unchanged(tmp_path):
    path = Path(_multi().save_to_path(tmp_path / "m"))
    blob = bytearray((path / "b" / "module_state.safetensors").read_bytes())
    blob[-1] ^= 0x01
    (path / "b" / "module_state.safetensors").write_bytes(bytes(blob))
    target = _multi()
    before = {mid: weights(target[mid]) for mid in ("a", "b")}
    with pytest.raises(CheckpointError, match="sha256"):
        target.restore_from_path(path)
    for mid in ("a", "b"):
        assert_unchanged(target[mid], before[mid])


def test_component_accepts_the_component_directory_too(tmp_path):
    source = _multi()
    path = Path(source.save_to_path(tmp_path / "m"))
    target = _multi()
    target.restore_from_path(path / "b", component="b")
    torch.testing.assert_close(logits(target["b"]), logits(source["b"]), rtol=0, atol=0)


def test_unknown_component_names_the_available_ids(tmp_path):
    path = _multi().save_to_path(tmp_path / "m")
    with pytest.raises(KeyError, match="'c' not found.*\\['a', 'b'\\]"):
        _multi().restore_from_path(path, component="c")


# ------------------------------------------------------------------------------ custom classes
class TinyCustomModule(TorchRLModule):
    def setup(self) -> None:
        self.net = torch.nn.Linear(4, self.model_config.get("out", 3))

    def _forward(self, batch, **kwargs):
        return {"action_dist_inputs": self.net(batch["obs"])}


class OldStyleTiny(TorchRLModule):
    def __init__(self, config: RLModuleConfig) -> None:
        super().__init__(config)

    def setup(self) -> None:
        self.net = torch.nn.Linear(4, self.config.model_config_dict["out"])

    def _forward(self, batch, **kwargs):
        return {"action_dist_inputs": self.net(batch["obs"])}


def test_custom_class_needs_the_caller_to_allow_it(tmp_path):
    module = TinyCustomModule(observation_space=OBS, action_space=ACT, model_config={"out": 2})
    path = module.save_to_path(tmp_path)
    with pytest.raises(CheckpointError, match="not importable from an allowed module"):
        RLModule.from_checkpoint(path)
    by_class = RLModule.from_checkpoint(path, module_class=TinyCustomModule)
    by_prefix = load_module(path, allowed_modules=[TinyCustomModule.__module__])
    for restored in (by_class, by_prefix):
        assert type(restored) is TinyCustomModule
        torch.testing.assert_close(logits(restored), logits(module), rtol=0, atol=0)


def test_module_class_must_be_an_rlmodule(tmp_path):
    path = ppo().save_to_path(tmp_path)
    with pytest.raises(CheckpointError, match="module_class must be an RLModule subclass"):
        load_module(path, module_class=dict)


def test_2_10_style_module_round_trips(tmp_path):
    with pytest.warns(DeprecationWarning):
        module = OldStyleTiny(RLModuleConfig(observation_space=OBS, action_space=ACT, model_config_dict={"out": 2}))
    path = module.save_to_path(tmp_path)
    with pytest.warns(DeprecationWarning):
        restored = RLModule.from_checkpoint(path, module_class=OldStyleTiny)
    torch.testing.assert_close(logits(restored), logits(module), rtol=0, atol=0)


def test_custom_multi_rl_module_subclass_round_trips(tmp_path):
    class MyMulti(MultiRLModule):
        pass

    source = MyMulti(rl_module_specs={"p": RLModuleSpec.from_module(ppo())})
    path = source.save_to_path(tmp_path)
    restored = MultiRLModule.from_checkpoint(path, module_class=MyMulti)
    assert type(restored) is MyMulti
    torch.testing.assert_close(logits(restored["p"]), logits(source["p"]), rtol=0, atol=0)
    with pytest.raises(CheckpointError, match="restore_module|single module"):
        restore_module(ppo(), path)
