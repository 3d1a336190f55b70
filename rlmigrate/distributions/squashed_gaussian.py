"""Tanh-squashed diagonal Gaussian for bounded continuous actions (SAC-style policies)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import torch
import torch.nn.functional as F

from rlmigrate.distributions.base import (
    Distribution,
    SampleShape,
    TorchDistribution,
    as_sample_shape,
    check_logits,
    check_space,
)
from rlmigrate.distributions.constants import MAX_LOG_NN_OUTPUT, MIN_LOG_NN_OUTPUT, SMALL_NUMBER
from rlmigrate.distributions.diag_gaussian import as_float_like, split_mean_log_std

if TYPE_CHECKING:
    from rlmigrate.distributions.deterministic import TorchDeterministic

_LOG_2 = math.log(2.0)
# RLlib clamps each dimension's Normal log-density into this range before summing.
_NORMAL_LOGP_BOUND = 100.0


class TorchSquashedGaussian(TorchDistribution):
    """``low + (tanh(u) + 1) / 2 * (high - low)`` with ``u ~ Normal(loc, scale)`` per dim.

    ``logp`` is the log-density of the action mapped back into ``[-1, 1]`` (the tanh
    Jacobian only; the constant ``log((high - low) / 2)`` per dim is left out, as in RLlib).

    Args:
        loc: means of the pre-squash Normal ``(B, A)``.
        scale: its standard deviations ``(B, A)`` or a float.
        low, high: action bounds, floats or tensors broadcastable to ``(B, A)``; ``low < high``.

    Example:
        >>> import torch
        >>> dist = TorchSquashedGaussian.from_logits(torch.zeros(3, 2), low=0.0, high=4.0)
        >>> dist.to_deterministic().sample()
        tensor([[2.],
                [2.],
                [2.]])
    """

    def __init__(
        self,
        loc: torch.Tensor,
        scale: torch.Tensor | float = 1.0,
        low: torch.Tensor | float = -1.0,
        high: torch.Tensor | float = 1.0,
    ) -> None:
        super().__init__(loc=loc, scale=scale, low=low, high=high)

    def _get_torch_distribution(
        self, loc: torch.Tensor, scale: Any, low: Any, high: Any
    ) -> torch.distributions.Normal:
        owner = type(self).__name__
        if not isinstance(loc, torch.Tensor):
            raise TypeError(f"{owner} expected loc as a torch.Tensor; got {type(loc).__name__}")
        self.loc = loc
        self.scale = as_float_like(scale, loc, "scale", owner)
        self.low = _bound_like(low, loc, "low", owner, inward=+1.0)
        self.high = _bound_like(high, loc, "high", owner, inward=-1.0)
        _check_bounds(self.low, self.high, owner)
        return torch.distributions.Normal(self.loc, self.scale, validate_args=False)

    def _squash(self, unsquashed: torch.Tensor) -> torch.Tensor:
        unit = (torch.tanh(unsquashed) + 1.0) / 2.0
        action = unit * (self.high - self.low) + self.low
        return torch.minimum(torch.maximum(action, self.low), self.high)

    def _unsquash(self, action: torch.Tensor) -> torch.Tensor:
        to_unit = (action - self.low) / (self.high - self.low) * 2.0 - 1.0
        # Keep atanh finite at the bounds (a sample can hit them after float rounding).
        to_unit = torch.clamp(to_unit, -1.0 + SMALL_NUMBER, 1.0 - SMALL_NUMBER)
        return torch.atanh(to_unit)

    def _logp_of_unsquashed(self, unsquashed: torch.Tensor) -> torch.Tensor:
        normal_logp = torch.clamp(
            self._dist.log_prob(unsquashed), -_NORMAL_LOGP_BOUND, _NORMAL_LOGP_BOUND
        ).sum(-1)
        # log(1 - tanh(u)^2) written without cancellation: exact for large |u| as well.
        log_det = 2.0 * (_LOG_2 - unsquashed - F.softplus(-2.0 * unsquashed))
        return normal_logp - log_det.sum(-1)

    def sample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Squashed actions in ``[low, high]``: ``sample_shape + (B, A)``."""
        return self._squash(self._dist.sample(as_sample_shape(sample_shape)))

    def rsample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Reparameterised squashed actions ``sample_shape + (B, A)``."""
        return self._squash(self._dist.rsample(as_sample_shape(sample_shape)))

    def logp(self, value: torch.Tensor) -> torch.Tensor:
        """Log-density of actions ``(B, A)`` in ``[low, high]`` → ``(B,)``.

        The action is mapped back through ``atanh`` (clamped ``SMALL_NUMBER`` inside the
        bounds); prefer :meth:`sample_and_logp`, which scores the exact pre-squash value.
        """
        return self._logp_of_unsquashed(self._unsquash(value))

    def sample_and_logp(
        self, *, sample_shape: SampleShape = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Sample and its exact logp (no ``atanh`` round trip) → ``((B, A), (B,))``."""
        unsquashed = self._dist.sample(as_sample_shape(sample_shape))
        return self._squash(unsquashed), self._logp_of_unsquashed(unsquashed)

    def rsample_and_logp(
        self, *, sample_shape: SampleShape = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Reparameterised sample and its exact logp, both differentiable."""
        unsquashed = self._dist.rsample(as_sample_shape(sample_shape))
        return self._squash(unsquashed), self._logp_of_unsquashed(unsquashed)

    def entropy(self) -> torch.Tensor:
        """Not available: the squashed Gaussian's entropy has no closed form."""
        raise ValueError(
            "TorchSquashedGaussian has no entropy: the tanh-squashed Gaussian has no closed "
            "form; estimate it as -logp of samples (sample_and_logp)"
        )

    def kl(self, other: Distribution) -> torch.Tensor:
        """Not available: no closed-form KL between squashed Gaussians."""
        raise ValueError(
            "TorchSquashedGaussian has no kl: there is no closed form between tanh-squashed "
            "Gaussians; estimate it from samples"
        )

    @staticmethod
    def required_input_dim(space: gym.Space, **kwargs: Any) -> int:
        """``2 * prod(space.shape)`` (means and log-stds) for a ``Box`` space."""
        box = check_space(space, gym.spaces.Box, "TorchSquashedGaussian")
        return 2 * int(math.prod(box.shape))

    @classmethod
    def from_logits(
        cls,
        logits: torch.Tensor,
        low: torch.Tensor | float = -1.0,
        high: torch.Tensor | float = 1.0,
        **kwargs: Any,
    ) -> TorchSquashedGaussian:
        """Split ``(B, 2A)`` into means and log-stds; log-std is clamped to ``[-5, 2]``."""
        check_logits(logits, cls.__name__)
        loc, log_std = split_mean_log_std(logits, cls.__name__)
        log_std = torch.clamp(log_std, MIN_LOG_NN_OUTPUT, MAX_LOG_NN_OUTPUT)
        return cls(loc=loc, scale=torch.exp(log_std), low=low, high=high, **kwargs)

    def to_deterministic(self) -> TorchDeterministic:
        """A point mass on the squashed mean, inside ``[low, high]`` ``(B, A)``.

        RLlib returns the raw pre-squash mean here; we map it into the bounds because that is
        the action a user can send to the environment.
        """
        from rlmigrate.distributions.deterministic import TorchDeterministic

        deterministic = TorchDeterministic(loc=self._squash(self.loc))
        deterministic._event_ndim = 1
        return deterministic


def _bound_like(
    value: Any, loc: torch.Tensor, name: str, owner: str, inward: float
) -> torch.Tensor:
    """``value`` in ``loc``'s dtype, rounded towards the interior if the cast moved it outward.

    A float64 bound (a gymnasium Box's, or a Python float) cast to float32 can land just outside
    the original bound; rounding inward keeps every sample inside the space the bound came from.
    """
    exact = as_float_like(value, loc.to(torch.float64), name, owner)
    cast = exact.to(loc.dtype)
    outward = (cast.double() - exact) * inward < 0
    if bool(outward.any()):
        towards = torch.full_like(cast, inward * float("inf"))
        cast = torch.where(outward, torch.nextafter(cast, towards), cast)
    return cast


def _check_bounds(low: torch.Tensor, high: torch.Tensor, owner: str) -> None:
    try:
        ordered = bool(torch.all(low < high))
    except RuntimeError as err:  # shapes that do not broadcast
        raise ValueError(
            f"{owner} expected low and high of broadcastable shapes; got {tuple(low.shape)} "
            f"and {tuple(high.shape)}"
        ) from err
    if not (bool(torch.isfinite(low).all()) and bool(torch.isfinite(high).all())):
        raise ValueError(
            f"{owner} expected finite low and high (the squash maps onto [low, high]); "
            f"got low={low.tolist()} high={high.tolist()}"
        )
    if not ordered:
        raise ValueError(
            f"{owner} expected low < high everywhere; got low={low.tolist()} high={high.tolist()}"
        )
