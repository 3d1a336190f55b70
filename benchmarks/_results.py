"""The JSON record every benchmark script writes next to its printed table.

A script builds a :class:`Results`, adds one *measure* per row of its table and writes it to
``benchmarks/results/<name>.json`` (or ``--json PATH``); ``benchmarks/report.py`` turns the
records into ``benchmarks/RESULTS.md`` and SVG charts. A measure holds the raw figures of
each contender in one unit (``values``: ours, the raw-torch floor, a peer such as Ray 2.10),
the ratio the target is stated on, and the target itself, so the report never recomputes a
figure. The script's exit status is :meth:`Results.exit_code`: 1 when a target was missed.

Layout (``format_version`` 1)::

    {"format_version": 1, "benchmark": "forward_overhead", "title": "...", "command": "...",
     "date": "2026-12-02T09:30:00+00:00",
     "machine": {"cpu_model": "...", "cpu_count": 2, "platform": "...",
                 "load_average": {"before": [1m, 5m, 15m], "after": [1m, 5m, 15m]}},
     "versions": {"python": "3.11.9", "torch": "2.13.0", ...},
     "settings": {"n": 300},
     "measures": [{"name": "forward_inference, batch 1", "label": "fwd b1",
                   "group": "forward_inference", "unit": "us",
                   "values": {"rlmigrate": 52.1, "raw torch floor": 47.0},
                   "ratio": 1.108, "ratio_of": "rlmigrate / raw torch floor",
                   "target": {"op": "<=", "value": 1.2}, "met": true}],
     "notes": ["..."], "targets_met": true}
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import operator
import os
import platform
import sys
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
RESULTS_DIR = Path(__file__).resolve().parent / "results"
_OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}


def cpu_model() -> str:
    """The CPU's marketing name (``/proc/cpuinfo``), else what :mod:`platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_versions(*names: str) -> dict[str, str]:
    """Installed versions of ``names`` (and Python); a missing package is left out."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def add_json_argument(parser: argparse.ArgumentParser, name: str) -> None:
    """``--json PATH``: where the record goes (default ``benchmarks/results/<name>.json``)."""
    parser.add_argument(
        "--json", type=Path, default=RESULTS_DIR / f"{name}.json", metavar="PATH",
        help=f"write the figures as JSON to PATH (default benchmarks/results/{name}.json)",
    )


class Results:
    """One benchmark run: machine, load, versions and the measures, written as JSON."""

    def __init__(self, name: str, title: str, *, settings: dict[str, Any] | None = None,
                 packages: tuple[str, ...] = ("torch", "numpy", "gymnasium", "libcst", "rlmigrate")):
        self.name, self.title = name, title
        self.settings = dict(settings or {})
        self.packages = packages
        self.load_before = list(os.getloadavg())
        self.date = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
        self.measures: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.versions_extra: dict[str, str] = {}

    def add(self, name: str, values: dict[str, float], *, unit: str, group: str,
            label: str | None = None, ratio: float | None = None, ratio_of: str | None = None,
            target: tuple[str, float] | None = None) -> dict[str, Any]:
        """Record one row; ``target=("<=", 1.2)`` is checked against ``ratio``.

        Args:
            name: the row's full name, as the printed table says it.
            values: each contender's figure in ``unit`` (e.g. ``{"rlmigrate": 52.1,
                "raw torch floor": 47.0}``); the first key is ours.
            unit: ``"us"``, ``"ms"``, ``"s"`` or a ratio unit such as ``"x bare parse"``.
            group: rows of one group share a unit and are drawn in one chart.
            label: a short name for the chart's axis (default ``name``).
            ratio, ratio_of: the figure the target is stated on, and what it divides.
            target: ``(op, value)`` with op one of ``<= >= < >``; ``None`` means untargeted.
        """
        if target is not None and (target[0] not in _OPS or ratio is None):
            raise ValueError(f"{self.name}: measure {name!r}: target {target!r} needs an op in "
                             f"{sorted(_OPS)} and a ratio")
        measure = {
            "name": name, "label": label or name, "group": group, "unit": unit,
            "values": {key: float(value) for key, value in values.items()},
            "ratio": None if ratio is None else float(ratio), "ratio_of": ratio_of,
            "target": None if target is None else {"op": target[0], "value": float(target[1])},
            "met": None if target is None else bool(_OPS[target[0]](ratio, target[1])),
        }
        self.measures.append(measure)
        return measure

    def note(self, text: str) -> None:
        """A sentence the report prints under the benchmark's table."""
        self.notes.append(text)

    def missed(self) -> list[str]:
        """Names of the measures whose target was missed."""
        return [m["name"] for m in self.measures if m["met"] is False]

    def exit_code(self) -> int:
        """0 when every target is met, 1 when one is missed (what ``make bench`` checks)."""
        return 1 if self.missed() else 0

    def record(self) -> dict[str, Any]:
        """The JSON-able document (load average "after" is read now)."""
        return {
            "format_version": FORMAT_VERSION,
            "benchmark": self.name,
            "title": self.title,
            "command": " ".join(["python", *(_relative(a) for a in sys.argv)]),
            "date": self.date,
            "machine": {
                "cpu_model": cpu_model(),
                "cpu_count": os.cpu_count(),
                "platform": platform.platform(),
                "load_average": {"before": self.load_before, "after": list(os.getloadavg())},
            },
            "versions": {**package_versions(*self.packages), **self.versions_extra},
            "settings": self.settings,
            "measures": self.measures,
            "notes": self.notes,
            "targets_met": not self.missed(),
        }

    def write(self, path: Path | None) -> Path | None:
        """Write the record to ``path`` (parents created); ``None`` writes nothing."""
        if path is None:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.record(), indent=1) + "\n")
        print(f"figures written to {_relative(str(path))}")
        return path

    def finish(self, path: Path | None) -> int:
        """Write the record, print the verdict line, return the exit status."""
        self.write(path)
        missed = self.missed()
        print("all targets met" if not missed else f"TARGETS MISSED: {', '.join(missed)}")
        return self.exit_code()


def _relative(arg: str) -> str:
    """A path under the repository root as a relative path (the record stays machine-neutral)."""
    root = str(RESULTS_DIR.parents[1])
    return arg[len(root) + 1:] if arg.startswith(root + os.sep) else arg
