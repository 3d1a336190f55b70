"""Policy and value heads: an MLP, optionally with clipped or free (learned) log-stds.

Both heads register the buffer ``log_std_clip_param_const`` (it is in ``state_dict()``,
as in RLlib, so ``pi.log_std_clip_param_const`` / ``vf.log_std_clip_param_const`` keys of
RLlib-exported weights load). Inputs may be ``(B, latent)`` or ``(B, T, latent)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn as nn

from rlmigrate.models.torch.primitives import TorchMLP
from rlmigrate.models.torch.versioning import StructureVersioned

if TYPE_CHECKING:
    from rlmigrate.models.configs import FreeLogStdMLPHeadConfig, MLPHeadConfig


class TorchMLPHead(StructureVersioned):
    """``(..., latent) -> (..., out)``; with ``clip_log_std`` the second half of the
    output (the Gaussian log-stds) is clamped to ``±log_std_clip_param``.

    Example:
        >>> from rlmigrate.models.configs import MLPHeadConfig
        >>> head = MLPHeadConfig(input_dims=[8], hidden_layer_dims=[], output_layer_dim=4).build()
        >>> head(torch.zeros(2, 3, 8)).shape
        torch.Size([2, 3, 4])
    """

    log_std_clip_param_const: torch.Tensor  # a registered buffer (in state_dict())

    def __init__(self, config: MLPHeadConfig) -> None:
        super().__init__()
        self.config = config
        self.net = TorchMLP(**config.mlp_kwargs())
        self.clip_log_std = bool(config.clip_log_std)
        self.register_buffer(
            "log_std_clip_param_const", torch.tensor([float(config.log_std_clip_param)])
        )

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.postprocess(self.net(inputs))

    def postprocess(self, out: torch.Tensor) -> torch.Tensor:
        """Clip the log-std half of the MLP output (when ``clip_log_std``)."""
        if not self.clip_log_std:
            return out
        means, log_stds = torch.chunk(out, 2, dim=-1)
        limit = self.log_std_clip_param_const
        return torch.cat([means, torch.clamp(log_stds, -limit, limit)], dim=-1)


class TorchFreeLogStdMLPHead(nn.Module):
    """Means from the MLP, log-stds from a learned vector ``log_std`` (size ``A``).

    Shapes: ``(..., latent) -> (..., 2A)`` = means ``(..., A)`` ++ log-stds broadcast over
    the leading dims (clamped when ``clip_log_std``).
    """

    log_std_clip_param_const: torch.Tensor  # a registered buffer (in state_dict())

    def __init__(self, config: FreeLogStdMLPHeadConfig) -> None:
        super().__init__()
        self.config = config
        half = config.output_dims[0] // 2
        self.net = TorchMLP(**config.mlp_kwargs(output_dim=half))
        self.log_std = nn.Parameter(torch.zeros(half))
        self.clip_log_std = bool(config.clip_log_std)
        self.register_buffer(
            "log_std_clip_param_const", torch.tensor([float(config.log_std_clip_param)])
        )

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        means = self.net(inputs)
        log_std: torch.Tensor = self.log_std
        if self.clip_log_std:
            limit = self.log_std_clip_param_const
            log_std = torch.clamp(log_std, -limit, limit)
        return torch.cat([means, log_std.expand_as(means)], dim=-1)
