"""Schedules used by the legacy exploration objects (``ray.rllib.utils.schedules``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def _linear(left: float, right: float, alpha: float) -> float:
    return left + alpha * (right - left)


class Schedule:
    """A value as a function of the timestep: ``schedule(t)`` or ``schedule.value(t)``."""

    def value(self, t: int | float) -> float:
        raise NotImplementedError

    def __call__(self, t: int | float) -> float:
        return self.value(t)


class ConstantSchedule(Schedule):
    """Always ``value``."""

    def __init__(self, value: float, framework: str | None = None) -> None:
        self._v = float(value)

    def value(self, t: int | float) -> float:
        return self._v


class LinearSchedule(Schedule):
    """``initial_p`` at 0 to ``final_p`` at ``schedule_timesteps``, constant afterwards."""

    def __init__(
        self,
        schedule_timesteps: int,
        final_p: float,
        initial_p: float = 1.0,
        framework: str | None = None,
    ) -> None:
        self.schedule_timesteps = int(schedule_timesteps)
        self.final_p = float(final_p)
        self.initial_p = float(initial_p)

    def value(self, t: int | float) -> float:
        fraction = min(float(t) / max(self.schedule_timesteps, 1), 1.0)
        return _linear(self.initial_p, self.final_p, fraction)


class PiecewiseSchedule(Schedule):
    """Interpolates between ``endpoints`` ``[(t0, v0), (t1, v1), ...]`` (t ascending).

    Outside ``[t0, t_last)`` it returns ``outside_value`` (RLlib's behaviour: before the
    first endpoint too).

    Raises:
        ValueError: when endpoint times are not ascending.
    """

    def __init__(
        self,
        endpoints: Sequence[tuple[int | float, float]],
        interpolation: Callable[[float, float, float], float] = _linear,
        outside_value: float | None = None,
        framework: str | None = None,
    ) -> None:
        times = [e[0] for e in endpoints]
        if times != sorted(times):
            raise ValueError(
                f"PiecewiseSchedule endpoints must be in ascending time order, got {list(endpoints)}"
            )
        self.endpoints = [(float(t), float(v)) for t, v in endpoints]
        self.interpolation = interpolation
        self.outside_value = outside_value

    def value(self, t: int | float) -> float:
        t = float(t)
        for (left_t, left), (right_t, right) in zip(self.endpoints[:-1], self.endpoints[1:]):
            if left_t <= t < right_t:
                return self.interpolation(left, right, (t - left_t) / (right_t - left_t))
        if self.outside_value is None:
            raise ValueError(
                f"PiecewiseSchedule: t={t} is outside the endpoints and no outside_value is set"
            )
        return float(self.outside_value)


def schedule_from_config(config: Any) -> Schedule | None:
    """A Schedule from a Schedule instance, a number, or ``{"type": ..., **kwargs}``; None stays None."""
    if config is None or isinstance(config, Schedule):
        return config
    if isinstance(config, (int, float)):
        return ConstantSchedule(config)
    if isinstance(config, dict):
        kwargs = dict(config)
        kind = kwargs.pop("type", "PiecewiseSchedule")
        name = kind if isinstance(kind, str) else getattr(kind, "__name__", "")
        classes = {
            "PiecewiseSchedule": PiecewiseSchedule,
            "LinearSchedule": LinearSchedule,
            "ConstantSchedule": ConstantSchedule,
        }
        if name.rsplit(".", 1)[-1] not in classes:
            raise ValueError(f"Unknown schedule type {kind!r}; expected one of {sorted(classes)}")
        return classes[name.rsplit(".", 1)[-1]](**kwargs)
    raise ValueError(f"Cannot build a schedule from {config!r}")
