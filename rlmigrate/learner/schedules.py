"""``Scheduler``: a constant or a piecewise-linear ``[[timestep, value], ...]`` hyperparameter.

Ray 2.40's Learners hold one per module for scheduled coefficients (PPO's
``entropy_coeff_schedulers_per_module``); the legacy ``EntropyCoeffSchedule`` /
``LearningRateSchedule`` mixins kept the same numbers on the policy. Same method names as
Ray's ``ray.rllib.utils.schedules.scheduler.Scheduler``: ``get_current_value()``,
``update(timestep=)``.

Example:
    >>> s = Scheduler([[0, 0.1], [100, 0.0]])
    >>> s.get_current_value(), s.update(timestep=50)
    (0.1, 0.05)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["Scheduler", "value_at"]


def value_at(schedule: float | Sequence[Sequence[float]], timestep: int) -> float:
    """A constant, or ``schedule`` interpolated linearly at ``timestep`` (clamped at both ends).

    Raises:
        ValueError: for an empty schedule or a point that is not ``[timestep, value]``.
    """
    if isinstance(schedule, (int, float)):
        return float(schedule)
    try:
        points = sorted((float(t), float(v)) for t, v in schedule)
    except (TypeError, ValueError):
        raise ValueError(f"a schedule is [[timestep, value], ...], got {schedule!r}") from None
    if not points:
        raise ValueError("schedule is empty; give [[timestep, value], ...]")
    if timestep <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if timestep <= t1:
            return v0 + (v1 - v0) * (timestep - t0) / (t1 - t0)
    return points[-1][1]


class Scheduler:
    """Holds the current value of a constant or scheduled hyperparameter.

    Args:
        fixed_value_or_schedule: a number, or ``[[timestep, value], ...]``.
    """

    def __init__(self, fixed_value_or_schedule: Any) -> None:
        self._schedule = fixed_value_or_schedule
        self._value = value_at(fixed_value_or_schedule, 0)

    def get_current_value(self) -> float:
        """The value at the last :meth:`update` (timestep 0 before any)."""
        return self._value

    def update(self, timestep: int) -> float:
        """Move to ``timestep``; returns the new value."""
        self._value = value_at(self._schedule, int(timestep))
        return self._value
