"""Heads: log-std clipping, free log-stds, the RLlib buffer, (B, T) inputs."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.models.configs import FreeLogStdMLPHeadConfig, MLPHeadConfig


@settings(max_examples=25, deadline=None)
@given(half=st.integers(1, 4), clip=st.floats(0.1, 5.0), scale=st.floats(1.0, 100.0), lead=st.sampled_from([(3,), (2, 3)]))
def test_clipped_head_clamps_only_the_log_std_half(half, clip, scale, lead):
    head = MLPHeadConfig(
        input_dims=[4], hidden_layer_dims=[], output_layer_dim=2 * half, clip_log_std=True, log_std_clip_param=clip
    ).build()
    x = torch.randn(*lead, 4) * scale
    raw = head.net(x)
    out = head(x)
    assert out.shape == (*lead, 2 * half)
    torch.testing.assert_close(out[..., :half], raw[..., :half])
    torch.testing.assert_close(out[..., half:], raw[..., half:].clamp(-clip, clip))


def test_unclipped_head_is_the_plain_mlp_and_still_has_the_buffer():
    head = MLPHeadConfig(input_dims=[4], hidden_layer_dims=[3], output_layer_dim=1).build()
    x = torch.randn(6, 4) * 100
    torch.testing.assert_close(head(x), head.net(x))
    assert head.state_dict()["log_std_clip_param_const"].tolist() == [20.0]


@settings(max_examples=20, deadline=None)
@given(half=st.integers(1, 4), lead=st.sampled_from([(3,), (2, 5)]))
def test_free_log_std_head_appends_the_learned_vector(half, lead):
    head = FreeLogStdMLPHeadConfig(input_dims=[4], hidden_layer_dims=[5], output_layer_dim=2 * half).build()
    with torch.no_grad():
        head.log_std.copy_(torch.arange(half, dtype=torch.float32))
    out = head(torch.randn(*lead, 4))
    assert out.shape == (*lead, 2 * half)
    torch.testing.assert_close(out[..., half:], torch.arange(half, dtype=torch.float32).expand(*lead, half))


def test_free_log_std_gets_gradients():
    head = FreeLogStdMLPHeadConfig(input_dims=[2], hidden_layer_dims=[], output_layer_dim=4).build()
    head(torch.randn(3, 2)).sum().backward()
    assert head.log_std.grad is not None and torch.all(head.log_std.grad == 3.0)
