"""A small metrics logger with the call shapes of Ray's ``MetricsLogger``.

Learner code logs with ``self.metrics.log_value(key, value, reduce=..., window=...)`` and
``self.metrics.log_dict(stats, key=...)``; ``update_from_batch`` returns
``self.metrics.reduce()``. Keys are a string or a tuple of strings (a path into the nested
result dict, e.g. ``("default_policy", "policy_loss")``).

Differences from Ray (deliberate, documented): ``reduce="mean"`` without ``window`` averages
every value logged since the last ``reduce()`` (Ray's default is an EMA with coefficient
0.01, which we accept as ``ema_coeff`` but then apply exactly); there is no tensor mode,
values are detached and turned into Python floats when logged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

__all__ = ["MetricsLogger", "Key"]

Key = str | tuple[str, ...]
_REDUCTIONS = ("mean", "min", "max", "sum", None)


def _as_path(key: Key) -> tuple[str, ...]:
    path = (key,) if isinstance(key, str) else tuple(key)
    if not path or not all(isinstance(part, str) and part for part in path):
        raise ValueError(f"metrics key must be a non-empty str or tuple of non-empty str, got {key!r}")
    return path


def _scalar(value: Any) -> Any:
    """A logged value as a Python number (tensors/arrays of one element) or left as is."""
    if hasattr(value, "detach"):
        value = value.detach().cpu()
    if hasattr(value, "numel") and value.numel() == 1:
        return value.item()
    if hasattr(value, "size") and getattr(value, "size", None) == 1 and hasattr(value, "item"):
        return value.item()
    return value


@dataclasses.dataclass
class _Stat:
    reduce: str | None
    window: int | None
    ema_coeff: float | None
    clear_on_reduce: bool
    values: list[Any] = dataclasses.field(default_factory=list)
    ema: float | None = None

    def push(self, value: Any) -> None:
        if self.ema_coeff is not None:
            self.ema = value if self.ema is None else (1 - self.ema_coeff) * self.ema + self.ema_coeff * value
            return
        self.values.append(value)
        if self.window is not None and len(self.values) > self.window:
            del self.values[: len(self.values) - self.window]

    def peek(self) -> Any:
        if self.ema_coeff is not None:
            return self.ema
        if not self.values:
            return None
        if self.reduce is None:
            return list(self.values)
        if self.reduce == "mean":
            return sum(self.values) / len(self.values)
        if self.reduce == "sum":
            return sum(self.values)
        return min(self.values) if self.reduce == "min" else max(self.values)


class MetricsLogger:
    """Collects per-step values under nested keys; ``reduce()`` turns them into numbers.

    Example:
        >>> m = MetricsLogger()
        >>> m.log_value(("default_policy", "loss"), 1.0)
        >>> m.log_value(("default_policy", "loss"), 3.0)
        >>> m.reduce()
        {'default_policy': {'loss': 2.0}}
    """

    def __init__(self) -> None:
        self._stats: dict[tuple[str, ...], _Stat] = {}

    def log_value(
        self,
        key: Key,
        value: Any,
        *,
        reduce: str | None = "mean",
        window: int | None = None,
        ema_coeff: float | None = None,
        clear_on_reduce: bool = False,
    ) -> None:
        """Record ``value`` (a number, or a one-element tensor/array) under ``key``.

        Args:
            key: ``"name"`` or a path ``("module_id", "name")``.
            reduce: ``"mean" | "min" | "max" | "sum"``, or ``None`` to keep the list.
            window: reduce over the last ``window`` values only.
            ema_coeff: exponential moving average with this coefficient instead of a window.
            clear_on_reduce: forget the values after each ``reduce()``.

        Raises:
            ValueError: for an unknown ``reduce``, both ``window`` and ``ema_coeff``, or a bad key.
        """
        if reduce not in _REDUCTIONS:
            raise ValueError(f"log_value({key!r}): reduce must be one of {_REDUCTIONS}, got {reduce!r}")
        if window is not None and ema_coeff is not None:
            raise ValueError(f"log_value({key!r}): give window or ema_coeff, not both")
        path = _as_path(key)
        for other in self._stats:
            if other != path and (other[: len(path)] == path or path[: len(other)] == other):
                raise ValueError(f"metrics key {path!r} collides with existing key {other!r}")
        stat = self._stats.get(path)
        if stat is None:
            stat = self._stats[path] = _Stat(reduce, window, ema_coeff, clear_on_reduce)
        stat.push(_scalar(value))

    def log_dict(self, stats_dict: Mapping[str, Any], *, key: Key | None = None, **kwargs: Any) -> None:
        """``log_value`` for every leaf of a (nested) dict, under ``key`` when given."""
        prefix = () if key is None else _as_path(key)
        for name, value in stats_dict.items():
            if isinstance(value, Mapping):
                self.log_dict(value, key=prefix + (str(name),), **kwargs)
            else:
                self.log_value(prefix + (str(name),), value, **kwargs)

    def peek(self, key: Key, *, default: Any = None) -> Any:
        """The reduced value under ``key`` (a nested dict if ``key`` is a prefix) without clearing."""
        path = _as_path(key)
        if path in self._stats:
            return self._stats[path].peek()
        below = {p[len(path):]: s for p, s in self._stats.items() if p[: len(path)] == path}
        if not below:
            return default
        return _nest({p: s.peek() for p, s in below.items()})

    def reduce(self) -> dict[str, Any]:
        """Every key's reduced value as a nested dict; clears stats logged with ``clear_on_reduce``."""
        result = _nest({path: stat.peek() for path, stat in self._stats.items()})
        for stat in self._stats.values():
            if stat.clear_on_reduce:
                stat.values.clear()
                stat.ema = None
        return result

    def reset(self) -> None:
        """Forget everything."""
        self._stats.clear()


def _nest(flat: Mapping[tuple[str, ...], Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, value in flat.items():
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return out
