"""What parsing in supervised worker processes costs: ``run(-j 1)`` vs the same files in-process.

Since issue 11 the engine never parses in the process that owns the run: ``-j 1`` means one
long-lived worker process (``rlmigrate/codemod/isolation.py``), fed small batches over a pipe
and answering one message per file. This prints, on the throughput benchmark's tree (2,000
files, 5% legacy, ``--check``), the CPU seconds (this process and its workers) and wall seconds
of

* **in-process**: ``process_file`` called on every file in this process (what ``-j 1`` did
  before isolation), and
* **isolated**: ``run([...], jobs=1)`` (discovery, warm-up, a forked worker, the pipe),

alternating the two, and the ratio of the medians (target: <= 1.10x, i.e. isolation costs at
most a tenth of the run; a 2x slowdown would be a failure).

Run: ``python benchmarks/codemod_isolation_overhead.py [--files 2000] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.codemod_throughput import make_tree
from rlmigrate.codemod.discover import discover
from rlmigrate.codemod.engine import RunOptions, _warm_up, process_file, run


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    options = RunOptions(mode="check")
    samples: dict[str, list[tuple[float, float]]] = {"in-process": [], "isolated": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        make_tree(root, args.files, 0.05)
        files = discover([root]).files
        _warm_up()
        for _ in range(args.rounds):
            cpu, wall = _cpu(), time.perf_counter()
            for file, base in files:
                process_file(file, base, options)
            samples["in-process"].append((_cpu() - cpu, time.perf_counter() - wall))
            cpu, wall = _cpu(), time.perf_counter()
            run([root], options, jobs=1)
            samples["isolated"].append((_cpu() - cpu, time.perf_counter() - wall))
    print(f"codemod isolation overhead: {args.files} files, {args.rounds} rounds alternating; "
          f"load average {os.getloadavg()[0]:.2f}")
    medians = {}
    for name, values in samples.items():
        cpu_median = statistics.median(c for c, _ in values)
        wall_median = statistics.median(w for _, w in values)
        medians[name] = (cpu_median, wall_median)
        print(f"  {name:<11} CPU {cpu_median:6.2f} s (min {min(c for c, _ in values):.2f})   "
              f"wall {wall_median:6.2f} s")
    ratio = medians["isolated"][0] / medians["in-process"][0]
    print(f"  isolated / in-process CPU: {ratio:.2f}x (target <= 1.10x: "
          f"{'met' if ratio <= 1.10 else 'NOT met'})")


if __name__ == "__main__":
    main()
