"""Categorical distribution over ``n`` discrete actions (for ``Discrete(n)`` spaces)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import gymnasium as gym
import torch
import torch.nn.functional as F

from rlmigrate.distributions.base import (
    SampleShape,
    TorchDistribution,
    as_sample_shape,
    check_logits,
    check_space,
)

if TYPE_CHECKING:
    from rlmigrate.distributions.deterministic import TorchDeterministic


def normalize_logits(logits: torch.Tensor) -> torch.Tensor:
    """``logits - logsumexp(logits)`` over the last dim, ``(B, ..., n)`` -> same shape.

    The very expression ``torch.distributions.Categorical(logits=...)`` stores as its
    ``.logits``, so everything derived from it (probs, draws, logp) has the same bits.
    """
    return logits - logits.logsumexp(dim=-1, keepdim=True)


def sample_normalized_logits(normalized: torch.Tensor) -> torch.Tensor:
    """One draw per row from normalised logits ``(B, ..., n)`` -> int64 actions ``(B, ...)``.

    Why: building ``torch.distributions.Categorical`` and calling ``.sample()`` costs several
    times the network's own forward pass at batch 1 (argument broadcasting, shape bookkeeping
    and ``torch.multinomial``'s checks, which read tensors back with ``.item()``).

    Exact: ``Categorical.sample()`` takes ``probs = softmax(normalised logits)`` and calls
    ``torch.multinomial(probs_2d, 1, True)``; ATen draws a single sample with replacement by
    the Gumbel-max trick, ``argmax(probs / q)`` with ``q = empty_like(probs).exponential_(1)``
    from the default generator. We run those same kernels on the same tensors, so the draws
    are bit-identical and the RNG advances exactly as much (pinned against torch by
    ``tests/distributions/test_categorical_exact.py`` over many seeds, shapes and dtypes).
    ``multinomial``'s validity checks reduce to one here: a softmax is non-negative and sums
    to ~1 unless a logit is NaN or infinite, which makes the probabilities NaN.

    Raises:
        RuntimeError: the probabilities contain NaN (NaN/inf logits), the error type torch
            raises for them, naming the logits shape.
    """
    probs = torch.softmax(normalized, dim=-1)
    if bool(probs.detach().sum().isnan()):
        raise RuntimeError(
            "TorchCategorical.sample expected finite logits (B, ..., n); got NaN or infinite "
            f"values in logits of shape {tuple(normalized.shape)}"
        )
    if probs.dim() == 2:  # (B, n), the acting case: already the 2-D layout multinomial uses
        return (probs / torch.empty_like(probs).exponential_(1)).argmax(dim=-1)
    flat = probs.reshape(-1, probs.shape[-1])
    noise = torch.empty_like(flat).exponential_(1)
    return (flat / noise).argmax(dim=-1).reshape(probs.shape[:-1])


class TorchCategorical(TorchDistribution):
    """Categorical over the last dimension of ``logits``/``probs`` ``(B, n)``.

    Actions are indices ``0..n-1`` (int64, ``(B,)``), also for a ``Discrete(n, start=s)``
    space: adding ``start`` is the acting layer's job, as on RLlib.

    Built from logits, sampling and scoring run on the normalised logits directly (see
    :func:`sample_normalized_logits`); the ``torch.distributions.Categorical`` behind
    ``entropy``/``kl``/``rsample`` and broadcast ``logp`` is built on first use only.

    Args:
        logits: unnormalised log-probabilities ``(B, n)``.
        probs: probabilities ``(B, n)`` (normalised by torch). Give exactly one of the two.

    Example:
        >>> import torch
        >>> dist = TorchCategorical(logits=torch.tensor([[0.0, 2.0, 1.0]]))
        >>> dist.to_deterministic().sample()
        tensor([1])
    """

    def __init__(
        self, logits: torch.Tensor | None = None, probs: torch.Tensor | None = None
    ) -> None:
        if (logits is None) == (probs is None):
            raise ValueError(
                "TorchCategorical expected exactly one of logits or probs; got "
                + ("both" if logits is not None else "neither")
            )
        given = logits if logits is not None else probs
        if not isinstance(given, torch.Tensor) or given.dim() == 0:
            name = "logits" if logits is not None else "probs"
            shape = tuple(given.shape) if isinstance(given, torch.Tensor) else type(given).__name__
            raise ValueError(f"TorchCategorical expected {name} of shape (B, ..., n); got {shape}")
        self._given_logits, self._given_probs = logits, probs
        self._given: torch.Tensor = given  # whichever of the two was given
        self._torch_dist: torch.distributions.Distribution | None = None
        self._normalized: torch.Tensor | None = None
        # A subclass that builds its own torch distribution gets every draw and score from it.
        self._custom_torch_dist = (
            type(self)._get_torch_distribution is not TorchCategorical._get_torch_distribution
        )

    def _get_torch_distribution(
        self, logits: torch.Tensor | None = None, probs: torch.Tensor | None = None
    ) -> torch.distributions.Categorical:
        return torch.distributions.Categorical(logits=logits, probs=probs, validate_args=False)

    @property
    def _dist(self) -> torch.distributions.Categorical:
        """torch's Categorical for the given argument, built on first use."""
        if self._torch_dist is None:
            self._torch_dist = self._get_torch_distribution(self._given_logits, self._given_probs)
        # An assigned distribution (below) must offer Categorical's `logits`/`probs`, as on RLlib.
        return cast(torch.distributions.Categorical, self._torch_dist)

    @_dist.setter
    def _dist(self, value: torch.distributions.Distribution) -> None:
        # Code written for RLlib's classes may assign `self._dist`; it is then used everywhere.
        self._torch_dist = value
        self._custom_torch_dist = True
        self._normalized = None

    def _normalized_logits(self) -> torch.Tensor:
        """torch's normalised logits ``(B, n)``: from given logits without building the dist."""
        if self._normalized is None:
            if self._given_logits is not None and not self._custom_torch_dist:
                self._normalized = normalize_logits(self._given_logits)
            else:
                self._normalized = self._dist.logits
        return self._normalized

    @property
    def logits(self) -> torch.Tensor:
        """The logits as given ``(B, n)``; if built from probs, their log (never None)."""
        return self._given_logits if self._given_logits is not None else self._dist.logits

    @property
    def probs(self) -> torch.Tensor:
        """The probs as given ``(B, n)``; if built from logits, their softmax (never None)."""
        if self._given_probs is not None:
            return self._given_probs
        if self._custom_torch_dist:
            return self._dist.probs
        return torch.softmax(self._normalized_logits(), dim=-1)  # = torch's Categorical.probs

    @property
    def num_categories(self) -> int:
        """``n``, the number of actions."""
        return int(self._given.shape[-1])

    def sample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Draw int64 actions ``sample_shape + (B,)``, as ``Categorical.sample`` would."""
        shape = as_sample_shape(sample_shape)
        if not shape and self._given_logits is not None and not self._custom_torch_dist:
            # Integer draws carry no gradient, so no `torch.no_grad()` block is needed.
            return sample_normalized_logits(self._normalized_logits())
        return self._dist.sample(shape)

    def rsample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Straight-through one-hot sample ``sample_shape + (B, n)``.

        The forward value is an exact one-hot of a sampled index; the backward pass uses the
        gradient of ``probs``. Works from logits too (RLlib's version read ``self.probs``, which
        is ``None`` when built from logits, and crashed).
        """
        index = self._dist.sample(as_sample_shape(sample_shape))
        probs = self._dist.probs  # normalised, whichever argument was given
        one_hot = F.one_hot(index, self.num_categories).to(probs.dtype)
        # `probs - probs.detach()` is exactly 0 forward, so the value stays an exact one-hot.
        return one_hot + (probs - probs.detach())

    def logp(self, value: torch.Tensor) -> torch.Tensor:
        """Log-probability of integer actions ``(B,)`` -> ``(B,)``.

        For actions shaped like the batch (the acting case) this gathers from the normalised
        logits directly: the numbers ``Categorical.log_prob`` gives, without building the
        distribution or its broadcasting step, which costs as much as the gather at batch 1.
        """
        if self._custom_torch_dist:
            return self._dist.log_prob(value)
        logits = self._normalized_logits()
        if value.shape == logits.shape[:-1]:
            return logits.gather(-1, value.long().unsqueeze(-1)).squeeze(-1)
        return self._dist.log_prob(value)

    @staticmethod
    def required_input_dim(space: gym.Space, **kwargs: Any) -> int:
        """``space.n`` for a ``Discrete`` space."""
        discrete = check_space(space, gym.spaces.Discrete, "TorchCategorical")
        return int(discrete.n)

    @classmethod
    def from_logits(
        cls, logits: torch.Tensor, temperature: float = 1.0, **kwargs: Any
    ) -> TorchCategorical:
        """Build from logits ``(B, n)``, divided by ``temperature`` (> 0; 1.0 = unchanged).

        Raises:
            ValueError: ``temperature`` is not a positive number.
        """
        check_logits(logits, cls.__name__)
        temperature = check_temperature(temperature, f"{cls.__name__}.from_logits")
        if temperature != 1.0:
            logits = logits / temperature
        return cls(logits=logits, **kwargs)

    def to_deterministic(self) -> TorchDeterministic:
        """A point mass on the most likely action: int64 ``(B,)``."""
        from rlmigrate.distributions.deterministic import TorchDeterministic

        # argmax over what was given (raw logits, not torch's normalised ones), as RLlib does:
        # normalising can round near-ties into exact ties and flip the chosen index.
        deterministic = TorchDeterministic(loc=torch.argmax(self._given, dim=-1))
        deterministic._event_ndim = 0  # scalar actions: logp/flat widths know (B, T) from (B, A)
        return deterministic


def check_temperature(temperature: Any, where: str) -> float:
    """Return ``temperature`` as a float, or raise ValueError unless it is positive and finite."""
    try:
        value = float(temperature)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{where} expected a positive float temperature; got {temperature!r}"
        ) from err
    if not 0.0 < value < float("inf"):  # also rejects NaN
        raise ValueError(f"{where} expected a positive, finite temperature; got {temperature!r}")
    return value
