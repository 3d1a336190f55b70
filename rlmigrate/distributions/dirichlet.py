"""Dirichlet over the probability simplex (for RLlib's ``Simplex`` action spaces).

RLlib's new stack has no distribution for ``Simplex`` (its catalog raises); the legacy catalog
gave it ``TorchDirichlet``. This family keeps the legacy semantics so a migrated allocation
policy acts and scores exactly as before (a deliberate addition, ``docs/compatibility.md``):

* concentration ``exp(logits) + 1e-7`` (``(B, A)`` logits, ``A`` = the simplex size);
* the greedy action is ``softmax(concentration)`` over the last dim (legacy's
  ``deterministic_sample``, not the Dirichlet mean);
* ``logp`` clamps the action to at least ``1e-7`` and renormalises it onto the simplex before
  scoring, as the legacy class did.

Example:
    >>> import torch
    >>> dist = TorchDirichlet.from_logits(torch.zeros(2, 3))
    >>> dist.sample().shape, dist.logp(dist.sample()).shape
    (torch.Size([2, 3]), torch.Size([2]))
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import torch

from rlmigrate.distributions.base import TorchDistribution, check_logits
from rlmigrate.distributions.deterministic import TorchDeterministic

#: what the legacy class added to ``exp(logits)`` and clamped actions to
EPSILON = 1e-7


def is_simplex_space(space: Any) -> bool:
    """RLlib's ``Simplex`` space (Ray's or the shim's class: a gymnasium ``Space`` named
    ``Simplex`` with a ``concentration``), recognised without importing either."""
    return (
        isinstance(space, gym.Space)
        and type(space).__name__ == "Simplex"
        and hasattr(space, "concentration")
    )


class TorchDirichlet(TorchDistribution):
    """Dirichlet with concentration ``exp(logits) + 1e-7``; logp/entropy/kl per batch row.

    Args:
        concentration: positive concentrations ``(B, A)``.
    """

    def __init__(self, concentration: torch.Tensor) -> None:
        if not isinstance(concentration, torch.Tensor):
            raise TypeError(
                f"TorchDirichlet expected concentration as a torch.Tensor (B, A); got "
                f"{type(concentration).__name__}"
            )
        self.concentration = concentration
        super().__init__(concentration)

    def _get_torch_distribution(self, concentration: torch.Tensor) -> torch.distributions.Dirichlet:
        # validated like the legacy class: a non-positive concentration is an error, not a NaN
        return torch.distributions.Dirichlet(concentration=concentration, validate_args=True)

    def logp(self, value: torch.Tensor) -> torch.Tensor:
        """Log-density ``(B,)`` of ``value`` ``(B, A)`` after clamping to ``1e-7`` and
        renormalising onto the simplex (zeros from rounding are not -inf)."""
        eps = torch.tensor(EPSILON, dtype=value.dtype, device=value.device)
        value = torch.max(value, eps)
        value = value / torch.sum(value, dim=-1, keepdim=True)
        return self._dist.log_prob(value)

    def to_deterministic(self) -> TorchDeterministic:
        """The greedy action ``softmax(concentration)`` ``(B, A)`` (the legacy choice)."""
        return TorchDeterministic(loc=torch.nn.functional.softmax(self.concentration, dim=-1))

    @staticmethod
    def required_input_dim(space: gym.Space, **kwargs: Any) -> int:
        """``prod(shape)`` of the simplex space."""
        return int(math.prod(space.shape or (1,)))

    @classmethod
    def from_logits(cls, logits: torch.Tensor, **kwargs: Any) -> TorchDirichlet:
        """From logits ``(B, A)``: concentration ``exp(logits) + 1e-7``."""
        logits = check_logits(logits, cls.__name__)
        eps = torch.tensor(EPSILON, device=logits.device)
        return cls(concentration=torch.exp(logits) + eps, **kwargs)
