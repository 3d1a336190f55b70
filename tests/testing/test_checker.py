"""The checker tells a migration difference from a legacy model that cannot act by itself."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from torch import nn

from rlmigrate import Columns, TorchRLModule
from rlmigrate.testing.compare import LegacyFailure
from rlmigrate.testing.equivalence import EquivalenceError, assert_equivalent
from shim.models.torch_modelv2 import TorchModelV2

OBS = gym.spaces.Box(-1.0, 1.0, (4,), dtype=np.float32)
ACTIONS = gym.spaces.MultiDiscrete([3, 3])  # the distribution needs 6 logits a row


class LegacyIndexModel(TorchModelV2, nn.Module):
    """Our own legacy idiom: ``num_outputs`` overridden by ``action_space.shape[0]`` and the
    forward returning argmax indices (one per sub-action), not the 6 logits RLlib's
    ``TorchMultiCategorical`` splits: the legacy Policy itself cannot act with this model."""

    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, action_space.shape[0], model_config, name)
        nn.Module.__init__(self)
        self.body = nn.Linear(4, 6)

    def forward(self, input_dict, state, seq_lens):
        scores = self.body(input_dict["obs"].float()).reshape(-1, 2, 3)
        return scores.argmax(-1), state


class MigratedIndexModule(TorchRLModule):
    """The faithful port: the same indices, so the same failure."""

    def setup(self):
        self.body = nn.Linear(4, 6)

    def _forward(self, batch, **kwargs):
        scores = self.body(batch[Columns.OBS].float()).reshape(-1, 2, 3)
        return {Columns.ACTION_DIST_INPUTS: scores.argmax(-1)}


class MigratedLogitsModule(MigratedIndexModule):
    """A port that acts where the legacy code could not: a real difference."""

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.body(batch[Columns.OBS].float())}


def test_a_legacy_model_that_cannot_act_is_named_not_called_different_in_strict_mode():
    with pytest.raises(LegacyFailure, match=r"legacy \(ModelV2 LegacyIndexModel\) itself raises.*"
                       r"migrated \(RLModule MigratedIndexModule\) raises too"):
        assert_equivalent(LegacyIndexModel, MigratedIndexModule, observation_space=OBS,
                          action_space=ACTIONS, examples=5, legacy_failures="strict")


def test_by_default_the_two_failures_must_be_the_same_exception_type():
    """The legacy distribution rejects the shape (ValueError), the module's the integer dtype
    (TypeError): both fail, but not the same way, so the port is not shown to match."""
    with pytest.raises(EquivalenceError, match=r"legacy raised ValueError: .*another exception "
                       r"type: TypeError"):
        assert_equivalent(LegacyIndexModel, MigratedIndexModule, observation_space=OBS,
                          action_space=ACTIONS, examples=5)


def test_a_migration_that_acts_where_the_legacy_crashed_is_a_difference():
    with pytest.raises(EquivalenceError, match="legacy raised"):
        assert_equivalent(LegacyIndexModel, MigratedLogitsModule, observation_space=OBS,
                          action_space=ACTIONS, examples=5)


def test_legacy_failure_is_no_equivalence_error():
    """Callers catching EquivalenceError ("different") must not swallow it."""
    assert not issubclass(LegacyFailure, EquivalenceError) and issubclass(LegacyFailure, ValueError)
