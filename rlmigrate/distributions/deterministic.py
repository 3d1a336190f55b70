"""A point mass: the greedy action of another distribution, or a deterministic policy's output."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import torch

from rlmigrate.distributions.base import (
    Distribution,
    SampleShape,
    as_sample_shape,
    check_logits,
    check_space,
)


class TorchDeterministic(Distribution):
    """Always yields ``loc`` (``(B,)`` int64 for an argmax, ``(B, A)`` float for a mean).

    ``logp`` returns zeros shaped and typed like ``loc`` (RLlib's convention: the greedy
    action of a Categorical scores int64 ``(B,)`` zeros, of a Gaussian float ``(B, A)``).

    Args:
        loc: the action(s), any shape ``(B, ...)``.

    Example:
        >>> import torch
        >>> TorchDeterministic(loc=torch.tensor([2, 0])).sample(sample_shape=(3,)).shape
        torch.Size([3, 2])
    """

    def __init__(self, loc: torch.Tensor) -> None:
        if not isinstance(loc, torch.Tensor):
            raise TypeError(
                f"TorchDeterministic expected loc as a torch.Tensor; got {type(loc).__name__}"
            )
        self.loc = loc
        # Number of trailing action dims in `loc` (0 for scalar actions); None = unknown, in
        # which case a >=2-d loc is read as (B, A). Set by the families that know it.
        self._event_ndim: int | None = None

    @property
    def event_ndim(self) -> int:
        """Trailing action dims of ``loc``: 0 for ``(B,)`` scalar actions, 1 for ``(B, A)``."""
        if self._event_ndim is not None:
            return self._event_ndim
        return 1 if self.loc.dim() >= 2 else 0

    def sample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """``loc`` broadcast to ``sample_shape + loc.shape`` (a new tensor, same dtype/device)."""
        shape = as_sample_shape(sample_shape) + self.loc.shape
        return self.loc.expand(shape).clone()

    def rsample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Not defined: there is no noise to reparameterise."""
        raise NotImplementedError("TorchDeterministic has no rsample: a point mass has no noise")

    def logp(self, value: Any) -> torch.Tensor:
        """Zeros shaped and typed like ``loc`` (not a density; RLlib's convention)."""
        return torch.zeros_like(self.loc)

    def entropy(self) -> torch.Tensor:
        """Not defined for a point mass."""
        raise RuntimeError("TorchDeterministic has no entropy: it is a point mass")

    def kl(self, other: Distribution) -> torch.Tensor:
        """Not defined for a point mass."""
        raise RuntimeError("TorchDeterministic has no kl: it is a point mass")

    @staticmethod
    def required_input_dim(space: gym.Space, **kwargs: Any) -> int:
        """``prod(space.shape)`` for a ``Box`` space."""
        box = check_space(space, gym.spaces.Box, "TorchDeterministic")
        return int(math.prod(box.shape))

    @classmethod
    def from_logits(cls, logits: torch.Tensor, **kwargs: Any) -> TorchDeterministic:
        """The module output itself is the action: ``loc = logits`` ``(B, A)``."""
        check_logits(logits, cls.__name__)
        return cls(loc=logits, **kwargs)

    def to_deterministic(self) -> TorchDeterministic:
        """Already deterministic: returns ``self``."""
        return self
