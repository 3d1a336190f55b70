"""A nested structure of distributions (for ``Dict`` and ``Tuple`` action spaces)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import torch

from rlmigrate.core import nest as _struct
from rlmigrate.distributions.base import (
    Distribution,
    SampleShape,
    check_logits,
    check_width,
)
from rlmigrate.distributions.categorical import TorchCategorical
from rlmigrate.distributions.deterministic import TorchDeterministic
from rlmigrate.distributions.multi_categorical import TorchMultiCategorical


class TorchMultiDistribution(Distribution):
    """One child distribution per leaf of a (nested) dict/tuple structure.

    Samples come back with the same nesting (a dict for a ``Dict`` space, a tuple for a
    ``Tuple``); ``logp``, ``entropy`` and ``kl`` are sums over the children → ``(B,)``.
    Children are ordered like RLlib's flattening: dict keys sorted, tuples by position.

    Args:
        child_distribution_struct: dict/tuple/list (nested) of distribution instances.

    Example:
        >>> import torch
        >>> from rlmigrate.distributions import TorchCategorical, TorchDiagGaussian
        >>> dist = TorchMultiDistribution.from_logits(
        ...     torch.zeros(2, 7),
        ...     child_distribution_cls_struct={"move": TorchDiagGaussian, "pick": TorchCategorical},
        ...     input_lens={"move": 4, "pick": 3},
        ... )
        >>> {key: value.shape for key, value in dist.sample().items()}
        {'move': torch.Size([2, 2]), 'pick': torch.Size([2])}
    """

    def __init__(self, child_distribution_struct: Any) -> None:
        if not _struct.is_container(child_distribution_struct) or not _struct.flatten(
            child_distribution_struct
        ):
            raise ValueError(
                "TorchMultiDistribution expected a non-empty dict/tuple/list of distributions; "
                f"got {child_distribution_struct!r}"
            )
        children = _struct.flatten(child_distribution_struct)
        for index, child in enumerate(children):
            if not isinstance(child, Distribution):
                raise TypeError(
                    f"TorchMultiDistribution expected Distribution instances as leaves; leaf "
                    f"{index} of {_struct.describe(child_distribution_struct)} is "
                    f"{type(child).__name__}"
                )
        self._struct = child_distribution_struct
        self._children = children

    @property
    def child_distribution_struct(self) -> Any:
        """The children, nested like the action space."""
        return self._struct

    def sample(self, *, sample_shape: SampleShape = None) -> Any:
        """A struct of child samples, each ``sample_shape + (B, ...)``."""
        return _struct.map_structure(lambda d: d.sample(sample_shape=sample_shape), self._struct)

    def rsample(self, *, sample_shape: SampleShape = None) -> Any:
        """A struct of reparameterised child samples."""
        return _struct.map_structure(lambda d: d.rsample(sample_shape=sample_shape), self._struct)

    def logp(self, value: Any) -> torch.Tensor:
        """Summed child log-likelihoods → ``(B,)``.

        Args:
            value: a struct shaped like the children, or one tensor ``(B, W)`` holding every
                child's action side by side in flattening order (a categorical takes 1 column,
                a multi-categorical one per component, others their sample width).
        """
        if isinstance(value, torch.Tensor):
            parts = self._split_flat_value(value)
        elif _struct.is_container(value):
            if not _struct.same_structure(value, self._struct):
                raise ValueError(
                    "TorchMultiDistribution.logp expected actions nested like "
                    f"{_struct.describe(self._struct)}; got {_struct.describe(value)}"
                )
            parts = _struct.flatten(value)
        else:
            raise TypeError(
                "TorchMultiDistribution.logp expected a struct of actions or one tensor (B, W); "
                f"got {type(value).__name__}"
            )
        logps = [
            child.logp(_squeeze_scalar_action(child, part))
            for child, part in zip(self._children, parts)
        ]
        return _sum_to_batch(logps)

    def entropy(self) -> torch.Tensor:
        """Summed child entropies ``(B,)``."""
        return _sum_to_batch([child.entropy() for child in self._children])

    def kl(self, other: Distribution) -> torch.Tensor:
        """Summed child KLs ``(B,)``; ``other`` must have the same structure."""
        if not isinstance(other, TorchMultiDistribution) or not _struct.same_structure(
            other._struct, self._struct
        ):
            got = (
                _struct.describe(other._struct)
                if isinstance(other, TorchMultiDistribution)
                else type(other).__name__
            )
            raise TypeError(
                "TorchMultiDistribution.kl expected a TorchMultiDistribution nested like "
                f"{_struct.describe(self._struct)}; got {got}"
            )
        return _sum_to_batch(
            [mine.kl(theirs) for mine, theirs in zip(self._children, other._children)]
        )

    @staticmethod
    def required_input_dim(
        space: gym.Space, input_lens: Any = None, as_list: bool = False, **kwargs: Any
    ) -> int | list[int]:
        """``sum(input_lens)`` (or the flat list of widths with ``as_list=True``).

        Raises:
            ValueError: ``input_lens`` missing, not positive ints, or (for a Dict/Tuple
                ``space``) not one per leaf of the space.
        """
        if input_lens is None:
            raise ValueError(
                "TorchMultiDistribution.required_input_dim needs input_lens (one logits width per "
                f"leaf of {space!r}); use get_default_dist_cls(space) to have them filled in"
            )
        flat_lens = _flat_input_lens(input_lens, None, "TorchMultiDistribution.required_input_dim")
        if isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple)):
            leaves = _struct.flatten(_struct.space_to_struct(space))
            if len(leaves) != len(flat_lens):
                raise ValueError(
                    f"TorchMultiDistribution.required_input_dim expected {len(leaves)} input_lens "
                    f"(one per leaf of {space!r}); got {len(flat_lens)}: {flat_lens}"
                )
        return list(flat_lens) if as_list else sum(flat_lens)

    @classmethod
    def from_logits(
        cls,
        logits: torch.Tensor,
        child_distribution_cls_struct: Any,
        input_lens: Any,
        space: gym.Space | None = None,
        **kwargs: Any,
    ) -> TorchMultiDistribution:
        """Split logits ``(B, sum(input_lens))`` and build each child with its ``from_logits``.

        Args:
            logits: ``(B, W)`` with ``W = sum(input_lens)``, children in flattening order.
            child_distribution_cls_struct: dict/tuple (nested) of distribution classes; each
                must build from its logits slice alone (use partial classes where needed).
            input_lens: logits width per child, nested like the classes or as a flat list.
            space: the Dict/Tuple action space, optional; when given, its nesting must match.

        Raises:
            ValueError: a width or structure that does not match.
        """
        owner = f"{cls.__name__}.from_logits"
        check_logits(logits, cls.__name__)
        if not _struct.is_container(child_distribution_cls_struct):
            raise ValueError(
                f"{owner} expected child_distribution_cls_struct as a dict/tuple of "
                f"distribution classes; got {child_distribution_cls_struct!r}"
            )
        if space is not None:
            _check_space_matches(space, child_distribution_cls_struct, owner)
        child_classes = _struct.flatten(child_distribution_cls_struct)
        flat_lens = _flat_input_lens(input_lens, child_distribution_cls_struct, owner)
        if len(flat_lens) != len(child_classes):
            raise ValueError(
                f"{owner} expected {len(child_classes)} input_lens (one per child of "
                f"{_struct.describe(child_distribution_cls_struct)}); got {flat_lens}"
            )
        check_width(logits, sum(flat_lens), cls.__name__, f"sum of input_lens {flat_lens}")
        parts = torch.split(logits, flat_lens, dim=-1)
        children = [child_cls.from_logits(part) for child_cls, part in zip(child_classes, parts)]
        return cls(_struct.unflatten_as(child_distribution_cls_struct, children), **kwargs)

    def to_deterministic(self) -> TorchMultiDistribution:
        """The same structure of each child's ``to_deterministic()``."""
        return TorchMultiDistribution(
            _struct.map_structure(lambda d: d.to_deterministic(), self._struct)
        )

    def _split_flat_value(self, value: torch.Tensor) -> list[torch.Tensor]:
        widths = [flat_action_width(child) for child in self._children]
        if value.dim() < 2 or value.shape[-1] != sum(widths):
            raise ValueError(
                f"TorchMultiDistribution.logp expected a flat action tensor (B, {sum(widths)}) "
                f"(child widths {widths}); got shape {tuple(value.shape)}"
            )
        return list(torch.split(value, widths, dim=-1))


