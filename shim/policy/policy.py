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
from rlmigrate.core.columns import Columns
from shim.dist_bridge import as_legacy_distribution
from shim.models.model_defaults import merge_model_config
from shim.models.preprocessors import get_preprocessor, needs_flattening
from shim.policy import policy_io
from shim.policy.conversion import (
    batch_size_of,
    make_batch_checker,
    stack_observations,
    to_numpy,
    to_tensor,
)
from shim.policy.exploration import Exploration, make_exploration
from shim.policy.sample_batch import SampleBatch
from shim.policy.state_layout import list_to_state, state_to_list
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

    def __init__(self, policy_class: type | None = None, observation_space: gym.Space | None = None,
                 action_space: gym.Space | None = None, config: dict | None = None) -> None:
        self.policy_class = policy_class
        self.observation_space = observation_space
        self.action_space = action_space
        self.config = config


def _unbatch(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _unbatch(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_unbatch(v) for v in value)
    if isinstance(value, list):
        return [_unbatch(v) for v in value]
    return value[0] if getattr(value, "ndim", 0) else value


def _add_batch_dim(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _add_batch_dim(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_add_batch_dim(v) for v in value)
    if isinstance(value, torch.Tensor):
        return value.unsqueeze(0)
    return np.asarray(value)[None]


class Policy:
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
        self._initial_state = [to_numpy(torch.as_tensor(s), reduce_type=False) for s in state_to_list(template)]
        self._is_module = True
        self._value_api = isinstance(module, ValueFunctionAPI)
        self._update_state_view_requirements()

    def _create_exploration(self) -> Exploration:
        return make_exploration(
            self.config.get("exploration_config"), self.action_space, policy_config=self.config, model=self.model
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
            SampleBatch.NEXT_OBS: ViewRequirement(data_col=SampleBatch.OBS, shift=1, space=obs, used_for_compute_actions=False),
            SampleBatch.ACTIONS: ViewRequirement(space=act, used_for_compute_actions=False),
            SampleBatch.PREV_ACTIONS: ViewRequirement(data_col=SampleBatch.ACTIONS, shift=-1, space=act),
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

    def _update_state_view_requirements(self) -> None:
        max_seq_len = int(self.config["model"].get("max_seq_len", 20))
        for i, init in enumerate(self._initial_state):
            space = gym.spaces.Box(-1.0, 1.0, shape=np.shape(init), dtype=np.float32)
            self.view_requirements[f"state_in_{i}"] = ViewRequirement(
                data_col=f"state_out_{i}", shift=-1, space=space, batch_repeat_value=max_seq_len
            )
            self.view_requirements[f"state_out_{i}"] = ViewRequirement(space=space, used_for_compute_actions=False)

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
    def compute_actions(
        self,
        obs_batch: Any,
        state_batches: list[Any] | None = None,
        prev_action_batch: Any = None,
        prev_reward_batch: Any = None,
        info_batch: Any = None,
        episodes: Any = None,
        explore: bool | None = None,
        timestep: int | None = None,
        **kwargs: Any,
    ) -> tuple[Any, list[np.ndarray], dict[str, np.ndarray]]:
        """Computes actions for a batch of observations.

        Args:
            obs_batch: ``(B, ...)`` observations (a list of observations works too; Dict/Tuple
                spaces take a dict/tuple of batched arrays or a list of items).
            state_batches: list of ``(B, ...)`` state arrays (default: the initial state).
            prev_action_batch: ``(B, ...)`` previous actions (for models that read them).
            prev_reward_batch: ``(B,)`` previous rewards.
            info_batch: per-row infos (passed to the model as ``infos``).
            explore: sample (True) or act greedily (False); default ``config["explore"]``.
            timestep: global timestep for exploration schedules (default ``global_timestep``).

        Returns:
            ``(actions (B, ...), state_outs list of (B, ...), extra_fetches dict of (B, ...))``
            as numpy (floats float32, ints int32).

        Raises:
            ValueError: observations outside the space, or the wrong number/shape of states.
        """
        obs = self._prepare_obs(obs_batch)
        batch = batch_size_of(obs)
        input_dict = SampleBatch({SampleBatch.OBS: obs, "is_training": False})
        self._add_prev(input_dict, prev_action_batch, prev_reward_batch, info_batch)
        states = self._prepare_states(state_batches, batch)
        return self._compute(input_dict, states, self._ones(batch), explore, timestep, batch)

    def _ones(self, batch: int) -> torch.Tensor:
        """``seq_lens`` of ones ``(B,)`` int32 (cached per batch size; treat as read-only)."""
        cache = self.__dict__.setdefault("_ones_cache", {})
        ones = cache.get(batch)
        if ones is None:
            ones = cache[batch] = torch.ones(batch, dtype=torch.int32)
        return ones

    def compute_actions_from_input_dict(
        self,
        input_dict: Mapping,
        explore: bool | None = None,
        timestep: int | None = None,
        episodes: Any = None,
        **kwargs: Any,
    ) -> tuple[Any, list[np.ndarray], dict[str, np.ndarray]]:
        """Like :meth:`compute_actions`, from a dict holding ``obs``, ``state_in_0``.. (or one
        ``state_in`` list), ``prev_actions``, ``prev_rewards`` and any extra columns.

        Unlike RLlib 2.10 it does not mark the batch ``is_training=True`` (a bug there).
        """
        columns = dict(input_dict)
        obs = self._prepare_obs(columns.pop(SampleBatch.OBS))
        batch = batch_size_of(obs)
        state_list = columns.pop("state_in", None)
        indexed = sorted(
            (k for k in columns if k.startswith("state_in_") and k[9:].isdigit()), key=lambda k: int(k[9:])
        )
        if indexed:
            state_list = [columns.pop(k) for k in indexed]
        elif isinstance(state_list, Mapping):
            state_list = state_to_list(state_list)
        seq_lens = columns.pop(SampleBatch.SEQ_LENS, None)
        sample = SampleBatch({SampleBatch.OBS: obs, "is_training": False})
        for key, value in columns.items():
            if key != "is_training":
                sample[key] = value if key == SampleBatch.INFOS else to_tensor(value)
        states = self._prepare_states(state_list, batch)
        if states and seq_lens is None:
            seq_lens = self._ones(batch)
        elif seq_lens is not None:
            seq_lens = torch.as_tensor(np.asarray(seq_lens))
        return self._compute(sample, states, seq_lens, explore, timestep, batch)

    def compute_single_action(
        self,
        obs: Any = None,
        state: list[Any] | None = None,
        *,
        prev_action: Any = None,
        prev_reward: Any = None,
        info: Any = None,
        input_dict: Mapping | None = None,
        episode: Any = None,
        explore: bool | None = None,
        timestep: int | None = None,
        **kwargs: Any,
    ) -> tuple[Any, list[np.ndarray], dict[str, Any]]:
        """One observation in, one ``(action, state_outs, extra_fetches)`` out (no batch dim).

        Dict/Tuple observations are given as one dict/tuple. Actions are not unsquashed or
        clipped (as in RLlib's Policy; only the Algorithm did that).
        """
        if input_dict is None and prev_action is None and prev_reward is None and info is None:
            return self._single_fast(obs, state, explore, timestep)
        if input_dict is None:
            input_dict = {SampleBatch.OBS: obs}
            for i, item in enumerate(state or []):
                input_dict[f"state_in_{i}"] = item
            if prev_action is not None:
                input_dict[SampleBatch.PREV_ACTIONS] = prev_action
            if prev_reward is not None:
                input_dict[SampleBatch.PREV_REWARDS] = prev_reward
            if info is not None:
                input_dict[SampleBatch.INFOS] = info
        batched = {}
        for key, value in input_dict.items():
            if key == SampleBatch.SEQ_LENS:
                batched[key] = value
            elif key == SampleBatch.INFOS:
                batched[key] = [value]
            elif key == "state_in" and isinstance(value, (list, tuple)):
                batched[key] = [_add_batch_dim(v) for v in value]
            else:
                batched[key] = _add_batch_dim(value)
        actions, state_out, extra = self.compute_actions_from_input_dict(
            batched, explore=explore, timestep=timestep, episodes=[episode] if episode is not None else None
        )
        return _unbatch(actions), [s[0] for s in state_out], _unbatch(extra)

    def _single_fast(self, obs: Any, state: Any, explore: bool | None, timestep: int | None) -> tuple[Any, list[np.ndarray], dict[str, Any]]:
        """``compute_single_action`` for the common call (obs [+ state]): no input-dict detour."""
        batched = _add_batch_dim(obs)
        prepared = self._prepare_obs(batched)
        states = self._prepare_states([_add_batch_dim(s) for s in state] if state else None, 1)
        seq_lens = self._ones(1) if states else None
        input_dict = SampleBatch({SampleBatch.OBS: prepared, "is_training": False})
        actions, state_out, extra = self._compute(input_dict, states, seq_lens, explore, timestep, 1)
        actions = actions[0] if type(actions) is np.ndarray else _unbatch(actions)
        return actions, [s[0] for s in state_out], {k: (v[0] if type(v) is np.ndarray else _unbatch(v)) for k, v in extra.items()}

    def compute_log_likelihoods(
        self,
        actions: Any,
        obs_batch: Any,
        state_batches: list[Any] | None = None,
        prev_action_batch: Any = None,
        prev_reward_batch: Any = None,
        actions_normalized: bool = True,
        in_training: bool = True,
    ) -> torch.Tensor:
        """``(B,)`` log-likelihoods of ``actions`` under the policy for ``obs_batch``.

        RLModule policies use ``forward_train`` + the train distribution when ``in_training``,
        else ``forward_exploration`` + the exploration distribution (RLlib 2.10 bridge).
        """
        obs = self._prepare_obs(obs_batch)
        batch = batch_size_of(obs)
        input_dict = SampleBatch({SampleBatch.OBS: obs, "is_training": False})
        self._add_prev(input_dict, prev_action_batch, prev_reward_batch, None)
        states = self._prepare_states(state_batches, batch)
        with torch.no_grad():
            return self._log_likelihoods(to_tensor(stack_observations(actions)), input_dict, states, in_training)

    # ------------------------------------------------------------------ hot path
    def _compute(
        self, input_dict: SampleBatch, states: list[torch.Tensor], seq_lens: Any,
        explore: bool | None, timestep: int | None, batch: int,
    ) -> tuple[Any, list[np.ndarray], dict[str, np.ndarray]]:
        if explore is None:
            explore = self.config["explore"]
        if timestep is None:
            timestep = self.global_timestep
        with torch.no_grad():
            actions, state_out, extra = self._compute_action_helper(input_dict, states, seq_lens, explore, timestep)
        self.global_timestep += batch
        return to_numpy(actions), [to_numpy(s) for s in state_out], _extra_to_numpy(extra)

    def _compute_action_helper(
        self, input_dict: SampleBatch, state_batches: list[torch.Tensor], seq_lens: Any, explore: bool, timestep: int
    ) -> tuple[Any, list[Any], dict[str, Any]]:
        """RLModule path; returns torch ``(actions, state_out list, extra_fetches)``."""
        module = self.model
        if module is None:
            raise NotImplementedError(
                f"{type(self).__name__} has no RLModule: pass module=..., config['rl_module_spec'], "
                "or override compute_actions()"
            )
        batch = self._module_batch(input_dict, state_batches)
        if explore:
            out = dict(module.forward_exploration(batch, t=timestep))
        else:
            out = dict(module.forward_inference(batch))
        state_out = out.pop(Columns.STATE_OUT, None)
        stateful = state_out is not None or Columns.STATE_IN in batch
        if stateful:
            out = {k: (v[:, 0] if isinstance(v, torch.Tensor) and v.dim() >= 2 else v) for k, v in out.items()}
        dist_inputs = out.pop(Columns.ACTION_DIST_INPUTS, None)
        if Columns.ACTIONS in out:
            actions = out.pop(Columns.ACTIONS)
            logp = out.pop(Columns.ACTION_LOGP, None)
            if not explore:
                logp = torch.zeros((batch_size_of(actions),), dtype=torch.float32)
            elif logp is None and dist_inputs is not None:
                dist = as_legacy_distribution(module.get_exploration_action_dist_cls(), dist_inputs, module)
                logp = dist.logp(actions)
        else:
            if dist_inputs is None:
                raise ValueError(
                    f"{type(module).__name__}.forward_{'exploration' if explore else 'inference'}() returned "
                    f"neither 'actions' nor 'action_dist_inputs'; got keys {sorted(out)}"
                )
            dist_cls = module.get_exploration_action_dist_cls() if explore else module.get_inference_action_dist_cls()
            dist = as_legacy_distribution(dist_cls, dist_inputs, module)
            actions, logp = self.exploration.get_exploration_action(  # type: ignore[union-attr]
                action_distribution=dist, timestep=timestep, explore=explore
            )
            out.pop(Columns.ACTION_LOGP, None)
        extra: dict[str, Any] = {}
        if Columns.VF_PREDS in out:
            extra[Columns.VF_PREDS] = out.pop(Columns.VF_PREDS)
        elif self._value_api:
            values = module.compute_values(batch, embeddings=out.get(Columns.EMBEDDINGS))
            extra[Columns.VF_PREDS] = values[:, 0] if stateful and values.dim() >= 2 else values
        out.pop(Columns.EMBEDDINGS, None)
        extra.update(out)
        if dist_inputs is not None:
            extra[Columns.ACTION_DIST_INPUTS] = dist_inputs
        if logp is not None:
            extra[Columns.ACTION_PROB] = torch.exp(logp.float())
            extra[Columns.ACTION_LOGP] = logp
        states = state_to_list(state_out) if state_out is not None else []
        return actions, states, extra

    def _module_batch(self, input_dict: SampleBatch, state_batches: list[torch.Tensor]) -> dict[str, Any]:
        batch: dict[str, Any] = {k: v for k, v in input_dict.items() if k not in ("is_training", SampleBatch.INFOS)}
        if self._initial_state:
            batch = {k: _add_time_axis(v) for k, v in batch.items()}
            batch[Columns.STATE_IN] = list_to_state(self._state_template, state_batches)
        return batch

    def _log_likelihoods(
        self, actions: Any, input_dict: SampleBatch, states: list[torch.Tensor], in_training: bool
    ) -> torch.Tensor:
        module = self.model
        batch = self._module_batch(input_dict, states)
        if in_training:
            out, dist_cls = module.forward_train(batch), module.get_train_action_dist_cls()
        else:
            out, dist_cls = module.forward_exploration(batch), module.get_exploration_action_dist_cls()
        if dist_cls is None or Columns.ACTION_DIST_INPUTS not in out:
            raise ValueError(
                f"{type(module).__name__} gave no action distribution (class {dist_cls}, output keys "
                f"{sorted(out)}); cannot compute log-likelihoods"
            )
        inputs = out[Columns.ACTION_DIST_INPUTS]
        if self._initial_state and inputs.dim() >= 3:
            inputs = inputs[:, 0]
        return as_legacy_distribution(dist_cls, inputs, module).logp(actions)

    # ------------------------------------------------------------------ input handling
    def _prepare_obs(self, obs_batch: Any) -> Any:
        """Validated observation batch as torch (flattened when the model needs it)."""
        obs = obs_batch if type(obs_batch) is np.ndarray else stack_observations(obs_batch)
        check = self._obs_checker
        if check is None:
            check = self._build_obs_checker()
        prep = self._obs_preprocessor
        if prep is None:
            if check is not _NO_CHECK:
                check(obs, "obs_batch")
            if type(obs) is np.ndarray and obs.dtype == np.float32 and obs.flags.c_contiguous:
                return torch.from_numpy(obs)
            return to_tensor(obs)
        flat_width = prep.size
        if not isinstance(obs, (Mapping, tuple)):
            array = obs.detach().cpu().numpy() if isinstance(obs, torch.Tensor) else np.asarray(obs)
            if array.ndim == 2 and array.shape[1] == flat_width and array.dtype.kind == "f":
                return to_tensor(array)  # already flattened (preprocessed) observations
            obs = array
        if check is not _NO_CHECK:
            check(obs, "obs_batch")
        return torch.from_numpy(np.ascontiguousarray(prep.transform_batch(obs), dtype=np.float32))

    def _build_obs_checker(self) -> Any:
        """The observation checker for this policy's (original) space, built once."""
        if not self.config.get("shim_check_observations", True):
            self._obs_checker = _NO_CHECK
        else:
            space = self.observation_space
            self._obs_checker = make_batch_checker(getattr(space, "original_space", space) if self._obs_preprocessor else space)
        return self._obs_checker

    def _add_prev(self, input_dict: SampleBatch, prev_actions: Any, prev_rewards: Any, infos: Any) -> None:
        if prev_actions is not None:
            input_dict[SampleBatch.PREV_ACTIONS] = to_tensor(stack_observations(prev_actions))
        if prev_rewards is not None:
            input_dict[SampleBatch.PREV_REWARDS] = to_tensor(np.asarray(prev_rewards, dtype=np.float32))
        if infos is not None:
            input_dict[SampleBatch.INFOS] = infos

    def _prepare_states(self, state_batches: Any, batch: int) -> list[torch.Tensor]:
        """Validated state list (``(B, ...)`` tensors); the initial state when none is given."""
        expected = len(self._initial_state)
        if not state_batches:
            if expected == 0:
                return []
            return [torch.from_numpy(np.repeat(s[None], batch, axis=0)) for s in self._initial_state]
        state_batches = list(state_batches)
        if len(state_batches) != expected:
            raise ValueError(
                f"{type(self).__name__}: expected {expected} state tensor(s) "
                f"(state_in_0..state_in_{max(expected - 1, 0)}) shaped {[ (batch,) + s.shape for s in self._initial_state]}, "
                f"got {len(state_batches)}"
            )
        tensors = []
        for i, (given, init) in enumerate(zip(state_batches, self._initial_state)):
            tensor = to_tensor(given)
            if tuple(tensor.shape) != (batch,) + init.shape:
                raise ValueError(
                    f"state_batches[{i}]: expected shape {(batch,) + init.shape}, got {tuple(tensor.shape)}"
                )
            tensors.append(tensor)
        return tensors

    # ------------------------------------------------------------------ weights and state
    def get_weights(self) -> dict[str, np.ndarray]:
        """``{parameter/buffer name: numpy array}`` of the model."""
        if self.model is None:
            return {}
        if hasattr(self.model, "get_state") and getattr(self, "_is_module", False):
            return self.model.get_state()
        return {k: v.detach().cpu().numpy() for k, v in self.model.state_dict().items()}

    def set_weights(self, weights: Mapping[str, Any]) -> None:
        """Loads weights produced by :meth:`get_weights` (e.g. recorded from RLlib).

        Raises:
            ValueError: listing missing keys, unexpected keys and mis-shaped keys (with the
                expected and the given shapes).
        """
        own = self.get_weights()
        missing = [k for k in own if k not in weights]
        unexpected = [k for k in weights if k not in own]
        misshaped = [
            f"{k}: expected {tuple(own[k].shape)}, got {tuple(np.shape(weights[k]))}"
            for k in own
            if k in weights and tuple(np.shape(weights[k])) != tuple(own[k].shape)
        ]
        if missing or unexpected or misshaped:
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if unexpected:
                parts.append(f"unexpected keys {unexpected}")
            if misshaped:
                parts.append("mis-shaped keys [" + "; ".join(misshaped) + "]")
            raise ValueError(f"{type(self).__name__}.set_weights: " + ", ".join(parts))
        tensors = {k: torch.as_tensor(np.asarray(v)) for k, v in weights.items()}
        if getattr(self, "_is_module", False):
            self.model.set_state(tensors)
        else:
            self.model.load_state_dict(tensors, strict=True)

    def get_exploration_state(self) -> dict[str, Any]:
        """The exploration object's state (``{}`` without one)."""
        return self.exploration.get_state() if self.exploration is not None else {}

    def get_state(self) -> dict[str, Any]:
        """``{"weights", "global_timestep", "num_grad_updates", "policy_spec", "_exploration_state"}``."""
        return {
            "weights": self.get_weights(),
            "global_timestep": self.global_timestep,
            "num_grad_updates": self.num_grad_updates,
            "policy_spec": policy_io.policy_spec_to_dict(self),
            "_exploration_state": self.get_exploration_state(),
        }

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restores :meth:`get_state` output (weights, timestep, exploration state)."""
        if "_exploration_state" in state and self.exploration is not None:
            self.exploration.set_state(state["_exploration_state"])
        self.global_timestep = int(state.get("global_timestep", self.global_timestep))
        self.num_grad_updates = int(state.get("num_grad_updates", self.num_grad_updates))
        self.set_weights(state["weights"])

    def export_checkpoint(self, export_dir: str, *, policy_state: Mapping | None = None, checkpoint_format: str = "safetensors") -> str:
        """Writes a safe checkpoint directory (JSON + safetensors, no pickle); returns its path."""
        return policy_io.export_policy_checkpoint(self, export_dir, policy_state=policy_state, checkpoint_format=checkpoint_format)

    @staticmethod
    def from_checkpoint(checkpoint: str, policy_ids: Any = None, *, allowed_modules: Any = ()) -> Any:
        """A Policy (or ``{policy_id: Policy}`` for a multi-policy directory) from a checkpoint.

        Classes named in the checkpoint are imported only from already-imported modules,
        ``shim``/``rlmigrate``, or the prefixes in ``allowed_modules``.
        """
        return policy_io.load_policy_checkpoint(checkpoint, policy_ids, allowed_modules=allowed_modules)

    @staticmethod
    def from_state(state: Mapping[str, Any]) -> Policy:
        """Rebuilds a policy from :meth:`get_state` output."""
        return policy_io.policy_from_state(state)

    def export_model(self, export_dir: str, onnx: int | None = None) -> None:
        raise NotImplementedError(
            "export_model pickled the torch model in RLlib; use export_checkpoint (safe) or "
            "torch.onnx.export(policy.model, ...) directly"
        )

    # ------------------------------------------------------------------ misc legacy API
    def on_global_var_update(self, global_vars: Mapping[str, Any]) -> None:
        """Sets ``global_timestep`` from ``global_vars["timestep"]``."""
        if "timestep" in global_vars:
            self.global_timestep = int(global_vars["timestep"])

    def postprocess_trajectory(self, sample_batch: Any, other_agent_batches: Any = None, episode: Any = None) -> Any:
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


def _extra_to_numpy(extra: dict[str, Any]) -> dict[str, Any]:
    """Extra fetches -> numpy; float32 CPU tensors (nearly all of them) take the short path."""
    out = {}
    for key, value in extra.items():
        if type(value) is torch.Tensor and value.dtype is torch.float32:
            try:
                out[key] = value.numpy()
                continue
            except (RuntimeError, TypeError):
                pass
        out[key] = to_numpy(value)
    return out


def _no_check(batch: Any, where: str = "") -> None:
    return None


_NO_CHECK = _no_check


def _add_time_axis(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _add_time_axis(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_add_time_axis(v) for v in value)
    return value.unsqueeze(1) if isinstance(value, torch.Tensor) else value
