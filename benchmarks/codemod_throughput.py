"""Codemod throughput on a generated tree (2,000 files, 5% legacy): prints a ratio table.

Figures (each a ratio, per DESIGN.md):
* per legacy file: `rewrite` time vs a bare ``libcst.parse_module(src).code`` of the same
  file (target <= 1.3x);
* per skipped (non-legacy) file: engine cost vs a bare parse of it (target <= 5%);
* ``-j 2`` speed-up over ``-j 1`` on the whole tree (target >= 1.6x).

Run: ``python benchmarks/codemod_throughput.py [--files 2000]`` (about a minute on 2 cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import libcst as cst

from rlmigrate.codemod.engine import RunOptions, process_file, run

ROOT = Path(__file__).resolve().parents[1]
LEGACY = sorted(p for p in (ROOT / "fixtures" / "legacy").glob("*.py")
                if p.name not in ("syntax_error.py", "no_legacy.py"))

ORDINARY = '''"""Ordinary module {i}: data helpers."""

import math
from dataclasses import dataclass


@dataclass
class Record{i}:
    name: str
    value: float

    def scaled(self, factor: float) -> float:
        return self.value * factor


def summarize_{i}(records):
    total = sum(r.value for r in records)
    mean = total / max(len(records), 1)
    spread = math.sqrt(sum((r.value - mean) ** 2 for r in records) / max(len(records), 1))
    return {{"total": total, "mean": mean, "spread": spread}}
'''


def make_tree(root: Path, files: int, legacy_share: float) -> list[Path]:
    legacy_every = round(1 / legacy_share)
    written = []
    for i in range(files):
        folder = root / f"pkg{i // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"mod{i}.py"
        if i % legacy_every == 0:
            shutil.copy(LEGACY[(i // legacy_every) % len(LEGACY)], path)
        else:
            path.write_text(ORDINARY.format(i=i))
        written.append(path)
    return written


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--legacy-share", type=float, default=0.05)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        paths = make_tree(root, args.files, args.legacy_share)
        legacy = [p for p in paths if "rllib" in p.read_text() or "shim" in p.read_text()]
        ordinary = [p for p in paths if p not in legacy]
        check = RunOptions(mode="check")

        # 1. legacy file: engine (check mode: parse, analyse, rewrite, validate) vs bare parse+code
        ratios = []
        for path in legacy[: len(LEGACY)]:
            src = path.read_text()
            bare = best_of(lambda: cst.parse_module(src).code)
            engine = best_of(lambda: process_file(path, root, check))
            ratios.append(engine / bare)
        legacy_ratio = statistics.median(ratios)

        # 2. skipped file: engine (stat + read + prefilter) vs bare parse of the same file
        sample = ordinary[:100]
        bare_skip = best_of(lambda: [cst.parse_module(p.read_text()).code for p in sample])
        engine_skip = best_of(lambda: [process_file(p, root, check) for p in sample])
        skip_ratio = engine_skip / bare_skip

        # 3. whole tree, -j 1 vs -j 2
        t1 = best_of(lambda: run([root], check, jobs=1), repeat=1)
        t2 = best_of(lambda: run([root], check, jobs=2), repeat=1)
        speedup = t1 / t2

    rows = [
        ("legacy file: rewrite / bare parse+code (median)", f"{legacy_ratio:.2f}x", "<= 1.3x", legacy_ratio <= 1.3),
        ("skipped file: engine / bare parse", f"{skip_ratio * 100:.1f}%", "<= 5%", skip_ratio <= 0.05),
        (f"-j 2 speed-up over -j 1 ({args.files} files)", f"{speedup:.2f}x", ">= 1.6x", speedup >= 1.6),
    ]
    print(f"codemod throughput: {args.files} files, {len(legacy)} legacy, {os.cpu_count()} CPUs; "
          f"-j1 {t1:.2f}s, -j2 {t2:.2f}s")
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'ratio':>8}  {'target':>8}  met")
    for name, ratio, target, met in rows:
        print(f"{name.ljust(width)}  {ratio:>8}  {target:>8}  {'yes' if met else 'NO'}")
    print(f"legacy ratios per fixture: min {min(ratios):.2f}x, max {max(ratios):.2f}x")


if __name__ == "__main__":
    main()
