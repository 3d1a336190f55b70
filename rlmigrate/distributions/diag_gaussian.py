"""Diagonal Gaussian over continuous actions (for 1-D ``Box`` spaces)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import torch

from rlmigrate.distributions.base import (
    Distribution,
    SampleShape,
    TorchDistribution,
    as_sample_shape,
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


_LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))  # the constant as torch's Normal spells it


def sample_normal(loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """One draw ``(B, A)`` from independent Normals with ``loc``/``scale`` of one shape ``(B, A)``.

    Why: ``torch.distributions.Normal(loc, scale).sample()`` spends most of its time building
    the object (``broadcast_all``, shape bookkeeping) and in ``torch.normal``'s argument check.

    Exact: ``Normal.sample()`` calls ``torch.normal(loc, scale)``, which fills a fresh tensor
    of that shape with standard normals from the default generator, then multiplies it by
    ``scale`` and adds ``loc`` in place. We run the same three kernels in the same order, so
    the draws are bit-identical and the RNG advances alike (pinned against torch by
    ``tests/distributions/test_diag_gaussian_exact.py``).

    Raises:
        RuntimeError: a scale is negative or NaN (the error type ``torch.normal`` raises),
            naming the scale shape.
    """
    if scale.numel() and not bool(scale.min() >= 0):
        raise RuntimeError(
            "TorchDiagGaussian.sample expected non-negative scales (B, A); got a negative or "
            f"NaN value in scale of shape {tuple(scale.shape)}"
        )
    return torch.randn_like(loc).mul_(scale).add_(loc)


def normal_log_density(value: torch.Tensor, loc: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """Elementwise ``log N(value; loc, scale)`` (broadcasting) -> the broadcast shape.

    Written with the operations ``Normal.log_prob`` uses, in its order, so the bits match it
    without building the distribution (pinned by the exactness test).
    """
    variance = scale.pow(2)
    # `variance + variance` is `2 * variance` exactly (doubling is exact in binary floating
    # point) and skips wrapping a Python scalar into a tensor, as does the method spelling.
    return (value - loc).pow(2).neg().div(variance + variance).sub(scale.log()).sub(_LOG_SQRT_2PI)


class TorchDiagGaussian(TorchDistribution):
    """Independent Normal per action dim; logp/entropy/kl are summed over the last dim.

    Sampling (without ``sample_shape``) and scoring run on ``loc``/``scale`` directly (see
    :func:`sample_normal`); the ``torch.distributions.Normal`` behind ``rsample``,
    ``entropy`` and ``kl`` is built on first use only.

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
        if not isinstance(loc, torch.Tensor):
            raise TypeError(
                f"{type(self).__name__} expected loc as a torch.Tensor; got {type(loc).__name__}"
            )
        self.loc = loc
        self.scale = as_float_like(scale, loc, "scale", type(self).__name__)
        self._normal: torch.distributions.Distribution | None = None
        # A subclass that builds its own torch distribution gets every draw and score from it.
        self._custom_torch_dist = (
            type(self)._get_torch_distribution is not TorchDiagGaussian._get_torch_distribution
        )

    def _get_torch_distribution(self, loc: torch.Tensor, scale: Any) -> torch.distributions.Normal:
        return torch.distributions.Normal(loc, scale, validate_args=False)

    @property
    def _dist(self) -> torch.distributions.Distribution:
        """torch's Normal for ``loc``/``scale``, built on first use."""
        if self._normal is None:
            self._normal = self._get_torch_distribution(self.loc, self.scale)
        return self._normal

    @_dist.setter
    def _dist(self, value: torch.distributions.Distribution) -> None:
        # Code written for RLlib's classes may assign `self._dist`; it is then used everywhere.
        self._normal = value
        self._custom_torch_dist = True

    def sample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Draw ``sample_shape + (B, A)`` actions without gradient, as ``Normal.sample`` would."""
        shape = as_sample_shape(sample_shape)
        loc, scale = self.loc, self.scale
        fast = not shape and not self._custom_torch_dist
        if fast and loc.shape == scale.shape and loc.dtype == scale.dtype:
            if loc.requires_grad or scale.requires_grad:  # a draw never carries gradient
                loc, scale = loc.detach(), scale.detach()
            return sample_normal(loc, scale)
        return self._dist.sample(shape)

    def logp(self, value: torch.Tensor) -> torch.Tensor:
        """Sum over action dims of the Normal log-density: ``(B, A)`` → ``(B,)``."""
        if self._custom_torch_dist:
            return self._dist.log_prob(value).sum(-1)
        return normal_log_density(value, self.loc, self.scale).sum(-1)

    def entropy(self) -> torch.Tensor:
        """Summed entropy ``(B,)``."""
        return self._dist.entropy().sum(-1)

    def kl(self, other: Distribution) -> torch.Tensor:
        """Summed ``KL(self || other)`` ``(B,)``."""
        return super().kl(other).sum(-1)

    @staticmethod
    def required_input_dim(space: gym.Space, **kwargs: Any) -> int:
        """``2 * prod(space.shape)`` (means and log-stds) for a ``Box`` space."""
        box = check_space(space, gym.spaces.Box, "TorchDiagGaussian")
        return 2 * int(math.prod(box.shape))

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
