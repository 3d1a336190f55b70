"""The kit compares a legacy PPO policy's stats (Ray 2.10's ``stats_fn`` names) with a
PPOTorchLearner's metrics (Ray 2.40's names): all nine are compared, and a Learner whose
reported KL or entropy is off is caught even when its loss and gradients are right."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from rlmigrate import Columns, TorchRLModule
from rlmigrate.learner import PPOTorchLearner, TorchLearner
from rlmigrate.testing.loss_equivalence import LossEquivalenceError, assert_loss_equivalent
from rlmigrate.testing.stat_names import (
    LEGACY_TO_LEARNER_STATS,
    learner_stat_name,
    learner_state_metrics,
)
from shim.models.catalog import ModelCatalog
from shim.policy.ppo import PPOTorchPolicy
from tests._legacy_models import LinearActorCritic as ACModel

OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(3)
CONFIG = {"kl_coeff": 0.3, "entropy_coeff": 0.01, "vf_loss_coeff": 0.5, "lr": 1e-3, "clip_param": 0.2}
PPO_STATS = ("cur_kl_coeff", "cur_lr", "entropy", "entropy_coeff", "kl", "policy_loss", "total_loss",
             "vf_explained_var", "vf_loss")


class ACModule(TorchRLModule):
    """The migrated module: same attribute names, so weights transfer by name."""

    def setup(self) -> None:
        self.pi = nn.Linear(4, 3)
        self.vf = nn.Linear(4, 1)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.pi(batch[Columns.OBS].float())}

    def compute_values(self, batch, embeddings=None):
        return self.vf(batch[Columns.OBS].float()).squeeze(-1)


def _dists(learner, module_id, batch, fwd_out):
    module = learner.module[module_id]
    curr = module.get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
    prev = module.get_exploration_action_dist_cls().from_logits(batch[Columns.ACTION_DIST_INPUTS])
    return curr, prev


class ReversedKLReported(PPOTorchLearner):
    """Right loss, but reports KL(curr || prev) as ``mean_kl_loss``."""

    def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
        loss = super().compute_loss_for_module(module_id=module_id, config=config, batch=batch, fwd_out=fwd_out)
        curr, prev = _dists(self, module_id, batch, fwd_out)
        self.metrics.log_value((module_id, "mean_kl_loss"), curr.kl(prev).mean(), window=1)
        return loss


class SummedEntropyReported(PPOTorchLearner):
    """Right loss, but reports the batch's summed entropy instead of its mean."""

    def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
        loss = super().compute_loss_for_module(module_id=module_id, config=config, batch=batch, fwd_out=fwd_out)
        curr, _ = _dists(self, module_id, batch, fwd_out)
        self.metrics.log_value((module_id, "entropy"), curr.entropy().sum(), window=1)
        return loss


def make_policy(**overrides) -> PPOTorchPolicy:
    ModelCatalog.register_custom_model("h18_ppo_ac_model", ACModel)
    torch.manual_seed(1)
    return PPOTorchPolicy(OBS, ACT, {**CONFIG, **overrides, "model": {"custom_model": "h18_ppo_ac_model"}})


def make_learner(cls: type[TorchLearner] = PPOTorchLearner, **overrides) -> TorchLearner:
    torch.manual_seed(2)  # other weights than the policy's: the kit transfers them
    learner = cls(config={**CONFIG, **overrides}, module=ACModule(observation_space=OBS, action_space=ACT))
    learner.build()
    return learner


def test_every_ppo_stat_is_compared_under_its_new_stack_name():
    report = assert_loss_equivalent(make_policy(), make_learner(), examples=5, batch_size=6)
    assert report.stats == PPO_STATS
    assert set(report.stats) == set(LEGACY_TO_LEARNER_STATS)
    assert report.gradients == 4


def test_without_kl_the_zero_kl_and_coefficient_still_compare():
    report = assert_loss_equivalent(make_policy(kl_coeff=0.0), make_learner(kl_coeff=0.0, use_kl_loss=False),
                                    examples=3, batch_size=4)
    assert report.stats == PPO_STATS


@pytest.mark.parametrize("cls, stat", [(ReversedKLReported, "kl"), (SummedEntropyReported, "entropy")],
                         ids=["kl", "entropy"])
def test_a_learner_reporting_an_off_stat_is_caught(cls, stat):
    with pytest.raises(LossEquivalenceError) as err:
        assert_loss_equivalent(make_policy(), make_learner(cls), examples=10, batch_size=6, shrink=False)
    assert [p.split(":")[0] for p in err.value.problems] == [f"stat {stat}"]  # loss and gradients agree


@pytest.mark.parametrize("setting, stat", [({"lr": 2e-3}, "cur_lr"), ({"entropy_coeff": 0.0}, "entropy_coeff")],
                         ids=["lr", "entropy_coeff"])
def test_a_learner_with_another_setting_is_caught_on_that_stat(setting, stat):
    with pytest.raises(LossEquivalenceError) as err:
        assert_loss_equivalent(make_policy(), make_learner(**setting), examples=3, batch_size=6, shrink=False)
    assert f"stat {stat}" in [p.split(":")[0] for p in err.value.problems]


def test_stat_name_prefers_the_given_rename_then_the_same_name_then_the_map():
    assert learner_stat_name("kl", {"kl": 1.0}, {"kl": "my_kl"}) == "my_kl"
    assert learner_stat_name("kl", {"kl": 1.0, "mean_kl_loss": 2.0}) == "kl"
    assert learner_stat_name("kl", {"mean_kl_loss": 2.0}) == "mean_kl_loss"
    assert learner_stat_name("q_values", {}) == "q_values"


def test_state_metrics_are_what_the_loss_used():
    learner = make_learner()
    state = learner_state_metrics(learner, "default_policy", torch.tensor(1.5))
    assert float(state["total_loss"]) == 1.5
    assert state["default_optimizer_learning_rate"] == pytest.approx(1e-3)
    assert float(state["curr_kl_coeff"]) == pytest.approx(0.3)
    assert state["curr_entropy_coeff"] == pytest.approx(0.01)


def test_a_plain_learner_has_no_ppo_coefficients():
    class Plain(TorchLearner):
        def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
            return fwd_out[Columns.ACTION_DIST_INPUTS].sum()

    state = learner_state_metrics(make_learner(Plain), "default_policy", torch.tensor(0.0))
    assert set(state) == {"total_loss", "default_optimizer_learning_rate"}
