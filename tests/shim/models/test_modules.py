"""The torch building blocks of RLlib's attention nets: causality, gating, residuals, noise."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from shim.models.modules import (
    GRUGate,
    MultiHeadAttention,
    NoisyLayer,
    RelativeMultiHeadAttention,
    SkipConnection,
)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 6), st.integers(0, 4), st.integers(0, 5))
def test_attention_is_causal(steps: int, memory: int, seed: int) -> None:
    torch.manual_seed(seed)
    plain = MultiHeadAttention(in_dim=6, out_dim=5, num_heads=2, head_dim=3)
    relative = RelativeMultiHeadAttention(
        6, 6, 2, 3, input_layernorm=True, output_activation=nn.ReLU
    )
    x = torch.randn(2, steps, 6)
    mem = torch.randn(2, memory, 6)
    changed = x.clone()
    changed[:, -1] += 5.0  # only the last step differs
    with torch.no_grad():
        for first, second in (
            (plain(x), plain(changed)),
            (relative(x, mem), relative(changed, mem)),
        ):
            assert torch.allclose(first[:, :-1], second[:, :-1], atol=1e-6)
            assert first.shape[:2] == (2, steps)


def test_gru_gate_with_a_large_bias_passes_the_state_through() -> None:
    torch.manual_seed(0)
    gate = GRUGate(4, init_bias=50.0)
    h, x = torch.randn(3, 4), torch.randn(3, 4)
    assert torch.allclose(gate((h, x)), h, atol=1e-6)
    assert [n for n, _ in gate.named_parameters()] == [
        "_w_r",
        "_w_z",
        "_w_h",
        "_u_r",
        "_u_z",
        "_u_h",
        "_bias_z",
    ]


def test_skip_connection_adds_or_fans_in() -> None:
    layer = nn.Linear(4, 4)
    x = torch.randn(2, 4)
    assert torch.allclose(SkipConnection(layer)(x), layer(x) + x)
    fan_in = SkipConnection(layer, fan_in_layer=lambda pair: pair[0] * 0 + pair[1])
    assert torch.allclose(fan_in(x), layer(x))


def test_noisy_layer_without_noise_is_a_dense_layer() -> None:
    layer = NoisyLayer(3, 2, sigma0=0.5, activation=None)
    with torch.no_grad():
        layer.sigma_w.zero_()
        layer.sigma_b.zero_()
    x = torch.randn(4, 3)
    assert torch.allclose(layer(x), x @ layer.w + layer.b)
    assert layer.sigma_b.dtype == torch.float32 and layer.w.dtype == torch.float32
