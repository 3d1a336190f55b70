"""assert_equivalent accepts what it promises (ModelV2 class/instance, Policy, RLModule), passes
true migrations over many spaces, and reports differences precisely."""

from __future__ import annotations

import re

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from rlmigrate import Columns, TorchRLModule, ValueFunctionAPI
from rlmigrate.distributions.defaults import required_input_dim_for_space
from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
from rlmigrate.testing.strategies import action_spaces, spaces

OBS = gym.spaces.Box(-1.0, 1.0, (5,), dtype=np.float32)
DISCRETE = gym.spaces.Discrete(3)
BOX = gym.spaces.Box(-2.0, 2.0, (2,), dtype=np.float32)


@pytest.mark.parametrize("explore", [False, True])
@pytest.mark.parametrize("engine", ["screen", "hypothesis"])
def test_true_migrations_pass_with_a_report(mlp_pair, lstm_pair, explore, engine):
    for (legacy, migrated), act in ((mlp_pair, DISCRETE), (lstm_pair, BOX)):
        report = assert_equivalent(
            legacy,
            migrated,
            observation_space=OBS,
            action_space=act,
            explore=explore,
            engine=engine,
            examples=100,
        )
        assert report.examples == 100 and report.rows >= 100
        assert report.explore is explore and report.engine == engine
        assert set(report.compared) >= {"action_dist_inputs", "actions", "logp", "values"}
        assert all(v <= 1e-6 for v in report.max_abs.values())
    assert "state" in report.compared
    # the LSTM was stepped: 4 steps of the batched screen + 4 of its first row, or per example
    assert report.steps == 8 if engine == "screen" else report.steps > report.examples


def test_report_lists_quantities_absent_on_both_sides(mlp_pair):
    report = assert_equivalent(*mlp_pair, observation_space=OBS, action_space=DISCRETE, examples=10)
    assert report.skipped == ("state",)
    assert "skipped (absent on both sides): state" in str(report)


def test_instances_policies_and_modules_on_either_side(mlp_pair):
    from shim.models.model_defaults import merge_model_config
    from shim.policy.policy import Policy

    legacy_cls, migrated_cls = mlp_pair
    config = merge_model_config({"custom_model_config": {"hidden": 8}})
    legacy = legacy_cls(OBS, DISCRETE, 3, config, "m", hidden=8)
    migrated = migrated_cls(
        observation_space=OBS, action_space=DISCRETE, model_config={"hidden": 8}
    )
    assert_equivalent(legacy, migrated, examples=20)  # spaces from the instances
    assert_equivalent(legacy, Policy.from_module(migrated), examples=20, explore=True)
    assert_equivalent(Policy.from_module(migrated), migrated, examples=20)
    copy = migrated_cls(observation_space=OBS, action_space=DISCRETE, model_config={"hidden": 8})
    assert_equivalent(migrated, copy, examples=20)  # module vs module: weights transferred
    assert_equivalent(
        legacy_cls,
        migrated_cls,
        observation_space=OBS,
        action_space=DISCRETE,
        model_config={"custom_model_config": {"hidden": 8}},
        examples=20,
    )


@settings(max_examples=12, deadline=None)
@given(action_spaces(max_depth=1, max_leaf_size=4), st.booleans())
def test_every_default_action_distribution_compares_equal(mlp_pair, action_space, explore):
    legacy, migrated = mlp_pair
    assert_equivalent(
        legacy,
        migrated,
        observation_space=OBS,
        action_space=action_space,
        explore=explore,
        examples=20,
    )


