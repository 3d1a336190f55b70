"""Causal multi-head self-attention, plain and with Transformer-XL relative positions + memory.

Shapes: inputs ``(B, T, in_dim)``; memory ``(B, Tau, in_dim)``; outputs ``(B, T, out_dim)``.
Each position attends to itself and earlier positions only (memory counts as earlier).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from shim.models.misc import SlimFC

__all__ = ["MultiHeadAttention", "RelativeMultiHeadAttention", "RelativePositionEmbedding"]

_NEG = 1e30  # masked scores: score * mask - 1e30 * (1 - mask), as Ray computes them


def _causal_mask(first: int, count: int, width: int, dtype: torch.dtype) -> torch.Tensor:
    """``(1, count, width, 1)``: row ``i`` sees columns ``< first + i``."""
    lengths = torch.arange(first, first + count)
    mask = torch.arange(width).unsqueeze(0) < lengths.unsqueeze(1)
    return mask.to(dtype)[None, :, :, None]


def _attend(score: torch.Tensor, mask: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    masked = score * mask + _NEG * (mask.float() - 1.0)
    weights = nn.functional.softmax(masked, dim=2)
    out = torch.einsum("bijh,bjhd->bihd", weights, values)
    return out.reshape(list(out.shape[:2]) + [out.shape[2] * out.shape[3]])


class MultiHeadAttention(nn.Module):
    """Causal multi-head self-attention (Vaswani et al. 2017) over ``(B, T, in_dim)``.

    Args:
        in_dim: input features; out_dim: output features;
        num_heads: heads ``H``; head_dim: features per head ``D``.
    """

    def __init__(
        self, in_dim: int, out_dim: int, num_heads: int, head_dim: int, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._num_heads = num_heads
        self._head_dim = head_dim
        self._qkv_layer = SlimFC(in_size=in_dim, out_size=3 * num_heads * head_dim, use_bias=False)
        self._linear_layer = SlimFC(in_size=num_heads * head_dim, out_size=out_dim, use_bias=False)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, T, in_dim)`` -> ``(B, T, out_dim)``."""
        steps, heads, dim = inputs.shape[1], self._num_heads, self._head_dim
        queries, keys, values = torch.chunk(self._qkv_layer(inputs), chunks=3, dim=-1)
        queries = queries[:, -steps:].reshape(-1, steps, heads, dim)
        keys = keys.reshape(-1, steps, heads, dim)
        values = values.reshape(-1, steps, heads, dim)
        score = torch.einsum("bihd,bjhd->bijh", queries, keys) / dim**0.5
        mask = _causal_mask(1, steps, steps, score.dtype)
        return self._linear_layer(_attend(score, mask, values))


class RelativePositionEmbedding(nn.Module):
    """Sinusoid encodings ``Phi`` of the relative distances ``L-1 .. 0``: ``(L, 1, out_dim)``."""

    def __init__(self, out_dim: int, **kwargs: Any) -> None:
        super().__init__()
        self.out_dim = out_dim
        inverse_freq = 1 / (10000 ** (torch.arange(0, out_dim, 2.0) / out_dim))
        self.register_buffer("inverse_freq", inverse_freq)

    def forward(self, seq_length: int) -> torch.Tensor:
        positions = torch.arange(seq_length - 1, -1, -1.0, dtype=torch.float).to(
            self.inverse_freq.device
        )
        angles = torch.einsum("i,j->ij", positions, self.inverse_freq)
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)[:, None, :]


class RelativeMultiHeadAttention(nn.Module):
    """Transformer-XL attention (Dai et al. 2019) with relative positions over memory + segment.

    Args:
        in_dim: input features; out_dim: output ("attention") features;
        num_heads: ``H``; head_dim: ``D``;
        input_layernorm: LayerNorm over ``[memory; inputs]`` first (True in GTrXL);
        output_activation: activation of the output projection (``"relu"`` in GTrXL).
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        num_heads: int,
        head_dim: int,
        input_layernorm: bool = False,
        output_activation: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._num_heads = num_heads
        self._head_dim = head_dim
        self._qkv_layer = SlimFC(in_size=in_dim, out_size=3 * num_heads * head_dim, use_bias=False)
        self._linear_layer = SlimFC(
            in_size=num_heads * head_dim,
            out_size=out_dim,
            use_bias=False,
            activation_fn=output_activation,
        )
        self._uvar = nn.Parameter(torch.zeros(num_heads, head_dim))
        self._vvar = nn.Parameter(torch.zeros(num_heads, head_dim))
        nn.init.xavier_uniform_(self._uvar)
        nn.init.xavier_uniform_(self._vvar)
        self._pos_proj = SlimFC(in_size=in_dim, out_size=num_heads * head_dim, use_bias=False)
        self._rel_pos_embedding = RelativePositionEmbedding(out_dim)
        self._input_layernorm = torch.nn.LayerNorm(in_dim) if input_layernorm else None

    def forward(self, inputs: torch.Tensor, memory: torch.Tensor | None = None) -> torch.Tensor:
        """``inputs (B, T, in_dim)``, ``memory (B, Tau, in_dim)`` -> ``(B, T, out_dim)``."""
        steps, heads, dim = inputs.shape[1], self._num_heads, self._head_dim
        if memory is None:
            raise ValueError("RelativeMultiHeadAttention needs memory (B, Tau, in_dim)")
        tau = memory.shape[1]
        inputs = torch.cat((memory.detach(), inputs), dim=1)
        if self._input_layernorm is not None:
            inputs = self._input_layernorm(inputs)
        queries, keys, values = torch.chunk(self._qkv_layer(inputs), chunks=3, dim=-1)
        queries = queries[:, -steps:].reshape(-1, steps, heads, dim)
        keys = keys.reshape(-1, tau + steps, heads, dim)
        values = values.reshape(-1, tau + steps, heads, dim)
        rel = self._pos_proj(self._rel_pos_embedding(tau + steps)).reshape(tau + steps, heads, dim)
        score = torch.einsum("bihd,bjhd->bijh", queries + self._uvar, keys)
        pos_score = torch.einsum("bihd,jhd->bijh", queries + self._vvar, rel)
        score = (score + self.rel_shift(pos_score)) / dim**0.5
        mask = _causal_mask(tau + 1, steps, tau + steps, score.dtype).to(score.device)
        return self._linear_layer(_attend(score, mask, values))

    @staticmethod
    def rel_shift(x: torch.Tensor) -> torch.Tensor:
        """Aligns relative-position scores ``(B, T, T', H)``: row ``i`` shifted by ``T - 1 - i``."""
        size = list(x.shape)
        x = torch.nn.functional.pad(x, (0, 0, 1, 0, 0, 0, 0, 0))
        x = x.reshape(size[0], size[2] + 1, size[1], size[3])[:, 1:, :, :]
        return x.reshape(size)
