"""Epsilon-greedy exploration as RLlib 2.10's ``EpsilonGreedy`` did it (torch path).

``epsilon(t)`` is the piecewise-linear schedule ``[(0, initial), (warmup, initial),
(warmup + epsilon_timesteps, final)]`` (``final`` after the last point), or the explicit
``epsilon_schedule`` / Ray 2.40 ``epsilon`` endpoints. Per row, with probability epsilon the
greedy action is replaced by a uniformly random one among the actions whose Q-value is above
``FLOAT_MIN`` (masked actions are never drawn). The random draws happen in RLlib's order
(``multinomial`` first, then the uniform per row), so a seeded run reproduces a seeded
legacy policy's actions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

__all__ = ["EpsilonSchedule", "epsilon_greedy", "FLOAT_MIN"]

FLOAT_MIN = -3.4e38

#: Ray 2.10 DQN's default ``exploration_config``.
DEFAULT_EXPLORATION = {"type": "EpsilonGreedy", "initial_epsilon": 1.0, "final_epsilon": 0.02,
                       "epsilon_timesteps": 10000}


class EpsilonSchedule:
    """Piecewise-linear ``t -> epsilon``.

    Args:
        endpoints: ``[(t0, v0), (t1, v1), ...]`` with increasing ``t``.
        outside_value: epsilon past the last endpoint (and before the first).

    Example:
        >>> EpsilonSchedule([(0, 1.0), (100, 0.1)], 0.1)(50)
        0.55
    """

    def __init__(self, endpoints: Sequence[tuple[float, float]], outside_value: float) -> None:
        points = [(float(t), float(v)) for t, v in endpoints]
        if any(b[0] < a[0] for a, b in zip(points, points[1:])):
            raise ValueError(f"epsilon schedule endpoints must have increasing timesteps, got {points}")
        self.endpoints = points
        self.outside_value = float(outside_value)

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | float | Sequence[Any] | None) -> EpsilonSchedule:
        """From a legacy ``exploration_config`` dict, a Ray 2.40 ``epsilon`` (a float or
        ``[[t, v], ...]``), or None (Ray 2.10 DQN's default: 1.0 -> 0.02 over 10000 steps).

        Raises:
            ValueError: an exploration type other than EpsilonGreedy, or a malformed schedule.
        """
        if config is None:
            config = DEFAULT_EXPLORATION
        if isinstance(config, (int, float)):
            return cls([(0, float(config))], float(config))
        if isinstance(config, Mapping):
            kind = config.get("type", "EpsilonGreedy")
            if kind not in ("EpsilonGreedy", "ray.rllib.utils.exploration.epsilon_greedy.EpsilonGreedy"):
                raise ValueError(
                    f"exploration_config type {kind!r}: the DQN module explores epsilon-greedily "
                    "only (EpsilonGreedy keys initial_epsilon, final_epsilon, epsilon_timesteps, "
                    "warmup_timesteps, epsilon_schedule)")
            schedule = config.get("epsilon_schedule")
            if schedule is not None:
                raw = schedule.get("endpoints") if isinstance(schedule, Mapping) else schedule
                outside = schedule.get("outside_value") if isinstance(schedule, Mapping) else None
                if not raw:
                    raise ValueError(f"epsilon_schedule {schedule!r}: expected endpoints [[t, epsilon], ...]")
                points = [tuple(p) for p in raw]
                return cls(points, points[-1][1] if outside is None else outside)
            initial = float(config.get("initial_epsilon", 1.0))
            final = float(config.get("final_epsilon", 0.05))
            warmup = float(config.get("warmup_timesteps", 0))
            steps = float(config.get("epsilon_timesteps", 100000))
            return cls([(0, initial), (warmup, initial), (warmup + steps, final)], final)
        points = [tuple(p) for p in config]
        if not points or any(len(p) != 2 for p in points):
            raise ValueError(f"epsilon schedule {config!r}: expected a float or [[t, epsilon], ...]")
        return cls(points, points[-1][1])

    def __call__(self, t: float) -> float:
        for (lt, lv), (rt, rv) in zip(self.endpoints, self.endpoints[1:]):
            if lt <= t < rt:
                return lv + (t - lt) / (rt - lt) * (rv - lv)
        return self.outside_value


def epsilon_greedy(q_values: torch.Tensor, epsilon: float) -> torch.Tensor:
    """Actions ``(B,)`` int64: argmax of ``q_values`` ``(B, A)``, each row replaced with
    probability ``epsilon`` by a uniform draw among the actions with ``Q > FLOAT_MIN``."""
    greedy = torch.argmax(q_values, dim=1)
    valid = torch.where(q_values <= FLOAT_MIN, torch.zeros_like(q_values), torch.ones_like(q_values))
    random_actions = torch.squeeze(torch.multinomial(valid, 1), dim=1)
    pick_random = torch.empty((q_values.shape[0],)).uniform_().to(q_values.device) < epsilon
    return torch.where(pick_random, random_actions, greedy)
