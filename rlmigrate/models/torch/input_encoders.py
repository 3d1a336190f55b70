"""Beyond RLlib: torch encoders for Discrete/MultiDiscrete/MultiBinary/Dict/Tuple inputs.

``TorchMultiInputEncoder`` runs one sub-encoder per leaf of the observation space (a CNN
for image leaves, one-hot for discrete leaves, flatten for vectors), concatenates the
results in the space's leaf order and applies an MLP (``net``, named as in the MLP
encoder so the fusion layers have the familiar ``net.mlp.<i>`` keys).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from rlmigrate.core.columns import Columns
from rlmigrate.core.constants import ENCODER_OUT
from rlmigrate.models.space_utils import get_leaf, leaf_spaces, path_name
from rlmigrate.models.torch.primitives import TorchMLP

if TYPE_CHECKING:
    from rlmigrate.models.input_configs import (
        FlattenEncoderConfig,
        MultiInputEncoderConfig,
        OneHotEncoderConfig,
    )


class TorchOneHotEncoder(nn.Module):
    """Integer ``(B, *input_dims)`` → float one-hots concatenated to ``(B, sum(nvec))``.

    Values outside ``[start, start + n)`` raise a ``ValueError`` naming the component
    (a silent wrong one-hot would be far harder to find).
    """

    def __init__(self, config: OneHotEncoderConfig) -> None:
        super().__init__()
        self.config = config
        self._nvec = [int(n) for n in config.nvec]
        starts = list(config.starts) if config.starts is not None else [0] * len(self._nvec)
        self._starts = [int(s) for s in starts]
        self._sample_ndim = len(tuple(config.input_dims or ()))

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> dict[str, torch.Tensor]:
        obs = torch.as_tensor(inputs[Columns.OBS])
        batch_shape = obs.shape[: obs.dim() - self._sample_ndim]
        flat = obs.reshape(*batch_shape, len(self._nvec)).long()
        parts = []
        for i, (n, start) in enumerate(zip(self._nvec, self._starts)):
            values = flat[..., i] - start
            if values.numel() and (values.min() < 0 or values.max() >= n):
                raise ValueError(
                    f"discrete observation component {i} has values outside "
                    f"[{start}, {start + n - 1}]: min {int(values.min()) + start}, "
                    f"max {int(values.max()) + start}"
                )
            parts.append(F.one_hot(values, n).to(torch.float32))
        return {ENCODER_OUT: torch.cat(parts, dim=-1)}


class TorchFlattenEncoder(nn.Module):
    """Float ``(B, *input_dims)`` → ``(B, prod(input_dims))``."""

    def __init__(self, config: FlattenEncoderConfig) -> None:
        super().__init__()
        self.config = config
        self._sample_ndim = len(tuple(config.input_dims or ()))

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> dict[str, torch.Tensor]:
        obs = torch.as_tensor(inputs[Columns.OBS])
        batch_shape = obs.shape[: obs.dim() - self._sample_ndim]
        return {ENCODER_OUT: obs.reshape(*batch_shape, -1).to(torch.float32)}


def _module_key(name: str) -> str:
    """``name`` unless it shadows an ``nn.ModuleDict`` attribute (``"eval"``, ``"to"``, ...)."""
    return name + "_" if hasattr(nn.ModuleDict, name) else name


class TorchMultiInputEncoder(nn.Module):
    """``{OBS: nested obs with leaves (B, ...)}`` → ``{ENCODER_OUT: (B, latent)}``.

    Attributes:
        leaf_encoders: ``nn.ModuleDict`` keyed by leaf name (``"img"``, ``"0/pos"``; a name
            that shadows a ModuleDict attribute such as ``"eval"`` gets a trailing ``_``).
        net: the fusion MLP (identity when the config has no MLP layers).
    """

    def __init__(self, config: MultiInputEncoderConfig) -> None:
        super().__init__()
        self.config = config
        if config.observation_space is None:
            raise ValueError("MultiInputEncoderConfig.observation_space is not set")
        leaves = [(path, path_name(path)) for path, _ in leaf_spaces(config.observation_space)]
        self._leaves = [(path, _module_key(name)) for path, name in leaves]
        if len({key for _, key in self._leaves}) != len(self._leaves):
            raise ValueError(f"observation leaves {[n for _, n in leaves]} give clashing module names")
        self.leaf_encoders = nn.ModuleDict(
            {key: config.leaf_configs[name].build(framework="torch") for (_, name), (_, key) in zip(leaves, self._leaves)}
        )
        self.net = TorchMLP(**config.mlp_kwargs()) if config.has_mlp else nn.Identity()

    def forward(self, inputs: dict[str, Any], **kwargs: Any) -> dict[str, torch.Tensor]:
        obs = inputs[Columns.OBS]
        features = [
            self.leaf_encoders[name]({Columns.OBS: get_leaf(obs, path)})[ENCODER_OUT]
            for path, name in self._leaves
        ]
        return {ENCODER_OUT: self.net(torch.cat(features, dim=-1))}
