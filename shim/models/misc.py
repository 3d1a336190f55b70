"""Small torch building blocks of the legacy model zoo (``ray.rllib.models.torch.misc``).

The class and attribute names (``SlimFC._model``, ``AppendBiasLayer.log_std``) are part of the
``state_dict`` keys that RLlib's ``Policy.get_weights()`` produced, so trained legacy weights load
into the shim's models unchanged. Keep them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

Initializer = Callable[[torch.Tensor], Any]

_ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "swish": nn.SiLU,
    "silu": nn.SiLU,
}


def get_activation_fn(name: str | Callable | None = None, framework: str = "torch") -> Any:
    """Maps an activation name (``"relu"``, ``"tanh"``, ``"elu"``, ``"swish"``/``"silu"``,
    ``"linear"``/None, or any ``torch.nn`` class name) to a torch module class.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    if callable(name):
        return name
    if name is None or (isinstance(name, str) and name.lower() == "linear"):
        return None
    if framework not in ("torch", "tf", "tf2"):
        raise ValueError(f"get_activation_fn: framework must be 'torch', got {framework!r}")
    direct = getattr(nn, name, None)
    if isinstance(direct, type) and issubclass(direct, nn.Module):
        return direct
    found = _ACTIVATIONS.get(name.lower())
    if found is None:
        raise ValueError(
            f"Unknown activation {name!r}; expected one of {sorted(_ACTIVATIONS)}, 'linear', "
            "None, or a torch.nn class name"
        )
    return found


def get_initializer(name: str | Callable | None, framework: str = "torch") -> Callable:
    """torch initializer for ``name``: None/"default"/"xavier_uniform" -> ``xavier_uniform_``,
    "xavier_normal" -> ``xavier_normal_``; a callable is returned as is.

    Raises:
        ValueError: an unknown name, or a framework other than torch.
    """
    if callable(name):
        return name
    if framework == "torch":
        if name in (None, "default", "xavier_uniform"):
            return nn.init.xavier_uniform_
        if name == "xavier_normal":
            return nn.init.xavier_normal_
    raise ValueError(f"Unknown activation ({name}) for framework={framework}! (the shim is torch only)")


def normc_initializer(std: float = 1.0) -> Initializer:
    """Returns an in-place initializer: normal weights, each row rescaled to norm ``std``."""

    def initializer(tensor: torch.Tensor) -> None:
        with torch.no_grad():
            tensor.normal_(0.0, 1.0)
            tensor.mul_(std / torch.sqrt(tensor.pow(2).sum(1, keepdim=True)))

    return initializer


def same_padding(
    in_size: Sequence[int], filter_size: int | Sequence[int], stride_size: int | Sequence[int]
) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """TF-style "same" padding for a conv layer.

    Returns:
        ``(left, right, top, bottom)`` padding for ``nn.ZeroPad2d`` and the output ``(H, W)``.
    """
    in_height, in_width = int(in_size[0]), int(in_size[1])
    if isinstance(filter_size, int):
        filter_height = filter_width = filter_size
    else:
        filter_height, filter_width = filter_size
    if isinstance(stride_size, (int, float)):
        stride_height = stride_width = int(stride_size)
    else:
        stride_height, stride_width = int(stride_size[0]), int(stride_size[1])
    out_height = int(np.ceil(in_height / stride_height))
    out_width = int(np.ceil(in_width / stride_width))
    pad_height = int((out_height - 1) * stride_height + filter_height - in_height)
    pad_width = int((out_width - 1) * stride_width + filter_width - in_width)
    top = pad_height // 2
    left = pad_width // 2
    padding = (left, pad_width - left, top, pad_height - top)
    return padding, (out_height, out_width)


