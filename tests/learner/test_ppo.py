"""PPOTorchLearner computes Ray 2.10's legacy PPOTorchPolicy.loss: same loss, stats and
gradients on the batch and weights recorded from Ray (fixtures/oracle/learners/ppo_loss_*.json,
tools/oracle/record_learner_refs.py), and keeps the PPO mixins' state (KL coeff, entropy schedule)."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from rlmigrate import Columns, TorchRLModule
from rlmigrate.learner import PPOTorchLearner
from rlmigrate.learner.torch_learner import to_torch_batch

RECORDS = Path(__file__).resolve().parents[2] / "fixtures" / "oracle" / "learners"
OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
SPACES = {"discrete": gym.spaces.Discrete(3), "box": gym.spaces.Box(-1.0, 1.0, (2,), np.float32)}
# Ray's tower-stat name → the Learner metric of the same quantity
STAT_NAMES = {"mean_policy_loss": "policy_loss", "mean_vf_loss": "vf_loss", "vf_explained_var": "vf_explained_var",
              "mean_entropy": "entropy", "mean_kl_loss": "mean_kl_loss"}


class LinearActorCritic(TorchRLModule):
    """The recorded model's two layers: policy head ``pi`` and value head ``vf`` on the raw obs."""

    def setup(self) -> None:
        width = self.action_space.n if isinstance(self.action_space, gym.spaces.Discrete) else 2 * self.action_space.shape[0]
        self.pi = nn.Linear(4, width)
        self.vf = nn.Linear(4, 1)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.pi(batch[Columns.OBS].float())}

    def compute_values(self, batch, embeddings=None):
        return self.vf(batch[Columns.OBS].float()).squeeze(-1)


def learner_for(record: dict, **overrides) -> PPOTorchLearner:
    module = LinearActorCritic(observation_space=OBS, action_space=SPACES[record["action_space"]])
    module.load_state_dict({k: torch.tensor(v) for k, v in record["weights"].items()})
    learner = PPOTorchLearner(config={**record["config"], **overrides}, module=module)
    learner.build()
    return learner


def loss_of(learner: PPOTorchLearner, batch: dict) -> torch.Tensor:
    module = learner.module["default_policy"]
    tensors = to_torch_batch(batch)
    return learner.compute_loss_for_module(module_id="default_policy", config=learner.config,
                                           batch=tensors, fwd_out=module.forward_train(tensors))


@pytest.fixture(params=sorted(SPACES))
def record(request) -> dict:
    data = json.loads((RECORDS / f"ppo_loss_{request.param}.json").read_text())
    data["batch"] = {k: np.asarray(v, dtype=np.int64 if k == "actions" and request.param == "discrete" else np.float32)
                     for k, v in data["batch"].items()}
    return data


def test_loss_stats_and_gradients_equal_ray_2_10(record):
    learner = learner_for(record)
    loss = loss_of(learner, record["batch"])
    assert loss.item() == pytest.approx(record["loss"], rel=1e-5, abs=1e-6)
    logged = learner.metrics.peek("default_policy")
    for ray_name, ours in STAT_NAMES.items():
        assert float(logged[ours]) == pytest.approx(record["tower_stats"][ray_name], rel=1e-5, abs=1e-6), ours
    module = learner.module["default_policy"]
    grads = dict(zip([n for n, _ in module.named_parameters()], torch.autograd.grad(loss, list(module.parameters()))))
    for name, expected in record["grads"].items():
        np.testing.assert_allclose(grads[name].numpy(), np.asarray(expected), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("change", [{"clip_param": 0.25}, {"vf_loss_coeff": 0.6}, {"entropy_coeff": 0.0},
                                    {"kl_coeff": 0.0}], ids=str)
def test_a_changed_coefficient_changes_the_loss(record, change):
    # the equality above is not vacuous: each coefficient reaches the loss
    assert loss_of(learner_for(record, **change), record["batch"]).item() != pytest.approx(record["loss"], rel=1e-6)


def test_missing_settings_take_ppo_defaults():
    learner = PPOTorchLearner(config={}, module=LinearActorCritic(observation_space=OBS, action_space=SPACES["discrete"]))
    learner.build()
    assert (learner.config.clip_param, learner.config.vf_clip_param, learner.config.kl_target) == (0.3, 10.0, 0.01)
    assert float(learner.curr_kl_coeffs_per_module["default_policy"]) == pytest.approx(0.2)


def test_kl_coeff_adapts_to_kl_target_after_an_update(record):
    learner = learner_for(record, kl_target=0.01)  # recorded KL (>0.18) is far above 2 * target
    learner.update_from_batch(record["batch"])
    assert float(learner.curr_kl_coeffs_per_module["default_policy"]) == pytest.approx(0.3 * 1.5)
    learner = learner_for(record, kl_target=1e4)  # far below half the target
    learner.update_from_batch(record["batch"])
    assert float(learner.curr_kl_coeffs_per_module["default_policy"]) == pytest.approx(0.3 * 0.5)


def test_entropy_and_lr_schedules_move_with_timesteps(record):
    learner = learner_for(record, entropy_coeff_schedule=[[0, 0.1], [100, 0.0]], lr_schedule=[[0, 1e-3], [100, 0.0]])
    assert learner.entropy_coeff_schedulers_per_module["default_policy"].get_current_value() == pytest.approx(0.1)
    learner.update_from_batch(record["batch"], timesteps={"num_env_steps_sampled_lifetime": 50})
    assert learner.entropy_coeff_schedulers_per_module["default_policy"].get_current_value() == pytest.approx(0.05)
    assert learner.get_optimizer().param_groups[0]["lr"] == pytest.approx(5e-4)


def test_loss_mask_averages_over_valid_rows_only(record):
    learner = learner_for(record)
    masked = {**record["batch"], "loss_mask": np.array([True] * 4 + [False] * 2)}
    first4 = {k: v[:4] for k, v in record["batch"].items()}
    assert loss_of(learner, masked).item() == pytest.approx(loss_of(learner, first4).item(), rel=1e-5)
