"""Beyond RLlib: one-hot, flatten and multi-input (Dict/Tuple) encoders."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.acting import to_tensor_struct
from rlmigrate.models.catalog import Catalog
from rlmigrate.models.input_configs import OneHotEncoderConfig
from rlmigrate.testing.strategies import observations, spaces

SMALL = {"fcnet_hiddens": [6, 5], "conv_filters": [[2, 1, 1]]}


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 6), start=st.integers(-3, 3), data=st.data())
def test_discrete_one_hot_marks_value_minus_start(n, start, data):
    values = data.draw(st.lists(st.integers(start, start + n - 1), min_size=1, max_size=5))
    enc = OneHotEncoderConfig(input_dims=[], nvec=[n], starts=[start]).build()
    out = enc({"obs": torch.tensor(values)})["encoder_out"]
    assert out.shape == (len(values), n)
    assert torch.equal(out.argmax(-1), torch.tensor(values) - start)
    assert torch.all(out.sum(-1) == 1)


def test_multi_discrete_one_hots_are_concatenated_per_component():
    enc = OneHotEncoderConfig(input_dims=[2], nvec=[3, 2]).build()
    out = enc({"obs": torch.tensor([[2, 0], [0, 1]])})["encoder_out"]
    assert out.tolist() == [[0, 0, 1, 1, 0], [1, 0, 0, 0, 1]]


def test_out_of_range_discrete_value_is_refused_with_the_range():
    enc = OneHotEncoderConfig(input_dims=[], nvec=[3], starts=[1]).build()
    with pytest.raises(ValueError, match=r"outside \[1, 3\]: min 0"):
        enc({"obs": torch.tensor([0, 1])})


@settings(max_examples=30, deadline=None)
@given(space=spaces(max_depth=2, max_leaf_size=4, max_rank=3, dtypes=(np.float32,)), data=st.data())
def test_catalog_encoder_gives_latent_dims_for_any_generated_space(space, data):
    catalog = Catalog(space, gym.spaces.Discrete(2), SMALL)
    encoder = catalog.build_encoder()
    obs = to_tensor_struct(data.draw(observations(space, batch_size=3)))
    out = encoder({"obs": obs})["encoder_out"]
    assert tuple(out.shape) == (3, *catalog.latent_dims)
    assert torch.isfinite(out).all()


def test_dict_leaves_are_concatenated_in_space_order():
    space = gym.spaces.Dict({"b": gym.spaces.Discrete(2), "a": gym.spaces.Box(-1, 1, (1,))})
    catalog = Catalog(space, gym.spaces.Discrete(2), {"fcnet_hiddens": []})
    enc = catalog.build_encoder()
    out = enc({"obs": {"a": torch.tensor([[0.5]]), "b": torch.tensor([1])}})["encoder_out"]
    assert out.tolist() == [[0.5, 0.0, 1.0]]  # "a" before "b": gymnasium sorts Dict keys


def test_missing_dict_key_names_the_path_and_what_came():
    space = gym.spaces.Dict({"pos": gym.spaces.Box(-1, 1, (2,)), "vel": gym.spaces.Box(-1, 1, (2,))})
    enc = Catalog(space, gym.spaces.Discrete(2), SMALL).build_encoder()
    with pytest.raises(KeyError, match="no entry 'vel'.*found \\['pos'\\]"):
        enc({"obs": {"pos": torch.zeros(1, 2)}})


def test_leaf_names_that_shadow_module_attributes_still_build():
    space = gym.spaces.Dict({"eval": gym.spaces.Box(0, 1, (2, 2, 1)), "to": gym.spaces.Discrete(3)})
    enc = Catalog(space, gym.spaces.Discrete(2), SMALL).build_encoder()
    assert any(key.startswith("leaf_encoders.eval_.") for key in enc.state_dict())
    out = enc({"obs": {"eval": torch.zeros(4, 2, 2, 1), "to": torch.tensor([0, 1, 2, 0])}})["encoder_out"]
    assert out.shape == (4, 5)
