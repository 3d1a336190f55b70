"""Lazily built submodules: warm both sides up before their weights are transferred.

Some legacy models build part of their network on the first ``forward`` call, not in
``__init__`` (``if self.dnc is None: self.dnc = DNC(...)``, often to pick the input's device).
Until that first call the submodule is not in ``state_dict()``, so a weight transfer done
right after construction cannot copy it: each side would then draw its own random weights on
its first step, and a "match" would only mean that both drew them after the same seed. That
first call usually also runs differently from later ones (the DNC one ignores the incoming
state), and a migrated ``compute_values(batch)`` that re-runs ``_forward(batch)`` re-runs it
on the *built* submodule, while the legacy ``value_function()`` returned what the building
call cached.

:func:`warm_up_lazy` finds such models without touching them: it steps a deep copy of each
side once and looks for ``state_dict`` keys that were not there before. When a side grew any,
both real sides take one identical warm-up step (same observations, initial state and seed)
so that their submodules exist, and :func:`~rlmigrate.testing.equivalence.assert_equivalent`
transfers the weights only then. What is proven is therefore the behaviour *after* the first
call; the report names the submodules built lazily, and the codemod flags the idiom for review
(the first call of the migrated module is not compared).

Example:
    >>> warm = warm_up_lazy(legacy_side, migrated_side, seed=0)  # doctest: +SKIP
    >>> warm.built  # doctest: +SKIP
    {'legacy': ('dnc',), 'migrated': ('dnc',)}
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import numpy as np
from torch import nn

from rlmigrate.testing.compare import EquivalenceError
from rlmigrate.testing.sampling import sample_observations
from rlmigrate.testing.sides import Side

__all__ = ["WarmUp", "WARMUP_BATCH", "warm_up_lazy", "lazily_built"]

#: observations in the warm-up batch (2, not 1: some legacy models break at B == 1 with a
#: bare ``squeeze()``; the comparison itself checks B == 1 separately)
WARMUP_BATCH = 2


@dataclasses.dataclass(frozen=True)
class WarmUp:
    """What :func:`warm_up_lazy` found and did.

    Attributes:
        built: per side label, the top-level attributes (e.g. ``("dnc",)``) whose weights the
            first forward pass created; empty tuples when nothing is built lazily.
    """

    built: dict[str, tuple[str, ...]]

    @property
    def ran(self) -> bool:
        """Whether the sides took a warm-up step (some side builds a submodule lazily)."""
        return any(self.built.values())

    def describe(self) -> str:
        """One line for reports; ``""`` when no warm-up ran."""
        if not self.ran:
            return ""
        parts = [
            f"{label} {', '.join(names)}" for label, names in self.built.items() if names
        ]
        return (
            f"warm-up: the first forward pass builds submodules lazily ({'; '.join(parts)}); "
            f"both sides took one identical warm-up step ({WARMUP_BATCH} observations, initial "
            "state, same seed) before the weights were transferred, so the call that builds "
            "them is not compared"
        )


def _weight_names(owner: Any) -> set[str] | None:
    """``state_dict`` keys of an ``nn.Module`` owner; None for anything else (a policy)."""
    if not isinstance(owner, nn.Module):
        return None
    return set(owner.state_dict())


def lazily_built(side: Side, obs: Any, state: list[np.ndarray], seed: int) -> tuple[str, ...]:
    """Top-level attributes whose weights one step of a deep copy of ``side`` creates.

    ``side`` itself is not stepped. Empty when its weights do not live in an ``nn.Module``,
    when it cannot be copied, or when the copy's step raises (the comparison reports that
    crash on the real side).
    """
    before = _weight_names(side.weights_owner())
    if before is None:
        return ()
    try:
        clone = copy.deepcopy(side)
        clone.step(obs, state, explore=False, seed=seed)
        after = _weight_names(clone.weights_owner()) or set()
    except Exception:  # noqa: BLE001 - a probe only; the real step reports the error
        return ()
    return tuple(sorted({key.split(".", 1)[0] for key in after - before}))


def warm_up_lazy(left: Side, right: Side, *, seed: int) -> WarmUp:
    """Probe both sides for lazily built submodules; when found, step both once, identically.

    Args:
        left / right: the legacy and the migrated side (not yet given each other's weights).
        seed: the seed of the warm-up observations and of the step.

    Returns:
        A :class:`WarmUp`; when :attr:`WarmUp.ran`, both sides now hold their submodules.

    Raises:
        EquivalenceError: the warm-up step of a real side raised (its copy did not).
    """
    rng = np.random.default_rng(seed)
    obs = sample_observations(left.observation_space, (WARMUP_BATCH,), rng)
    states = {side.label: side.initial_state(WARMUP_BATCH) for side in (left, right)}
    warm = WarmUp({side.label: lazily_built(side, obs, states[side.label], seed)
                   for side in (left, right)})
    if not warm.ran:
        return warm
    for side in (left, right):
        try:
            side.step(obs, states[side.label], explore=False, seed=seed)
        except Exception as err:
            raise EquivalenceError(
                f"{side.label} ({side.description}) raised in its warm-up step (which builds "
                f"its lazily built submodules): {type(err).__name__}: {err}"
            ) from err
    return warm
