"""GeneralAdvantageEstimation equals Ray 2.10's compute_advantages on recorded rollouts
(fixtures/oracle/learners/gae.json) and splits a batch into its episodes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.learner.connectors import GeneralAdvantageEstimation, compute_advantages

RECORD = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "oracle" / "learners" / "gae.json").read_text())


@pytest.mark.parametrize("case", RECORD["cases"], ids=lambda c: f"gae={c['use_gae']},critic={c['use_critic']},last_r={c['last_r']}")
def test_compute_advantages_equals_ray_2_10(case):
    adv, targets = compute_advantages(case["inputs"]["rewards"], case["inputs"]["vf_preds"], case["last_r"],
                                      gamma=case["gamma"], lambda_=case["lambda"],
                                      use_gae=case["use_gae"], use_critic=case["use_critic"])
    np.testing.assert_allclose(adv, case["advantages"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(targets, case["value_targets"], rtol=1e-5, atol=1e-6)


def test_piece_bootstraps_a_truncated_chunk_from_the_module():
    case = RECORD["cases"][1]  # use_gae, last_r = 1.5
    n = len(case["inputs"]["rewards"])

    class ConstantCritic:
        def compute_values(self, batch):
            return torch.full((len(batch["obs"]),), case["last_r"])

    batch = {**case["inputs"], "terminateds": [False] * n, "new_obs": np.zeros((n, 2), np.float32)}
    out = GeneralAdvantageEstimation(gamma=case["gamma"], lambda_=case["lambda"])(rl_module=ConstantCritic(), batch=batch)
    np.testing.assert_allclose(out["advantages"], case["advantages"], rtol=1e-5, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.data())
def test_episodes_are_computed_independently(lengths, data):
    # a batch of several terminated episodes = each episode on its own
    rows = sum(lengths)
    floats = st.floats(-3, 3, width=32)
    rewards = np.asarray(data.draw(st.lists(floats, min_size=rows, max_size=rows)), np.float32)
    values = np.asarray(data.draw(st.lists(floats, min_size=rows, max_size=rows)), np.float32)
    terminated = np.zeros(rows, bool)
    terminated[np.cumsum(lengths) - 1] = True
    gae = GeneralAdvantageEstimation(gamma=0.9, lambda_=0.8)
    out = gae(batch={"rewards": rewards, "vf_preds": values, "terminateds": terminated})
    start = 0
    for length in lengths:
        adv, _ = compute_advantages(rewards[start:start + length], values[start:start + length], 0.0, gamma=0.9, lambda_=0.8)
        np.testing.assert_allclose(out["advantages"][start:start + length], adv, rtol=1e-5, atol=1e-5)
        start += length


def test_missing_columns_and_gae_without_critic_are_errors():
    with pytest.raises(KeyError, match="vf_preds"):
        GeneralAdvantageEstimation(gamma=0.9, lambda_=1.0)(batch={"rewards": [1.0]})
    with pytest.raises(ValueError, match="GAE needs a critic"):
        compute_advantages([1.0], [0.0], 0.0, gamma=0.9, lambda_=1.0, use_critic=False)
