"""``EpsilonGreedy``: argmax of the Q-values, or a random valid action with prob. epsilon.
Importable from ``shim.policy.exploration`` too.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.nest import flatten, get_base_struct_from_space, unflatten_as
from shim.policy.exploration_base import _ScheduledExploration
from shim.policy.schedules import PiecewiseSchedule, Schedule, schedule_from_config

FLOAT_MIN = -3.4e38

__all__ = ["EpsilonGreedy", "FLOAT_MIN"]


class EpsilonGreedy(_ScheduledExploration):
    """Argmax of the distribution inputs (Q-values), replaced by a random valid action with prob. epsilon.

    Epsilon follows ``epsilon_schedule`` or a piecewise schedule: ``initial_epsilon`` until
    ``warmup_timesteps``, then linear to ``final_epsilon`` over ``epsilon_timesteps``.
    Actions whose Q-value is ``<= FLOAT_MIN`` (masked) are never drawn at random.
    """

    _schedule_attr = "epsilon_schedule"
    _state_key = "cur_epsilon"

    def __init__(
        self,
        action_space: gym.Space,
        *,
        initial_epsilon: float = 1.0,
        final_epsilon: float = 0.05,
        warmup_timesteps: int = 0,
        epsilon_timesteps: int = int(1e5),
        epsilon_schedule: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(action_space, **kwargs)
        self.epsilon_schedule: Schedule = schedule_from_config(
            epsilon_schedule
        ) or PiecewiseSchedule(
            endpoints=[
                (0, initial_epsilon),
                (warmup_timesteps, initial_epsilon),
                (warmup_timesteps + epsilon_timesteps, final_epsilon),
            ],
            outside_value=final_epsilon,
        )
        self.action_space_struct = get_base_struct_from_space(action_space)
        self.last_timestep = 0

    def get_exploration_action(
        self, *, action_distribution: Any, timestep: int | None = None, explore: bool = True
    ) -> tuple[Any, torch.Tensor]:
        from shim.models.action_dist import TorchMultiActionDistribution

        self._advance(timestep)
        q_values = action_distribution.inputs
        exploit = action_distribution.deterministic_sample()
        batch = int(q_values.shape[0])
        logp = torch.zeros(batch, dtype=torch.float32)
        if not explore:
            return exploit, logp
        epsilon = self.epsilon_schedule(self.last_timestep)
        if isinstance(action_distribution, TorchMultiActionDistribution):
            leaves = [leaf.clone() for leaf in flatten(exploit)]
            for row in range(batch):
                if np.random.random() < epsilon:
                    for leaf, value in zip(leaves, flatten(self.action_space.sample())):
                        leaf[row] = torch.as_tensor(value)
            return unflatten_as(self.action_space_struct, leaves), logp
        valid = torch.where(
            q_values <= FLOAT_MIN, torch.zeros_like(q_values), torch.ones_like(q_values)
        )
        random_actions = torch.multinomial(valid, 1).squeeze(1)
        take_random = torch.empty((batch,)).uniform_() < epsilon
        return torch.where(take_random, random_actions, exploit), logp

