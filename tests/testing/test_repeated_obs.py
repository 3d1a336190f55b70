"""RLlib ``Repeated`` observations in the kit: sampled as a padded struct, handed to the legacy
model through the catalog's preprocessor and to the migrated module as the ``RepeatedValues``
the legacy model saw; ``verify`` proves a Repeated-reading pair (and catches a wrong one)."""

from __future__ import annotations

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
from rlmigrate.testing.repeated_obs import ITEMS, LENGTHS, module_view, raw_lists, require_top_level
from rlmigrate.testing.sampling import sample_observations
from rlmigrate.testing.strategies import observations
from shim.models.catalog import ModelCatalog
from shim.models.repeated_values import RepeatedValues
from shim.models.torch_modelv2 import TorchModelV2
from shim.spaces import Repeated

PLAYER = gym.spaces.Dict(
    {"pos": gym.spaces.Box(-1.0, 1.0, (2,), dtype=np.float32), "kind": gym.spaces.Discrete(3)}
)
SPACE = Repeated(PLAYER, max_len=4)
ACTIONS = gym.spaces.Discrete(3)
WIDTH = 5  # one item once flattened: pos (2) + one-hot kind (3)


def _pooled(obs: RepeatedValues, by_length: bool) -> torch.Tensor:
    """Mean over the valid items of a RepeatedValues of player dicts: ``(B, WIDTH)``."""
    items = torch.cat([obs.values["kind"], obs.values["pos"]], dim=-1)  # (B, max_len, WIDTH)
    lengths = obs.lengths.long()
    mask = torch.arange(items.shape[1])[None, :] < lengths[:, None]
    summed = (items * mask[..., None]).sum(1)
    count = lengths.clamp(min=1) if by_length else torch.full_like(lengths, obs.max_len)
    return summed / count[:, None].float()


class LegacyPlayersModel(TorchModelV2, nn.Module):
    """Our own legacy idiom: a model reading ``input_dict["obs"]`` as RepeatedValues."""

    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.head = nn.Linear(WIDTH, num_outputs)
        self.value_branch = nn.Linear(WIDTH, 1)
        self._pooled = None

    def forward(self, input_dict, state, seq_lens):
        self._pooled = _pooled(input_dict["obs"], by_length=True)
        return self.head(self._pooled), state

    def value_function(self):
        return self.value_branch(self._pooled).squeeze(1)


class MigratedPlayersModule(TorchRLModule, ValueFunctionAPI):
    by_length = True

    def setup(self):
        self.head = nn.Linear(WIDTH, required_input_dim_for_space(self.action_space))
        self.value_branch = nn.Linear(WIDTH, 1)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.head(_pooled(batch[Columns.OBS], self.by_length))}

    def compute_values(self, batch, embeddings=None):
        return self.value_branch(_pooled(batch[Columns.OBS], self.by_length)).squeeze(-1)


class PaddingCountingModule(MigratedPlayersModule):
    """A wrong port: averages over max_len slots, padding included (differs on short rows)."""

    by_length = False


def test_sampled_batches_are_padded_structs_whose_rows_lie_in_the_space():
    batch = sample_observations(SPACE, (6,), np.random.default_rng(0))
    assert set(batch) == {LENGTHS, ITEMS} and batch[LENGTHS].shape == (6,)
    assert batch[ITEMS]["pos"].shape == (6, 4, 2)
    rows = raw_lists(SPACE, batch)
    assert [len(r) for r in rows] == batch[LENGTHS].tolist()
    assert all(SPACE.contains(row) for row in rows)


@settings(max_examples=20, deadline=None)
@given(observations(SPACE, batch_size=st.integers(1, 4)))
def test_module_view_is_what_the_legacy_model_sees(batch):
    preprocessor = ModelCatalog.get_preprocessor_for_space(SPACE)
    flat = torch.from_numpy(preprocessor.transform_batch(raw_lists(SPACE, batch)))
    legacy = ModelCatalog.get_model_v2(  # the legacy model restores the flat obs itself
        preprocessor.observation_space, ACTIONS, 3, {"custom_model": LegacyPlayersModel},
        framework="torch",
    )
    seen: dict = {}
    legacy.forward = lambda input_dict, state, seq_lens: (seen.setdefault("obs", input_dict["obs"]), state)
    legacy({"obs": flat}, [], None)
    view = module_view(SPACE, batch)
    assert isinstance(view, RepeatedValues) and view.max_len == 4
    assert torch.equal(view.lengths, seen["obs"].lengths)
    for key in ("pos", "kind"):
        assert torch.equal(view.values[key], seen["obs"].values[key])


def test_a_repeated_reading_pair_is_proven_and_a_wrong_port_is_caught():
    report = assert_equivalent(
        LegacyPlayersModel, MigratedPlayersModule, observation_space=SPACE, action_space=ACTIONS,
        examples=15,
    )
    assert "action_dist_inputs" in report.compared and "values" in report.compared
    with pytest.raises(EquivalenceError):
        assert_equivalent(
            LegacyPlayersModel, PaddingCountingModule, observation_space=SPACE,
            action_space=ACTIONS, examples=15,
        )


def test_a_repeated_nested_in_a_dict_is_refused_by_position():
    with pytest.raises(TypeError, match=r"observation space\['players'\] is Repeated"):
        require_top_level(gym.spaces.Dict({"players": SPACE}))
    require_top_level(SPACE)  # the whole space is fine


def test_raw_lists_refuses_a_plain_array_and_an_overlong_row():
    with pytest.raises(ValueError, match="must be"):
        raw_lists(SPACE, np.zeros((2, 4)))
    bad = sample_observations(SPACE, (1,), np.random.default_rng(1))
    bad[LENGTHS][0] = 9
    with pytest.raises(ValueError, match="length 9 outside 0..4"):
        raw_lists(SPACE, bad)
