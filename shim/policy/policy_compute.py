"""Action computation of the shim Policy: the legacy entry points ``compute_actions``,
``compute_actions_from_input_dict``, ``compute_single_action`` and ``compute_log_likelihoods``.

Kept apart from ``policy.py`` (one job a file); ``Policy`` inherits :class:`PolicyComputeMixin`.
Each entry point prepares the inputs (``PolicyInputsMixin``), runs ``_compute_action_helper``
(``ModuleActingMixin``, or ``TorchPolicyV2``'s) under ``no_grad`` and returns numpy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from shim.policy.conversion import batch_size_of, stack_observations, to_numpy, to_tensor
from shim.policy.module_acting import ModuleActingMixin
from shim.policy.policy_inputs import PolicyInputsMixin, _add_batch_dim, _extra_to_numpy, _unbatch
from shim.policy.sample_batch import SampleBatch
from shim.policy.state_layout import state_to_list

__all__ = ["PolicyComputeMixin"]


class PolicyComputeMixin(PolicyInputsMixin, ModuleActingMixin):
    """The ``compute_*`` entry points shared by every shim Policy.

    Built on the input half (``PolicyInputsMixin``) and the acting half
    (``ModuleActingMixin``, whose ``_compute_action_helper`` ``TorchPolicyV2`` overrides);
    ``Policy``'s method order is unchanged by naming them here.
    """

    config: dict[str, Any]
    global_timestep: int
    _initial_state: list
    #: RLlib 2.10's ``Policy.compute_actions_from_input_dict`` handed the input dict on to
    #: ``compute_actions`` (so a hand-written subclass overriding only that one acts through
    #: it); ``TorchPolicyV2`` had its own, which does not (it sets this False)
    _input_dict_routes_to_compute_actions = True

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
        batch = int(obs.shape[0]) if type(obs) is torch.Tensor else batch_size_of(obs)
        input_dict = SampleBatch({SampleBatch.OBS: obs, "is_training": False})
        if prev_action_batch is not None or prev_reward_batch is not None or info_batch is not None:
            self._add_prev(input_dict, prev_action_batch, prev_reward_batch, info_batch)
        states = (
            self._prepare_states(state_batches, batch)
            if state_batches or self._initial_state
            else []
        )
        return self._compute(input_dict, states, self._ones(batch), explore, timestep, batch)

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

        Unlike RLlib 2.10 it does not mark the batch ``is_training=True`` (a bug there). A
        subclass of ``Policy`` (not ``TorchPolicyV2``) that overrides ``compute_actions`` gets
        the call RLlib's ``Policy`` made: ``compute_actions(obs, [state_in_*...],
        prev_action_batch=, prev_reward_batch=, info_batch=, explore=, timestep=, episodes=)``.
        """
        if self._input_dict_routes_to_compute_actions and (
            type(self).compute_actions is not PolicyComputeMixin.compute_actions
        ):
            return self.compute_actions(
                input_dict[SampleBatch.OBS],
                [value for key, value in input_dict.items() if str(key).startswith("state_in")],
                prev_action_batch=input_dict.get(SampleBatch.PREV_ACTIONS),
                prev_reward_batch=input_dict.get(SampleBatch.PREV_REWARDS),
                info_batch=input_dict.get(SampleBatch.INFOS),
                explore=explore,
                timestep=timestep,
                episodes=episodes,
                **kwargs,
            )
        columns = dict(input_dict)
        obs = self._prepare_obs(columns.pop(SampleBatch.OBS))
        batch = batch_size_of(obs)
        state_list = columns.pop("state_in", None)
        indexed = sorted(
            (k for k in columns if k.startswith("state_in_") and k[9:].isdigit()),
            key=lambda k: int(k[9:]),
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
            batched,
            explore=explore,
            timestep=timestep,
            episodes=[episode] if episode is not None else None,
        )
        return _unbatch(actions), [s[0] for s in state_out], _unbatch(extra)

    def _single_fast(
        self, obs: Any, state: Any, explore: bool | None, timestep: int | None
    ) -> tuple[Any, list[np.ndarray], dict[str, Any]]:
        """``compute_single_action`` for the common call (obs [+ state]): no input-dict detour."""
        batched = _add_batch_dim(obs)
        prepared = self._prepare_obs(batched)
        if state or self._initial_state:
            states = self._prepare_states([_add_batch_dim(s) for s in state] if state else None, 1)
        else:
            states = []
        seq_lens = self._ones(1) if states else None
        input_dict = SampleBatch({SampleBatch.OBS: prepared, "is_training": False})
        actions, state_out, extra = self._compute(
            input_dict, states, seq_lens, explore, timestep, 1
        )
        actions = actions[0] if type(actions) is np.ndarray else _unbatch(actions)
        return (
            actions,
            [s[0] for s in state_out],
            {k: (v[0] if type(v) is np.ndarray else _unbatch(v)) for k, v in extra.items()},
        )

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
        input_dict, states, _ = self._scoring_inputs(
            obs_batch, state_batches, prev_action_batch, prev_reward_batch
        )
        with torch.no_grad():
            return self._log_likelihoods(
                to_tensor(stack_observations(actions)), input_dict, states, in_training
            )

    # ------------------------------------------------------------------ hot path
    def _compute(
        self,
        input_dict: SampleBatch,
        states: list[torch.Tensor],
        seq_lens: Any,
        explore: bool | None,
        timestep: int | None,
        batch: int,
    ) -> tuple[Any, list[np.ndarray], dict[str, np.ndarray]]:
        if explore is None:
            explore = self.config["explore"]
        if timestep is None:
            timestep = self.global_timestep
        with torch.no_grad():
            actions, state_out, extra = self._compute_action_helper(
                input_dict, states, seq_lens, explore, timestep
            )
        self.global_timestep += batch
        return to_numpy(actions), [to_numpy(s) for s in state_out], _extra_to_numpy(extra)
