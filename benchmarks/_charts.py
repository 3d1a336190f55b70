"""SVG bar charts of benchmark measures (matplotlib, Agg backend), byte-stable across runs.

One chart per (benchmark, group): a horizontal grouped bar chart, one row per measure and one
bar per contender (ours, the raw-torch floor, a peer), all in the group's unit. A targeted
measure's row label carries its ratio and target, so the picture reads without the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on CI or a server; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

# Fixed colours per contender, so "floor" is the same grey in every chart.
_COLOURS = {
    "raw torch floor": "#9e9e9e", "bare parse+code": "#9e9e9e", "Ray 2.10": "#f28e2b",
    "scope analysis alone (floor)": "#bab0ac", "ceiling (Ray / floor)": "#bab0ac",
}
_CYCLE = ["#4e79a7", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"]


def _configure() -> None:
    plt.rcParams.update({
        "svg.hashsalt": "rlmigrate-benchmarks",  # stable element ids: diffs show real changes only
        "svg.fonttype": "none",  # text stays text (small files, searchable)
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })


def _colour(series: str, index: int) -> str:
    return _COLOURS.get(series, _CYCLE[index % len(_CYCLE)])


def _row_label(measure: dict[str, Any]) -> str:
    label = measure["label"]
    target = measure.get("target")
    if target is not None and measure.get("ratio") is not None:
        verdict = "met" if measure["met"] else "MISSED"
        label += f"\n{measure['ratio']:.2f} (target {target['op']} {target['value']:g}, {verdict})"
    return label


def bar_chart(measures: Sequence[dict[str, Any]], title: str, path: Path) -> Path:
    """Draw ``measures`` (one group, one unit) as grouped horizontal bars into ``path`` (SVG).

    Raises:
        ValueError: the measures do not share one unit, or there are none.
    """
    if not measures:
        raise ValueError(f"{path.name}: no measures to draw")
    units = {m["unit"] for m in measures}
    if len(units) != 1:
        raise ValueError(f"{path.name}: measures of one chart must share a unit, got {sorted(units)}")
    _configure()
    series: list[str] = []
    for measure in measures:
        series += [name for name in measure["values"] if name not in series]
    rows = len(measures)
    height = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + rows * (0.25 + 0.2 * len(series))))
    for index, name in enumerate(series):
        positions = [row + (index - (len(series) - 1) / 2) * height for row in range(rows)]
        widths = [m["values"].get(name, 0.0) for m in measures]
        bars = ax.barh(positions, widths, height=height * 0.92, label=name, color=_colour(name, index))
        for bar, measure in zip(bars, measures):
            if name in measure["values"]:
                ax.annotate(f"{measure['values'][name]:.3g}", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                            xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    ax.set_yticks(range(rows), [_row_label(m) for m in measures])
    ax.invert_yaxis()  # first measure on top, as in the table
    ax.set_xlabel(units.pop())
    ax.set_title(title, loc="left", fontsize=10)
    ax.margins(x=0.15)
    ax.legend(loc="best", fontsize=8, frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
    return path
