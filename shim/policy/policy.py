"""``Policy``: the legacy policy API (``compute_actions`` and friends) over any RLModule.

Serving code written for RLlib's legacy ``Policy`` keeps working unchanged: observations in,
``(actions, state_outs, extra_fetches)`` numpy out, with the legacy extra-fetch keys
(``vf_preds`` when the module has a value function, ``action_dist_inputs``, ``action_prob``,
``action_logp``; logp 0 / prob 1 without exploration), float32/int32 like RLlib.
``explore=True`` runs ``forward_exploration``, ``explore=False`` ``forward_inference``.

``TorchPolicyV2`` (``shim.policy.torch_policy_v2``) subclasses this for legacy ModelV2 code.

Example:
    >>> policy = Policy.from_module(module)               # doctest: +SKIP
    >>> actions, state_outs, extra = policy.compute_actions(obs_batch, explore=False)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.apis import ValueFunctionAPI
from shim.models.model_defaults import merge_model_config
from shim.models.preprocessors import get_preprocessor, needs_flattening
from shim.policy.conversion import to_numpy
from shim.policy.exploration import Exploration, make_exploration
from shim.policy.module_acting import ModuleActingMixin
from shim.policy.policy_base import register_policy_base
from shim.policy.policy_compute import PolicyComputeMixin
from shim.policy.policy_inputs import PolicyInputsMixin
from shim.policy.policy_state import PolicyStateMixin
from shim.policy.sample_batch import SampleBatch
from shim.policy.state_layout import state_to_list
from shim.policy.view_requirement import ViewRequirement

__all__ = ["Policy", "PolicySpec", "default_policy_config"]

#: Keys every shim Policy config has (RLlib's AlgorithmConfig defaults for these).
_POLICY_DEFAULTS: dict[str, Any] = {
    "explore": True,
    "exploration_config": {"type": "StochasticSampling"},
    "normalize_actions": True,
    "clip_actions": False,
    "framework": "torch",
    "num_gpus": 0,
    "_fake_gpus": False,
    "lr": 0.001,
    "seed": None,
    # Shim only: validate observation batches (shape, dtype kind, space bounds) per call.
    "shim_check_observations": True,
}


def default_policy_config(config: Mapping | None = None) -> dict[str, Any]:
    """``config`` over the shim's defaults, with ``config["model"]`` over ``MODEL_DEFAULTS``.

    Full configs recorded from RLlib pass through unchanged (only missing keys are added).
    """
    merged = copy.deepcopy(_POLICY_DEFAULTS)
    given = dict(config or {})
    model = given.pop("model", None)
    merged.update(given)
    merged["model"] = merge_model_config(model)
    return merged


class PolicySpec:
    """What a checkpoint needs to rebuild a policy: class, spaces and config."""

    def __init__(
        self,
        policy_class: type | None = None,
        observation_space: gym.Space | None = None,
        action_space: gym.Space | None = None,
        config: dict | None = None,
    ) -> None:
        self.policy_class = policy_class
        self.observation_space = observation_space
        self.action_space = action_space
        self.config = config


@register_policy_base
class Policy(PolicyComputeMixin, PolicyInputsMixin, ModuleActingMixin, PolicyStateMixin):
    """Legacy policy API. Built around an RLModule, or subclassed (``TorchPolicyV2``).

    Args:
        observation_space: the observation space. A Dict/Tuple/Discrete space given to a
            ModelV2-based policy is replaced by its flattened Box (with ``original_space``), as
            an RLlib Algorithm did; raw observations are flattened on the way in.
        action_space: the action space.
        config: the policy config (legacy keys; ``model`` gets ``MODEL_DEFAULTS`` merged).
        module: the RLModule to act with (or give ``config["rl_module_spec"]``).
    """

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        config: Mapping | None = None,
        *,
        module: Any = None,
    ) -> None:
        self.observation_space = observation_space
        self.action_space = action_space
        self.config = default_policy_config(config)
        self.framework = "torch"
        self.global_timestep = 0
        self.num_grad_updates = 0
        self.device = torch.device("cpu")
        self.model: Any = None
        self.dist_class: Any = None
        self.exploration: Exploration | None = None
        self.agent_connectors = None
        self.action_connectors = None
        self._obs_preprocessor: Any = None
        self._obs_checker: Any = None
        self._initial_state: list[np.ndarray] = []
        self._state_template: Any = None
        self.view_requirements = self._get_default_view_requirements()
        spec = self.config.get("rl_module_spec")
        if module is None and spec is not None:
            module = spec.build()
        if module is not None:
            self._init_module(module)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_module(cls, module: Any, config: Mapping | None = None) -> Policy:
        """A Policy acting with ``module`` (spaces taken from the module)."""
        return cls(module.observation_space, module.action_space, config, module=module)

    def _init_module(self, module: Any) -> None:
        self.model = module
        self.exploration = self._create_exploration()
        template = module.get_initial_state()
        self._state_template = template
        self._initial_state = [
            to_numpy(torch.as_tensor(s), reduce_type=False) for s in state_to_list(template)
        ]
        self._is_module = True
        self._value_api = isinstance(module, ValueFunctionAPI)
        self._update_state_view_requirements()

    def _create_exploration(self) -> Exploration:
        return make_exploration(
            self.config.get("exploration_config"),
            self.action_space,
            policy_config=self.config,
            model=self.model,
        )

    def _use_flattened_observations(self) -> None:
        """Model-based policies see a flattened Box for Dict/Tuple/Discrete spaces."""
        space = self.observation_space
        if hasattr(space, "original_space"):
            self._obs_preprocessor = get_preprocessor(space.original_space)(space.original_space)
        elif needs_flattening(space):
            self._obs_preprocessor = get_preprocessor(space)(space, self.config["model"])
            self.observation_space = self._obs_preprocessor.observation_space

    def _get_default_view_requirements(self) -> dict[str, ViewRequirement]:
        obs, act = self.observation_space, self.action_space
        return {
            SampleBatch.OBS: ViewRequirement(space=obs),
            SampleBatch.NEXT_OBS: ViewRequirement(
                data_col=SampleBatch.OBS, shift=1, space=obs, used_for_compute_actions=False
            ),
            SampleBatch.ACTIONS: ViewRequirement(space=act, used_for_compute_actions=False),
            SampleBatch.PREV_ACTIONS: ViewRequirement(
                data_col=SampleBatch.ACTIONS, shift=-1, space=act
            ),
            SampleBatch.REWARDS: ViewRequirement(),
            SampleBatch.PREV_REWARDS: ViewRequirement(data_col=SampleBatch.REWARDS, shift=-1),
            SampleBatch.TERMINATEDS: ViewRequirement(),
            SampleBatch.TRUNCATEDS: ViewRequirement(),
            SampleBatch.INFOS: ViewRequirement(used_for_compute_actions=False),
            SampleBatch.EPS_ID: ViewRequirement(),
            SampleBatch.UNROLL_ID: ViewRequirement(),
            SampleBatch.AGENT_INDEX: ViewRequirement(),
            SampleBatch.T: ViewRequirement(),
        }

    def init_view_requirements(self) -> None:
        """The default view requirements plus the model's own (RLlib 2.10's hook; subclasses
        that override it call it through ``super()``)."""
        self.view_requirements = self._get_default_view_requirements()
        own = getattr(self.model, "view_requirements", None)
        if isinstance(own, Mapping):
            self.view_requirements.update(own)
        self._update_state_view_requirements()

    def _initialize_loss_from_dummy_batch(
        self, auto_remove_unneeded_view_reqs: bool = True, stats_fn: Any = None
    ) -> None:
        """Ray 2.10's loss initialisation, which policies that copy PPO's constructor call last.

        Ray ran the policy once on a dummy batch (actions with ``explore=False``, postprocessing,
        loss, ``stats_fn``) to find which view requirements the loss reads and drop the others.
        The shim's view requirements are fixed when the policy is built and its loss runs when
        asked (``loss`` / ``learn_on_batch``), so there is nothing to initialise: acting and the
        loss compute the same thing either way. Kept as a call that succeeds.
        """
        return None

    def _get_dummy_batch_from_view_requirements(self, batch_size: int = 1) -> SampleBatch:
        """A ``SampleBatch`` of zeros, ``(batch_size, *space.shape)`` per view requirement with
        a Box/Discrete space (RLlib 2.10 built its loss-initialisation batch this way)."""
        columns: dict[str, np.ndarray] = {}
        for key, requirement in self.view_requirements.items():
            space = getattr(requirement, "space", None)
            if isinstance(space, (gym.spaces.Box, gym.spaces.Discrete)):
                shape = (batch_size, *(space.shape or ()))
                columns[key] = np.zeros(shape, dtype=space.dtype)
        return SampleBatch(columns)

    def _update_state_view_requirements(self) -> None:
        max_seq_len = int(self.config["model"].get("max_seq_len", 20))
        for i, init in enumerate(self._initial_state):
            space = gym.spaces.Box(-1.0, 1.0, shape=np.shape(init), dtype=np.float32)
            self.view_requirements[f"state_in_{i}"] = ViewRequirement(
                data_col=f"state_out_{i}", shift=-1, space=space, batch_repeat_value=max_seq_len
            )
            self.view_requirements[f"state_out_{i}"] = ViewRequirement(
                space=space, used_for_compute_actions=False
            )

    # ------------------------------------------------------------------ recurrent state
    def get_initial_state(self) -> list[np.ndarray]:
        """The initial recurrent state: list of arrays without batch dim (``[]`` if stateless)."""
        return [s.copy() for s in self._initial_state]

    def is_recurrent(self) -> bool:
        """True if the model keeps recurrent state."""
        return len(self._initial_state) > 0

    def num_state_tensors(self) -> int:
        """Number of state tensors (``len(get_initial_state())``)."""
        return len(self._initial_state)

    # ------------------------------------------------------------------ action computation
    # (compute_actions*, compute_single_action, compute_log_likelihoods:
    #  shim.policy.policy_compute.PolicyComputeMixin)

    # ------------------------------------------------------------------ weights and state
    # (get/set weights and state, checkpoints: shim.policy.policy_state.PolicyStateMixin)

    # ------------------------------------------------------------------ misc legacy API
    def on_global_var_update(self, global_vars: Mapping[str, Any]) -> None:
        """Sets ``global_timestep`` from ``global_vars["timestep"]``."""
        if "timestep" in global_vars:
            self.global_timestep = int(global_vars["timestep"])

    def postprocess_trajectory(
        self, sample_batch: Any, other_agent_batches: Any = None, episode: Any = None
    ) -> Any:
        """Default: the batch unchanged."""
        return sample_batch

    def apply(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """``func(self, *args, **kwargs)``."""
        return func(self, *args, **kwargs)

    def get_session(self) -> None:
        return None

    def get_host(self) -> str:
        import platform

        return platform.node()

    def learn_on_batch(self, samples: Any) -> dict[str, Any]:
        raise NotImplementedError(
            f"{type(self).__name__} does not train; train RLModules with a Learner, or use "
            "TorchPolicyV2 with a loss()"
        )
