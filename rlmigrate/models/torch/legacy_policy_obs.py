"""What a hand-written legacy ``Policy`` was given to act on, rebuilt from a new-stack batch.

RLlib 2.10's rollout workers preprocessed observations before any policy saw them (unless
the config set ``_disable_preprocessor_api``), and built the policy with the preprocessor's
space: ``Discrete``/``MultiDiscrete`` one-hot, ``Dict``/``Tuple`` flattened to one float32
vector (``original_space`` attached to that ``Box``), any other space as it is. A heuristic
``compute_actions`` therefore slices flat vectors and reads ``observation_space.original_space``.
The module RLM038 generates from it acts on the env's raw observations: these two helpers
give its copied code exactly what the legacy policy got::

    def setup(self):
        self.policy_observation_space = legacy_policy_observation_space(self.observation_space, self.model_config)

    def _forward(self, batch, **kwargs):
        obs_batch = legacy_policy_observations(batch[Columns.OBS], self.observation_space, self.model_config)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from rlmigrate.core.nest import map_struct
from rlmigrate.core.numpy_utils import convert_to_numpy
from rlmigrate.models.torch.legacy_inputs import legacy_forward_args, legacy_observation_space

__all__ = ["legacy_policy_observation_space", "legacy_policy_observations"]

_FLATTENED = (gym.spaces.Dict, gym.spaces.Tuple)


def _disabled(model_config: Mapping[str, Any] | None) -> bool:
    return bool((model_config or {}).get("_disable_preprocessor_api"))


def legacy_policy_observation_space(
    space: gym.Space, model_config: Mapping[str, Any] | None = None
) -> gym.Space:
    """The ``observation_space`` a 2.10 worker built a policy with for the env's ``space``.

    Args:
        space: the env's (raw) observation space.
        model_config: the module's config; ``_disable_preprocessor_api=True`` keeps ``space``.

    Returns:
        ``space`` itself, or the flat ``Box(-1, 1, (size,), float32)`` with ``original_space``.

    Example:
        >>> legacy_policy_observation_space(gym.spaces.Discrete(3)).original_space
        Discrete(3)
    """
    return space if _disabled(model_config) else legacy_observation_space(space)


def legacy_policy_observations(
    obs: Any,
    space: gym.Space,
    model_config: Mapping[str, Any] | None = None,
    *,
    last_step: bool = False,
) -> Any:
    """The observation batch a 2.10 worker passed to ``compute_actions``, as numpy.

    Args:
        obs: raw observations ``(B, ...)`` (a dict/tuple of such for Dict/Tuple spaces), or
            ``(B, T, ...)`` with ``last_step`` (a stateful module acts on the last step).
        space: the env's (raw) observation space.
        model_config: the module's config; ``_disable_preprocessor_api=True`` passes the raw
            observations through.
        last_step: take ``[:, -1]`` of every leaf first.

    Returns:
        ``(B, n)`` one-hot rows for Discrete/MultiDiscrete, ``(B, N)`` float32 for Dict/Tuple
        (leaves in the space's order), the observations themselves otherwise.

    Example:
        >>> legacy_policy_observations(np.array([2]), gym.spaces.Discrete(3)).tolist()
        [[0.0, 0.0, 1.0]]
    """
    if last_step:
        obs = map_struct(lambda leaf: leaf[:, -1], obs)
    if _disabled(model_config):
        return convert_to_numpy(obs)
    input_dict, _, _ = legacy_forward_args({"obs": obs}, space)
    key = "obs_flat" if isinstance(space, _FLATTENED) else "obs"
    return np.asarray(convert_to_numpy(input_dict[key]))
