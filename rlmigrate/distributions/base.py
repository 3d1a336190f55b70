"""The action-distribution contract of the new stack, and its torch-backed base class.

An RLModule returns *distribution inputs* (logits, ``(B, W)`` or ``(B, T, W)``); the caller turns
them into a distribution with the **class** method ``dist_cls.from_logits(logits)`` and then
samples, scores (``logp``) or takes ``to_deterministic()``. Distribution classes are passed
around as classes, so extra constructor arguments (``input_lens`` of a MultiDiscrete space, the
child classes of a Dict space) are baked in with :meth:`Distribution.get_partial_dist_cls`.

Example:
    >>> import torch
    >>> from rlmigrate.distributions import TorchCategorical
    >>> dist = TorchCategorical.from_logits(torch.zeros(4, 3))
    >>> dist.sample().shape
    torch.Size([4])
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

import gymnasium as gym
import torch

SampleShape = torch.Size | tuple[int, ...] | list[int] | int | None
SpaceT = TypeVar("SpaceT", bound=gym.Space)


def as_sample_shape(sample_shape: SampleShape) -> torch.Size:
    """Normalise ``sample_shape`` (None, an int, a tuple/list or a ``torch.Size``) to a Size."""
    if sample_shape is None:
        return torch.Size()
    if isinstance(sample_shape, int):
        return torch.Size((sample_shape,))
    try:
        return torch.Size(tuple(int(d) for d in sample_shape))
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"sample_shape must be None, an int or a sequence of ints; got {sample_shape!r}"
        ) from err


def check_logits(logits: Any, owner: str) -> torch.Tensor:
    """Check that ``logits`` is a floating tensor with a last (feature) dimension.

    Raises:
        TypeError: not a tensor, or not a floating dtype.
        ValueError: a 0-d tensor (there is no last dimension to read the inputs from).
    """
    if not isinstance(logits, torch.Tensor):
        raise TypeError(
            f"{owner}.from_logits expected logits as a torch.Tensor of shape (B, ..., W); "
            f"got {type(logits).__name__}"
        )
    if not torch.is_floating_point(logits):
        raise TypeError(
            f"{owner}.from_logits expected floating logits; got dtype {logits.dtype} "
            f"with shape {tuple(logits.shape)}"
        )
    if logits.dim() == 0:
        raise ValueError(
            f"{owner}.from_logits expected logits of shape (B, ..., W); got a 0-d tensor"
        )
    return logits


def check_width(logits: torch.Tensor, expected: int, owner: str, why: str = "") -> None:
    """Raise ValueError naming ``expected`` and the incoming shape if the last dim differs."""
    if logits.shape[-1] != expected:
        reason = f" ({why})" if why else ""
        raise ValueError(
            f"{owner}.from_logits expected logits with last dimension {expected}{reason}; "
            f"got shape {tuple(logits.shape)}"
        )


def check_space(
    space: Any, expected: type[SpaceT] | tuple[type[SpaceT], ...], owner: str
) -> SpaceT:
    """``space``, typed as ``expected``; ValueError naming the space that came otherwise."""
    if not isinstance(space, expected):
        names = (
            " or ".join(t.__name__ for t in expected)
            if isinstance(expected, tuple)
            else expected.__name__
        )
        raise ValueError(f"{owner}.required_input_dim expected a {names} space; got {space!r}")
    return space


def distribution_family(dist_or_cls: Any) -> type:
    """The non-partial class behind a distribution (instance or class)."""
    cls = dist_or_cls if isinstance(dist_or_cls, type) else type(dist_or_cls)
    return getattr(cls, "_partial_base", None) or cls


class Distribution(abc.ABC):
    """An action distribution built from a module's outputs.

    Subclasses implement sampling and scoring; the shapes below use ``B`` for the batch (any
    leading batch dims, e.g. ``(B, T)``, work the same way) and ``A`` for the action width.

    Class attributes:
        partial_kwargs: the keyword arguments fixed by :meth:`get_partial_dist_cls` (empty for a
            plain class); a read-only mapping.
    """

    partial_kwargs: ClassVar[Mapping[str, Any]] = MappingProxyType({})
    _partial_base: ClassVar[type[Distribution] | None] = None

    @abc.abstractmethod
    def sample(self, *, sample_shape: SampleShape = None) -> Any:
        """Draw actions without gradient: ``sample_shape + (B, ...)``."""

    @abc.abstractmethod
    def rsample(self, *, sample_shape: SampleShape = None) -> Any:
        """Draw actions through which gradients flow to the distribution parameters."""

    @abc.abstractmethod
    def logp(self, value: Any) -> torch.Tensor:
        """Log-likelihood of ``value`` (an action batch), reduced over action dims → ``(B,)``."""

    @abc.abstractmethod
    def kl(self, other: Distribution) -> torch.Tensor:
        """KL divergence ``KL(self || other)`` per batch element → ``(B,)``."""

    @abc.abstractmethod
    def entropy(self) -> torch.Tensor:
        """Entropy per batch element → ``(B,)``."""

    @staticmethod
    @abc.abstractmethod
    def required_input_dim(space: gym.Space, **kwargs: Any) -> int:
        """Width ``W`` of the logits ``(B, W)`` that ``from_logits`` needs for ``space``."""

    @classmethod
    def from_logits(cls, logits: torch.Tensor, **kwargs: Any) -> Distribution:
        """Build the distribution from a module's output ``(B, W)``.

        The base class has no generic mapping from logits; every concrete family defines one.
        """
        raise NotImplementedError(f"{cls.__name__} does not define from_logits")

    def to_deterministic(self) -> Distribution:
        """The greedy counterpart (argmax, mean) used when acting with ``explore=False``."""
        raise NotImplementedError(f"{type(self).__name__} does not define to_deterministic")

    def sample_and_logp(self, *, sample_shape: SampleShape = None) -> tuple[Any, torch.Tensor]:
        """Sample and score in one call → ``(sample, logp)``; logp is ``(B,)``."""
        sample = self.sample(sample_shape=sample_shape)
        return sample, self.logp(sample)

    def rsample_and_logp(self, *, sample_shape: SampleShape = None) -> tuple[Any, torch.Tensor]:
        """Reparameterised sample and its logp → ``(sample, logp)``; both carry gradients."""
        sample = self.rsample(sample_shape=sample_shape)
        return sample, self.logp(sample)

    @classmethod
    def get_partial_dist_cls(cls, **partial_kwargs: Any) -> type[Distribution]:
        """A subclass whose ``from_logits``/``required_input_dim`` get ``partial_kwargs`` fixed.

        Use it where only a class can be passed but the family needs more than logits, e.g.
        ``TorchMultiCategorical.get_partial_dist_cls(input_lens=[3, 2])``. Objects made by the
        partial class's ``from_logits`` are instances of the partial class. Calling a partial
        class's ``get_partial_dist_cls`` again fixes further kwargs on top.

        Example:
            >>> import torch
            >>> from rlmigrate.distributions import TorchMultiCategorical
            >>> Cls = TorchMultiCategorical.get_partial_dist_cls(input_lens=[3, 2])
            >>> Cls.from_logits(torch.zeros(8, 5)).sample().shape
            torch.Size([8, 2])

        Raises:
            ValueError: a kwarg is already fixed by this (partial) class, or later, when a
                caller passes a fixed kwarg again to ``from_logits``/``required_input_dim``.
        """
        base = cls._partial_base or cls
        already = dict(cls.partial_kwargs)
        clash = sorted(set(already) & set(partial_kwargs))
        if clash:
            raise ValueError(
                f"{cls.__name__} already fixes {clash}; a partial class cannot override them"
            )
        fixed = {**already, **partial_kwargs}
        return _make_partial_class(cls, base, fixed)


def _merge_fixed(
    owner: str, fixed: Mapping[str, Any], kwargs: Mapping[str, Any], method: str
) -> dict[str, Any]:
    clash = sorted(set(fixed) & set(kwargs))
    if clash:
        raise ValueError(
            f"{owner}.{method} got {clash} but these are fixed by the partial class "
            f"(fixed: {sorted(fixed)}); build a new partial class to change them"
        )
    return {**fixed, **kwargs}


def _make_partial_class(
    parent: type[Distribution], base: type[Distribution], fixed: dict[str, Any]
) -> type[Distribution]:
    name = f"{base.__name__}Partial"

    def from_logits(partial_cls: type[Distribution], logits: torch.Tensor, **kwargs: Any):
        merged = _merge_fixed(name, fixed, kwargs, "from_logits")
        dist = base.from_logits(logits, **merged)
        # Re-class so `isinstance(dist, partial_cls)` holds, as RLlib's partial classes do.
        if isinstance(dist, base) and issubclass(partial_cls, type(dist)):
            dist.__class__ = partial_cls
        return dist

    def required_input_dim(space: gym.Space | None = None, **kwargs: Any) -> int:
        # A fixed `space` (multi-distributions fix it) fills in for a missing argument; the
        # space passed here is the one measured, so the fixed one is not passed on twice.
        fixed_rest = {key: value for key, value in fixed.items() if key != "space"}
        merged = _merge_fixed(name, fixed_rest, kwargs, "required_input_dim")
        if space is None:
            if "space" not in fixed:
                raise TypeError(f"{name}.required_input_dim() missing the space argument")
            space = fixed["space"]
        return base.required_input_dim(space, **merged)

    namespace = {
        "__module__": base.__module__,
        "__qualname__": f"{base.__qualname__}Partial",
        "__doc__": f"{base.__name__} with fixed keyword arguments {sorted(fixed)}.",
        "from_logits": classmethod(from_logits),
        "required_input_dim": staticmethod(required_input_dim),
        "partial_kwargs": MappingProxyType(dict(fixed)),
        "_partial_base": base,
    }
    return type(name, (parent,), namespace)


class TorchDistribution(Distribution):
    """A distribution that delegates to a ``torch.distributions`` object (``self._dist``).

    Subclasses implement :meth:`_get_torch_distribution`; torch's argument validation is off
    (``validate_args=False``) as on RLlib 2.60, because logits from a network are trusted and
    validation costs time on every call.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._dist = self._get_torch_distribution(*args, **kwargs)

    @abc.abstractmethod
    def _get_torch_distribution(
        self, *args: Any, **kwargs: Any
    ) -> torch.distributions.Distribution:
        """Build the wrapped ``torch.distributions`` object."""

    def sample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Draw ``sample_shape + (B, ...)`` actions without gradient."""
        return self._dist.sample(as_sample_shape(sample_shape))

    def rsample(self, *, sample_shape: SampleShape = None) -> torch.Tensor:
        """Reparameterised sample ``sample_shape + (B, ...)``."""
        return self._dist.rsample(as_sample_shape(sample_shape))

    def logp(self, value: torch.Tensor) -> torch.Tensor:
        """``log_prob`` of the wrapped distribution (``(B,)`` for a scalar-event family)."""
        return self._dist.log_prob(value)

    def entropy(self) -> torch.Tensor:
        """Entropy of the wrapped distribution per batch element."""
        return self._dist.entropy()

    def kl(self, other: Distribution) -> torch.Tensor:
        """``KL(self || other)`` via ``torch.distributions.kl_divergence``."""
        self._check_same_family(other)
        return torch.distributions.kl_divergence(self._dist, other._dist)  # type: ignore[attr-defined]

    def _check_same_family(self, other: Any) -> None:
        mine, theirs = distribution_family(self), distribution_family(other)
        if not (issubclass(mine, theirs) or issubclass(theirs, mine)):
            raise TypeError(
                f"{type(self).__name__}.kl expected another {mine.__name__}; "
                f"got {type(other).__name__}"
            )

    @classmethod
    def from_logits(cls, logits: torch.Tensor, **kwargs: Any) -> TorchDistribution:
        """Generic construction ``cls(logits=logits, **kwargs)`` (RLlib 2.60's default)."""
        check_logits(logits, cls.__name__)
        return cls(logits=logits, **kwargs)
