"""``SkipConnection``: ``layer(x) + x``, or ``fan_in_layer((x, layer(x)))`` (e.g. a GRUGate)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

__all__ = ["SkipConnection"]


class SkipConnection(nn.Module):
    """Residual wrapper around ``layer``.

    Args:
        layer: any module mapping the input to an output of the same shape.
        fan_in_layer: optional module taking ``(input, layer_output)``; replaces the sum.
    """

    def __init__(
        self, layer: nn.Module, fan_in_layer: nn.Module | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._layer = layer
        self._fan_in_layer = fan_in_layer

    def forward(self, inputs: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        outputs = self._layer(inputs, **kwargs)
        if self._fan_in_layer is None:
            return outputs + inputs
        return self._fan_in_layer((inputs, outputs))
