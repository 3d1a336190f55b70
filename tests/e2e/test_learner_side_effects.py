"""A loss that trains a side network inside it (fixtures/legacy/side_network_loss.py: a penalty
multiplier stepped by its own update, the policy handed to module-level helpers): the golden
Learner changes the multiplier exactly as the legacy loss does, and a Learner that drops that
training is caught by the weights compared after the loss, even where the returned loss and its
gradients agree (the penalty switched off on both sides)."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate.testing.loading import load_file
from rlmigrate.testing.loss_equivalence import LossEquivalenceError, assert_loss_equivalent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(3)
CONFIG = {"lr": 1e-3, "action_limits": [0.3, 0.5, 0.2]}
UPDATE = "update_multiplier(policy=LegacyPolicyView(config=config), multiplier=module.multiplier, train_batch=batch)"


def sides(tmp_path: Path, text: str, *, penalty: bool):
    legacy = load_file(FIXTURES / "legacy" / "side_network_loss.py", legacy=True)
    path = tmp_path / "side_network_loss_planted.py"
    path.write_text(text)
    migrated = load_file(path, legacy=True)
    torch.manual_seed(0)
    policy = legacy.ConstrainedPolicy(OBS, ACT, dict(CONFIG))
    learner = migrated.ConstrainedPolicyLearner(
        config=dict(CONFIG), module=migrated.ConstrainedPolicyRLModule(observation_space=OBS, action_space=ACT))
    learner.build()
    policy.model.use_penalty = learner.module["default_policy"].use_penalty = penalty
    return policy, learner


@pytest.mark.parametrize("penalty", [True, False])
def test_golden_learner_steps_the_side_network_like_the_legacy_loss(tmp_path, penalty):
    policy, learner = sides(tmp_path, (FIXTURES / "expected" / "side_network_loss.py").read_text(), penalty=penalty)
    before = policy.model.multiplier.weight.detach().clone()
    report = assert_loss_equivalent(policy, learner, examples=8)
    assert not torch.equal(before, policy.model.multiplier.weight.detach())  # the legacy loss did step it
    assert report.max_abs["weights"] <= 1e-5


def test_learner_dropping_the_side_training_is_caught_by_the_weights_after_the_loss(tmp_path):
    text = (FIXTURES / "expected" / "side_network_loss.py").read_text()
    assert UPDATE in text
    policy, learner = sides(tmp_path, text.replace(UPDATE, "pass"), penalty=False)
    with pytest.raises(LossEquivalenceError) as info:
        assert_loss_equivalent(policy, learner, examples=8, shrink=False)
    assert [p.split(" after")[0] for p in info.value.problems] == ["weight multiplier.weight -> multiplier.weight"]


def test_learner_stepping_the_side_network_differently_is_caught(tmp_path):
    text = (FIXTURES / "expected" / "side_network_loss.py").read_text()
    planted = text.replace(UPDATE, UPDATE + "\n        module.multiplier.ascend()")  # a second step
    policy, learner = sides(tmp_path, planted, penalty=False)
    with pytest.raises(LossEquivalenceError, match="multiplier.weight"):
        assert_loss_equivalent(policy, learner, examples=8, shrink=False)
