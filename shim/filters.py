"""Observation filters (``ray.rllib.utils.filter``): NoFilter, MeanStdFilter and RunningStat.

``observation_filter="MeanStdFilter"`` normalised observations with running statistics
(Welford's update): ``(x - mean) / (std + 1e-6)``, optionally clipped. Behaviour follows
Ray 2.10, including its quirk that with fewer than two samples the variance is ``mean**2``.
Nested observation shapes (dict/tuple of shapes) get one RunningStat per leaf.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import tree  # type: ignore[import-untyped]

from shim.models.action_dist_base import SMALL_NUMBER

__all__ = [
    "Filter",
    "NoFilter",
    "RunningStat",
    "MeanStdFilter",
    "ConcurrentMeanStdFilter",
    "get_filter",
]


class Filter:
    """Base class: a callable applied to every observation, with mergeable state."""

    is_concurrent = False

    def apply_changes(self, other: Filter, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def copy(self) -> Filter:
        raise NotImplementedError

    def sync(self, other: Filter) -> None:
        raise NotImplementedError

    def reset_buffer(self) -> None:
        raise NotImplementedError

    def as_serializable(self) -> Filter:
        raise NotImplementedError


class NoFilter(Filter):
    """Returns observations unchanged (as arrays)."""

    is_concurrent = True

    def __call__(self, x: Any, update: bool = True) -> Any:
        if isinstance(x, (np.ndarray, dict, tuple)):
            return x
        try:
            return np.asarray(x)
        except Exception as err:
            raise ValueError(f"Failed to convert {x!r} to an array") from err

    def apply_changes(self, other: Filter, *args: Any, **kwargs: Any) -> None:
        return None

    def copy(self) -> NoFilter:
        return self

    def sync(self, other: Filter) -> None:
        return None

    def reset_buffer(self) -> None:
        return None

    def as_serializable(self) -> NoFilter:
        return self


class RunningStat:
    """Running mean and sum of squared deviations of pushed arrays of one ``shape``."""

    def __init__(self, shape: Any = ()) -> None:
        self.num_pushes = 0
        self.mean_array = np.zeros(shape)
        self.std_array = np.zeros(shape)

    def copy(self) -> RunningStat:
        other = RunningStat()
        other.num_pushes = self.num_pushes
        other.mean_array = np.copy(self.mean_array)
        other.std_array = np.copy(self.std_array)
        return other

    def push(self, x: Any) -> None:
        """Adds one sample of exactly ``shape``."""
        x = np.asarray(x)
        if x.shape != self.mean_array.shape:
            raise ValueError(
                f"Unexpected input shape {x.shape}, expected {self.mean_array.shape}, value = {x}"
            )
        self.num_pushes += 1
        if self.num_pushes == 1:
            self.mean_array[...] = x
        else:
            delta = x - self.mean_array
            self.mean_array[...] += delta / self.num_pushes
            self.std_array[...] += delta * delta * (self.num_pushes - 1) / self.num_pushes

    def update(self, other: RunningStat) -> None:
        """Merges ``other``'s samples into these statistics (parallel Welford)."""
        n1, n2 = self.num_pushes, other.num_pushes
        n = n1 + n2
        if n == 0:
            return
        delta = self.mean_array - other.mean_array
        self.mean_array = (n1 * self.mean_array + n2 * other.mean_array) / n
        self.std_array = self.std_array + other.std_array + delta * delta * n1 * n2 / n
        self.num_pushes = n

    @property
    def n(self) -> int:
        return self.num_pushes

    @property
    def mean(self) -> np.ndarray:
        return self.mean_array

    @property
    def var(self) -> np.ndarray:
        value = (
            self.std_array / (self.num_pushes - 1)
            if self.num_pushes > 1
            else np.square(self.mean_array)
        )
        return value.astype(np.float32)

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(self.var)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.mean_array.shape


