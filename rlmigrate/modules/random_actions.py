"""A framework-free RLModule that acts uniformly at random: the new-stack counterpart of the
random policy RLlib ships among its examples (``ray.rllib.examples.policy.random_policy``).

Legacy code often subclasses that example policy (a policy that leaks memory for a test, one
with a stateful view of the episode): the codemod then generates a subclass of this module,
so the subclass's own statements run before it acts the way its base did.

Acting: one ``action_space.sample()`` per observation row (the batch size is the first
axis of the first observation leaf, whatever the observation structure); with
``model_config["ignore_action_bounds"]`` and a ``Box`` action space, samples come from an
unbounded ``Box`` of the same shape and dtype instead (the example policy's switch for testing
action clipping). Draws come from the space's own generator: seed it (``space.seed(s)``) to
repeat them.

Example:
    >>> import gymnasium as gym, numpy as np
    >>> module = RandomRLModule(observation_space=gym.spaces.Box(-1, 1, (4,)),
    ...                         action_space=gym.spaces.Discrete(2))
    >>> module.forward_exploration({"obs": np.zeros((3, 4))})["actions"].shape
    (3,)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.spaces import Box

from rlmigrate.core.columns import Columns
from rlmigrate.core.nest import flatten
from rlmigrate.core.rl_module import RLModule

__all__ = ["RandomRLModule"]


class RandomRLModule(RLModule):
    """``{OBS} -> {ACTIONS: (B, ...)}``: uniformly random actions, one per observation row."""

    def setup(self) -> None:
        """Choose the space the actions are sampled from (see the module docstring)."""
        config = self.model_config if isinstance(self.model_config, dict) else {}
        self.action_space_for_sampling: Any  # a gymnasium Space (None only before spaces are given)
        if config.get("ignore_action_bounds", False) and isinstance(self.action_space, Box):
            self.action_space_for_sampling = Box(
                -float("inf"), float("inf"), shape=self.action_space.shape, dtype=self.action_space.dtype)
        else:
            self.action_space_for_sampling = self.action_space

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """``batch[Columns.OBS]`` ``(B, ...)`` (any structure) → ``{Columns.ACTIONS: (B, ...)}``."""
        batch_size = len(flatten(batch[Columns.OBS])[0])
        return {Columns.ACTIONS: np.asarray([self.action_space_for_sampling.sample() for _ in range(batch_size)])}

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError(
            f"{type(self).__name__} acts at random and cannot be trained: leave it out of policies_to_train")
