"""Model configs: ``output_dims`` agrees with what ``build()`` computes; bad configs say what to set."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.models.configs import (
    ActorCriticEncoderConfig,
    CNNEncoderConfig,
    FreeLogStdMLPHeadConfig,
    MLPEncoderConfig,
    MLPHeadConfig,
    RecurrentEncoderConfig,
)


@settings(max_examples=30, deadline=None)
@given(
    input_dim=st.integers(1, 8),
    hiddens=st.lists(st.integers(1, 8), max_size=3),
    output_dim=st.one_of(st.none(), st.integers(1, 8)),
    batch=st.integers(1, 4),
)
def test_mlp_output_dims_match_the_built_network(input_dim, hiddens, output_dim, batch):
    cfg = MLPEncoderConfig(input_dims=[input_dim], hidden_layer_dims=hiddens, output_layer_dim=output_dim)
    if not hiddens and output_dim is None:
        with pytest.raises(ValueError, match="set output_layer_dim or a non-empty hidden_layer_dims"):
            cfg.build()
        return
    out = cfg.build()({"obs": torch.randn(batch, input_dim)})["encoder_out"]
    assert tuple(out.shape) == (batch, *cfg.output_dims)


filter_entries = st.tuples(
    st.integers(1, 4), st.integers(1, 3), st.integers(1, 2), st.sampled_from(["same", "valid"])
).map(list)


@settings(max_examples=30, deadline=None)
@given(side=st.integers(4, 12), channels=st.integers(1, 3), filters=st.lists(filter_entries, min_size=1, max_size=3))
def test_cnn_output_dims_match_the_built_network(side, channels, filters):
    cfg = CNNEncoderConfig(input_dims=[side, side + 1, channels], cnn_filter_specifiers=filters)
    try:
        _ = cfg.output_dims
    except ValueError as err:  # a "valid" kernel larger than what earlier layers left
        assert "does not fit" in str(err)
        return
    out = cfg.build()({"obs": torch.rand(2, side, side + 1, channels)})["encoder_out"]
    assert tuple(out.shape) == (2, *cfg.output_dims)
    unflat = CNNEncoderConfig(input_dims=[side, side + 1, channels], cnn_filter_specifiers=filters, flatten_at_end=False)
    assert math.prod(unflat.output_dims) == cfg.output_dims[0]


def test_mlp_needs_1d_input_dims():
    with pytest.raises(ValueError, match=r"input_dims must be 1-D like \[n\], got \[2, 3\]"):
        MLPHeadConfig(input_dims=[2, 3], output_layer_dim=1).build()


def test_free_log_std_head_needs_an_even_output():
    with pytest.raises(ValueError, match="even output size.*got 3"):
        FreeLogStdMLPHeadConfig(input_dims=[4], hidden_layer_dims=[], output_layer_dim=3).build()


def test_cnn_needs_3d_input_dims():
    with pytest.raises(ValueError, match=r"3-D \(D1, D2, channels\)"):
        CNNEncoderConfig(input_dims=[8, 8]).build()


def test_cnn_filter_too_large_for_the_image_is_explained():
    with pytest.raises(ValueError, match="does not fit"):
        CNNEncoderConfig(input_dims=[4, 4, 1], cnn_filter_specifiers=[[2, 5, 1, "valid"]]).build()


def test_bad_filter_entry_is_explained():
    with pytest.raises(ValueError, match=r"\[out_channels, kernel, stride\]"):
        CNNEncoderConfig(input_dims=[4, 4, 1], cnn_filter_specifiers=[[2, 5]]).build()


def test_recurrent_layer_type_is_checked():
    with pytest.raises(ValueError, match="'lstm' or 'gru', got 'rnn'"):
        RecurrentEncoderConfig(input_dims=[3], hidden_dim=4, recurrent_layer_type="rnn").build()


def test_recurrent_hidden_dim_is_required():
    with pytest.raises(ValueError, match="lstm_cell_size"):
        RecurrentEncoderConfig(input_dims=[3]).build()


def test_only_torch_is_buildable():
    with pytest.raises(ValueError, match="only framework='torch'"):
        MLPHeadConfig(input_dims=[2], output_layer_dim=1).build(framework="tf2")


def test_actor_critic_config_without_base_is_explained():
    with pytest.raises(ValueError, match="base_encoder_config is not set"):
        ActorCriticEncoderConfig().build()


@pytest.mark.parametrize("shared", [True, False])
def test_actor_critic_encoder_layout(shared):
    base = MLPEncoderConfig(input_dims=[3], hidden_layer_dims=[4])
    enc = ActorCriticEncoderConfig(base_encoder_config=base, shared=shared).build()
    out = enc({"obs": torch.randn(5, 3)})["encoder_out"]
    assert set(out) == {"actor", "critic"}
    assert out["actor"].shape == out["critic"].shape == (5, 4)
    assert (out["actor"] is out["critic"]) == shared


def test_inference_only_separate_encoder_builds_no_critic():
    base = MLPEncoderConfig(input_dims=[3], hidden_layer_dims=[4])
    enc = ActorCriticEncoderConfig(base_encoder_config=base, shared=False, inference_only=True).build()
    assert not any(key.startswith("critic_encoder") for key in enc.state_dict())
    assert set(enc({"obs": torch.randn(2, 3)})["encoder_out"]) == {"actor"}
