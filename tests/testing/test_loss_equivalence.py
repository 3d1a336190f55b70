"""assert_loss_equivalent: a faithful Learner passes; each planted near-miss is caught."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from torch import nn

from rlmigrate import Columns, TorchRLModule
from rlmigrate.learner import TorchLearner
from rlmigrate.testing.loss_equivalence import LossEquivalenceError, assert_loss_equivalent
from rlmigrate.testing.train_batches import TRAIN_COLUMNS, dist_input_dim, train_batches
from rlmigrate.testing.transfer import WeightTransferError
from shim.policy.policy_template import build_torch_policy
from tests._legacy_models import LinearActorCritic as ACModel

OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(3)
CONFIG = {"vf_loss_coeff": 0.5, "entropy_coeff": 0.01, "lr": 1e-3}


def a2c_loss(policy, model, dist_class, train_batch):
    logits, _ = model(train_batch)
    values = model.value_function()
    dist = dist_class(logits, model)
    pi_err = -(dist.logp(train_batch["actions"]) * train_batch["advantages"]).mean()
    vf_err = 0.5 * ((values - train_batch["value_targets"]) ** 2).mean()
    entropy = dist.entropy().mean()
    model.tower_stats.update(policy_loss=pi_err, vf_loss=vf_err, entropy=entropy)
    return pi_err + policy.config["vf_loss_coeff"] * vf_err - policy.config["entropy_coeff"] * entropy


def a2c_stats(policy, train_batch):
    return {k: policy.model.tower_stats[k] for k in ("policy_loss", "vf_loss", "entropy")}


def make_policy() -> Any:
    from shim.models.catalog import ModelCatalog

    ModelCatalog.register_custom_model("h12_ac_model", ACModel)
    cls = build_torch_policy("A2CLike", loss_fn=a2c_loss, stats_fn=a2c_stats)
    torch.manual_seed(1)
    return cls(OBS, ACT, {**CONFIG, "model": {"custom_model": "h12_ac_model"}})


class ACModule(TorchRLModule):
    """The migrated module: same attribute names, so weights transfer by name."""

    def setup(self) -> None:
        self.pi = nn.Linear(self.observation_space.shape[0], 3)
        self.vf = nn.Linear(self.observation_space.shape[0], 1)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.pi(batch[Columns.OBS].float())}

    def compute_values(self, batch, embeddings=None):
        return self.vf(batch[Columns.OBS].float()).squeeze(-1)


class A2CLearner(TorchLearner):
    """The faithful migration; subclasses below each plant one near-miss."""

    sign = 1.0
    vf_coeff_key = "vf_loss_coeff"
    with_entropy = True
    log_entropy = True

    def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
        module = self.module[module_id]
        dist = module.get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
        values = module.compute_values(batch)
        pi_err = -self.sign * (dist.logp(batch[Columns.ACTIONS]) * batch[Columns.ADVANTAGES]).mean()
        vf_err = 0.5 * ((values - batch[Columns.VALUE_TARGETS]) ** 2).mean()
        entropy = dist.entropy().mean()
        self.metrics.log_dict({"policy_loss": pi_err, "vf_loss": vf_err}, key=module_id)
        if self.log_entropy:
            self.metrics.log_value((module_id, "entropy"), entropy)
        total = pi_err + config[self.vf_coeff_key] * vf_err
        return total - config["entropy_coeff"] * entropy if self.with_entropy else total


class FlippedSign(A2CLearner):
    sign = -1.0


class WrongCoefficient(A2CLearner):
    vf_coeff_key = "entropy_coeff"


class MissingEntropy(A2CLearner):
    with_entropy = False


class UnloggedStat(A2CLearner):
    log_entropy = False


class DetachedCritic(A2CLearner):
    """Same loss value, but the value branch gets no gradient: only the gradients show it."""

    def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
        module = self.module[module_id]
        with torch.no_grad():
            values = module.compute_values(batch)
        dist = module.get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
        pi_err = -(dist.logp(batch[Columns.ACTIONS]) * batch[Columns.ADVANTAGES]).mean()
        vf_err = 0.5 * ((values - batch[Columns.VALUE_TARGETS]) ** 2).mean()
        entropy = dist.entropy().mean()
        self.metrics.log_dict({"policy_loss": pi_err, "vf_loss": vf_err, "entropy": entropy}, key=module_id)
        return pi_err + config["vf_loss_coeff"] * vf_err - config["entropy_coeff"] * entropy


def learner(cls: type[A2CLearner]) -> A2CLearner:
    torch.manual_seed(2)  # other weights than the policy's: the kit must transfer them
    out = cls(config=CONFIG, module=ACModule(observation_space=OBS, action_space=ACT))
    out.build()
    return out


def test_faithful_learner_is_equivalent() -> None:
    report = assert_loss_equivalent(make_policy(), learner(A2CLearner), examples=15)
    assert report.examples == 15 and report.rows == 15 * 8
    assert report.stats == ("entropy", "policy_loss", "vf_loss")
    assert report.gradients == 4
    assert report.max_abs["loss"] <= 1e-5 and report.max_abs["grad"] <= 1e-5
    assert "15 train batches" in str(report)


@pytest.mark.parametrize(
    "cls, expected",
    [
        (FlippedSign, "stat policy_loss"),
        (WrongCoefficient, "loss: legacy"),
        (MissingEntropy, "loss: legacy"),
        (UnloggedStat, "stat entropy: not logged"),
        (DetachedCritic, "grad vf."),
    ],
)
def test_planted_near_misses_are_caught(cls: type[A2CLearner], expected: str) -> None:
    with pytest.raises(LossEquivalenceError) as info:
        assert_loss_equivalent(make_policy(), learner(cls), examples=10, shrink=cls is FlippedSign)
    assert any(expected in p for p in info.value.problems), info.value.problems
    assert "batch:" in str(info.value)
    if cls is FlippedSign:  # shrunk: zero observations, one repeated non-zero advantage
        shrunk = info.value.batch
        assert not np.any(shrunk["obs"]) and not np.any(shrunk["value_targets"])
        assert len(set(shrunk["advantages"].tolist())) == 1 and shrunk["advantages"][0] != 0


def test_near_miss_in_gradients_only_is_caught_when_stats_skipped() -> None:
    with pytest.raises(LossEquivalenceError) as info:
        assert_loss_equivalent(make_policy(), learner(DetachedCritic), examples=5, stats=False, shrink=False)
    assert not any(p.startswith("loss") for p in info.value.problems)
    assert any(p.startswith("grad vf.") for p in info.value.problems)


def test_stats_can_be_renamed_or_ignored() -> None:
    class Renamed(A2CLearner):
        def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
            loss = super().compute_loss_for_module(module_id=module_id, config=config, batch=batch, fwd_out=fwd_out)
            self.metrics.log_value((module_id, "mean_entropy"), self.metrics.peek((module_id, "entropy")))
            return loss

    report = assert_loss_equivalent(make_policy(), learner(Renamed), stats={"entropy": "mean_entropy"}, examples=3)
    assert "entropy" in report.stats
    report = assert_loss_equivalent(make_policy(), learner(UnloggedStat), ignore_stats=["entropy"], examples=3)
    assert report.stats == ("policy_loss", "vf_loss")


def test_legacy_loss_fn_given_explicitly() -> None:
    def doubled(policy, model, dist_class, train_batch):
        return 2 * a2c_loss(policy, model, dist_class, train_batch)

    with pytest.raises(LossEquivalenceError, match="loss: legacy"):
        assert_loss_equivalent(make_policy(), learner(A2CLearner), loss_fn=doubled, examples=3, shrink=False)


def test_weights_that_do_not_line_up_are_named() -> None:
    class Renamed(ACModule):
        def setup(self) -> None:
            super().setup()
            self.value_head = self.vf
            del self.vf

        def compute_values(self, batch, embeddings=None):
            return self.value_head(batch[Columns.OBS].float()).squeeze(-1)

    bad = A2CLearner(config=CONFIG, module=Renamed(observation_space=OBS, action_space=ACT))
    with pytest.raises(WeightTransferError, match="vf.weight"):
        assert_loss_equivalent(make_policy(), bad, examples=2)
    ok = A2CLearner(config=CONFIG, module=Renamed(observation_space=OBS, action_space=ACT))
    report = assert_loss_equivalent(
        make_policy(), ok, weight_map={"vf.weight": "value_head.weight", "vf.bias": "value_head.bias"}, examples=3
    )
    assert report.gradients == 4


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="policy instance"):
        assert_loss_equivalent(type(make_policy()), learner(A2CLearner))
    with pytest.raises(ValueError, match="unknown columns"):
        train_batches(OBS, ACT, columns=["obs", "q_values"])


@settings(max_examples=20, deadline=None)
@given(train_batches(OBS, gym.spaces.Box(-2.0, 2.0, (2,), np.float32), batch_size=5))
def test_train_batches_shapes_and_ranges(batch: dict[str, np.ndarray]) -> None:
    assert set(batch) == set(TRAIN_COLUMNS)
    assert batch["obs"].shape == (5, 4) and batch["actions"].shape == (5, 2)
    assert all(OBS.contains(o) for o in batch["obs"])
    assert batch["action_dist_inputs"].shape == (5, dist_input_dim(gym.spaces.Box(-2.0, 2.0, (2,))))
    assert (batch["action_logp"] <= 0).all() and np.allclose(batch["action_prob"], np.exp(batch["action_logp"]))
    assert batch["dones"].dtype == np.bool_ and batch["rewards"].dtype == np.float32


class ExtraWeightModel(ACModel):
    """A legacy model with one more layer than the module: unused by the loss, or used."""

    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        super().__init__(obs_space, action_space, num_outputs, model_config, name)
        self.aux = nn.Linear(obs_space.shape[0], 1)

    def forward(self, input_dict, state, seq_lens):
        logits, state = super().forward(input_dict, state, seq_lens)
        if self.model_config.get("custom_model_config", {}).get("use_aux"):
            logits = logits + self.aux(self._obs)
        return logits, state


@pytest.mark.parametrize("use_aux", [False, True], ids=["unused", "used"])
def test_legacy_weights_without_counterpart_must_not_reach_the_loss(use_aux: bool) -> None:
    from shim.models.catalog import ModelCatalog

    ModelCatalog.register_custom_model("h12_extra_weight_model", ExtraWeightModel)
    cls = build_torch_policy("A2CExtra", loss_fn=a2c_loss, stats_fn=a2c_stats)
    torch.manual_seed(1)
    policy = cls(OBS, ACT, {**CONFIG, "model": {"custom_model": "h12_extra_weight_model",
                                                "custom_model_config": {"use_aux": use_aux}}})
    if not use_aux:
        assert assert_loss_equivalent(policy, learner(A2CLearner), examples=3).gradients == 4
        return
    with pytest.raises(LossEquivalenceError) as info:
        assert_loss_equivalent(policy, learner(A2CLearner), examples=3, shrink=False)
    assert any(p.startswith("grad aux.") and "the legacy loss depends on this weight" in p for p in info.value.problems), info.value.problems


@settings(max_examples=10, deadline=None)
@given(train_batches(OBS, ACT, columns=["obs"], batch_size=3,
                     extra={"opponent_obs": OBS, "opponent_action": ACT}))
def test_extra_columns_are_drawn_from_their_spaces(batch: dict[str, np.ndarray]) -> None:
    assert batch["opponent_obs"].shape == (3, 4) and OBS.contains(batch["opponent_obs"][0])
    assert batch["opponent_action"].shape == (3,) and all(ACT.contains(int(a)) for a in batch["opponent_action"])


def test_extra_column_shadowing_a_generated_one_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"extra columns \['obs'\]"):
        train_batches(OBS, ACT, extra={"obs": OBS})


def test_the_legacy_side_gets_dict_actions_flattened_per_row_as_the_2_10_collector_stored_them():
    from types import SimpleNamespace

    from rlmigrate.testing.loss_equivalence import _legacy_batch

    actions = {"b": np.array([[1.0, 2.0], [3.0, 4.0]], np.float32), "a": np.array([5.0, 6.0], np.float32)}
    policy = SimpleNamespace(config={}, observation_space=OBS)
    flat = _legacy_batch(policy, {"actions": actions})["actions"]
    assert flat.tolist() == [[5.0, 1.0, 2.0], [6.0, 3.0, 4.0]]  # keys sorted, each leaf flattened
    kept = _legacy_batch(SimpleNamespace(config={"_disable_action_flattening": True}, observation_space=OBS),
                         {"actions": actions})["actions"]
    assert set(kept) == {"a", "b"}


@given(train_batches(OBS, ACT, columns=["action_dist_inputs"], batch_size=3, dist_inputs_width=7))
def test_action_dist_inputs_take_the_width_the_legacy_model_returned(batch):
    assert batch["action_dist_inputs"].shape == (3, 7)  # not the default Categorical's 3


def test_the_width_comes_from_the_legacy_models_num_outputs():
    from types import SimpleNamespace

    from rlmigrate.testing.loss_equivalence import _dist_inputs_width

    assert _dist_inputs_width(SimpleNamespace(model=SimpleNamespace(num_outputs=128))) == 128
    assert _dist_inputs_width(SimpleNamespace(model=SimpleNamespace(num_outputs=None))) is None
