"""Small RLlib utilities that legacy model/policy files import (annotations, framework
imports, torch/numpy helpers, postprocessing constants), reimplemented for the shim.

They are what ``shim.ray_compat`` serves for ``ray.rllib.utils.*`` imports.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from shim.models.action_dist_base import MAX_LOG_NN_OUTPUT, MIN_LOG_NN_OUTPUT, SMALL_NUMBER
from shim.models.preprocessors import one_hot as _torch_one_hot
from shim.policy.conversion import to_numpy

FLOAT_MIN = -3.4e38
FLOAT_MAX = 3.4e38
LARGE_INTEGER = 100_000_000
DEPRECATED_VALUE = -1

__all__ = [
    "override",
    "DeveloperAPI",
    "PublicAPI",
    "OldAPIStack",
    "ExperimentalAPI",
    "OverrideToImplementCustomLogic",
    "OverrideToImplementCustomLogic_CallToSuperRecommended",
    "is_overridden",
    "log_once",
    "try_import_torch",
    "try_import_tf",
    "try_import_jax",
    "try_import_tfp",
    "convert_to_numpy",
    "convert_to_torch_tensor",
    "sequence_mask",
    "one_hot",
    "softmax",
    "force_list",
    "force_tuple",
    "add_mixins",
    "NullContextManager",
    "EnvError",
    "MultiAgentEnvError",
    "NotSerializable",
    "Deprecated",
    "deprecation_warning",
    "Postprocessing",
    "discount_cumsum",
    "compute_advantages",
    "register_env",
    "FLOAT_MIN",
    "FLOAT_MAX",
    "SMALL_NUMBER",
    "LARGE_INTEGER",
    "MIN_LOG_NN_OUTPUT",
    "MAX_LOG_NN_OUTPUT",
    "DEPRECATED_VALUE",
]


# ----------------------------------------------------------------------- annotations
def override(parent_cls: type) -> Callable[[Any], Any]:
    """Marks a method as overriding ``parent_cls``'s; checks that the parent has it."""

    from shim.placeholders import is_placeholder

    def decorator(method: Any) -> Any:
        name = getattr(method, "__name__", None)
        if is_placeholder(parent_cls):  # e.g. TF's RecurrentNetwork: nothing to check against
            return method
        if name and isinstance(parent_cls, type) and not hasattr(parent_cls, name):
            raise NameError(
                f"@override({parent_cls.__name__}): {parent_cls.__name__} has no method {name!r}"
            )
        return method

    return decorator


def _passthrough(obj: Any = None, *args: Any, **kwargs: Any) -> Any:
    if obj is None or not (callable(obj) or isinstance(obj, type)):
        return lambda inner: inner
    return obj


DeveloperAPI = PublicAPI = OldAPIStack = ExperimentalAPI = _passthrough
OverrideToImplementCustomLogic = OverrideToImplementCustomLogic_CallToSuperRecommended = (
    _passthrough
)


_LOGGED_ONCE: set[str] = set()


def log_once(key: str) -> bool:
    """True the first time ``key`` is seen in this process (``ray.util.log_once``)."""
    if key in _LOGGED_ONCE:
        return False
    _LOGGED_ONCE.add(key)
    return True


def is_overridden(obj: Any) -> bool:
    """RLlib helper; the shim checks overrides by comparing class attributes instead."""
    return True


# ----------------------------------------------------------------------- framework
def try_import_torch(error: bool = False) -> tuple[Any, Any]:
    """``(torch, torch.nn)``."""
    return torch, nn


def try_import_tf(error: bool = False) -> tuple[None, Any, None]:
    """``(None, tf_stub, None)``: what Ray 2.10 returns without TensorFlow.

    The stub is falsy and its ``keras.Model`` can be subclassed (so TF model classes in a
    file next to torch ones still *define*); building one raises the port-it error (RLM060).
    """
    if error:
        raise ImportError("The shim runs torch models only; TensorFlow is not available")
    from shim.placeholders import TFStub

    return None, TFStub(), None


def try_import_jax(error: bool = False) -> tuple[None, None]:
    if error:
        raise ImportError("The shim runs torch models only; JAX is not available")
    return None, None


def try_import_tfp(error: bool = False) -> None:
    if error:
        raise ImportError(
            "The shim runs torch models only; tensorflow_probability is not available"
        )
    return None


# ----------------------------------------------------------------------- tensors
def convert_to_numpy(x: Any, reduce_type: bool = True, reduce_floats: Any = None) -> Any:
    """torch struct -> numpy struct (float32/int32 when ``reduce_type``)."""
    return to_numpy(x, reduce_type)


