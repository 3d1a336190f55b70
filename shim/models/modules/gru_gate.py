"""``GRUGate``: the gated residual of GTrXL (Parisotto et al. 2019), replacing ``x + f(x)``."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

__all__ = ["GRUGate"]


class GRUGate(nn.Module):
    """``(h, x)`` -> ``(1 - z) * h + z * h_next`` with GRU-style reset/update gates.

    Args:
        dim: feature size of both ``h`` and ``x`` (``(B, T, dim)``).
        init_bias: subtracted from the update gate's pre-activation; a positive value starts
            the gate close to the identity (``h`` passes through).
    """

    def __init__(self, dim: int, init_bias: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name in ("_w_r", "_w_z", "_w_h", "_u_r", "_u_z", "_u_h"):
            weight = nn.Parameter(torch.zeros(dim, dim))
            nn.init.xavier_uniform_(weight)
            self.register_parameter(name, weight)
        self._bias_z = nn.Parameter(torch.full((dim,), float(init_bias)))

    def forward(self, inputs: tuple[torch.Tensor, torch.Tensor], **kwargs: Any) -> torch.Tensor:
        """``inputs = (h, x)``, both ``(..., dim)``; returns ``(..., dim)``."""
        h, x = inputs
        reset = torch.sigmoid(
            torch.tensordot(x, self._w_r, dims=1) + torch.tensordot(h, self._u_r, dims=1)
        )
        update = torch.sigmoid(
            torch.tensordot(x, self._w_z, dims=1)
            + torch.tensordot(h, self._u_z, dims=1)
            - self._bias_z
        )
        candidate = torch.tanh(
            torch.tensordot(x, self._w_h, dims=1) + torch.tensordot(h * reset, self._u_h, dims=1)
        )
        return (1 - update) * h + update * candidate
