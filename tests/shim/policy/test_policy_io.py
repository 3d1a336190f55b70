"""Safe policy checkpoints: JSON + safetensors round trips, refusals with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate import PPOTorchRLModule
from shim.policy.policy import Policy
from shim.policy.policy_io import PolicyCheckpointError
from shim.policy.ppo import PPOTorchPolicy
from shim.policy.torch_policy_v2 import TorchPolicyV2

BOX = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
DICT = gym.spaces.Dict({"k": gym.spaces.Discrete(3), "v": BOX})
OBS = np.linspace(-1, 1, 12, dtype=np.float32).reshape(4, 3)


def _same_outputs(a: Policy, b: Policy, obs: object) -> None:
    out_a, out_b = a.compute_actions(obs, explore=False), b.compute_actions(obs, explore=False)
    np.testing.assert_array_equal(out_a[0], out_b[0])
    for key in out_a[2]:
        np.testing.assert_array_equal(out_a[2][key], out_b[2][key])


@pytest.mark.parametrize("cls", [TorchPolicyV2, PPOTorchPolicy])
def test_legacy_policy_checkpoint_round_trip(cls: type, tmp_path: Path) -> None:
    torch.manual_seed(1)
    policy = cls(
        BOX,
        gym.spaces.Discrete(2),
        {"model": {"fcnet_hiddens": [8], "use_lstm": cls is PPOTorchPolicy, "lstm_cell_size": 4}},
    )
    policy.compute_actions(OBS)
    path = policy.export_checkpoint(str(tmp_path / "ckpt"))
    assert json.loads((tmp_path / "ckpt" / "rllib_checkpoint.json").read_text())["type"] == "Policy"
    assert not list((tmp_path / "ckpt").glob("*.pkl"))
    restored = Policy.from_checkpoint(path)
    assert type(restored) is cls and restored.global_timestep == 4
    assert restored.config["model"] == policy.config["model"]
    _same_outputs(policy, restored, OBS)


def test_dict_obs_policy_keeps_its_flattened_space(tmp_path: Path) -> None:
    policy = PPOTorchPolicy(DICT, gym.spaces.Discrete(2), {"model": {"fcnet_hiddens": [8]}})
    restored = Policy.from_checkpoint(policy.export_checkpoint(str(tmp_path)))
    assert (
        restored.observation_space.shape == (6,)
        and restored.observation_space.original_space == DICT
    )
    _same_outputs(policy, restored, {"k": np.array([0, 2]), "v": np.zeros((2, 3), np.float32)})


def test_rl_module_policy_round_trip_uses_the_module_checkpoint(tmp_path: Path) -> None:
    module = PPOTorchRLModule(
        observation_space=BOX,
        action_space=gym.spaces.Discrete(2),
        model_config={"fcnet_hiddens": [8]},
    )
    policy = Policy.from_module(module)
    path = policy.export_checkpoint(str(tmp_path / "p"))
    assert (tmp_path / "p" / "module" / "metadata.json").is_file()
    restored = Policy.from_checkpoint(path)
    assert type(restored.model) is PPOTorchRLModule
    _same_outputs(policy, restored, OBS)


def test_multi_policy_directory(tmp_path: Path) -> None:
    a = TorchPolicyV2(BOX, gym.spaces.Discrete(2), {"model": {"fcnet_hiddens": [4]}})
    b = TorchPolicyV2(BOX, gym.spaces.Discrete(3), {"model": {"fcnet_hiddens": [4]}})
    a.export_checkpoint(str(tmp_path / "policies" / "learner"))
    b.export_checkpoint(str(tmp_path / "policies" / "opponent"))
    both = Policy.from_checkpoint(str(tmp_path))
    assert sorted(both) == ["learner", "opponent"] and both["opponent"].action_space.n == 3
    assert list(Policy.from_checkpoint(str(tmp_path), policy_ids=["learner"])) == ["learner"]
    with pytest.raises(
        PolicyCheckpointError, match=r"\['nope'\].*available: \['learner', 'opponent'\]"
    ):
        Policy.from_checkpoint(str(tmp_path), policy_ids=["nope"])


def test_ray_pickle_checkpoints_are_refused_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "policy_state.pkl").write_bytes(b"not loaded")
    with pytest.raises(PolicyCheckpointError, match="never unpickles"):
        Policy.from_checkpoint(str(tmp_path))


def test_tampered_weights_are_detected(tmp_path: Path) -> None:
    path = TorchPolicyV2(
        BOX, gym.spaces.Discrete(2), {"model": {"fcnet_hiddens": [4]}}
    ).export_checkpoint(str(tmp_path))
    weights = Path(path) / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\x00")
    with pytest.raises(PolicyCheckpointError, match="sha256"):
        Policy.from_checkpoint(path)


def test_classes_from_unimported_modules_are_not_imported(tmp_path: Path) -> None:
    path = TorchPolicyV2(
        BOX, gym.spaces.Discrete(2), {"model": {"fcnet_hiddens": [4]}}
    ).export_checkpoint(str(tmp_path))
    state_file = Path(path) / "policy_state.json"
    record = json.loads(state_file.read_text())
    record["policy_spec"]["policy_class"] = "some_unimported_package.evil.Policy"
    state_file.write_text(json.dumps(record))
    with pytest.raises(PolicyCheckpointError, match="allowed_modules"):
        Policy.from_checkpoint(path)


def test_unstorable_config_values_are_named(tmp_path: Path) -> None:
    policy = TorchPolicyV2(
        BOX, gym.spaces.Discrete(2), {"model": {"fcnet_hiddens": [4]}, "callback": lambda: None}
    )
    with pytest.raises(PolicyCheckpointError, match=r"config\['callback'\]"):
        policy.export_checkpoint(str(tmp_path))
