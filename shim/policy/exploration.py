"""Legacy exploration objects (``ray.rllib.utils.exploration``), torch paths.

A Policy asks its exploration object for ``(actions, logp)`` given an action distribution:
``StochasticSampling`` samples (the default), ``EpsilonGreedy`` mixes argmax with uniform
random valid actions, ``GaussianNoise`` / ``OrnsteinUhlenbeckNoise`` perturb deterministic
continuous actions, ``Random`` ignores the model. Without exploration (``explore=False``) all
return the deterministic action and zero logp (so ``action_prob`` is 1).
"""

from __future__ import annotations

import importlib
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from shim._tree import flatten, get_base_struct_from_space, unflatten_as
from shim.policy.schedules import PiecewiseSchedule, Schedule, schedule_from_config

FLOAT_MIN = -3.4e38
#: Modules whose distribution classes return ``(B,)`` logp (RLlib's zeros_like shortcut is safe).
_BATCH_LOGP_MODULES = frozenset(
    {"shim.models.action_dist", "shim.models.action_dist_continuous", "shim.dist_bridge"}
)

__all__ = [
    "Exploration",
    "StochasticSampling",
    "EpsilonGreedy",
    "GaussianNoise",
    "OrnsteinUhlenbeckNoise",
    "Random",
    "make_exploration",
]


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
        self.ou_state = torch.zeros(int(np.prod(action_space.shape)), dtype=torch.float32)
        span = torch.as_tensor(action_space.high - action_space.low, dtype=torch.float32).reshape(
            -1
        )
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


_BUILTIN: dict[str, type[Exploration]] = {
    "StochasticSampling": StochasticSampling,
    "EpsilonGreedy": EpsilonGreedy,
    "GaussianNoise": GaussianNoise,
    "OrnsteinUhlenbeckNoise": OrnsteinUhlenbeckNoise,
    "Random": Random,
}


def _resolve_type(kind: Any) -> type[Exploration]:
    if isinstance(kind, type) and issubclass(kind, Exploration):
        return kind
    if isinstance(kind, str):
        short = kind.rsplit(".", 1)[-1]
        if short in _BUILTIN:
            return _BUILTIN[short]
        if "." in kind and not kind.startswith("ray."):
            module_name, _, attr = kind.rpartition(".")
            found = getattr(importlib.import_module(module_name), attr)
            if isinstance(found, type) and issubclass(found, Exploration):
                return found
    raise ValueError(
        f"Unsupported exploration type {kind!r}; the shim provides {sorted(_BUILTIN)} or an "
        "Exploration subclass (class object or dotted path)"
    )


def make_exploration(
    exploration_config: dict | None,
    action_space: gym.Space,
    *,
    policy_config: dict | None = None,
    model: Any = None,
) -> Exploration:
    """Builds the exploration object from ``{"type": ..., **kwargs}`` (default StochasticSampling)."""
    config = dict(exploration_config or {"type": "StochasticSampling"})
    cls = _resolve_type(config.pop("type", "StochasticSampling"))
    return cls(action_space, framework="torch", policy_config=policy_config, model=model, **config)
