"""Every Learner the codemod generates in the golden fixtures computes the legacy loss.

Legacy fixture (through the shim) vs its golden rewrite: the policy's ``loss_fn``/``stats_fn``
against ``<Policy>Learner.compute_loss_for_module`` on the generated ``<Policy>RLModule`` (or
the migrated model class the policy's config names), same weights, hypothesis train batches:
loss, stats and gradients must agree.
"""

from __future__ import annotations

import re
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate.testing.loading import load_file
from rlmigrate.testing.loss_equivalence import LossEquivalenceError, assert_loss_equivalent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BOX4 = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
D3 = gym.spaces.Discrete(3)

# (fixture file, policy name, action space, module class in the golden file, policy model config,
#  columns of the policy's own its loss reads)
LEARNER_CASES = [
    ("policy_model_and_dist.py", "GaussianPolicy", gym.spaces.Box(-1.0, 1.0, (2,), np.float32), None, None, None),
    ("policy_sampler.py", "SamplerPolicy", D3, None, None, None),
    ("torch_policy_v2.py", "ScaledPolicy", D3, None, None, None),
    ("ppo_mixins_loss.py", "PenalisedPPOPolicy", D3, None, None, None),
    ("ppo_super_loss.py", "LogitDecayPPOPolicy", D3, "SmallActorCritic", {"custom_model": "small_actor_critic"}, None),
    ("target_q_loss.py", "TargetQPolicy", D3, None, None, None),
    ("central_critic_postprocess.py", "CentralCriticPolicy", D3, None, None, None),
    ("central_value_loss.py", "SharedCriticPPOPolicy", D3, "SharedCriticModel", {"custom_model": "shared_critic_model"},
     {"other_obs": BOX4}),
    ("policy_default_model.py", "ReinforcePolicy", D3, None, None, None),
    ("policy_factory.py", "TwoLayerPolicy", D3, None, None, None),
    ("central_critic_discrete_obs.py", "PeerCriticPolicy", D3, None, {"custom_model": "peer_critic_net"},
     {"peer_obs": gym.spaces.Box(0.0, 1.0, (5,), np.float32)}),
    ("side_network_loss.py", "ConstrainedPolicy", D3, None, None, None),
    # a model-aware (autoregressive) distribution, bound to the module (more in test_model_aware_distribution.py)
    ("autoregressive_dist.py", "ModeThenBoxPolicy",
     gym.spaces.Tuple((D3, gym.spaces.Box(-1.0, 1.0, (2,), np.float32))), None,
     {"custom_model": "mode_then_box_model", "custom_action_dist": "mode_then_box"}, None),
]
#: the observation space of a case (Box(4) unless named here)
OBS_SPACES = {"central_critic_discrete_obs.py": gym.spaces.Discrete(5)}
#: genuine stat differences, pinned: Ray 2.10's total_loss stat of a PPO subclass that adds a term after
#: super().loss() is PPO's part only; the new stack's total_loss is the whole loss (loss and gradients agree)
STAT_DIFFERENCES = {"LogitDecayPPOPolicy": ["stat total_loss"]}
GENERATED = re.compile(r"^class (\w+)Learner\(.*Learner\):", re.MULTILINE)


def test_every_generated_learner_has_a_case():
    generated = {
        (path.name, name)
        for path in (FIXTURES / "expected").glob("*.py")
        for name in GENERATED.findall(path.read_text())
    }
    assert generated == {(case[0], case[1]) for case in LEARNER_CASES}


@pytest.mark.parametrize("file, policy_name, action_space, module_name, model, extra", LEARNER_CASES,
                         ids=[c[1] for c in LEARNER_CASES])
def test_generated_learner_is_loss_equivalent(file, policy_name, action_space, module_name, model, extra):
    config = {"lr": 1e-3, "gamma": 0.99}
    obs = OBS_SPACES.get(file, BOX4)
    legacy = load_file(FIXTURES / "legacy" / file, legacy=True)
    torch.manual_seed(0)
    # built before the golden file loads: both register the same custom model name
    policy = getattr(legacy, policy_name)(obs, action_space, {**config, **({"model": model} if model else {})})
    migrated = load_file(FIXTURES / "expected" / file, legacy=True)
    module = getattr(migrated, module_name or f"{policy_name}RLModule")(observation_space=obs, action_space=action_space)
    learner = getattr(migrated, f"{policy_name}Learner")(config=config, module=module)
    learner.build()
    if policy_name in STAT_DIFFERENCES:
        with pytest.raises(LossEquivalenceError) as err:
            assert_loss_equivalent(policy, learner, examples=10, extra_columns=extra, shrink=False)
        assert [p.split(":")[0] for p in err.value.problems] == STAT_DIFFERENCES[policy_name]
        return
    report = assert_loss_equivalent(policy, learner, examples=10, extra_columns=extra)
    assert report.gradients > 0 and report.examples == 10


def test_a_learner_reading_raw_observations_where_the_legacy_loss_read_one_hot_ones_is_caught(tmp_path):
    """Discrete observations: the legacy train batch held them one-hot, the Learner's batch holds
    the raw index; a migrated loss that forgets legacy_train_obs() does not pass."""
    text = (FIXTURES / "expected" / "central_critic_discrete_obs.py").read_text()
    fixed = "legacy_train_obs(batch[SampleBatch.OBS], module.observation_space)"
    assert fixed in text
    broken = tmp_path / "central_critic_discrete_obs.py"
    broken.write_text(text.replace(fixed, "batch[SampleBatch.OBS].float().reshape(-1, 1).expand(-1, 5)"))
    obs, config = gym.spaces.Discrete(5), {"lr": 1e-3, "gamma": 0.99}
    policy = load_file(FIXTURES / "legacy" / "central_critic_discrete_obs.py", legacy=True).PeerCriticPolicy(
        obs, D3, {**config, "model": {"custom_model": "peer_critic_net"}})
    migrated = load_file(broken, legacy=True)
    learner = migrated.PeerCriticPolicyLearner(
        config=config, module=migrated.PeerCriticPolicyRLModule(observation_space=obs, action_space=D3))
    learner.build()
    with pytest.raises(LossEquivalenceError, match="loss|grad"):
        assert_loss_equivalent(policy, learner, examples=10, shrink=False,
                               extra_columns={"peer_obs": gym.spaces.Box(0.0, 1.0, (5,), np.float32)})
