"""Several independent categoricals side by side (for ``MultiDiscrete`` spaces)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.distributions.base import (
    Distribution,
    SampleShape,
    check_logits,
    check_space,
    check_width,
)
from rlmigrate.distributions.categorical import TorchCategorical, check_temperature

if TYPE_CHECKING:
    from rlmigrate.distributions.deterministic import TorchDeterministic


class TorchMultiCategorical(Distribution):
    """Independent categoricals ``c_0..c_{n-1}``; an action is ``(B, n)`` int64 indices.

    ``logp``, ``entropy`` and ``kl`` are sums over the components → ``(B,)``.

    Args:
        categoricals: one :class:`TorchCategorical` per component, all with the same batch shape.

    Example:
        >>> import torch
        >>> dist = TorchMultiCategorical.from_logits(torch.zeros(4, 5), input_lens=[3, 2])
        >>> dist.sample().shape, dist.logp(dist.sample()).shape
        (torch.Size([4, 2]), torch.Size([4]))
    """

    def __init__(self, categoricals: Sequence[TorchCategorical]) -> None:
        categoricals = (
            list(categoricals) if isinstance(categoricals, (list, tuple)) else categoricals
        )
        if not isinstance(categoricals, list) or not categoricals:
            raise ValueError(
                "TorchMultiCategorical expected a non-empty list of TorchCategorical; "
                f"got {categoricals!r}"
            )
        for index, cat in enumerate(categoricals):
            if not isinstance(cat, TorchCategorical):
                raise TypeError(
                    f"TorchMultiCategorical expected TorchCategorical components; component "
                    f"{index} is {type(cat).__name__}"
                )
        self._cats = categoricals

    @property
    def categoricals(self) -> list[TorchCategorical]:
        """The component distributions, in action-column order."""
        return list(self._cats)

    def sample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Indices ``sample_shape + (B, n)`` int64, one column per component."""
        return torch.stack([cat.sample(sample_shape=sample_shape) for cat in self._cats], dim=-1)

    def rsample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Straight-through one-hots of all components concatenated: ``(B, sum(input_lens))``."""
        return torch.cat([cat.rsample(sample_shape=sample_shape) for cat in self._cats], dim=-1)

    def logp(self, value: torch.Tensor) -> torch.Tensor:
        """Sum of component log-probs of ``value`` ``(B, n)`` → ``(B,)``."""
        if (
            not isinstance(value, torch.Tensor)
            or value.dim() == 0
            or value.shape[-1] != len(self._cats)
        ):
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise ValueError(
                f"TorchMultiCategorical.logp expected actions of shape (B, {len(self._cats)}); "
                f"got {shape}"
            )
        columns = torch.unbind(value, dim=-1)
        return _sum(cat.logp(column) for cat, column in zip(self._cats, columns))

    def entropy(self) -> torch.Tensor:
        """Summed component entropies ``(B,)``."""
        return _sum(cat.entropy() for cat in self._cats)

    def kl(self, other: Distribution) -> torch.Tensor:
        """Summed component KLs ``(B,)``; ``other`` must have the same number of components."""
        if not isinstance(other, TorchMultiCategorical) or len(other._cats) != len(self._cats):
            got = (
                f"{len(other._cats)} components"
                if isinstance(other, TorchMultiCategorical)
                else type(other).__name__
            )
            raise TypeError(
                f"TorchMultiCategorical.kl expected a TorchMultiCategorical with "
                f"{len(self._cats)} components; got {got}"
            )
        return _sum(mine.kl(theirs) for mine, theirs in zip(self._cats, other._cats))

    @staticmethod
    def required_input_dim(
        space: gym.Space, input_lens: Sequence[int] | None = None, **kwargs: Any
    ) -> int:
        """``sum(space.nvec)`` for a ``MultiDiscrete`` space.

        Raises:
            ValueError: not a MultiDiscrete space, or ``input_lens`` given and not equal to
                the space's ``nvec``.
        """
        multi_discrete = check_space(space, gym.spaces.MultiDiscrete, "TorchMultiCategorical")
        nvec = [int(n) for n in np.asarray(multi_discrete.nvec).reshape(-1)]
        if input_lens is not None and [int(n) for n in input_lens] != nvec:
            raise ValueError(
                f"TorchMultiCategorical.required_input_dim: input_lens {list(input_lens)} do not "
                f"match the space's nvec {nvec} ({space!r})"
            )
        return sum(nvec)

    @classmethod
    def from_logits(
        cls,
        logits: torch.Tensor,
        input_lens: Sequence[int] | None = None,
        temperatures: Sequence[float] | None = None,
        **kwargs: Any,
    ) -> TorchMultiCategorical:
        """Split logits ``(B, sum(input_lens))`` into one categorical per component.

        Args:
            logits: ``(B, sum(input_lens))``.
            input_lens: number of actions of each component (a MultiDiscrete's ``nvec``).
            temperatures: one positive float per component; component ``i``'s logits are
                divided by ``temperatures[i]`` (RLlib accepts and ignores them; we apply them).

        Raises:
            ValueError: bad ``input_lens``/``temperatures``, or a logits width other than
                ``sum(input_lens)``.
        """
        check_logits(logits, cls.__name__)
        lens = _check_input_lens(input_lens, cls.__name__)
        check_width(logits, sum(lens), cls.__name__, f"sum of input_lens {lens}")
        if temperatures is None:
            temps = [1.0] * len(lens)
        else:
            temps = list(temperatures)
            if len(temps) != len(lens):
                raise ValueError(
                    f"{cls.__name__}.from_logits expected {len(lens)} temperatures (one per "
                    f"component of input_lens {lens}); got {len(temps)}: {temps}"
                )
        parts = torch.split(logits, lens, dim=-1)
        categoricals = [
            TorchCategorical.from_logits(
                part, temperature=check_temperature(temp, f"{cls.__name__}.from_logits")
            )
            for part, temp in zip(parts, temps)
        ]
        return cls(categoricals=categoricals, **kwargs)

    def to_deterministic(self) -> TorchDeterministic:
        """A point mass on every component's argmax, stacked → int64 ``(B, n)`` (RLlib 2.60)."""
        from rlmigrate.distributions.deterministic import TorchDeterministic

        greedy = torch.stack([torch.argmax(cat.logits, dim=-1) for cat in self._cats], dim=-1)
        deterministic = TorchDeterministic(loc=greedy)
        deterministic._event_ndim = 1
        return deterministic


def _sum(tensors: Any) -> torch.Tensor:
    total = None
    for tensor in tensors:
        total = tensor if total is None else total + tensor
    assert total is not None  # components are non-empty by construction
    return total


def _check_input_lens(input_lens: Any, owner: str) -> list[int]:
    try:
        lens = [int(n) for n in input_lens]
        exact = all(int(n) == n for n in input_lens)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{owner}.from_logits expected input_lens as a sequence of positive ints; "
            f"got {input_lens!r}"
        ) from err
    if not lens or not exact or any(n <= 0 for n in lens):
        raise ValueError(
            f"{owner}.from_logits expected input_lens as a non-empty sequence of positive ints; "
            f"got {input_lens!r}"
        )
    return lens
