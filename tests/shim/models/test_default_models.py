"""Built-in legacy models: RLlib's attribute names (state_dict keys), shapes, value heads."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from shim.models.catalog import ModelCatalog
from shim.models.misc import (
    AppendBiasLayer,
    SlimConv2d,
    SlimFC,
    get_activation_fn,
    get_filter_config,
    normc_initializer,
    same_padding,
)
from shim.models.model_defaults import merge_model_config

BOX = gym.spaces.Box(-1, 1, (5,), np.float32)
ACT = gym.spaces.Discrete(3)


def build(obs: gym.Space, act: gym.Space, **config: object) -> torch.nn.Module:
    cfg = merge_model_config(config)
    _, width = ModelCatalog.get_action_dist(act, cfg)
    return ModelCatalog.get_model_v2(obs, act, width, cfg)


@pytest.mark.parametrize("share", [True, False])
def test_fcnet_keys_shapes_and_value(share: bool) -> None:
    model = build(BOX, ACT, fcnet_hiddens=[8, 6], vf_share_layers=share)
    keys = list(model.state_dict())
    assert keys[:2] == ["_logits._model.0.weight", "_logits._model.0.bias"]
    assert "_hidden_layers.1._model.0.weight" in keys
    assert any(k.startswith("_value_branch_separate.") for k in keys) is (not share)
    logits, _ = model({"obs": torch.zeros(4, 5)})
    assert logits.shape == (4, 3) and model.value_function().shape == (4,)


def test_fcnet_free_log_std_and_no_final_linear() -> None:
    box_act = gym.spaces.Box(-1, 1, (2,), np.float32)
    model = build(BOX, box_act, fcnet_hiddens=[8], free_log_std=True)
    assert "_append_free_log_std.log_std" in model.state_dict()
    logits, _ = model({"obs": torch.zeros(3, 5)})
    assert logits.shape == (3, 4)
    torch.testing.assert_close(logits[:, 2:], torch.zeros(3, 2))  # learned log_std starts at 0
    no_final = build(BOX, ACT, fcnet_hiddens=[8], no_final_linear=True)
    assert no_final._logits is None and no_final({"obs": torch.zeros(2, 5)})[0].shape == (2, 3)


def test_fcnet_without_num_outputs_outputs_features() -> None:
    model = ModelCatalog.get_model_v2(BOX, ACT, None, merge_model_config({"fcnet_hiddens": [7]}))
    assert model.num_outputs == 7 and model({"obs": torch.zeros(2, 5)})[0].shape == (2, 7)


@settings(max_examples=20, deadline=None)
@given(
    share=st.booleans(),
    batch=st.integers(1, 5),
    dtype=st.sampled_from([torch.float32, torch.float64]),
)
def test_fcnet_outputs_and_values_compose_its_own_layers(
    share: bool, batch: int, dtype: torch.dtype
) -> None:
    """forward/value_function read sub-modules from ``_modules`` directly: same result as the
    layers composed by hand, float64 obs cast to float32."""
    torch.manual_seed(batch)
    model = build(BOX, ACT, fcnet_hiddens=[8, 6], vf_share_layers=share)
    obs = torch.randn(batch, 5, dtype=dtype)
    logits, _ = model({"obs": obs})
    x = obs.float()
    features = model._hidden_layers(x)
    torch.testing.assert_close(logits, model._logits(features))
    value_in = features if share else model._value_branch_separate(x)
    torch.testing.assert_close(model.value_function(), model._value_branch(value_in).squeeze(1))


def test_fcnet_uses_a_logits_layer_replaced_after_construction() -> None:
    model = build(BOX, ACT, fcnet_hiddens=[8])
    model._logits = SlimFC(8, 2)
    assert model({"obs": torch.zeros(3, 5)})[0].shape == (3, 2)
    assert "_logits._model.0.weight" in model.state_dict()


@pytest.mark.parametrize("share", [True, False])
def test_visionnet_default_filters_and_value(share: bool) -> None:
    model = build(gym.spaces.Box(0, 1, (10, 10, 3), np.float32), ACT, vf_share_layers=share)
    assert "_convs.0._model.1.weight" in model.state_dict()  # padded conv: ZeroPad2d is index 0
    logits, _ = model({"obs": torch.rand(2, 10, 10, 3)})
    assert logits.shape == (2, 3) and model.value_function().shape == (2,)


def test_visionnet_bad_filters_name_the_shape() -> None:
    model = build(gym.spaces.Box(0, 1, (12, 12, 3), np.float32), ACT, conv_filters=[[4, [3, 3], 2]])
    with pytest.raises(ValueError, match="conv_filters"):
        model({"obs": torch.rand(1, 12, 12, 3)})


def test_complex_input_net_double_registers_like_rllib() -> None:
    space = gym.spaces.Dict(
        {
            "img": gym.spaces.Box(0, 1, (10, 10, 3)),
            "k": gym.spaces.Discrete(4),
            "v": gym.spaces.Box(-1, 1, (2,)),
        }
    )
    flat = ModelCatalog.get_preprocessor_for_space(space).observation_space
    model = build(flat, ACT, fcnet_hiddens=[8])
    keys = list(model.state_dict())
    assert any(k.startswith("cnns.0.") for k in keys) and any(k.startswith("cnn_0.") for k in keys)
    assert any(k.startswith("one_hot_1.") for k in keys) and any(
        k.startswith("flatten_2.") for k in keys
    )
    prep = ModelCatalog.get_preprocessor_for_space(space)
    obs = torch.as_tensor(np.stack([prep.transform(space.sample()) for _ in range(3)]))
    logits, _ = model({"obs": obs})
    assert logits.shape == (3, 3) and model.value_function().shape == (3,)


def test_lstm_wrapper_prev_action_and_reward_inputs() -> None:
    model = build(
        BOX,
        ACT,
        fcnet_hiddens=[8],
        use_lstm=True,
        lstm_cell_size=4,
        lstm_use_prev_action=True,
        lstm_use_prev_reward=True,
    )
    assert model.lstm.input_size == 8 + 3 + 1
    assert {"prev_actions", "prev_rewards"} <= set(model.view_requirements)
    state = [s.expand(2, -1) for s in model.get_initial_state()]
    out, state_out = model(
        {
            "obs": torch.zeros(2, 5),
            "prev_actions": torch.tensor([0, 2]),
            "prev_rewards": torch.tensor([1.0, 0.0]),
        },
        state,
        torch.ones(2, dtype=torch.int32),
    )
    assert out.shape == (2, 3) and [s.shape for s in state_out] == [(2, 4), (2, 4)]
    assert model.value_function().shape == (2,)


def test_misc_blocks() -> None:
    fc = SlimFC(3, 2, normc_initializer(0.5), "relu")
    assert isinstance(fc._model[1], torch.nn.ReLU)
    torch.testing.assert_close(fc._model[0].weight.norm(dim=1), torch.full((2,), 0.5))
    conv = SlimConv2d(3, 4, 3, 1, (1, 1, 1, 1))
    assert conv(torch.zeros(1, 3, 5, 5)).shape == (1, 4, 5, 5)
    assert AppendBiasLayer(2)(torch.zeros(3, 1)).shape == (3, 3)
    assert same_padding((84, 84), 8, 4) == ((2, 2, 2, 2), (21, 21))
    assert get_filter_config((84, 84, 4))[0] == [16, [8, 8], 4]
    with pytest.raises(ValueError, match=r"\[33, 33, 3\]"):
        get_filter_config((33, 33, 3))
    with pytest.raises(ValueError, match="Unknown activation"):
        get_activation_fn("nope")
    assert get_activation_fn("linear") is None and get_activation_fn("swish") is torch.nn.SiLU