def flat_action_width(dist: Distribution) -> int:
    """How many columns ``dist``'s action takes in a flat, concatenated action tensor."""
    if isinstance(dist, TorchCategorical):
        return 1
    if isinstance(dist, TorchMultiCategorical):
        return len(dist.categoricals)
    if isinstance(dist, TorchMultiDistribution):
        return sum(flat_action_width(child) for child in dist._children)
    if isinstance(dist, TorchDeterministic):
        return 1 if dist.event_ndim == 0 else int(dist.loc.shape[-1])
    loc = getattr(dist, "loc", None)
    if isinstance(loc, torch.Tensor) and loc.dim() > 0:
        return int(loc.shape[-1])
    sample = dist.sample()
    if not isinstance(sample, torch.Tensor) or sample.dim() == 0:
        raise ValueError(
            f"cannot tell how many flat action columns {type(dist).__name__} takes; "
            "pass the actions as a struct instead of one tensor"
        )
    return int(sample.shape[-1])


def _squeeze_scalar_action(child: Distribution, part: torch.Tensor) -> torch.Tensor:
    """Drop a trailing size-1 dim from a scalar (categorical) action ``(B, 1)`` → ``(B,)``."""
    if not isinstance(part, torch.Tensor) or part.dim() == 0 or part.shape[-1] != 1:
        return part
    if isinstance(child, TorchCategorical):
        batch_ndim = child.logits.dim() - 1
    elif isinstance(child, TorchDeterministic) and child.event_ndim == 0:
        batch_ndim = child.loc.dim()
    else:
        return part
    return part.squeeze(-1) if part.dim() == batch_ndim + 1 else part


