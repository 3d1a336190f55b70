"""TorchRLModule: autograd and train/eval handling, state round trips, inference-only pruning."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from rlmigrate import Columns, InferenceOnlyAPI, TorchCompileConfig, TorchRLModule
from tests.core.conftest import ACT_SPACE, OBS_SPACE, ModernModule


class DropoutModule(TorchRLModule):
    def setup(self):
        self.net = nn.Sequential(nn.Linear(4, 64), nn.Dropout(p=0.5), nn.Linear(64, 3))

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.net(batch[Columns.OBS]), "training": self.training}


class FunctionalDropout(DropoutModule):
    always_switch_to_eval = True

    def setup(self):
        self.net = nn.Linear(4, 3)

    def _forward(self, batch, **kwargs):
        logits = nn.functional.dropout(self.net(batch[Columns.OBS]), 0.9, training=self.training)
        return {Columns.ACTION_DIST_INPUTS: logits}


class ActorCritic(TorchRLModule, InferenceOnlyAPI):
    def setup(self):
        self.encoder = nn.Module()
        self.encoder.actor = nn.Linear(4, 8)
        self.encoder.critic = nn.Linear(4, 8)
        self.pi = nn.Linear(8, 3)
        self.vf = nn.Linear(8, 1)

    def get_non_inference_attributes(self):
        return ["vf", "encoder.critic"]

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.pi(self.encoder.actor(batch[Columns.OBS]))}


OBS = torch.ones(5, 4)


def test_acting_passes_have_no_grad_and_train_keeps_it(modern_module):
    assert not modern_module.forward_inference({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS].requires_grad
    assert not modern_module.forward_exploration({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS].requires_grad
    out = modern_module.forward_train({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS]
    assert out.requires_grad
    out.sum().backward()
    assert modern_module.pi[0].weight.grad is not None


def test_call_is_forward_train(modern_module):
    assert modern_module({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS].requires_grad


def test_acting_runs_in_eval_mode_and_restores_train():
    module = DropoutModule(observation_space=OBS_SPACE, action_space=ACT_SPACE)
    assert module.training
    first = module.forward_inference({Columns.OBS: OBS})
    second = module.forward_inference({Columns.OBS: OBS})
    assert first["training"] is False
    torch.testing.assert_close(first[Columns.ACTION_DIST_INPUTS], second[Columns.ACTION_DIST_INPUTS])
    assert module.training  # restored


def test_module_flagged_mode_sensitive_switches_for_functional_dropout():
    module = FunctionalDropout(observation_space=OBS_SPACE, action_space=ACT_SPACE)
    outs = [module.forward_inference({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS] for _ in range(3)]
    for out in outs[1:]:
        torch.testing.assert_close(out, outs[0])


def test_forward_train_switches_back_to_train_mode():
    module = DropoutModule(observation_space=OBS_SPACE, action_space=ACT_SPACE)
    module.eval()
    assert module.forward_train({Columns.OBS: OBS})["training"] is True


def test_get_state_is_numpy_and_round_trips(modern_module):
    state = modern_module.get_state()
    assert set(state) == set(modern_module.state_dict())
    assert all(isinstance(v, np.ndarray) for v in state.values())
    other = ModernModule(observation_space=OBS_SPACE, action_space=ACT_SPACE, model_config={"hidden": 8})
    other.set_state(state)
    torch.testing.assert_close(
        other.forward_inference({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS],
        modern_module.forward_inference({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS],
    )


def test_set_state_names_every_mis_shaped_key(modern_module):
    state = modern_module.get_state()
    state["pi.0.weight"] = np.zeros((2, 2), dtype=np.float32)
    state["vf.bias"] = np.zeros(7, dtype=np.float32)
    with pytest.raises(ValueError, match=r"pi\.0\.weight: expected \(8, 4\), got \(2, 2\).*vf\.bias"):
        modern_module.set_state(state)


def test_inference_only_module_really_drops_critic_weights():
    module = ActorCritic(observation_space=OBS_SPACE, action_space=ACT_SPACE, inference_only=True)
    assert not hasattr(module, "vf")
    assert not hasattr(module.encoder, "critic")
    assert all(not k.startswith(("vf.", "encoder.critic.")) for k in module.state_dict())
    assert module.forward_inference({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS].shape == (5, 3)


def test_get_state_inference_only_filters_non_inference_keys():
    module = ActorCritic(observation_space=OBS_SPACE, action_space=ACT_SPACE)
    full = module.get_state()
    slim = module.get_state(inference_only=True)
    assert {k for k in full if k.startswith(("vf.", "encoder.critic."))}
    assert set(slim) == {k for k in full if not k.startswith(("vf.", "encoder.critic."))}
    # An inference-only module accepts the full state (extra keys ignored, as RLlib).
    small = ActorCritic(observation_space=OBS_SPACE, action_space=ACT_SPACE, inference_only=True)
    small.set_state(full)
    torch.testing.assert_close(small.pi.weight, module.pi.weight)


def test_compile_rebinds_hooks_and_keeps_outputs(modern_module):
    expected = modern_module.forward_inference({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS]
    modern_module.compile(TorchCompileConfig(torch_dynamo_backend="eager"))
    assert "_forward_inference" in vars(modern_module)
    got = modern_module.forward_inference({Columns.OBS: OBS})[Columns.ACTION_DIST_INPUTS]
    torch.testing.assert_close(got, expected)


def test_config_is_assignable_as_on_ray_240_and_reads_back_what_was_assigned():
    """Ray 2.40 keeps ``config`` a plain attribute: a plain ``nn.Module`` base that keeps its own
    ``self.config`` (mixed into a migrated module) must build and read back its value; an
    ``nn.Module`` value is registered as a child as torch does. Unassigned, the deprecated view."""
    import gymnasium as gym

    from rlmigrate import TorchRLModule

    class OwnConfig(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config

    class Mixed(TorchRLModule, OwnConfig):
        def setup(self):
            OwnConfig.__init__(self, {"hidden": 3})
            self.net = nn.Linear(2, self.config["hidden"])

    spaces = {"observation_space": gym.spaces.Box(-1, 1, (2,)), "action_space": gym.spaces.Discrete(3)}
    assert Mixed(**spaces).config == {"hidden": 3}

    class ChildConfig(TorchRLModule):
        def setup(self):
            self.config = nn.Linear(2, 2)

    child = ChildConfig(**spaces)
    assert isinstance(child.config, nn.Linear) and "config.weight" in child.state_dict()

    class Plain(TorchRLModule):
        pass

    with pytest.warns(DeprecationWarning, match="model_config_dict"):
        assert Plain(**spaces, model_config={"a": 1}).config.model_config_dict == {"a": 1}
