"""The two building blocks every default network is made of: an MLP and a CNN stack.

Attribute names (``mlp``, ``cnn``) and the order of layers inside the ``nn.Sequential``
follow RLlib's default models, so a state dict exported from RLlib
(``encoder.encoder.net.mlp.0.weight``, ``...net.0.cnn.1.weight``) loads here unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn as nn

from rlmigrate.models.torch.utils import (
    apply_initializer,
    get_activation_fn,
    same_padding,
    valid_padding,
)
from rlmigrate.models.torch.versioning import StructureVersioned

Initializer = str | Callable[..., Any] | None


class TorchMLP(StructureVersioned):
    """Dense layers ``input_dim -> hidden_layer_dims... -> [output_dim]``.

    Hidden layers share one activation (and optional LayerNorm before it); an optional
    extra output layer has its own activation and no LayerNorm. With no hidden dims and no
    output dim the MLP is the identity.

    Shapes: input ``(..., input_dim)`` (any leading dims, e.g. ``(B,)`` or ``(B, T)``),
    output ``(..., output_dim or hidden_layer_dims[-1] or input_dim)``. The input is cast
    to float32 first, so integer observations work.

    Example:
        >>> mlp = TorchMLP(input_dim=4, hidden_layer_dims=[8], output_dim=2)
        >>> mlp(torch.zeros(3, 4)).shape
        torch.Size([3, 2])
    """

    def __init__(
        self,
        *,
        input_dim: int,
        hidden_layer_dims: Sequence[int],
        hidden_layer_activation: str | Callable[..., Any] | None = "relu",
        hidden_layer_use_bias: bool = True,
        hidden_layer_use_layernorm: bool = False,
        hidden_layer_weights_initializer: Initializer = None,
        hidden_layer_weights_initializer_config: dict[str, Any] | None = None,
        hidden_layer_bias_initializer: Initializer = None,
        hidden_layer_bias_initializer_config: dict[str, Any] | None = None,
        output_dim: int | None = None,
        output_use_bias: bool = True,
        output_activation: str | Callable[..., Any] | None = "linear",
        output_weights_initializer: Initializer = None,
        output_weights_initializer_config: dict[str, Any] | None = None,
        output_bias_initializer: Initializer = None,
        output_bias_initializer_config: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if int(input_dim) <= 0:
            raise ValueError(f"TorchMLP input_dim must be > 0, got {input_dim}")
        self.input_dim = int(input_dim)
        hidden_activation = get_activation_fn(hidden_layer_activation)
        final_activation = get_activation_fn(output_activation)

        dims = [self.input_dim, *[int(d) for d in hidden_layer_dims]]
        if output_dim:
            dims.append(int(output_dim))
        layers: list[nn.Module] = []
        for i in range(len(dims) - 1):
            is_output = bool(output_dim) and i == len(dims) - 2
            layer = nn.Linear(
                dims[i], dims[i + 1], bias=output_use_bias if is_output else hidden_layer_use_bias
            )
            if is_output:
                apply_initializer(
                    layer.weight, output_weights_initializer, output_weights_initializer_config
                )
                apply_initializer(
                    layer.bias, output_bias_initializer, output_bias_initializer_config
                )
            else:
                apply_initializer(
                    layer.weight,
                    hidden_layer_weights_initializer,
                    hidden_layer_weights_initializer_config,
                )
                apply_initializer(
                    layer.bias, hidden_layer_bias_initializer, hidden_layer_bias_initializer_config
                )
            layers.append(layer)
            if not is_output:
                if hidden_layer_use_layernorm:
                    layers.append(nn.LayerNorm(dims[i + 1]))
                if hidden_activation is not None:
                    layers.append(hidden_activation())
        if output_dim and final_activation is not None:
            layers.append(final_activation())
        self.mlp = nn.Sequential(*layers)
        self.output_dim = dims[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the MLP to ``(..., input_dim)``; returns ``(..., output_dim)``."""
        if x.shape[-1] != self.input_dim:
            raise ValueError(
                f"TorchMLP expected inputs of shape (..., {self.input_dim}), got {tuple(x.shape)}"
            )
        return self.mlp(x.to(torch.float32))


