"""Shared timing helper for the benchmark scripts: interleaved repeats, median per call."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def time_calls(fns: dict[str, Callable[[], object]], *, number: int, repeats: int = 7) -> dict[str, float]:
    """Median seconds per call of each function.

    The functions are timed round-robin (one block of ``number`` calls each, ``repeats``
    times), so load changes on a shared machine hit every contender alike, and the
    median of the blocks is reported.
    """
    for fn in fns.values():  # warm-up: allocator, lazy imports, caches
        for _ in range(max(3, number // 10)):
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(values) for name, values in samples.items()}
