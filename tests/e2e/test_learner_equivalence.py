"""Every Learner the codemod generates in the golden fixtures computes the legacy loss.

Legacy fixture (through the shim) vs its golden rewrite: the policy's ``loss_fn``/``stats_fn``
against ``<Policy>Learner.compute_loss_for_module`` on the generated ``<Policy>RLModule``,
same weights, hypothesis train batches: loss, stats and gradients must agree.
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate.testing.loading import load_file
from rlmigrate.testing.loss_equivalence import assert_loss_equivalent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BOX4 = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)

# (fixture file, policy name, action space)
LEARNER_CASES = [
    ("policy_model_and_dist.py", "GaussianPolicy", gym.spaces.Box(-1.0, 1.0, (2,), np.float32)),
    ("policy_sampler.py", "SamplerPolicy", gym.spaces.Discrete(3)),
    ("torch_policy_v2.py", "ScaledPolicy", gym.spaces.Discrete(3)),
    ("policy_default_model.py", "ReinforcePolicy", gym.spaces.Discrete(3)),
]


def test_every_generated_learner_has_a_case():
    generated = {
        (path.name, line.split("(")[0].removeprefix("class ").removesuffix("Learner"))
        for path in (FIXTURES / "expected").glob("*.py")
        for line in path.read_text().splitlines()
        if line.startswith("class ") and "(TorchLearner)" in line
    }
    assert generated == {(f, p) for f, p, _ in LEARNER_CASES}


@pytest.mark.parametrize("file, policy_name, action_space", LEARNER_CASES, ids=[c[1] for c in LEARNER_CASES])
def test_generated_learner_is_loss_equivalent(file, policy_name, action_space):
    legacy = load_file(FIXTURES / "legacy" / file, legacy=True)
    migrated = load_file(FIXTURES / "expected" / file, legacy=True)
    torch.manual_seed(0)
    policy = getattr(legacy, policy_name)(BOX4, action_space, {"lr": 1e-3})
    module = getattr(migrated, f"{policy_name}RLModule")(observation_space=BOX4, action_space=action_space)
    learner = getattr(migrated, f"{policy_name}Learner")(config={"lr": 1e-3}, module=module)
    learner.build()
    report = assert_loss_equivalent(policy, learner, examples=10)
    assert report.gradients > 0 and report.examples == 10