def convert_to_torch_tensor(x: Any, device: Any = None, pin_memory: bool = False) -> Any:
    """numpy struct -> torch struct (float64 -> float32), on ``device`` if given."""
    from shim.policy.conversion import to_tensor

    def move(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: move(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(move(v) for v in value)
        tensor = to_tensor(value) if not isinstance(value, torch.Tensor) else value
        return tensor.to(device) if device is not None else tensor

    return move(x)


def sequence_mask(
    lengths: torch.Tensor, maxlen: int | None = None, dtype: Any = None, time_major: bool = False
) -> torch.Tensor:
    """``(B, T)`` bool mask, True where ``t < lengths[b]``."""
    lengths = torch.as_tensor(lengths)
    maxlen = int(lengths.max()) if maxlen is None else int(maxlen)
    mask = torch.arange(maxlen, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)
    if time_major:
        mask = mask.t()
    return mask.to(dtype) if dtype is not None else mask


def one_hot(x: Any, space: Any) -> Any:
    """Torch one-hot for Discrete/MultiDiscrete spaces (tensors); numpy one-hot for arrays + depth."""
    if isinstance(x, torch.Tensor):
        return _torch_one_hot(x, space)
    depth = int(space) if not hasattr(space, "n") else int(space.n)
    values = np.asarray(x, dtype=np.int64)
    return np.eye(depth, dtype=np.float32)[values]


def softmax(x: Any, axis: int = -1, epsilon: float | None = None) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    out = e / np.sum(e, axis=axis, keepdims=True)
    return np.maximum(out, epsilon) if epsilon is not None else out


def force_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def force_tuple(value: Any) -> tuple[Any, ...]:
    """``force_list`` as a tuple."""
    return tuple(force_list(value))


def add_mixins(base: type, mixins: Any, reversed: bool = False) -> type:  # noqa: A002 -- Ray's name
    """A new class with ``mixins`` applied in priority order (the first mixin wins)."""
    mixins = list(mixins or [])
    while mixins:
        mixin = mixins.pop()
        bases = (base, mixin) if reversed else (mixin, base)
        base = type(base.__name__, bases, {})
    return base


class NullContextManager(contextlib.AbstractContextManager):
    """A no-op context manager."""

    def __exit__(self, *args: Any) -> None:
        return None


class EnvError(Exception):
    """An environment is misconfigured (``ray.rllib.utils.error``)."""


class MultiAgentEnvError(Exception):
    """A multi-agent environment is misconfigured."""


class NotSerializable(Exception):
    """An object could not be serialized."""


# ----------------------------------------------------------------------- deprecation
def deprecation_warning(
    old: str, new: str | None = None, *, help: str | None = None, error: bool = False
) -> None:
    message = (
        f"`{old}` has been deprecated."
        + (f" Use `{new}` instead." if new else "")
        + (f" {help}" if help else "")
    )
    if error:
        raise ValueError(message)
    warnings.warn(message, DeprecationWarning, stacklevel=2)


def Deprecated(
    old: str | None = None, *, new: str | None = None, help: str | None = None, error: bool = True
) -> Callable[[Any], Any]:  # noqa: N802
    """Decorator: calling the decorated object warns (or raises when ``error``)."""

    def decorator(obj: Any) -> Any:
        @functools.wraps(obj)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            deprecation_warning(old or getattr(obj, "__name__", "?"), new, help=help, error=error)
            return obj(*args, **kwargs)

        return wrapper

    return decorator


# ----------------------------------------------------------------------- postprocessing
class Postprocessing:
    """Column names of advantage postprocessing."""

    ADVANTAGES = "advantages"
    VALUE_TARGETS = "value_targets"


def discount_cumsum(x: np.ndarray, gamma: float) -> np.ndarray:
    """``y[t] = sum_k gamma^k x[t + k]`` along axis 0."""
    x = np.asarray(x, dtype=np.float32)
    out = np.zeros_like(x)
    running = np.zeros_like(x[0]) if x.ndim > 1 else np.float32(0.0)
    for t in range(len(x) - 1, -1, -1):
        running = x[t] + gamma * running
        out[t] = running
    return out


def compute_advantages(
    rollout: dict,
    last_r: float,
    gamma: float = 0.9,
    lambda_: float = 1.0,
    use_gae: bool = True,
    use_critic: bool = True,
) -> dict:
    """Adds ``advantages`` and ``value_targets`` (GAE or discounted returns) to ``rollout``."""
    rewards = np.asarray(rollout["rewards"], dtype=np.float32)
    if use_gae:
        vpred = np.concatenate(
            [np.asarray(rollout["vf_preds"], dtype=np.float32), [np.float32(last_r)]]
        )
        delta = rewards + gamma * vpred[1:] - vpred[:-1]
        rollout[Postprocessing.ADVANTAGES] = discount_cumsum(delta, gamma * lambda_)
        rollout[Postprocessing.VALUE_TARGETS] = (
            rollout[Postprocessing.ADVANTAGES] + vpred[:-1]
        ).astype(np.float32)
    else:
        returns = discount_cumsum(np.concatenate([rewards, [np.float32(last_r)]]), gamma)[:-1]
        if use_critic:
            rollout[Postprocessing.ADVANTAGES] = returns - np.asarray(
                rollout["vf_preds"], dtype=np.float32
            )
            rollout[Postprocessing.VALUE_TARGETS] = returns
        else:
            rollout[Postprocessing.ADVANTAGES] = returns
            rollout[Postprocessing.VALUE_TARGETS] = np.zeros_like(returns)
    rollout[Postprocessing.ADVANTAGES] = rollout[Postprocessing.ADVANTAGES].astype(np.float32)
    return rollout


# ----------------------------------------------------------------------- tune registry
_ENVS: dict[str, Callable[..., Any]] = {}


def register_env(name: str, env_creator: Callable[..., Any]) -> None:
    """Stores ``env_creator`` under ``name`` (``shim.legacy_utils.registered_envs()``)."""
    _ENVS[name] = env_creator


def registered_envs() -> dict[str, Callable[..., Any]]:
    return dict(_ENVS)