def _unpack_filter(spec: Sequence[Any]) -> tuple[int, Any, Any, str]:
    if len(spec) == 3:
        out_channels, kernel, stride = spec
        padding = "same"
    elif len(spec) == 4:
        out_channels, kernel, stride, padding = spec
    else:
        raise ValueError(
            f"each conv_filters entry must be [out_channels, kernel, stride] or "
            f"[out_channels, kernel, stride, 'same'|'valid'], got {list(spec)!r}"
        )
    if padding not in ("same", "valid"):
        raise ValueError(f"conv padding must be 'same' or 'valid', got {padding!r} in {list(spec)!r}")
    return int(out_channels), kernel, stride, padding


def cnn_output_dims(input_dims: Sequence[int], filter_specifiers: Sequence[Sequence[Any]]) -> tuple[int, int, int]:
    """Spatial output ``(D1, D2, C)`` of a CNN stack applied to a ``(D1, D2, C)`` image."""
    if len(input_dims) != 3:
        raise ValueError(f"a CNN needs 3-D (D1, D2, channels) input dims, got {tuple(input_dims)}")
    size = (int(input_dims[0]), int(input_dims[1]))
    depth = int(input_dims[2])
    for spec in filter_specifiers:
        out_channels, kernel, stride, padding = _unpack_filter(spec)
        if padding == "same":
            _, size = same_padding(size, kernel, stride)
        else:
            size = valid_padding(size, kernel, stride)
        depth = out_channels
    return size[0], size[1], depth


class TorchCNN(nn.Module):
    """A stack of Conv2d layers over channels-last images, no flatten.

    "same" layers get a ``nn.ZeroPad2d`` before the conv (always, even when it pads
    nothing, to keep RLlib's layer indices), then optional LayerNorm, then the activation.

    Shapes: input ``(B, D1, D2, C)`` (channels last, any dtype; cast to float32), output
    ``(B, D1', D2', C')`` channels last.

    Example:
        >>> cnn = TorchCNN(input_dims=(10, 10, 3), cnn_filter_specifiers=[[4, 3, 2]])
        >>> cnn(torch.zeros(2, 10, 10, 3)).shape
        torch.Size([2, 5, 5, 4])
    """

    def __init__(
        self,
        *,
        input_dims: Sequence[int],
        cnn_filter_specifiers: Sequence[Sequence[Any]],
        cnn_use_bias: bool = True,
        cnn_use_layernorm: bool = False,
        cnn_activation: str | Callable[..., Any] | None = "relu",
        cnn_kernel_initializer: Initializer = None,
        cnn_kernel_initializer_config: dict[str, Any] | None = None,
        cnn_bias_initializer: Initializer = None,
        cnn_bias_initializer_config: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        if len(input_dims) != 3:
            raise ValueError(f"TorchCNN needs 3-D (D1, D2, channels) input dims, got {tuple(input_dims)}")
        if not cnn_filter_specifiers:
            raise ValueError("TorchCNN needs at least one conv_filters entry, got none")
        activation = get_activation_fn(cnn_activation)
        self.input_dims = tuple(int(d) for d in input_dims)
        size = self.input_dims[:2]
        depth = self.input_dims[2]
        layers: list[nn.Module] = []
        for spec in cnn_filter_specifiers:
            out_channels, kernel, stride, padding = _unpack_filter(spec)
            if padding == "same":
                pads, size = same_padding(size, kernel, stride)
                layers.append(nn.ZeroPad2d(pads))
            else:
                size = valid_padding(size, kernel, stride)
            conv = nn.Conv2d(depth, out_channels, kernel, stride, bias=cnn_use_bias)
            apply_initializer(conv.weight, cnn_kernel_initializer, cnn_kernel_initializer_config)
            apply_initializer(conv.bias, cnn_bias_initializer, cnn_bias_initializer_config)
            layers.append(conv)
            if cnn_use_layernorm:
                layers.append(nn.LayerNorm((out_channels, size[0], size[1])))
            if activation is not None:
                layers.append(activation())
            depth = out_channels
        self.cnn = nn.Sequential(*layers)
        self.output_dims = (size[0], size[1], depth)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, D1, D2, C)`` → ``(B, D1', D2', C')``, both channels last."""
        if x.dim() != 4 or tuple(x.shape[1:]) != self.input_dims:
            raise ValueError(
                f"TorchCNN expected images of shape (B, {', '.join(map(str, self.input_dims))}), "
                f"got {tuple(x.shape)}"
            )
        out = self.cnn(x.to(torch.float32).permute(0, 3, 1, 2))
        return out.permute(0, 2, 3, 1)
