"""No code runs from a checkpoint: every dotted name goes through one allow-list resolver.

A planted module on ``sys.path`` records (marker file) and raises when imported; a checkpoint
naming it must be refused with a ``CheckpointError`` and the module must never run.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from rlmigrate import RLModule
from rlmigrate.core.checkpoint import CheckpointError, load_module
from shim.policy.policy import Policy
from shim.policy.torch_policy_v2 import TorchPolicyV2
from tests.security.conftest import ACT, OBS, read_json, write_json


def _assert_never_ran(name: str, marker: Path) -> None:
    assert not marker.exists(), f"{name} ran during the checkpoint load"
    assert name not in sys.modules


def _set_policy_config(path: Path, key: str, value: object) -> None:
    record = read_json(path / "policy_state.json")
    config = record["policy_spec"]["config"]
    if key == "custom_model":
        config["model"]["custom_model"] = value
    else:
        config["exploration_config"] = {"type": value}
    write_json(path / "policy_state.json", record)


@pytest.mark.parametrize("field", ["custom_model", "exploration_type"])
def test_policy_checkpoint_never_imports_a_dotted_name_from_its_config(policy_checkpoint, planted, field):
    name, marker = planted()
    _set_policy_config(policy_checkpoint, field, f"{name}.Thing")
    with pytest.raises(CheckpointError, match=rf"policy_state\.json.*{name}\.Thing.*not importable from an allowed module"):
        Policy.from_checkpoint(str(policy_checkpoint))
    _assert_never_ran(name, marker)


def test_policy_class_from_a_planted_module_is_not_imported(policy_checkpoint, planted):
    name, marker = planted()
    record = read_json(policy_checkpoint / "policy_state.json")
    record["policy_spec"]["policy_class"] = f"{name}.EvilPolicy"
    write_json(policy_checkpoint / "policy_state.json", record)
    with pytest.raises(CheckpointError, match="policy_class"):
        Policy.from_checkpoint(str(policy_checkpoint))
    _assert_never_ran(name, marker)


@pytest.mark.parametrize("field", ["module_class", "catalog_class"])
def test_module_checkpoint_never_imports_a_planted_class(module_checkpoint, planted, field):
    name, marker = planted()
    meta = read_json(module_checkpoint / "metadata.json")
    meta[field] = f"{name}.Thing"
    write_json(module_checkpoint / "metadata.json", meta)
    with pytest.raises(CheckpointError, match=rf"{field}.*{name}\.Thing"):
        RLModule.from_checkpoint(module_checkpoint)
    _assert_never_ran(name, marker)


def test_custom_model_from_an_allowed_module_loads_and_an_unlisted_one_does_not(tmp_path, planted):
    """The allow-list lets the user's own model in when they say so, and only then."""
    name, marker = planted(
        "from shim.models.fcnet import FullyConnectedNetwork\n"
        "class Model(FullyConnectedNetwork):\n    pass\n",
        raise_on_import=False,
    )
    importlib.import_module(name)
    policy = TorchPolicyV2(OBS, ACT, {"model": {"custom_model": f"{name}.Model", "fcnet_hiddens": [4]}})
    path = policy.export_checkpoint(str(tmp_path / "ckpt"))
    del sys.modules[name]
    marker.unlink()

    with pytest.raises(CheckpointError, match="allowed_modules"):
        Policy.from_checkpoint(path)
    _assert_never_ran(name, marker)

    restored = Policy.from_checkpoint(path, allowed_modules=[name])
    assert type(restored.model).__name__ == "Model" and marker.exists()
    for key, value in policy.get_weights().items():
        assert (restored.get_weights()[key] == value).all()


def test_already_imported_custom_model_resolves_without_importing_anything(tmp_path, planted):
    name, _ = planted(
        "from shim.models.fcnet import FullyConnectedNetwork\n"
        "class Model(FullyConnectedNetwork):\n    pass\n",
        raise_on_import=False,
    )
    importlib.import_module(name)
    policy = TorchPolicyV2(OBS, ACT, {"model": {"custom_model": f"{name}.Model", "fcnet_hiddens": [4]}})
    restored = Policy.from_checkpoint(policy.export_checkpoint(str(tmp_path / "ckpt")))
    assert type(restored.model) is type(policy.model)


def test_module_checkpoint_construction_runs_inside_the_allow_list(module_checkpoint, planted, monkeypatch):
    """A name resolved deep inside a constructor during a load obeys the checkpoint's scope."""
    from rlmigrate.core.class_resolver import resolve_class
    from rlmigrate.modules.ppo import PPOTorchRLModule

    name, marker = planted()
    original = PPOTorchRLModule.setup

    def setup_resolving_a_config_name(self):
        resolve_class(f"{name}.Encoder", base=object, what="model_config.custom")
        original(self)

    monkeypatch.setattr(PPOTorchRLModule, "setup", setup_resolving_a_config_name)
    with pytest.raises(CheckpointError, match=rf"{name}\.Encoder"):
        load_module(module_checkpoint)
    _assert_never_ran(name, marker)
