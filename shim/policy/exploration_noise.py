"""Noise explorations for Box actions: ``GaussianNoise`` and ``OrnsteinUhlenbeckNoise``
(deterministic action plus scheduled noise, random actions for the first timesteps).
Importable from ``shim.policy.exploration`` too.
"""

from __future__ import annotations

from typing import Any, cast

import gymnasium as gym
import numpy as np
import torch

from shim.policy.exploration_base import Random, _ScheduledExploration
from shim.policy.schedules import PiecewiseSchedule, Schedule, schedule_from_config

__all__ = ["GaussianNoise", "OrnsteinUhlenbeckNoise"]


class GaussianNoise(_ScheduledExploration):
    """Deterministic action + ``scale * N(0, stddev)``, clipped to the Box bounds.

    Random actions for the first ``random_timesteps``; ``scale`` goes linearly from
    ``initial_scale`` to ``final_scale`` over ``scale_timesteps`` after that.
    """

    _schedule_attr = "scale_schedule"
    _state_key = "cur_scale"

    def __init__(
        self,
        action_space: gym.Space,
        *,
        random_timesteps: int = 1000,
        stddev: float = 0.1,
        initial_scale: float = 1.0,
        final_scale: float = 0.02,
        scale_timesteps: int = 10000,
        scale_schedule: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(action_space, **kwargs)
        if not isinstance(action_space, gym.spaces.Box):
            raise ValueError(f"{type(self).__name__} needs a Box action space, got {action_space}")
        self.random_timesteps = int(random_timesteps)
        self.random_exploration = Random(action_space, framework=self.framework, model=self.model)
        self.stddev = float(stddev)
        self.scale_schedule: Schedule = schedule_from_config(scale_schedule) or PiecewiseSchedule(
            endpoints=[
                (random_timesteps, initial_scale),
                (random_timesteps + scale_timesteps, final_scale),
            ],
            outside_value=final_scale,
        )
        self.last_timestep = 0
        self._low = torch.as_tensor(action_space.low, dtype=torch.float32)
        self._high = torch.as_tensor(action_space.high, dtype=torch.float32)

    def _noise(self, det_actions: torch.Tensor, scale: float) -> torch.Tensor:
        return scale * torch.normal(mean=torch.zeros(det_actions.shape), std=self.stddev)

    def get_exploration_action(
        self, *, action_distribution: Any, timestep: int | None = None, explore: bool = True
    ) -> tuple[Any, torch.Tensor]:
        self._advance(timestep)
        if explore and self.last_timestep < self.random_timesteps:
            actions, _ = self.random_exploration.get_exploration_action(
                action_distribution=action_distribution, explore=True
            )
        elif explore:
            det = action_distribution.deterministic_sample()
            noisy = det + self._noise(det, self.scale_schedule(self.last_timestep))
            actions = torch.minimum(torch.maximum(noisy, self._low), self._high)
        else:
            actions = action_distribution.deterministic_sample()
        return actions, torch.zeros((actions.shape[0],), dtype=torch.float32)


class OrnsteinUhlenbeckNoise(GaussianNoise):
    """Deterministic action + time-correlated OU noise scaled by the Box range, clipped.

    ``ou += theta * (-ou) + sigma * scale * N(0, 1)``; action noise is
    ``scale * ou_base_scale * ou * (high - low)`` (infinite ranges count as 1). Unlike RLlib,
    clipping is per dimension (RLlib clipped every dimension to the first one's bounds).
    """

    def __init__(
        self,
        action_space: gym.Space,
        *,
        ou_theta: float = 0.15,
        ou_sigma: float = 0.2,
        ou_base_scale: float = 0.1,
        random_timesteps: int = 1000,
        initial_scale: float = 1.0,
        final_scale: float = 0.02,
        scale_timesteps: int = 10000,
        scale_schedule: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            action_space,
            random_timesteps=random_timesteps,
            stddev=1.0,
            initial_scale=initial_scale,
            final_scale=final_scale,
            scale_timesteps=scale_timesteps,
            scale_schedule=scale_schedule,
            **kwargs,
        )
        self.ou_theta = float(ou_theta)
        self.ou_sigma = float(ou_sigma)
        self.ou_base_scale = float(ou_base_scale)
        box = cast(gym.spaces.Box, action_space)  # GaussianNoise.__init__ refused anything else
        self.ou_state = torch.zeros(int(np.prod(box.shape)), dtype=torch.float32)
        span = torch.as_tensor(box.high - box.low, dtype=torch.float32).reshape(-1)
        self._span = torch.where(torch.isinf(span), torch.ones_like(span), span)

    def _noise(self, det_actions: torch.Tensor, scale: float) -> torch.Tensor:
        gaussian = scale * torch.normal(mean=torch.zeros(self.ou_state.shape), std=1.0)
        self.ou_state += self.ou_theta * -self.ou_state + self.ou_sigma * gaussian
        return (scale * self.ou_base_scale * self.ou_state * self._span).reshape(
            det_actions.shape[1:]
        )

    def get_state(self, sess: Any = None) -> dict[str, Any]:
        state = super().get_state()
        state["ou_state"] = self.ou_state.numpy().copy()
        return state

    def set_state(self, state: dict[str, Any], sess: Any = None) -> None:
        super().set_state(state)
        if "ou_state" in state:
            self.ou_state = torch.as_tensor(np.asarray(state["ou_state"]), dtype=torch.float32)