def _sum_to_batch(tensors: list[torch.Tensor]) -> torch.Tensor:
    """Add per-child results; ones with extra trailing dims (point masses) are summed down."""
    batch_ndim = min(t.dim() for t in tensors)
    total = None
    for tensor in tensors:
        if tensor.dim() > batch_ndim:
            tensor = tensor.sum(dim=tuple(range(batch_ndim, tensor.dim())))
        total = tensor if total is None else total + tensor
    assert total is not None
    return total


def _flat_input_lens(input_lens: Any, structure: Any, owner: str) -> list[int]:
    if (
        structure is not None
        and _struct.is_container(input_lens)
        and _struct.same_structure(input_lens, structure)
    ):
        flat = _struct.flatten(input_lens)
    elif isinstance(input_lens, Sequence) and not isinstance(input_lens, str):
        flat = _struct.flatten(list(input_lens))
    elif _struct.is_container(input_lens):  # a dict not nested like the classes
        flat = _struct.flatten(input_lens)
    else:
        raise ValueError(
            f"{owner} expected input_lens as a list or struct of ints; got {input_lens!r}"
        )
    try:
        ints = [int(n) for n in flat]
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"{owner} expected input_lens of positive ints; got {input_lens!r}"
        ) from err
    if any(n <= 0 or n != f for n, f in zip(ints, flat)):
        raise ValueError(f"{owner} expected input_lens of positive ints; got {input_lens!r}")
    return ints


def _check_space_matches(space: gym.Space, structure: Any, owner: str) -> None:
    if not isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple)):
        raise ValueError(f"{owner} expected a Dict or Tuple space; got {space!r}")
    space_struct = _struct.space_to_struct(space)
    if not _struct.same_structure(space_struct, structure):
        raise ValueError(
            f"{owner}: child_distribution_cls_struct {_struct.describe(structure)} is not nested "
            f"like the space {_struct.describe(space_struct)} ({space!r})"
        )
