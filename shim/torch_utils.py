"""``ray.rllib.utils.torch_utils`` helpers legacy torch models call, with Ray 2.10's semantics.

(``convert_to_torch_tensor`` and ``sequence_mask`` live in :mod:`shim.legacy_utils`.)
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from rlmigrate.core.nest import flatten
from shim.models.action_dist_base import SMALL_NUMBER

__all__ = [
    "flatten_inputs_to_1d_tensor",
    "one_hot",
    "explained_variance",
    "global_norm",
    "huber_loss",
    "l2_loss",
    "reduce_mean_ignore_inf",
    "softmax_cross_entropy_with_logits",
    "convert_to_non_torch_type",
    "get_device",
    "set_torch_seed",
]


def one_hot(x: torch.Tensor, space: gym.Space) -> torch.Tensor:
    """Integer one-hot (``int64``, as Ray returns it): Discrete ``(B,)`` -> ``(B, n)``,
    MultiDiscrete ``(B, k)`` -> ``(B, sum(nvec))``."""
    if isinstance(space, gym.spaces.Discrete):
        return nn.functional.one_hot(x.long(), int(space.n))
    if isinstance(space, gym.spaces.MultiDiscrete):
        nvec = np.asarray(space.nvec)
        if nvec.ndim > 1:
            nvec = nvec.ravel()
            x = x.reshape(x.shape[0], -1)
        return torch.cat(
            [nn.functional.one_hot(x[:, i].long(), int(n)) for i, n in enumerate(nvec)], dim=-1
        )
    raise ValueError(f"Unsupported space for `one_hot`: {space}")


def flatten_inputs_to_1d_tensor(
    inputs: Any, spaces_struct: Any = None, time_axis: bool = False
) -> torch.Tensor:
    """A (nested) struct of ``(B, ...)`` (or ``(B, T, ...)``) tensors -> ``(B, N)`` (``(B, T, N)``).

    Leaves are visited in the one documented order (:mod:`rlmigrate.core.nest`: dict keys
    sorted); Discrete/MultiDiscrete leaves of ``spaces_struct`` are one-hot encoded, every
    other leaf is flattened to float.
    """
    flat_inputs = flatten(inputs)
    flat_spaces = flatten(spaces_struct) if spaces_struct is not None else [None] * len(flat_inputs)
    if not flat_inputs:
        raise ValueError("flatten_inputs_to_1d_tensor: the input structure has no leaves")
    batch = int(flat_inputs[0].shape[0])
    steps = int(flat_inputs[0].shape[1]) if time_axis else 1
    out = []
    for value, space in zip(flat_inputs, flat_spaces):
        if isinstance(space, gym.spaces.Discrete):
            if time_axis:
                value = value.reshape(batch * steps)
            out.append(one_hot(value, space).float())
        elif isinstance(space, gym.spaces.MultiDiscrete):
            if time_axis:
                value = value.reshape(batch * steps, -1)
            out.append(one_hot(value, space).float())
        else:
            value = value.reshape(batch * steps, -1) if time_axis else value.reshape(batch, -1)
            out.append(value.float())
    merged = torch.cat(out, dim=-1)
    return merged.reshape(batch, steps, -1) if time_axis else merged


def explained_variance(y: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """``max(-1, 1 - Var[y - pred] / Var[y])`` over axis 0."""
    y_var = torch.var(y, dim=[0])
    diff_var = torch.var(y - pred, dim=[0])
    minimum = torch.tensor([-1.0]).to(pred.device)
    return torch.max(minimum, 1 - (diff_var / (y_var + SMALL_NUMBER)))[0]


def global_norm(tensors: list[torch.Tensor]) -> torch.Tensor:
    """The L2 norm of all ``tensors`` taken together."""
    norms = [torch.pow(torch.sum(torch.pow(t, 2.0)), 0.5) for t in tensors]
    total = torch.zeros(())
    for norm in norms:
        total = total + torch.pow(norm, 2.0)
    return torch.pow(total, 0.5)


def huber_loss(x: torch.Tensor, delta: float = 1.0) -> torch.Tensor:
    """Element-wise Huber loss: quadratic below ``delta``, linear above."""
    return torch.where(
        torch.abs(x) < delta, torch.pow(x, 2.0) * 0.5, delta * (torch.abs(x) - 0.5 * delta)
    )


def l2_loss(x: torch.Tensor) -> torch.Tensor:
    """``0.5 * sum(x ** 2)``."""
    return 0.5 * torch.sum(torch.pow(x, 2.0))


def reduce_mean_ignore_inf(x: torch.Tensor, axis: int | None = None) -> torch.Tensor:
    """Mean over ``axis`` skipping ``-inf`` entries."""
    mask = torch.ne(x, float("-inf"))
    zeroed = torch.where(mask, x, torch.zeros_like(x))
    return torch.sum(zeroed, axis) / torch.sum(mask.float(), axis)


def softmax_cross_entropy_with_logits(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """``sum(-labels * log_softmax(logits), -1)``."""
    return torch.sum(-labels * nn.functional.log_softmax(logits, -1), -1)


def convert_to_non_torch_type(stats: Any) -> Any:
    """Struct of tensors -> struct of numpy arrays / Python scalars (0-d tensors -> item())."""
    from rlmigrate.core.nest import map_structure

    def convert(item: Any) -> Any:
        if isinstance(item, torch.Tensor):
            return (
                item.item()
                if item.numel() == 1 and item.dim() == 0
                else item.detach().cpu().numpy()
            )
        return item

    return map_structure(convert, stats)


def get_device(config: dict) -> torch.device:
    """The shim runs on one device: CUDA when ``num_gpus`` asks for it and it exists, else CPU."""
    wants_gpu = float((config or {}).get("num_gpus", 0) or 0) > 0
    return torch.device("cuda" if wants_gpu and torch.cuda.is_available() else "cpu")


def set_torch_seed(seed: int | None = None) -> None:
    """Seeds torch (and CUDA) for reproducible runs."""
    if seed is not None:
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)
