"""Stateless torch encoders for Box observations: MLP (1-D) and CNN (images).

Each encoder maps ``{OBS: (B, ...)}`` to ``{ENCODER_OUT: (B, latent)}``. The attribute
``net`` (and, inside it, ``mlp`` / ``0.cnn``) matches RLlib's default encoders, so RLlib
state-dict keys such as ``encoder.encoder.net.mlp.0.weight`` load unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn as nn

from rlmigrate.core.columns import Columns
from rlmigrate.core.constants import ENCODER_OUT
from rlmigrate.models.torch.primitives import TorchCNN, TorchMLP
from rlmigrate.models.torch.versioning import StructureVersioned

if TYPE_CHECKING:
    from rlmigrate.models.configs import CNNEncoderConfig, MLPEncoderConfig


class TorchMLPEncoder(StructureVersioned):
    """``{OBS: (B, n)} -> {ENCODER_OUT: (B, latent)}``; also accepts ``(B, T, n)``.

    Example:
        >>> from rlmigrate.models.configs import MLPEncoderConfig
        >>> enc = MLPEncoderConfig(input_dims=[3], hidden_layer_dims=[8]).build()
        >>> enc({"obs": torch.zeros(2, 3)})["encoder_out"].shape
        torch.Size([2, 8])
    """

    def __init__(self, config: MLPEncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.net = TorchMLP(**config.mlp_kwargs())

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> dict[str, torch.Tensor]:
        return {ENCODER_OUT: self.net(inputs[Columns.OBS])}


class TorchCNNEncoder(nn.Module):
    """``{OBS: (B, D1, D2, C)} -> {ENCODER_OUT: (B, D1'*D2'*C')}`` (channels last).

    ``net`` is ``nn.Sequential(TorchCNN, Flatten)`` (the flatten only with
    ``flatten_at_end``), as in RLlib. A ``(B, D1, D2)`` input (a 2-D Box treated as a
    1-channel image) gets its channel axis added; extra leading dims ``(B, T, ...)`` are
    folded into the batch and restored.
    """

    def __init__(self, config: CNNEncoderConfig) -> None:
        super().__init__()
        self.config = config
        layers: list[nn.Module] = [
            TorchCNN(
                input_dims=config.input_dims,  # type: ignore[arg-type]
                cnn_filter_specifiers=config.cnn_filter_specifiers,
                cnn_use_bias=config.cnn_use_bias,
                cnn_use_layernorm=config.cnn_use_layernorm,
                cnn_activation=config.cnn_activation,
                cnn_kernel_initializer=config.cnn_kernel_initializer,
                cnn_kernel_initializer_config=config.cnn_kernel_initializer_config,
                cnn_bias_initializer=config.cnn_bias_initializer,
                cnn_bias_initializer_config=config.cnn_bias_initializer_config,
            )
        ]
        if config.flatten_at_end:
            layers.append(nn.Flatten())
        self.net = nn.Sequential(*layers)
        self._image_dims = tuple(int(d) for d in config.input_dims)  # type: ignore[union-attr]

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> dict[str, torch.Tensor]:
        obs = inputs[Columns.OBS]
        d1, d2, channels = self._image_dims
        if channels == 1 and tuple(obs.shape[-3:]) != (d1, d2, 1) and tuple(obs.shape[-2:]) == (d1, d2):
            obs = obs.unsqueeze(-1)
        if obs.dim() < 4 or tuple(obs.shape[-3:]) != self._image_dims:
            raise ValueError(
                f"CNN encoder expected images of shape (B, {d1}, {d2}, {channels}) (channels "
                f"last, optionally (B, T, ...)), got {tuple(obs.shape)}"
            )
        leading = obs.shape[:-3]
        out = self.net(obs.reshape(-1, d1, d2, channels))
        return {ENCODER_OUT: out.reshape(*leading, *out.shape[1:])}
