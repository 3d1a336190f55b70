"""Numeric comparison of one quantity between the legacy and the migrated side.

Values are compared leaf by leaf (structs flattened in order) in float64 with numpy's
``isclose`` rule, ``|migrated - legacy| <= atol + rtol * |legacy|``; NaN equals NaN and an
infinity the same infinity only at the same position, and a non-finite value against anything
else is an infinite difference, whatever the tolerance. Shapes must agree up to size-1 axes (a ``(B, 1)`` value head against a
``(B,)`` one is the same number; a ``(B, 2)`` against ``(B, 3)`` is not).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from rlmigrate.testing.sides import flatten_leaves

__all__ = [
    "Difference",
    "Comparison",
    "EquivalenceError",
    "LegacyFailure",
    "Inconclusive",
    "LEGACY_FAILURE_MODES",
    "exception_name",
    "compare_values",
]

#: How :func:`~rlmigrate.testing.assert_equivalent` treats an input on which the legacy side
#: raises: ``"match"`` (the migrated side must raise the same exception type there, and at
#: least the requested number of examples must still act on both sides) or ``"strict"`` (any
#: legacy failure ends the check with :class:`LegacyFailure`).
LEGACY_FAILURE_MODES: tuple[str, ...] = ("match", "strict")


@dataclasses.dataclass
class Difference:
    """Why one quantity differs.

    Attributes:
        quantity: ``"action_dist_inputs"``, ``"actions"``, ``"logp"``, ``"values"`` or ``"state"``.
        reason: one line: ``"values differ"``, ``"shape mismatch ..."``, ``"missing on migrated"``.
        max_abs / max_rel: largest absolute / relative difference (``inf`` for structural ones).
        where: ``(leaf index, element index)`` of the largest violation.
        legacy_value / migrated_value: the two numbers there.
    """

    quantity: str
    reason: str
    max_abs: float = float("inf")
    max_rel: float = float("inf")
    where: tuple[int, tuple[int, ...]] | None = None
    legacy_value: float | None = None
    migrated_value: float | None = None
    bad_rows: np.ndarray | None = None


class LegacyFailure(ValueError):
    """The legacy side itself raised on an input and the migrated side raised there too: the
    legacy code cannot act with these spaces (its own bug, which the migration
    carried over), so there is nothing to compare. Not a difference, and not a proof.

    Raised as such with ``legacy_failures="strict"``; the default mode raises its subclass
    :class:`Inconclusive` only when too few inputs are left on which both sides act."""


class Inconclusive(LegacyFailure):
    """Both sides agreed on every input (the same numbers where they acted, the same exception
    type where the legacy side raised), but the legacy side acted on fewer examples than
    asked: too little was compared to call the two equivalent, and nothing differed.

    Attributes:
        acted: examples on which both sides acted (and agreed).
        raised: ``{exception type: examples}`` on which both sides raised that type.
        requested: the examples asked for.
    """

    def __init__(self, message: str, *, acted: int, raised: dict[str, int], requested: int) -> None:
        super().__init__(message)
        self.acted, self.raised, self.requested = acted, dict(raised), requested


def exception_name(error: BaseException) -> str:
    """The exception's type as ``module.QualName`` (``builtins`` left out): how the two sides'
    failures are matched, so that the legacy and the migrated copy of a project's own
    exception class (two class objects, one name) count as the same type."""
    cls = type(error)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


class EquivalenceError(AssertionError):
    """Legacy and migrated disagree (or cannot be compared). The message says how.

    Attributes:
        difference: the :class:`~rlmigrate.testing.compare.Difference` (None for set-up errors).
        example: the (shrunk) input that shows it, as a dict.
    """

    def __init__(
        self, message: str, *, difference: Difference | None = None, example: dict | None = None
    ) -> None:
        super().__init__(message)
        self.difference = difference
        self.example = example


@dataclasses.dataclass
class Comparison:
    """Result of comparing one quantity: the differences seen and, if out of tolerance, why."""

    max_abs: float
    max_rel: float
    difference: Difference | None


def _as_array(value: Any) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"cannot compare a value of type {type(value).__name__}")
    return array.astype(np.float64, copy=False)


def _squeezed_shape(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)


def compare_values(
    quantity: str, legacy: Any, migrated: Any, *, atol: float, rtol: float
) -> Comparison:
    """Compare ``legacy`` with ``migrated`` (numpy arrays or structs of them)."""
    left, right = flatten_leaves(legacy), flatten_leaves(migrated)
    if len(left) != len(right):
        return Comparison(
            float("inf"),
            float("inf"),
            Difference(
                quantity,
                f"structure mismatch: legacy has {len(left)} array(s), migrated {len(right)}",
            ),
        )
    worst_abs = worst_rel = 0.0
    failure: Difference | None = None
    for leaf, (a, b) in enumerate(zip(left, right)):
        a, b = _as_array(a), _as_array(b)
        if a.shape != b.shape:
            if a.size != b.size or _squeezed_shape(a.shape) != _squeezed_shape(b.shape):
                return Comparison(
                    float("inf"),
                    float("inf"),
                    Difference(
                        quantity,
                        f"shape mismatch in array {leaf}: legacy {a.shape} vs migrated {b.shape}",
                    ),
                )
            b = b.reshape(a.shape)
        # equal in place (the same infinity included) or NaN on both sides: no difference;
        # anything else involving a NaN or an infinity is an infinite one, which no tolerance
        # covers (the relative tolerance scales with finite legacy values only)
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        with np.errstate(invalid="ignore"):
            diff = np.where(same, 0.0, np.abs(a - b))
        diff = np.where(np.isnan(diff), np.inf, diff)
        scale = np.where(np.isfinite(a), np.abs(a), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(diff == 0, 0.0, diff / np.where(scale > 0, scale, np.nan))
        rel = np.where(np.isnan(rel), np.inf, rel)
        if diff.size:
            worst_abs = max(worst_abs, float(diff.max()))
            worst_rel = max(worst_rel, float(rel.max()))
        violation = diff - (atol + rtol * scale)
        if diff.size and failure is None and (violation > 0).any():
            index = np.unravel_index(int(np.argmax(violation)), violation.shape)
            bad = violation > 0
            rows = (
                np.nonzero(bad.reshape(bad.shape[0], -1).any(axis=1))[0]
                if bad.ndim
                else np.array([0])
            )
            failure = Difference(
                quantity,
                "values differ",
                max_abs=float(diff.max()),
                max_rel=float(rel.max()),
                where=(leaf, tuple(int(i) for i in index)),
                legacy_value=float(a[index]),
                migrated_value=float(b[index]),
                bad_rows=rows,
            )
    if failure is not None:
        failure.max_abs, failure.max_rel = worst_abs, worst_rel
    return Comparison(worst_abs, worst_rel, failure)
