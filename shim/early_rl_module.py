"""Ray 2.10's early new-stack ``RLModule`` as legacy policies used it (``ray.rllib.core.rl_module``).

A few 2.10 policies wrap a new-stack module inside a legacy ``Policy``: they build it with an
``RLModuleConfig`` (``Module(config=RLModuleConfig(action_space=..., model_config_dict={...}))``),
let it extend their view requirements (``update_default_view_requirements``) and act through
``self.model.forward_exploration(input_dict)``. That is acting, not training, so the shim serves
it, on rlmigrate's runtime ``RLModule`` with 2.10's semantics where they differ from today's:

* the constructor takes the config (positionally or as ``config=``) and keeps it as
  ``self.config`` (the ``RLModuleConfig`` object itself, set before ``setup()``); spaces and
  ``model_config`` are read from it, with no deprecation warning (2.10 had nothing else);
* ``_forward_inference`` / ``_forward_exploration`` / ``_forward_train`` are abstract, as in 2.10
  (no ``_forward`` fallback);
* ``is_stateful()`` asserts that ``get_initial_state()`` is a dict (2.10's ``AssertionError``);
* ``update_default_view_requirements(defaults)`` adds, for a stateful module, ``state_in``
  (``state_out`` shifted by one, repeated every ``max_seq_len`` steps), ``state_out`` and, per
  ``lstm_use_prev_action`` / ``lstm_use_prev_reward`` of the config, previous actions/rewards;
* the input/output spec methods return 2.10's defaults (``[obs]``; an ``action_dist`` output);
  the calls do not check them (2.10 checked inputs only after a failure, outputs for keys).

Training-side names of these modules (``SingleAgentRLModuleSpec.build`` for a Learner,
``MultiAgentRLModule``, ``TorchRLModule`` of 2.10) are not served here.

Example:
    >>> import gymnasium as gym, numpy as np
    >>> class Zeros(RLModule):
    ...     def _forward_inference(self, batch, **kwargs): return {"actions": np.zeros(len(batch["obs"]))}
    ...     _forward_exploration = _forward_inference
    ...     def _forward_train(self, batch, **kwargs): raise NotImplementedError
    >>> module = Zeros(config=RLModuleConfig(action_space=gym.spaces.Discrete(2)))
    >>> module.config.action_space, module.forward_exploration({"obs": np.ones((3, 4))})["actions"].shape
    (Discrete(2), (3,))
"""

from __future__ import annotations

import abc
from typing import Any

import numpy as np

from rlmigrate.core.columns import Columns
from rlmigrate.core.nest import map_structure
from rlmigrate.core.rl_module import RLModule as _RuntimeRLModule
from rlmigrate.core.rl_module import RLModuleConfig
from shim.legacy_utils import convert_to_numpy
from shim.policy.view_requirement import ViewRequirement
from shim.space_utils import get_gym_space_from_struct_of_tensors

__all__ = ["RLModule", "RLModuleConfig", "get_gym_space_from_struct_of_tensors"]


class RLModule(_RuntimeRLModule):
    """Ray 2.10's ``RLModule(config: RLModuleConfig)`` (see the module docstring)."""

    def __init__(self, config: RLModuleConfig | None = None, *args: Any, **kwargs: Any) -> None:
        if config is None or not isinstance(config, RLModuleConfig):
            raise TypeError(f"{type(self).__name__}(config): Ray 2.10's RLModule takes an "
                            f"RLModuleConfig; got {type(config).__name__}")
        self.config = config  # before setup(), as 2.10 set it: setup() reads self.config
        super().__init__(
            observation_space=config.observation_space, action_space=config.action_space,
            inference_only=config.inference_only, learner_only=config.learner_only,
            model_config=config.model_config_dict, catalog_class=config.catalog_class)

    @abc.abstractmethod
    def _forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Forward pass when acting greedily (2.10: abstract)."""

    @abc.abstractmethod
    def _forward_exploration(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Forward pass when collecting data (2.10: abstract)."""

    @abc.abstractmethod
    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Forward pass of the learner (2.10: abstract)."""

    def is_stateful(self) -> bool:
        """Whether ``get_initial_state()`` is a non-empty dict (2.10 asserts it is a dict)."""
        initial_state = self.get_initial_state()
        assert isinstance(initial_state, dict), (
            f"The initial state of an RLModule must be a dict, but is {type(initial_state)} instead.")
        return bool(initial_state)

    def update_default_view_requirements(self, defaults: dict[str, ViewRequirement]) -> dict[str, ViewRequirement]:
        """``defaults`` with this module's state (and previous action/reward) columns added
        when it is stateful; the state's space is read off ``get_initial_state()``."""
        if not self.is_stateful():
            return defaults
        init_state = map_structure(lambda x: np.asarray(x)[None], convert_to_numpy(self.get_initial_state()))
        space = get_gym_space_from_struct_of_tensors(init_state, batched_input=True)
        config = self.config.model_config_dict
        max_seq_len = config["max_seq_len"]
        assert max_seq_len is not None
        defaults[Columns.STATE_IN] = ViewRequirement(
            data_col=Columns.STATE_OUT, shift=-1, used_for_compute_actions=True,
            used_for_training=True, batch_repeat_value=max_seq_len, space=space)
        if config["lstm_use_prev_action"]:
            defaults["prev_actions"] = ViewRequirement(
                data_col=Columns.ACTIONS, shift=-1, used_for_compute_actions=True, used_for_training=True)
        if config["lstm_use_prev_reward"]:
            defaults["prev_rewards"] = ViewRequirement(
                data_col=Columns.REWARDS, shift=-1, used_for_compute_actions=True, used_for_training=True)
        defaults[Columns.STATE_OUT] = ViewRequirement(
            data_col=Columns.STATE_OUT, used_for_compute_actions=False, used_for_training=True, space=space)
        return defaults

    def input_specs_inference(self) -> Any:
        return [Columns.OBS]

    def input_specs_exploration(self) -> Any:
        return [Columns.OBS]

    def input_specs_train(self) -> Any:
        return [Columns.OBS]

    def output_specs_inference(self) -> Any:
        return {"action_dist": _distribution_base()}

    def output_specs_exploration(self) -> Any:
        return {"action_dist": _distribution_base()}

    def output_specs_train(self) -> Any:
        return {}


def _distribution_base() -> type:
    from rlmigrate.distributions.base import Distribution

    return Distribution
