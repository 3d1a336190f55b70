"""Exploration base classes and the sampling explorations: ``Exploration`` (the legacy
interface and its no-op hooks), the schedule-driven base of ``EpsilonGreedy`` and the noise
explorations, ``Random`` and ``StochasticSampling`` (the default). Importable from
``shim.policy.exploration`` too.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.nest import get_base_struct_from_space

#: Modules whose distribution classes return ``(B,)`` logp (RLlib's zeros_like shortcut is safe).
_BATCH_LOGP_MODULES = frozenset(
    {"shim.models.action_dist", "shim.models.action_dist_continuous", "shim.dist_bridge"}
)

__all__ = ["Exploration", "Random", "StochasticSampling"]


def _batch_size(action_dist: Any) -> int:
    inputs = action_dist.inputs
    return int(inputs.shape[0])


def _stack_samples(space: gym.Space, samples: list[Any]) -> Any:
    if isinstance(space, gym.spaces.Dict):
        return {k: _stack_samples(s, [x[k] for x in samples]) for k, s in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(_stack_samples(s, [x[i] for x in samples]) for i, s in enumerate(space.spaces))
    return torch.as_tensor(np.stack(samples))


class Exploration:
    """Base class: holds the action space and the policy's model/config.

    Args:
        action_space: the policy's action space.
        framework: "torch".
        policy_config: the policy config.
        model: the policy's model (ModelV2 or RLModule).
        num_workers, worker_index: kept for signature compatibility.
    """

    def __init__(
        self,
        action_space: gym.Space,
        *,
        framework: str = "torch",
        policy_config: dict | None = None,
        model: Any = None,
        num_workers: int = 0,
        worker_index: int = 0,
        **kwargs: Any,
    ) -> None:
        self.action_space = action_space
        self.policy_config = policy_config or {}
        self.model = model
        self.num_workers = num_workers
        self.worker_index = worker_index
        self.framework = framework
        self.device = torch.device("cpu")
        if kwargs:
            raise TypeError(
                f"{type(self).__name__} got unexpected exploration_config keys {sorted(kwargs)}"
            )

    def before_compute_actions(
        self,
        *,
        timestep: int | None = None,
        explore: bool | None = None,
        tf_sess: Any = None,
        **kwargs: Any,
    ) -> None:
        """Hook called before each forward pass (default: nothing)."""

    def get_exploration_action(
        self, *, action_distribution: Any, timestep: int | None = None, explore: bool = True
    ) -> tuple[Any, torch.Tensor]:
        """``(actions (B, ...), logp (B,))`` for the given distribution."""
        raise NotImplementedError

    def on_episode_start(
        self,
        policy: Any = None,
        *,
        environment: Any = None,
        episode: Any = None,
        tf_sess: Any = None,
    ) -> None:
        """Episode hook (default: nothing)."""

    def on_episode_end(
        self,
        policy: Any = None,
        *,
        environment: Any = None,
        episode: Any = None,
        tf_sess: Any = None,
    ) -> None:
        """Episode hook (default: nothing)."""

    def postprocess_trajectory(self, policy: Any, sample_batch: Any, tf_sess: Any = None) -> Any:
        """Trajectory hook (default: returns the batch)."""
        return sample_batch

    def get_exploration_optimizer(self, optimizers: list[Any]) -> list[Any]:
        """Lets exploration add optimizers (default: unchanged)."""
        return optimizers

    def get_state(self, sess: Any = None) -> dict[str, Any]:
        """Serialisable exploration state (default ``{}``)."""
        return {}

    def set_state(self, state: dict[str, Any], sess: Any = None) -> None:
        """Restores :meth:`get_state` output (default: nothing)."""

    def _advance(self, timestep: int | None) -> int:
        """Sets ``last_timestep`` to ``timestep``, or one past the last when not given."""
        self.last_timestep = timestep if timestep is not None else self.last_timestep + 1
        return self.last_timestep


class _ScheduledExploration(Exploration):
    """An exploration driven by one schedule of the timestep (epsilon, noise scale).

    Subclasses name the attribute holding the schedule (kept under its legacy name, e.g.
    ``epsilon_schedule``) and the key its current value has in :meth:`get_state`.
    """

    _schedule_attr: str
    _state_key: str
    last_timestep: int

    def get_state(self, sess: Any = None) -> dict[str, Any]:
        schedule = getattr(self, self._schedule_attr)
        return {
            self._state_key: np.float64(schedule(self.last_timestep)),
            "last_timestep": np.int64(self.last_timestep),
        }

    def set_state(self, state: dict[str, Any], sess: Any = None) -> None:
        self.last_timestep = int(state["last_timestep"])


class Random(Exploration):
    """Uniformly random actions from the action space (ignores the model) when exploring."""

    def __init__(self, action_space: gym.Space, **kwargs: Any) -> None:
        super().__init__(action_space, **kwargs)
        self.action_space_struct = get_base_struct_from_space(action_space)

    def get_exploration_action(
        self, *, action_distribution: Any, timestep: int | None = None, explore: bool = True
    ) -> tuple[Any, torch.Tensor]:
        batch = _batch_size(action_distribution)
        if explore:
            actions = _stack_samples(
                self.action_space, [self.action_space.sample() for _ in range(batch)]
            )
        else:
            actions = action_distribution.deterministic_sample()
        return actions, torch.zeros((batch,), dtype=torch.float32)


class StochasticSampling(Exploration):
    """Samples from the action distribution; optionally uniform-random for the first steps.

    Args:
        random_timesteps: act uniformly at random while ``timestep < random_timesteps``.
    """

    def __init__(
        self, action_space: gym.Space, *, random_timesteps: int = 0, **kwargs: Any
    ) -> None:
        super().__init__(action_space, **kwargs)
        self.random_timesteps = int(random_timesteps)
        self.random_exploration = Random(action_space, framework=self.framework, model=self.model)
        self.last_timestep = 0

    def get_exploration_action(
        self, *, action_distribution: Any, timestep: int | None = None, explore: bool = True
    ) -> tuple[Any, torch.Tensor]:
        self._advance(timestep)
        if explore:
            if self.last_timestep < self.random_timesteps:
                return self.random_exploration.get_exploration_action(
                    action_distribution=action_distribution, explore=True
                )
            actions = action_distribution.sample()
            return actions, action_distribution.sampled_action_logp()
        actions = action_distribution.deterministic_sample()
        if type(action_distribution).__module__ in _BATCH_LOGP_MODULES:
            # Known families score a batch as (B,) in the inputs' dtype: skip computing it.
            inputs = action_distribution.inputs
            if inputs.is_floating_point():
                return actions, inputs.new_zeros((inputs.shape[0],))
            return actions, torch.zeros(
                (inputs.shape[0],), dtype=torch.float32, device=inputs.device
            )
        return actions, torch.zeros_like(action_distribution.sampled_action_logp())

