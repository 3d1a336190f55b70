"""The loss-equivalence kit catches near-misses planted in a generated Learner: the golden
PenalisedPPOPolicyLearner (fixtures/expected/ppo_mixins_loss.py) with one sign flipped, one
coefficient changed or the entropy term dropped differs from the legacy loss; unplanted, it
passes. The same for PPOTorchLearner against the legacy PPOTorchPolicy's loss."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from rlmigrate import Columns, TorchRLModule
from rlmigrate.learner import PPOTorchLearner
from rlmigrate.testing.loading import load_file
from rlmigrate.testing.loss_equivalence import LossEquivalenceError, assert_loss_equivalent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(3)
CONFIG = {"lr": 1e-3, "entropy_coeff": 0.05}  # a non-zero entropy coefficient, so dropping the term shows

PLANTS = {
    "flipped surrogate sign": ("-surrogate_loss + config", "surrogate_loss + config"),
    "kl coefficient halved": ("self.curr_kl_coeffs_per_module[module_id] * mean_kl_loss",
                              "0.5 * self.curr_kl_coeffs_per_module[module_id] * mean_kl_loss"),
    "entropy term dropped": (" - self.entropy_coeff_schedulers_per_module[module_id].get_current_value() * curr_entropy", ""),
    "stat from the wrong tower": ('"vf_loss": torch.mean(torch.stack([self.tower_stats["mean_vf_loss"]]))',
                                  '"vf_loss": torch.mean(torch.stack([self.tower_stats["mean_policy_loss"]]))'),
}


def sides(tmp_path: Path, plant: tuple[str, str] | None):
    legacy = load_file(FIXTURES / "legacy" / "ppo_mixins_loss.py", legacy=True)
    text = (FIXTURES / "expected" / "ppo_mixins_loss.py").read_text()
    if plant is not None:
        assert plant[0] in text, plant[0]
        text = text.replace(plant[0], plant[1])
    path = tmp_path / "ppo_mixins_loss_planted.py"
    path.write_text(text)
    migrated = load_file(path, legacy=True)
    torch.manual_seed(0)
    policy = legacy.PenalisedPPOPolicy(OBS, ACT, dict(CONFIG))
    learner = migrated.PenalisedPPOPolicyLearner(
        config=dict(CONFIG), module=migrated.PenalisedPPOPolicyRLModule(observation_space=OBS, action_space=ACT))
    learner.build()
    return policy, learner


def test_unplanted_generated_learner_passes(tmp_path):
    policy, learner = sides(tmp_path, None)
    assert assert_loss_equivalent(policy, learner, examples=8).stats


@pytest.mark.parametrize("name", sorted(PLANTS))
def test_planted_near_miss_is_caught(tmp_path, name):
    policy, learner = sides(tmp_path, PLANTS[name])
    with pytest.raises(LossEquivalenceError) as info:
        assert_loss_equivalent(policy, learner, examples=8, shrink=False)
    if name.startswith("stat"):
        assert any(p.startswith("stat vf_loss") for p in info.value.problems)
    else:
        assert any(p.startswith("loss") for p in info.value.problems)


class LinearActorCritic(TorchRLModule):
    def setup(self) -> None:
        self.pi = nn.Linear(4, 3)
        self.vf = nn.Linear(4, 1)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.pi(batch[Columns.OBS].float())}

    def compute_values(self, batch, embeddings=None):
        return self.vf(batch[Columns.OBS].float()).squeeze(-1)


def legacy_ppo_policy():
    from shim.models.catalog import ModelCatalog
    from shim.models.torch_modelv2 import TorchModelV2
    from shim.policy.ppo import PPOTorchPolicy

    class LegacyLinear(TorchModelV2, nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
            nn.Module.__init__(self)
            self.pi, self.vf, self._obs = nn.Linear(4, num_outputs), nn.Linear(4, 1), None

        def forward(self, input_dict, state, seq_lens):
            self._obs = input_dict["obs"].float()
            return self.pi(self._obs), state

        def value_function(self):
            return self.vf(self._obs).squeeze(-1)

    ModelCatalog.register_custom_model("near_miss_linear", LegacyLinear)
    torch.manual_seed(0)
    return PPOTorchPolicy(OBS, ACT, {**CONFIG, "model": {"custom_model": "near_miss_linear"}})


class EntropyFreePPO(PPOTorchLearner):
    """A near-miss: PPO without its entropy bonus."""

    def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
        self.entropy_coeff_schedulers_per_module[module_id]._value = 0.0
        return super().compute_loss_for_module(module_id=module_id, config=config, batch=batch, fwd_out=fwd_out)


@pytest.mark.parametrize("learner_cls, equal", [(PPOTorchLearner, True), (EntropyFreePPO, False)],
                         ids=["ppo-learner", "entropy-dropped"])
def test_ppo_learner_against_the_legacy_ppo_policy_loss(learner_cls, equal):
    learner = learner_cls(config=dict(CONFIG), module=LinearActorCritic(observation_space=OBS, action_space=ACT))
    learner.build()
    if equal:
        assert assert_loss_equivalent(legacy_ppo_policy(), learner, examples=8).gradients == 4
    else:
        with pytest.raises(LossEquivalenceError):
            assert_loss_equivalent(legacy_ppo_policy(), learner, examples=8, shrink=False)
