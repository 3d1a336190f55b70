"""What :func:`~rlmigrate.testing.assert_equivalent` found, and how it is said.

:class:`EquivalenceReport` is a proof's record; :class:`InputCounts` keeps apart the generated
examples and the recorded observations, each split into those on which both sides acted and
those on which both raised the same exception; :func:`inconclusive_error` is the verdict when
too few acted.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from rlmigrate.testing.compare import Inconclusive
from rlmigrate.testing.warmup import WarmUp

if TYPE_CHECKING:
    from rlmigrate.testing.checker import Checker
    from rlmigrate.testing.recorded_obs import RecordedObservations

__all__ = ["EquivalenceReport", "InputCounts", "describe_raised", "inconclusive_error"]


@dataclasses.dataclass
class EquivalenceReport:
    """What a successful :func:`assert_equivalent` checked.

    Attributes:
        legacy / migrated: descriptions of the two sides.
        explore: whether exploration (sampling) was compared.
        examples: examples checked (each a batch; with the hypothesis engine fewer than
            asked when the input space is exhausted, e.g. a small Discrete space).
        steps: acting passes compared (several per example for recurrent models).
        max_abs / max_rel: largest absolute / relative difference seen, per quantity.
        compared: quantities present on both sides; skipped: absent on both.
        engine: ``"screen"`` or ``"hypothesis"``; rows: observations checked in total.
        ties: deterministic actions that differed only because two choices were equally
            likely (argmax ties within tolerance); these are not failures.
        atol / rtol: the tolerances.
        lazily_built: per side label, the submodules its first forward pass built (see
            :mod:`rlmigrate.testing.warmup`); when any, both sides took one identical warm-up
            step before the weights were transferred and that first call is not compared.
        raised: ``{exception type: examples}`` on which the legacy side raised and the
            migrated side raised the same type (not counted in ``examples``);
            ``raised_messages`` holds the legacy message of each type.
        legacy_failures: ``"match"`` or ``"strict"`` (see :func:`assert_equivalent`).
        recorded / recorded_acted / recorded_raised / recorded_source: the recorded
            observations given (rows), those on which both sides acted, those on which both
            raised (per exception type), and where they came from; not part of ``examples``.
    """

    legacy: str
    migrated: str
    explore: bool
    examples: int
    steps: int
    max_abs: dict[str, float]
    max_rel: dict[str, float]
    compared: tuple[str, ...]
    skipped: tuple[str, ...]
    ties: int
    atol: float
    rtol: float
    engine: str = "screen"
    rows: int = 0
    lazily_built: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    raised: dict[str, int] = dataclasses.field(default_factory=dict)
    raised_messages: dict[str, str] = dataclasses.field(default_factory=dict)
    legacy_failures: str = "match"
    recorded: int = 0
    recorded_acted: int = 0
    recorded_raised: dict[str, int] = dataclasses.field(default_factory=dict)
    recorded_source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def describe_failures(self) -> str:
        """``""`` when the legacy side acted on every generated input and no recorded
        observations were given, else how many acted, then how many raised which exception
        (counts first: callers may cut the line), appended to the first line of the report."""
        generated_raised = sum(self.raised.values())
        recorded_raised = sum(self.recorded_raised.values())
        acted = []
        if generated_raised:
            acted.append(
                f"acted on {self.examples} of {self.examples + generated_raised} generated examples"
            )
        if self.recorded:
            acted.append(
                f"{'on' if acted else 'acted on'} {self.recorded_acted} of {self.recorded} "
                "recorded observations"
            )
        if not acted:
            return ""
        text = "; " + " and ".join(acted)
        if generated_raised or recorded_raised:
            where = " and ".join(
                f"{count} {kind}"
                for count, kind in ((generated_raised, "generated"), (recorded_raised, "recorded"))
                if count
            )
            merged = dict(self.raised)
            for name, count in self.recorded_raised.items():
                merged[name] = merged.get(name, 0) + count
            text += (
                f"; both sides raised the same exception on the other {where}: "
                f"{describe_raised(merged, self.raised_messages)}"
            )
        return text

    def __str__(self) -> str:
        lines = [
            f"{self.migrated} is equivalent to {self.legacy} (explore={self.explore}): "
            f"{self.examples} examples ({self.rows} observations, engine {self.engine}), "
            f"atol={self.atol:g}, rtol={self.rtol:g}" + self.describe_failures()
        ]
        for name in self.compared:
            lines.append(
                f"  {name:<20} max abs {self.max_abs[name]:.3g}  max rel {self.max_rel[name]:.3g}"
            )
        if self.skipped:
            lines.append(f"  skipped (absent on both sides): {', '.join(self.skipped)}")
        if any(self.lazily_built.values()):
            lines.append("  " + WarmUp(self.lazily_built).describe())
        return "\n".join(lines)


def describe_raised(raised: dict[str, int], messages: dict[str, str]) -> str:
    """``"IndexError on 8 (Cannot choose ...)"``, most frequent first, messages cut at 80."""
    return ", ".join(
        f"{name} on {count} ({messages.get(name, '')[:80]})"
        for name, count in sorted(raised.items(), key=lambda item: -item[1])
    )


class InputCounts:
    """Examples that acted / raised: the generated ones apart from the recorded rows."""

    def __init__(
        self, generated: Checker, recorded_checker: Checker, recorded: RecordedObservations | None
    ) -> None:
        self.examples, self.rows, self.raised = generated.examples, generated.rows, dict(generated.raised)
        self.recorded = recorded.count if recorded is not None else 0
        self.recorded_acted = recorded_checker.examples
        self.recorded_raised = dict(recorded_checker.raised)
        self.acted = self.examples + self.recorded_acted


def inconclusive_error(
    checker: Checker, counts: InputCounts, legacy: str, requested: int, explore: bool
) -> Inconclusive:
    """The verdict when fewer than ``requested`` examples acted on both sides: how many acted
    (generated, recorded), how many raised which exception, and what to do about it."""
    generated_total = counts.examples + sum(counts.raised.values())
    recorded = (
        f" and on {counts.recorded_acted} of {counts.recorded} recorded observations"
        if counts.recorded
        else ""
    )
    raised = sum(checker.raised.values())
    return Inconclusive(
        f"inconclusive: legacy ({legacy}) acts on only {counts.examples} of {generated_total} "
        f"generated examples{recorded} (explore={explore}), fewer than the {requested} a proof "
        f"needs; on the other {raised} both sides raise the same exception: "
        f"{describe_raised(checker.raised, checker.raised_messages)}. Nothing differed, but too little was "
        "compared: the generated inputs are mostly states the legacy code does not handle (give "
        "observations its environment produces)",
        acted=counts.acted,
        raised=checker.raised,
        requested=requested,
    )
