"""Recurrent encoders: state layout, state carried across calls, tokenizer over any space."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.acting import to_tensor_struct
from rlmigrate.core.nest import map_struct
from rlmigrate.models.catalog import Catalog
from rlmigrate.testing.strategies import observations, spaces


def _state(encoder, batch):
    return {k: v.unsqueeze(0).expand(batch, *v.shape).clone() for k, v in encoder.get_initial_state().items()}


@pytest.mark.parametrize("layer, keys", [("lstm", {"h", "c"}), ("gru", {"h"})])
def test_initial_state_and_state_out_layout(layer, keys):
    cfg = {"use_lstm": True, "lstm_cell_size": 5, "recurrent_layer_type": layer, "fcnet_hiddens": [4]}
    enc = Catalog(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), cfg).build_encoder()
    assert set(enc.get_initial_state()) == keys
    assert all(v.shape == (1, 5) for v in enc.get_initial_state().values())
    out = enc({"obs": torch.randn(2, 7, 3), "state_in": _state(enc, 2)})
    assert out["encoder_out"].shape == (2, 7, 5)
    assert {k: tuple(v.shape) for k, v in out["state_out"].items()} == {k: (2, 1, 5) for k in keys}
    assert hasattr(enc, layer)


@settings(max_examples=15, deadline=None)
@given(
    space=spaces(max_depth=1, max_leaf_size=3, max_rank=1, dtypes=(np.float32,)),
    layer=st.sampled_from(["lstm", "gru"]),
    data=st.data(),
)
def test_one_long_call_equals_step_by_step_calls(space, layer, data):
    cfg = {"use_lstm": True, "lstm_cell_size": 4, "recurrent_layer_type": layer, "fcnet_hiddens": [3]}
    enc = Catalog(space, gym.spaces.Discrete(2), cfg).build_encoder()
    obs = to_tensor_struct(data.draw(observations(space, batch_size=2, time=3)))
    whole = enc({"obs": obs, "state_in": _state(enc, 2)})
    state = _state(enc, 2)
    steps = []
    for t in range(3):
        out = enc({"obs": map_struct(lambda x, t=t: x[:, t : t + 1], obs), "state_in": state})
        steps.append(out["encoder_out"])
        state = out["state_out"]
    torch.testing.assert_close(torch.cat(steps, dim=1), whole["encoder_out"])
    for key in state:
        torch.testing.assert_close(state[key], whole["state_out"][key])


def test_missing_state_in_says_what_to_pass():
    enc = Catalog(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), {"use_lstm": True, "lstm_cell_size": 2}).build_encoder()
    with pytest.raises(KeyError, match="state_in.*keys \\['h', 'c'\\].*get_initial_state"):
        enc({"obs": torch.zeros(1, 1, 3)})


def test_missing_time_axis_is_explained():
    space = gym.spaces.Discrete(4)
    enc = Catalog(space, gym.spaces.Discrete(2), {"use_lstm": True, "lstm_cell_size": 2}).build_encoder()
    with pytest.raises(ValueError, match=r"\(B, T, \.\.\.\)"):
        enc({"obs": torch.tensor([1, 2]), "state_in": _state(enc, 2)})


def test_lstm_initializers_are_applied_to_weights_and_biases():
    cfg = {"use_lstm": True, "lstm_cell_size": 3, "lstm_kernel_initializer": "ones_", "lstm_bias_initializer": "zeros_"}
    enc = Catalog(gym.spaces.Box(-1, 1, (2,)), gym.spaces.Discrete(2), cfg).build_encoder()
    for name, param in enc.lstm.named_parameters():
        expected = 1.0 if name.startswith("weight") else 0.0
        assert torch.all(param == expected), name
