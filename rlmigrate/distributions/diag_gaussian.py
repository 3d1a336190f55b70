"""Diagonal Gaussian over continuous actions (for 1-D ``Box`` spaces)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import torch

from rlmigrate.distributions.base import (
    Distribution,
    TorchDistribution,
    check_logits,
    check_space,
    check_width,
)

if TYPE_CHECKING:
    from rlmigrate.distributions.deterministic import TorchDeterministic


def as_float_like(value: Any, like: torch.Tensor, name: str, owner: str) -> torch.Tensor:
    """``value`` (tensor, array or number) as a tensor with ``like``'s dtype and device."""
    try:
        return torch.as_tensor(value, dtype=like.dtype, device=like.device)
    except (TypeError, ValueError, RuntimeError) as err:
        raise TypeError(f"{owner} expected {name} as a tensor or number; got {value!r}") from err


def split_mean_log_std(logits: torch.Tensor, owner: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Split ``(B, 2A)`` logits into ``loc`` and ``log_std`` halves, each ``(B, A)``."""
    width = logits.shape[-1]
    if width % 2:
        check_width(logits, width + 1, owner, "an even width: mean and log-std halves")
    loc, log_std = torch.chunk(logits, 2, dim=-1)
    return loc, log_std


class TorchDiagGaussian(TorchDistribution):
    """Independent Normal per action dim; logp/entropy/kl are summed over the last dim.

    Args:
        loc: means ``(B, A)``.
        scale: standard deviations ``(B, A)`` (or anything broadcastable, e.g. a float).

    Example:
        >>> import torch
        >>> dist = TorchDiagGaussian.from_logits(torch.zeros(5, 4))  # A = 2
        >>> dist.sample().shape, dist.logp(dist.sample()).shape
        (torch.Size([5, 2]), torch.Size([5]))
    """

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor | float) -> None:
        super().__init__(loc=loc, scale=scale)

    def _get_torch_distribution(self, loc: torch.Tensor, scale: Any) -> torch.distributions.Normal:
        if not isinstance(loc, torch.Tensor):
            raise TypeError(
                f"{type(self).__name__} expected loc as a torch.Tensor; got {type(loc).__name__}"
            )
        scale = as_float_like(scale, loc, "scale", type(self).__name__)
        self.loc = loc
        self.scale = scale
        return torch.distributions.Normal(loc, scale, validate_args=False)

    def logp(self, value: torch.Tensor) -> torch.Tensor:
        """Sum over action dims of the Normal log-density: ``(B, A)`` → ``(B,)``."""
        return self._dist.log_prob(value).sum(-1)

    def entropy(self) -> torch.Tensor:
        """Summed entropy ``(B,)``."""
        return self._dist.entropy().sum(-1)

    def kl(self, other: Distribution) -> torch.Tensor:
        """Summed ``KL(self || other)`` ``(B,)``."""
        return super().kl(other).sum(-1)

    @staticmethod
    def required_input_dim(space: gym.Space, **kwargs: Any) -> int:
        """``2 * prod(space.shape)`` (means and log-stds) for a ``Box`` space."""
        check_space(space, gym.spaces.Box, "TorchDiagGaussian")
        return 2 * int(math.prod(space.shape))

    @classmethod
    def from_logits(cls, logits: torch.Tensor, **kwargs: Any) -> TorchDiagGaussian:
        """Split ``(B, 2A)`` into means and log-stds; ``scale = exp(log_std)`` (unclipped)."""
        check_logits(logits, cls.__name__)
        loc, log_std = split_mean_log_std(logits, cls.__name__)
        return cls(loc=loc, scale=torch.exp(log_std), **kwargs)

    def to_deterministic(self) -> TorchDeterministic:
        """A point mass on the mean ``(B, A)``."""
        from rlmigrate.distributions.deterministic import TorchDeterministic

        deterministic = TorchDeterministic(loc=self.loc)
        deterministic._event_ndim = 1
        return deterministic