class MeanStdFilter(Filter):
    """``(x - mean) / (std + SMALL_NUMBER)`` with running statistics, clipped to ``[-clip, clip]``.

    Calling with ``update=True`` (default) pushes ``x`` (a single observation of ``shape``, or a
    batch with one more leading axis) into the statistics and into ``buffer`` (the changes
    since the last ``reset_buffer``).
    """

    def __init__(
        self, shape: Any, demean: bool = True, destd: bool = True, clip: float | None = 10.0
    ) -> None:
        self.shape = shape
        leaves = tree.flatten(shape)
        self.no_preprocessor = shape is None or (
            isinstance(shape, (dict, tuple))
            and len(leaves) > 0
            and isinstance(leaves[0], np.ndarray)
        )
        if not self.no_preprocessor:
            self.shape = np.array(shape)
        self.demean = demean
        self.destd = destd
        self.clip = clip
        self.running_stats = tree.map_structure(RunningStat, self.shape)
        self.reset_buffer()

    def reset_buffer(self) -> None:
        self.buffer = tree.map_structure(RunningStat, self.shape)

    def apply_changes(
        self, other: MeanStdFilter, with_buffer: bool = False, *args: Any, **kwargs: Any
    ) -> None:
        """Merges ``other.buffer`` into the statistics (and takes its buffer if ``with_buffer``)."""
        tree.map_structure(
            lambda mine, theirs: mine.update(theirs), self.running_stats, other.buffer
        )
        if with_buffer:
            self.buffer = tree.map_structure(lambda b: b.copy(), other.buffer)

    def copy(self) -> MeanStdFilter:
        other = type(self)(self.shape)
        other.sync(self)
        return other

    def as_serializable(self) -> MeanStdFilter:
        other = MeanStdFilter(self.shape)
        other.sync(self)
        return other

    def sync(self, other: MeanStdFilter) -> None:
        self.demean, self.destd, self.clip = other.demean, other.destd, other.clip
        self.running_stats = tree.map_structure(lambda rs: rs.copy(), other.running_stats)
        self.buffer = tree.map_structure(lambda b: b.copy(), other.buffer)

    def __call__(self, x: Any, update: bool = True) -> Any:
        x = tree.map_structure(np.asarray, x) if self.no_preprocessor else np.asarray(x)

        def normalise(
            value: np.ndarray, stats: RunningStat, buffer: RunningStat, shape: Any
        ) -> Any:
            if shape is None:
                return value
            dtype = value.dtype
            if update:
                rows = value if value.ndim == len(stats.shape) + 1 else [value]
                for row in rows:
                    stats.push(row)
                    buffer.push(row)
            if self.demean:
                value = value - stats.mean
            if self.destd:
                value = value / (stats.std + SMALL_NUMBER)
            if self.clip:
                value = np.clip(value, -self.clip, self.clip)
            return value.astype(dtype)

        if self.no_preprocessor:
            return tree.map_structure_up_to(
                x, normalise, x, self.running_stats, self.buffer, self.shape
            )
        return normalise(x, self.running_stats, self.buffer, self.shape)


class ConcurrentMeanStdFilter(MeanStdFilter):
    """A MeanStdFilter whose calls hold a lock (Ray used it in tests)."""

    is_concurrent = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.RLock()

    def __call__(self, x: Any, update: bool = True) -> Any:
        with self._lock:
            return super().__call__(x, update)


def get_filter(filter_config: Any, shape: Any) -> Filter:
    """``"MeanStdFilter"`` / ``"ConcurrentMeanStdFilter"`` (unclipped), ``"NoFilter"``, or a
    callable ``filter_config(shape)``.

    Raises:
        ValueError: an unknown filter name.
    """
    if filter_config == "MeanStdFilter":
        return MeanStdFilter(shape, clip=None)
    if filter_config == "ConcurrentMeanStdFilter":
        return ConcurrentMeanStdFilter(shape, clip=None)
    if filter_config == "NoFilter":
        return NoFilter()
    if callable(filter_config):
        return filter_config(shape)
    raise ValueError(f"Unknown observation_filter: {filter_config}")
