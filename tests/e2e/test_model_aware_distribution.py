"""A model-aware (autoregressive) distribution keeps working after migration: the golden module
of fixtures/legacy/autoregressive_dist.py acts and learns like the legacy policy, and planted
near misses (stage two no longer conditioned on stage one, a KL taken the wrong way round)
are caught.

Legacy side: ``ModeThenBoxPolicy`` built by the shim, its ``ModeThenBoxDistribution`` built as
``dist_class(inputs, model)``; migrated side: ``ModeThenBoxPolicyRLModule`` (the model's
module, its ``action_dist_cls`` the same distribution bound to it) and
``ModeThenBoxPolicyLearner``.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate.testing.compare import EquivalenceError
from rlmigrate.testing.equivalence import assert_equivalent
from rlmigrate.testing.loading import load_file
from rlmigrate.testing.loss_equivalence import LossEquivalenceError, assert_loss_equivalent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LEGACY, EXPECTED = FIXTURES / "legacy" / "autoregressive_dist.py", FIXTURES / "expected" / "autoregressive_dist.py"
NAMES = {"custom_model": "mode_then_box_model", "custom_action_dist": "mode_then_box"}


def _spaces(obs_dim: int, modes: int, box: int) -> tuple[gym.Space, gym.Space]:
    return (gym.spaces.Box(-1.0, 1.0, (obs_dim,), np.float32),
            gym.spaces.Tuple((gym.spaces.Discrete(modes), gym.spaces.Box(-1.0, 1.0, (box,), np.float32))))


def _pair(obs: gym.Space, act: gym.Space, model: dict, migrated_path: Path = EXPECTED):
    """The legacy policy (built before the migrated file loads: both register the names) and
    the migrated file's module."""
    legacy = load_file(LEGACY, legacy=True)
    torch.manual_seed(0)
    policy = legacy.ModeThenBoxPolicy(obs, act, {"lr": 1e-3, "model": model})
    return policy, load_file(migrated_path, legacy=True)


def _planted(tmp_path: Path, old: str, new: str) -> Path:
    """The golden file with the *last* ``old`` replaced (the generated code follows the legacy
    classes the file keeps)."""
    text = EXPECTED.read_text()
    assert old in text, f"the golden rewrite no longer contains {old!r}"
    head, _, tail = text.rpartition(old)
    path = tmp_path / "autoregressive_dist_planted.py"
    path.write_text(head + new + tail)
    return path


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(obs_dim=st.integers(1, 5), modes=st.integers(2, 4), box=st.integers(1, 3),
       width=st.integers(2, 10), explore=st.booleans())
def test_module_acts_like_the_policy_for_any_spaces(obs_dim, modes, box, width, explore):
    obs, act = _spaces(obs_dim, modes, box)
    model = {**NAMES, "fcnet_hiddens": [width]}
    policy, migrated = _pair(obs, act, model)
    report = assert_equivalent(policy, migrated.ModeThenBoxPolicyRLModule, observation_space=obs,
                               action_space=act, model_config=model, explore=explore, examples=6)
    assert {"action_dist_inputs", "actions", "logp"} <= set(report.compared)


def test_greedy_logp_is_the_distributions_own_not_zero():
    """explore=False compares the greedy action's logp under each side's distribution (the
    legacy policy's compute_log_likelihoods on its train-batch layout), not the legacy
    policy's reported zeros: a module reporting zeros is caught."""
    obs, act = _spaces(4, 3, 2)
    model = {**NAMES, "fcnet_hiddens": [8]}
    policy, migrated = _pair(obs, act, model)
    module = migrated.ModeThenBoxPolicyRLModule(observation_space=obs, action_space=act, model_config=model)
    out = module.forward_inference({"obs": torch.zeros(3, 4)})
    assert torch.all(out["action_logp"] != 0)

    class ZeroGreedyLogp(migrated.ModeThenBoxPolicyRLModule):
        def forward_inference(self, batch, **kwargs):
            out = super().forward_inference(batch, **kwargs)
            return {**out, "action_logp": torch.zeros_like(out["action_logp"])}

    with pytest.raises(EquivalenceError, match="'logp'"):
        assert_equivalent(policy, ZeroGreedyLogp, observation_space=obs, action_space=act,
                          model_config=model, examples=6)


def test_learner_loss_uses_the_bound_distribution():
    obs, act = _spaces(4, 3, 2)
    model = {**NAMES, "fcnet_hiddens": [8]}
    policy, migrated = _pair(obs, act, model)
    module = migrated.ModeThenBoxPolicyRLModule(observation_space=obs, action_space=act, model_config=model)
    learner = migrated.ModeThenBoxPolicyLearner(config={"lr": 1e-3, "model": model}, module=module)
    learner.build()
    report = assert_loss_equivalent(policy, learner, examples=10)
    assert report.gradients > 0 and report.examples == 10


def test_planted_unconditioned_second_stage_is_caught(tmp_path):
    path = _planted(tmp_path, "torch.cat([context, chosen], dim=1)",
                    "torch.cat([context, torch.zeros_like(chosen)], dim=1)")
    obs, act = _spaces(4, 3, 2)
    model = {**NAMES, "fcnet_hiddens": [8]}
    policy, migrated = _pair(obs, act, model, path)
    with pytest.raises(EquivalenceError, match="'actions'|'logp'"):
        assert_equivalent(policy, migrated.ModeThenBoxPolicyRLModule, observation_space=obs,
                          action_space=act, model_config=model, examples=20)


def test_planted_reversed_kl_is_caught(tmp_path):
    path = _planted(tmp_path, "kl = torch.mean(prev_dist.kl(curr_dist))", "kl = torch.mean(curr_dist.kl(prev_dist))")
    obs, act = _spaces(4, 3, 2)
    model = {**NAMES, "fcnet_hiddens": [8]}
    policy, migrated = _pair(obs, act, model, path)
    module = migrated.ModeThenBoxPolicyRLModule(observation_space=obs, action_space=act, model_config=model)
    learner = migrated.ModeThenBoxPolicyLearner(config={"lr": 1e-3, "model": model}, module=module)
    learner.build()
    with pytest.raises(LossEquivalenceError):
        assert_loss_equivalent(policy, learner, examples=10)
