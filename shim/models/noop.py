"""``TorchNoopModel``: returns the flat observation as its output (Ray's ``models.torch.noop``)."""

from __future__ import annotations

import torch
from torch import nn

from shim.models.torch_modelv2 import TorchModelV2

__all__ = ["TorchNoopModel"]


class TorchNoopModel(TorchModelV2, nn.Module):
    """No layers: ``forward`` returns ``input_dict["obs_flat"]`` as float, and no state."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        TorchModelV2.__init__(self, *args, **kwargs)
        nn.Module.__init__(self)

    def forward(self, input_dict: dict, state: list, seq_lens: torch.Tensor) -> tuple:
        """``(B, N)`` flat observations, unchanged (as float), and the state as given."""
        return input_dict["obs_flat"].float(), state
