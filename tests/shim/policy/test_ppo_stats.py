"""The shim ``PPOTorchPolicy.stats_fn`` returns what Ray 2.10's did: same keys in the same order
and the same values, after ``loss`` on the weights and batch recorded from Ray
(fixtures/oracle/learners/ppo_stats_*.json, tools/oracle/record_ppo_stats.py)."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from shim.models.catalog import ModelCatalog
from shim.policy.ppo import PPOTorchPolicy
from shim.policy.sample_batch import SampleBatch
from tests._legacy_models import LinearActorCritic

RECORDS = Path(__file__).resolve().parents[3] / "fixtures" / "oracle" / "learners"
OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
SPACES = {"discrete": gym.spaces.Discrete(3), "box": gym.spaces.Box(-1.0, 1.0, (2,), np.float32)}
CASES = sorted(p.stem.removeprefix("ppo_stats_") for p in RECORDS.glob("ppo_stats_*.json"))


def policy_and_batch(record: dict, **overrides) -> tuple[PPOTorchPolicy, SampleBatch]:
    ModelCatalog.register_custom_model("h18_linear_actor_critic", LinearActorCritic)
    config = {**record["config"], **overrides, "model": {"custom_model": "h18_linear_actor_critic"}}
    policy = PPOTorchPolicy(OBS, SPACES[record["action_space"]], config)
    policy.model.load_state_dict({k: torch.tensor(v) for k, v in record["weights"].items()})
    dtypes = {"actions": torch.int64 if record["action_space"] == "discrete" else torch.float32}
    batch = SampleBatch({k: torch.tensor(v, dtype=dtypes.get(k, torch.float32)) for k, v in record["batch"].items()})
    return policy, batch


@pytest.fixture(params=CASES)
def record(request) -> dict:
    return json.loads((RECORDS / f"ppo_stats_{request.param}.json").read_text())


def test_recordings_cover_both_spaces_and_the_kl_and_critic_switches():
    assert CASES == ["box_default", "box_no_kl_no_critic", "discrete_default", "discrete_no_kl_no_critic"]


def test_stats_fn_equals_ray_2_10(record):
    policy, batch = policy_and_batch(record)
    loss = policy.loss(policy.model, policy.dist_class, batch)
    stats = policy.stats_fn(batch)
    assert list(stats) == record["stats_keys_in_order"]
    assert float(loss) == pytest.approx(record["loss"], rel=1e-5, abs=1e-6)
    for name, expected in record["stats"].items():
        assert not isinstance(stats[name], torch.Tensor), name  # numbers, as convert_to_numpy left them
        assert float(stats[name]) == pytest.approx(expected, rel=1e-5, abs=1e-6), name


@pytest.mark.parametrize("change, stat", [({"entropy_coeff": 0.02}, "entropy_coeff"), ({"lr": 2e-3}, "cur_lr"),
                                          ({"entropy_coeff": 0.05}, "total_loss")], ids=str)
def test_each_setting_reaches_its_stat(record, change, stat):
    # the equality above is not vacuous: the stat follows the policy's setting
    policy, batch = policy_and_batch(record, **change)
    policy.loss(policy.model, policy.dist_class, batch)
    assert float(policy.stats_fn(batch)[stat]) != pytest.approx(record["stats"][stat], rel=1e-6)


def test_stats_follow_the_adapted_kl_coeff(record):
    policy, batch = policy_and_batch(record)
    policy.loss(policy.model, policy.dist_class, batch)
    policy.kl_coeff = 0.45  # KLCoeffMixin.update_kl moved it
    assert policy.stats_fn(batch)["cur_kl_coeff"] == pytest.approx(0.45)


def test_stats_before_any_loss_name_the_missing_tower_stat():
    policy = PPOTorchPolicy(OBS, SPACES["discrete"], {"model": {"fcnet_hiddens": [4]}})
    policy.model.tower_stats.clear()
    with pytest.raises(AssertionError, match="total_loss"):
        policy.stats_fn(SampleBatch({}))
