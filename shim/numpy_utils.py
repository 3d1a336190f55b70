"""``ray.rllib.utils.numpy`` helpers (numpy reference maths legacy tests and models use).

Same results as Ray 2.10, including its quirks: ``softmax`` does not subtract the max and
clips at ``SMALL_NUMBER``; ``one_hot`` infers the depth from the data when ``depth=0``.
"""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.nest import flatten
from shim.models.action_dist_base import SMALL_NUMBER

__all__ = [
    "fc",
    "relu",
    "sigmoid",
    "softmax",
    "one_hot",
    "one_hot_multidiscrete",
    "flatten_inputs_to_1d_tensor",
    "make_action_immutable",
    "huber_loss",
    "l2_loss",
]


def _as_numpy(data: Any, transpose: bool = False) -> Any:
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    return np.transpose(data) if transpose else data


def fc(x: Any, weights: Any, biases: Any = None, framework: str | None = None) -> np.ndarray:
    """``x @ weights + biases``; torch-layout weights ``(out, in)`` are transposed when needed."""
    x = _as_numpy(x)
    transpose = framework == "torch" and (
        x.shape[1] != weights.shape[0] and x.shape[1] == weights.shape[1]
    )
    weights = _as_numpy(weights, transpose=transpose)
    biases = _as_numpy(biases)
    return np.matmul(x, weights) + (0.0 if biases is None else biases)


def relu(x: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    """``max(x, alpha * x)``."""
    return np.maximum(x, x * alpha, x)


def sigmoid(x: np.ndarray, derivative: bool = False) -> np.ndarray:
    """Logistic function, or its derivative given the sigmoid output ``x``."""
    return x * (1 - x) if derivative else 1 / (1 + np.exp(-x))


def softmax(x: Any, axis: int = -1, epsilon: float | None = None) -> np.ndarray:
    """``exp(x) / sum(exp(x))`` clipped below at ``epsilon`` (default ``SMALL_NUMBER``)."""
    epsilon = epsilon or SMALL_NUMBER
    x_exp = np.exp(x)
    return np.maximum(x_exp / np.sum(x_exp, axis, keepdims=True), epsilon)


def one_hot(
    x: Any, depth: int = 0, on_value: float = 1.0, off_value: float = 0.0, dtype: type = np.float32
) -> np.ndarray:
    """One-hot along a new last axis; ``depth=0`` means ``max(x) + 1``; bools get depth 2."""
    if isinstance(x, int):
        x = np.array(x, dtype=np.int32)
    elif isinstance(x, torch.Tensor):
        x = x.numpy()
    x = np.asarray(x)
    if x.dtype == np.bool_:
        x, depth = x.astype(np.int_), 2
    if depth == 0:
        depth = int(np.max(x)) + 1
    if np.max(x) >= depth:
        raise ValueError(f"one_hot: the max index of x ({np.max(x)}) is not below depth ({depth})")
    out = np.full(x.shape + (depth,), off_value, dtype=np.float64)
    np.put_along_axis(out, x[..., None].astype(np.int64), on_value, axis=-1)
    return out.astype(dtype)


def huber_loss(x: np.ndarray, delta: float = 1.0) -> np.ndarray:
    """Element-wise Huber loss."""
    return np.where(np.abs(x) < delta, np.power(x, 2.0) * 0.5, delta * (np.abs(x) - 0.5 * delta))


def l2_loss(x: np.ndarray) -> np.ndarray:
    """``sum(x ** 2) / 2``."""
    return np.sum(np.square(x)) / 2.0


def one_hot_multidiscrete(x: Any, depths: list[int]) -> np.ndarray:
    """One-hot of each column ``i`` of ``x`` with ``depths[i]``, concatenated (float32)."""
    if isinstance(x, torch.Tensor):
        x = x.numpy()
    x = np.asarray(x)
    return np.concatenate(
        [
            one_hot(x[i] if x.ndim == 1 else x[:, i], depth=n).astype(np.float32)
            for i, n in enumerate(depths)
        ],
        axis=-1,
    )


def _encode_leaf(value: Any, space: Any, batch_axis: bool) -> np.ndarray:
    if isinstance(space, gym.spaces.Discrete):
        return one_hot(value, depth=int(space.n)).astype(np.float32)
    if isinstance(space, gym.spaces.MultiDiscrete):
        columns = [value[:, i] if batch_axis else value[i] for i in range(len(space.nvec))]
        return np.concatenate(
            [one_hot(c, depth=int(n)).astype(np.float32) for c, n in zip(columns, space.nvec)],
            axis=-1,
        )
    return np.asarray(value).astype(np.float32)


def flatten_inputs_to_1d_tensor(
    inputs: Any, spaces_struct: Any = None, time_axis: bool = False, batch_axis: bool = True
) -> np.ndarray:
    """numpy twin of :func:`shim.torch_utils.flatten_inputs_to_1d_tensor` (``(B, N)``,
    ``(B, T, N)`` with ``time_axis``, ``(N,)`` without ``batch_axis``); leaves in dm-tree order."""
    if time_axis and not batch_axis:
        raise ValueError("flatten_inputs_to_1d_tensor: time_axis needs batch_axis")
    flat_inputs = flatten(inputs)
    flat_spaces = flatten(spaces_struct) if spaces_struct is not None else [None] * len(flat_inputs)
    first = np.asarray(flat_inputs[0])
    batch = first.shape[0] if batch_axis else 1
    steps = first.shape[1] if time_axis else 1
    out = []
    for value, space in zip(flat_inputs, flat_spaces):
        value = np.array([value]) if isinstance(value, float) else np.asarray(value)
        if time_axis:
            is_discrete = isinstance(space, gym.spaces.Discrete)
            value = value.reshape([batch * steps] if is_discrete else [batch * steps, -1])
            if isinstance(space, gym.spaces.MultiDiscrete):
                value = value.reshape([batch * steps, -1])
        encoded = _encode_leaf(value, space, batch_axis)
        if space is None or not isinstance(space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete)):
            if time_axis:
                encoded = encoded.reshape([batch * steps, -1])
            elif batch_axis:
                encoded = encoded.reshape([batch, -1])
            else:
                encoded = encoded.reshape([-1])
        out.append(encoded)
    merged = np.concatenate(out, axis=-1)
    return merged.reshape([batch, steps, -1]) if time_axis else merged


def make_action_immutable(obj: Any) -> Any:
    """Arrays made read-only, dicts wrapped in ``MappingProxyType`` (as Ray hands out actions)."""
    if isinstance(obj, np.ndarray):
        obj.setflags(write=False)
        return obj
    if isinstance(obj, OrderedDict):
        return MappingProxyType(dict(obj))
    if isinstance(obj, dict):
        return MappingProxyType(obj)
    return obj