def valid_padding(
    in_size: Sequence[int], filter_size: int | Sequence[int], stride_size: int | Sequence[int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Older RLlib helper kept for imports: symmetric padding and the "valid" output size."""
    if isinstance(filter_size, int):
        filter_height = filter_width = filter_size
    else:
        filter_height, filter_width = filter_size
    if isinstance(stride_size, int):
        stride_height = stride_width = stride_size
    else:
        stride_height, stride_width = stride_size
    out_height = int(np.ceil((in_size[0] - filter_height + 1) / stride_height))
    out_width = int(np.ceil((in_size[1] - filter_width + 1) / stride_width))
    return (0, 0), (out_height, out_width)


_FILTERS_BY_SIZE: dict[int, list[list[Any]]] = {
    96: [[16, [8, 8], 4], [32, [4, 4], 2], [256, [11, 11], 2]],
    84: [[16, [8, 8], 4], [32, [4, 4], 2], [256, [11, 11], 1]],
    64: [[32, [4, 4], 2], [64, [4, 4], 2], [128, [4, 4], 2], [256, [4, 4], 2]],
    42: [[16, [4, 4], 2], [32, [4, 4], 2], [256, [11, 11], 1]],
    10: [[16, [5, 5], 2], [32, [5, 5], 2]],
}


def get_filter_config(shape: Sequence[int]) -> list[list[Any]]:
    """Default ``conv_filters`` for square images of side 96, 84, 64, 42 or 10 (HWC or CHW).

    Raises:
        ValueError: for any other shape, naming the shape and the supported ones.
    """
    dims = [int(d) for d in shape]
    if len(dims) in (2, 3):
        for side, filters in _FILTERS_BY_SIZE.items():
            if dims[:2] == [side, side] or dims[1:] == [side, side]:
                return [list(f) for f in filters]
    raise ValueError(
        f"No default conv_filters for observation shape {dims}; supported: "
        f"{[[s, s, 'K'] for s in _FILTERS_BY_SIZE]}. Set `conv_filters` in the model config."
    )


class SlimFC(nn.Module):
    """Linear layer + optional activation, stored as ``self._model`` (an ``nn.Sequential``).

    Args:
        in_size: input features.
        out_size: output features.
        initializer: in-place weight initializer (default: xavier uniform).
        activation_fn: activation class or name; None for a linear output.
        use_bias: whether the linear layer has a bias.
        bias_init: constant bias value.
    """

    def __init__(
        self,
        in_size: int,
        out_size: int,
        initializer: Initializer | None = None,
        activation_fn: Any = None,
        use_bias: bool = True,
        bias_init: float = 0.0,
    ) -> None:
        super().__init__()
        linear = nn.Linear(int(in_size), int(out_size), bias=use_bias)
        (initializer or nn.init.xavier_uniform_)(linear.weight)
        if use_bias:
            nn.init.constant_(linear.bias, bias_init)
        layers: list[nn.Module] = [linear]
        activation = (
            get_activation_fn(activation_fn) if isinstance(activation_fn, str) else activation_fn
        )
        if activation is not None:
            layers.append(activation())
        self._model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, in_size)`` -> ``(B, out_size)``."""
        return self._model(x)


class SlimConv2d(nn.Module):
    """Optional zero padding + Conv2d + activation (default ReLU), stored as ``self._model``.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel: kernel size (int or pair).
        stride: stride (int or pair).
        padding: ``nn.ZeroPad2d`` padding, or falsy for none.
        initializer: ``"default"`` (xavier uniform), a callable, or None to keep torch's init.
        activation_fn: ``"default"`` (ReLU), a name, a class, or None.
        bias_init: constant bias value.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int | Sequence[int],
        stride: int | Sequence[int],
        padding: Any,
        initializer: Any = "default",
        activation_fn: Any = "default",
        bias_init: float = 0.0,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        if padding:
            layers.append(nn.ZeroPad2d(padding))
        kernel_size = kernel if isinstance(kernel, int) else tuple(kernel)
        stride_size = stride if isinstance(stride, int) else tuple(stride)
        conv = nn.Conv2d(int(in_channels), int(out_channels), kernel_size, stride_size)
        if initializer:
            (nn.init.xavier_uniform_ if initializer == "default" else initializer)(conv.weight)
        nn.init.constant_(conv.bias, bias_init)
        layers.append(conv)
        if isinstance(activation_fn, str):
            activation_fn = (
                nn.ReLU if activation_fn == "default" else get_activation_fn(activation_fn)
            )
        if activation_fn is not None:
            layers.append(activation_fn())
        self._model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, C, H, W)`` -> ``(B, out_channels, H', W')``."""
        return self._model(x)


class AppendBiasLayer(nn.Module):
    """Appends a learned, state-independent vector (``log_std``) to every row (free_log_std)."""

    def __init__(self, num_bias_vars: int) -> None:
        super().__init__()
        self.log_std = nn.Parameter(torch.zeros(int(num_bias_vars)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, N)`` -> ``(B, N + num_bias_vars)``."""
        return torch.cat([x, self.log_std.unsqueeze(0).expand(x.shape[0], -1)], dim=1)


class Reshape(nn.Module):
    """Views its input as ``shape``."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.shape = list(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.view(*self.shape)
