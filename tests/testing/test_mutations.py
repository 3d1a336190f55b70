"""The kit must have teeth: deliberately wrong migrations are each caught by assert_equivalent.

Each mutant is the correct migrated module with one realistic mistake; each must fail with an
EquivalenceError that names the quantity where the mistake first shows, under both engines.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from rlmigrate import Columns
from rlmigrate.distributions.squashed_gaussian import TorchSquashedGaussian
from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
from rlmigrate.testing.transfer import transfer_weights

OBS = gym.spaces.Box(-1.0, 1.0, (5,), dtype=np.float32)
DISCRETE = gym.spaces.Discrete(3)
BOX = gym.spaces.Box(-2.0, 2.0, (2,), dtype=np.float32)
ENGINES = pytest.mark.parametrize("engine", ["screen", "hypothesis"])


def _caught(legacy, migrated, action_space, quantity, engine, **kwargs) -> EquivalenceError:
    with pytest.raises(EquivalenceError) as info:
        assert_equivalent(
            legacy,
            migrated,
            observation_space=OBS,
            action_space=action_space,
            engine=engine,
            **kwargs,
        )
    quantities = {quantity} if isinstance(quantity, str) else set(quantity)
    assert info.value.difference is not None and info.value.difference.quantity in quantities, str(
        info.value
    )
    return info.value


@ENGINES
def test_swapped_activation_is_caught(mlp_pair, engine):
    legacy, migrated = mlp_pair

    class SwappedActivation(migrated):
        def setup(self):
            super().setup()
            self.trunk[1] = nn.ReLU()  # the legacy trunk used Tanh

    _caught(legacy, SwappedActivation, DISCRETE, "action_dist_inputs", engine)


@ENGINES
def test_missing_layer_is_caught_by_the_weights_and_by_the_numbers(mlp_pair, engine):
    legacy, migrated = mlp_pair

    class MissingLayer(migrated):
        def setup(self):
            super().setup()
            self.trunk = nn.Sequential(self.trunk[0], nn.Tanh())  # second hidden layer dropped

    error = _caught_transfer(legacy, MissingLayer, engine)
    assert "in source but not in target (2): ['trunk.2.weight', 'trunk.2.bias']" in str(error)
    # loaded by hand, leniently: the numbers still give it away
    from shim.models.model_defaults import merge_model_config

    legacy_model = legacy(OBS, DISCRETE, 3, merge_model_config({}), "legacy")
    mutant = MissingLayer(observation_space=OBS, action_space=DISCRETE, model_config={})
    transfer_weights(legacy_model, mutant, strict=False)
    with pytest.raises(EquivalenceError, match="'action_dist_inputs'"):
        assert_equivalent(legacy_model, mutant, transfer=False, engine=engine)


def _caught_transfer(legacy, migrated, engine):
    with pytest.raises(EquivalenceError, match="do not line up") as info:
        assert_equivalent(
            legacy, migrated, observation_space=OBS, action_space=DISCRETE, engine=engine
        )
    return info.value


@ENGINES
@pytest.mark.parametrize("explore", [False, True])
def test_wrong_distribution_is_caught(mlp_pair, engine, explore):
    legacy, migrated = mlp_pair

    class WrongDistribution(migrated):
        def setup(self):
            super().setup()
            self.action_dist_cls = TorchSquashedGaussian  # legacy used a diagonal Gaussian

    # same dist inputs; the actions (squashed) and their log-likelihoods give it away (the
    # shrunk input may be one where tanh(mean) ~ mean, so logp is the first to differ)
    _caught(legacy, WrongDistribution, BOX, ("actions", "logp"), engine, explore=explore)
    _caught(
        legacy,
        WrongDistribution,
        BOX,
        "logp",
        engine,
        explore=explore,
        compare=("action_dist_inputs", "logp"),
    )


@ENGINES
def test_transposed_weight_is_caught(mlp_pair, engine):
    legacy, migrated = mlp_pair

    class TransposedWeight(migrated):
        def _forward(self, batch, **kwargs):
            hidden = torch.tanh(self.trunk[0](batch[Columns.OBS]))
            second = self.trunk[2]  # square (32, 32): a transpose still "fits"
            hidden = torch.tanh(F.linear(hidden, second.weight.T, second.bias))
            return {Columns.ACTION_DIST_INPUTS: self.logits(hidden)}

    _caught(legacy, TransposedWeight, DISCRETE, "action_dist_inputs", engine)


@ENGINES
def test_off_by_one_state_is_caught_even_without_comparing_state(lstm_pair, engine):
    legacy, migrated = lstm_pair

    class OffByOneState(migrated):
        def _forward(self, batch, **kwargs):
            out = super()._forward(batch)
            out[Columns.STATE_OUT] = batch[Columns.STATE_IN]  # hands back the state it got
            return out

    _caught(legacy, OffByOneState, BOX, "state", engine)
    # without comparing the state itself, the second step's outputs still differ
    error = _caught(
        legacy, OffByOneState, BOX, "action_dist_inputs", engine, compare=("action_dist_inputs",)
    )
    assert "step 2 of" in str(error)


@ENGINES
def test_swapped_state_entries_are_caught(lstm_pair, engine):
    legacy, migrated = lstm_pair

    class SwappedHC(migrated):
        def _forward(self, batch, **kwargs):
            out = super()._forward(batch)
            state = out[Columns.STATE_OUT]
            out[Columns.STATE_OUT] = {"h": state["c"], "c": state["h"]}
            return out

    _caught(legacy, SwappedHC, BOX, "state", engine)