class _FlatteningMLP(TorchRLModule, ValueFunctionAPI):
    """A migrated MLP for any observation space: flattens like the legacy preprocessor did."""

    def setup(self):
        from shim.models.catalog import ModelCatalog

        self.preprocessor = ModelCatalog.get_preprocessor_for_space(self.observation_space)
        hidden = self.model_config.get("hidden", 32)
        self.trunk = nn.Sequential(
            nn.Linear(self.preprocessor.size, hidden),
            nn.Tanh(),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
        )
        self.logits = nn.Linear(hidden, required_input_dim_for_space(self.action_space))
        self.value_branch = nn.Linear(hidden, 1)

    def _flat(self, batch):
        numpy_obs = _to_numpy(batch[Columns.OBS])
        return torch.as_tensor(
            self.preprocessor.transform_batch(numpy_obs), dtype=torch.float32
        ).flatten(1)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.logits(self.trunk(self._flat(batch)))}

    def compute_values(self, batch, embeddings=None):
        return self.value_branch(self.trunk(self._flat(batch))).squeeze(-1)


def _to_numpy(value):
    if isinstance(value, dict):
        return {k: _to_numpy(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return tuple(_to_numpy(v) for v in value)
    return value.numpy()


@settings(max_examples=15, deadline=None)
@given(
    spaces(
        kinds=("box", "int_box", "discrete", "multi_discrete", "dict", "tuple"),
        max_depth=2,
        max_leaf_size=6,
        max_rank=1,
    )
)
def test_observation_spaces_of_every_kind_reach_both_sides_alike(mlp_pair, obs_space):
    legacy, _ = mlp_pair
    assert_equivalent(
        legacy, _FlatteningMLP, observation_space=obs_space, action_space=DISCRETE, examples=20
    )


# ----------------------------------------------------------------------------- failures
class _DiffersAboveHalf(TorchRLModule, ValueFunctionAPI):
    """Equal to the legacy MLP except where obs[0] > 0.5: hypothesis must shrink to that."""

    def setup(self):
        self.trunk = nn.Sequential(nn.Linear(5, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh())
        self.logits = nn.Linear(32, 3)
        self.value_branch = nn.Linear(32, 1)

    def _forward(self, batch, **kwargs):
        obs = batch[Columns.OBS]
        out = self.logits(self.trunk(obs))
        return {Columns.ACTION_DIST_INPUTS: out + (obs[:, :1] > 0.5).float()}

    def compute_values(self, batch, embeddings=None):
        return self.value_branch(self.trunk(batch[Columns.OBS])).squeeze(-1)


@pytest.mark.parametrize("engine", ["screen", "hypothesis"])
def test_a_difference_is_shrunk_and_explained(mlp_pair, engine):
    legacy, _ = mlp_pair
    with pytest.raises(EquivalenceError) as info:
        assert_equivalent(
            legacy, _DiffersAboveHalf, observation_space=OBS, action_space=DISCRETE, engine=engine
        )
    error = info.value
    message = str(error)
    assert "'action_dist_inputs'" in message and "values differ" in message
    assert "max abs diff 1" in message and "tolerance: atol=1e-06, rtol=1e-05" in message
    assert "smallest input found (shrunk by hypothesis)" in message
    assert error.example["batch_size"] == 1  # shrunk to one observation
    obs = error.example["obs"]
    # shrunk: one observation, the triggering element above 0.5, every value a simple number
    assert obs.shape == (1, 5) and obs[0, 0] > 0.5 and np.all(obs == np.round(obs))
    assert error.difference.quantity == "action_dist_inputs"


class _NoValues(TorchRLModule):
    def setup(self):
        self.trunk = nn.Sequential(nn.Linear(5, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh())
        self.logits = nn.Linear(32, 3)
        self.value_branch = nn.Linear(32, 1)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.logits(self.trunk(batch[Columns.OBS]))}


def test_a_quantity_missing_on_one_side_is_reported(mlp_pair):
    legacy, _ = mlp_pair
    with pytest.raises(
        EquivalenceError,
        match=r"'values'.*missing on migrated \(RLModule _NoValues\) but produced by legacy",
    ):
        assert_equivalent(legacy, _NoValues, observation_space=OBS, action_space=DISCRETE)
    report = assert_equivalent(
        legacy,
        _NoValues,
        observation_space=OBS,
        action_space=DISCRETE,
        compare=("action_dist_inputs", "actions", "logp"),
    )
    assert "values" not in report.compared


class _Crashes(_NoValues):
    def _forward(self, batch, **kwargs):
        if batch[Columns.OBS].shape[0] == 1:
            raise RuntimeError("cannot handle a batch of one")
        return super()._forward(batch)


def test_a_crash_on_one_side_is_a_difference_with_its_input(mlp_pair):
    legacy, _ = mlp_pair
    with pytest.raises(
        EquivalenceError, match="migrated raised RuntimeError: cannot handle a batch of one"
    ) as info:
        assert_equivalent(
            legacy,
            _Crashes,
            observation_space=OBS,
            action_space=DISCRETE,
            compare=("action_dist_inputs",),
        )
    assert info.value.example["batch_size"] == 1


def test_tolerances_are_honoured(mlp_pair):
    legacy, _ = mlp_pair

    class Nudged(_DiffersAboveHalf):
        def _forward(self, batch, **kwargs):
            return {Columns.ACTION_DIST_INPUTS: self.logits(self.trunk(batch[Columns.OBS])) + 1e-4}

    # 1e-4 added in float32: the reported difference is 1e-4 up to float32 rounding of the logit
    with pytest.raises(EquivalenceError, match=r"max abs diff (\S+),") as info:
        assert_equivalent(
            legacy,
            Nudged,
            observation_space=OBS,
            action_space=DISCRETE,
            compare=("action_dist_inputs",),
        )
    reported = float(re.search(r"max abs diff (\S+),", str(info.value)).group(1))
    assert abs(reported - 1e-4) < 1e-7
    report = assert_equivalent(
        legacy,
        Nudged,
        observation_space=OBS,
        action_space=DISCRETE,
        atol=1e-3,
        compare=("action_dist_inputs",),
    )
    assert 0.9e-4 < report.max_abs["action_dist_inputs"] < 1.1e-4


def test_argmax_ties_are_not_failures():
    class Tied(TorchRLModule):
        def setup(self):
            self.bias = nn.Parameter(torch.zeros(3))

        def _forward(self, batch, **kwargs):
            return {Columns.ACTION_DIST_INPUTS: self.bias.expand(batch[Columns.OBS].shape[0], 3)}

    class TiedOtherWay(Tied):
        def get_inference_action_dist_cls(self):
            from rlmigrate.distributions.categorical import TorchCategorical

            class LastArgmax(TorchCategorical):
                def to_deterministic(self):
                    from rlmigrate.distributions.deterministic import TorchDeterministic

                    flipped = torch.flip(self.logits, dims=[-1]).argmax(-1)
                    return TorchDeterministic(loc=(self.logits.shape[-1] - 1 - flipped).float())

            return LastArgmax

    report = assert_equivalent(
        Tied, TiedOtherWay, observation_space=OBS, action_space=DISCRETE, examples=10
    )
    assert report.ties > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"compare": ("actions", "q_values")}, "unknown quantities \\['q_values'\\]"),
        ({"engine": "fast"}, "engine='fast'"),
        ({"examples": 0}, "examples must be >= 1"),
    ],
)
def test_bad_arguments_name_what_was_expected(mlp_pair, kwargs, match):
    with pytest.raises(ValueError, match=match):
        assert_equivalent(*mlp_pair, observation_space=OBS, action_space=DISCRETE, **kwargs)


def test_classes_need_spaces_and_objects_must_be_comparable(mlp_pair):
    with pytest.raises(ValueError, match="needs observation_space= and action_space="):
        assert_equivalent(*mlp_pair)
    with pytest.raises(TypeError, match="cannot compare 42"):
        assert_equivalent(mlp_pair[0], 42, observation_space=OBS, action_space=DISCRETE)


def test_weights_that_do_not_line_up_fail_with_the_key_lists(mlp_pair):
    class Renamed(_NoValues):
        pass

    Renamed.setup = lambda self: setattr(self, "encoder", nn.Linear(5, 3))
    with pytest.raises(
        EquivalenceError,
        match=r"do not line up(.|\n)*in target but not in source \(2\): \['encoder.weight', 'encoder.bias'\]",
    ):
        assert_equivalent(mlp_pair[0], Renamed, observation_space=OBS, action_space=DISCRETE)
