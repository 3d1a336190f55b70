"""Resolve activation and initializer names, and compute TF-style "same" padding.

Model configs name activations and initializers by string so that they survive a JSON
round trip (checkpoint metadata, ``RLModuleSpec.to_dict``). This file is the one place
where such a name becomes a torch object, and the one place that says which names exist.

Example:
    >>> import torch.nn as nn
    >>> get_activation_fn("relu") is nn.ReLU
    True
    >>> get_activation_fn("linear") is None
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, TypeGuard

import torch
import torch.nn as nn

# Lower-case names RLlib accepts on top of exact ``torch.nn`` class names.
_ACTIVATION_ALIASES: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "swish": nn.SiLU,
    "silu": nn.SiLU,
    # Beyond RLlib: a few more common spellings.
    "gelu": nn.GELU,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "leakyrelu": nn.LeakyReLU,
    "softplus": nn.Softplus,
    "selu": nn.SELU,
}

_NO_ACTIVATION = {"linear", "identity", "none"}


def _known_activation_names() -> list[str]:
    torch_names = sorted(
        name
        for name, value in vars(nn.modules.activation).items()
        if isinstance(value, type) and issubclass(value, nn.Module) and name[0].isupper()
    )
    return sorted(_ACTIVATION_ALIASES) + ["linear"] + torch_names


def _taken_as_is(spec: Any) -> TypeGuard[Callable[..., Any] | None]:
    """True for specs that need no lookup: ``None`` (nothing to build) or a callable."""
    return spec is None or (callable(spec) and not isinstance(spec, str))


def get_activation_fn(name: str | Callable[..., Any] | None) -> Callable[[], nn.Module] | None:
    """Turn an activation spec into a zero-argument factory of ``nn.Module`` (or None).

    Args:
        name: ``None``/``"linear"`` for no activation; a callable (e.g. ``nn.ReLU``) used
            as-is; an exact ``torch.nn`` class name (``"ReLU"``, ``"LeakyReLU"``); or one
            of the lower-case aliases ``relu, tanh, elu, swish, silu, gelu, sigmoid,
            leaky_relu, softplus, selu``.

    Returns:
        A callable that builds the activation module, or ``None`` when no activation.

    Raises:
        ValueError: for an unknown name; the message lists the accepted names.
    """
    if _taken_as_is(name):
        return name
    if not isinstance(name, str):
        raise ValueError(
            f"activation must be a str, a callable or None, got {type(name).__name__}: {name!r}"
        )
    if name.lower() in _NO_ACTIVATION:
        return None
    candidate = getattr(nn, name, None)
    if isinstance(candidate, type) and issubclass(candidate, nn.Module):
        return candidate
    alias = _ACTIVATION_ALIASES.get(name.lower())
    if alias is not None:
        return alias
    raise ValueError(
        f"unknown activation {name!r}: set the activation key (e.g. 'fcnet_activation') to one "
        f"of {_known_activation_names()}, 'linear' for none, or a torch.nn.Module class"
    )


def _init_function_names() -> list[str]:
    return sorted(
        name
        for name, value in vars(nn.init).items()
        if callable(value) and name.endswith("_") and not name.startswith("_")
    )


def get_initializer_fn(name: str | Callable[..., Any] | None) -> Callable[..., Any] | None:
    """Turn an initializer spec into an in-place ``torch.nn.init`` function (or None).

    Args:
        name: ``None`` (keep torch's default init); a callable ``fn(tensor, **kwargs)``; or
            the name of a ``torch.nn.init`` function. RLlib requires the trailing
            underscore (``"xavier_uniform_"``); the form without it is accepted too.

    Raises:
        ValueError: for an unknown name; the message lists the accepted names.
    """
    if _taken_as_is(name):
        return name
    if isinstance(name, str):
        candidate_name = name if name.endswith("_") else name + "_"
        candidate = getattr(nn.init, candidate_name, None)
        if candidate_name in _init_function_names() and callable(candidate):
            return candidate
    raise ValueError(
        f"unknown initializer {name!r}: set the initializer key (e.g. "
        f"'fcnet_kernel_initializer') to one of {_init_function_names()} (a torch.nn.init "
        f"function name), a callable fn(tensor, **kwargs), or None for torch's default"
    )


def apply_initializer(
    tensor: torch.Tensor | None,
    initializer: str | Callable[..., Any] | None,
    kwargs: dict[str, Any] | None,
) -> None:
    """Apply ``initializer(tensor, **kwargs)`` in place, if both are given.

    Bias initializers get 1-D tensors; torch's fan-based initializers (xavier, kaiming)
    reject those, so such a call raises a ``ValueError`` that names the initializer.
    """
    fn = get_initializer_fn(initializer)
    if fn is None or tensor is None:
        return
    try:
        with torch.no_grad():
            fn(tensor, **(kwargs or {}))
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"initializer {initializer!r} with kwargs {kwargs or {}} failed on a tensor of "
            f"shape {tuple(tensor.shape)}: {err}"
        ) from err


def _pair(value: int | Sequence[int], what: str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    values = tuple(int(v) for v in value)
    if len(values) != 2:
        raise ValueError(f"{what} must be an int or a pair of ints, got {value!r}")
    return values


def same_padding(
    in_size: Sequence[int], kernel: int | Sequence[int], stride: int | Sequence[int]
) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """TensorFlow-style "same" padding for a conv over a ``(D1, D2)`` feature map.

    The output size is ``ceil(in / stride)`` per dim; any odd padding goes to the end
    (right/bottom), as TF and RLlib do, so weights trained there give the same outputs here.

    Args:
        in_size: ``(D1, D2)``: the two spatial dims in the order of the observation
            (an HWC image has ``D1 = H``, ``D2 = W``).
        kernel: int or ``(k1, k2)``.
        stride: int or ``(s1, s2)``.

    Returns:
        ``((left, right, top, bottom), (out1, out2))``; the first is what
        ``nn.ZeroPad2d`` takes for a ``(B, C, D1, D2)`` tensor.
    """
    k1, k2 = _pair(kernel, "kernel")
    s1, s2 = _pair(stride, "stride")
    out1, out2 = math.ceil(in_size[0] / s1), math.ceil(in_size[1] / s2)
    pad1 = max((out1 - 1) * s1 + k1 - in_size[0], 0)
    pad2 = max((out2 - 1) * s2 + k2 - in_size[1], 0)
    top, left = pad1 // 2, pad2 // 2
    return (left, pad2 - left, top, pad1 - top), (out1, out2)


def valid_padding(
    in_size: Sequence[int], kernel: int | Sequence[int], stride: int | Sequence[int]
) -> tuple[int, int]:
    """Output size of an unpadded ("valid") conv: ``ceil((in - k + 1) / stride)`` per dim.

    Raises:
        ValueError: if the kernel is larger than the input.
    """
    k1, k2 = _pair(kernel, "kernel")
    s1, s2 = _pair(stride, "stride")
    if k1 > in_size[0] or k2 > in_size[1]:
        raise ValueError(
            f"'valid' conv with kernel {(k1, k2)} does not fit an input of {tuple(in_size)}: "
            f"use a smaller kernel or 'same' padding in conv_filters"
        )
    return math.ceil((in_size[0] - k1 + 1) / s1), math.ceil((in_size[1] - k2 + 1) / s2)
