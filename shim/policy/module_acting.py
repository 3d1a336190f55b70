"""The RLModule path of the shim Policy: legacy call contract over ``forward_*`` of any module.

``explore=True`` runs ``forward_exploration(batch, t=timestep)``, ``explore=False``
``forward_inference``; actions the module returns pass through (logp 0 when not exploring),
otherwise the exploration object samples from the module's distribution class; ``vf_preds``
comes from ``compute_values`` for ``ValueFunctionAPI`` modules; every other output key is an
extra fetch (as RLlib 2.10's bridge). Stateful modules get a time axis of 1 and ``STATE_IN``.
"""

from __future__ import annotations

from typing import Any

import torch

from rlmigrate.core.columns import Columns
from shim.dist_bridge import as_legacy_distribution
from shim.policy.conversion import batch_size_of
from shim.policy.policy_inputs import _add_time_axis
from shim.policy.sample_batch import SampleBatch
from shim.policy.state_layout import list_to_state, state_to_list

__all__ = ["ModuleActingMixin"]


class ModuleActingMixin:
    """``_compute_action_helper`` / ``_log_likelihoods`` for policies that hold an RLModule."""

    model: Any
    exploration: Any
    _initial_state: list
    _state_template: Any
    _value_api: bool

    def _compute_action_helper(
        self,
        input_dict: SampleBatch,
        state_batches: list[torch.Tensor],
        seq_lens: Any,
        explore: bool,
        timestep: int,
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
            out = {
                k: (v[:, 0] if isinstance(v, torch.Tensor) and v.dim() >= 2 else v)
                for k, v in out.items()
            }
        dist_inputs = out.pop(Columns.ACTION_DIST_INPUTS, None)
        if Columns.ACTIONS in out:
            actions = out.pop(Columns.ACTIONS)
            logp = out.pop(Columns.ACTION_LOGP, None)
            if not explore:
                logp = torch.zeros((batch_size_of(actions),), dtype=torch.float32)
            elif logp is None and dist_inputs is not None:
                dist = as_legacy_distribution(
                    module.get_exploration_action_dist_cls(), dist_inputs, module
                )
                logp = dist.logp(actions)
        else:
            if dist_inputs is None:
                raise ValueError(
                    f"{type(module).__name__}.forward_{'exploration' if explore else 'inference'}() returned "
                    f"neither 'actions' nor 'action_dist_inputs'; got keys {sorted(out)}"
                )
            dist_cls = (
                module.get_exploration_action_dist_cls()
                if explore
                else module.get_inference_action_dist_cls()
            )
            dist = as_legacy_distribution(dist_cls, dist_inputs, module)
            actions, logp = self.exploration.get_exploration_action(
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

    def _module_batch(
        self, input_dict: SampleBatch, state_batches: list[torch.Tensor]
    ) -> dict[str, Any]:
        batch: dict[str, Any] = {
            k: v for k, v in input_dict.items() if k not in ("is_training", SampleBatch.INFOS)
        }
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
            out, dist_cls = (
                module.forward_exploration(batch),
                module.get_exploration_action_dist_cls(),
            )
        if dist_cls is None or Columns.ACTION_DIST_INPUTS not in out:
            raise ValueError(
                f"{type(module).__name__} gave no action distribution (class {dist_cls}, output keys "
                f"{sorted(out)}); cannot compute log-likelihoods"
            )
        inputs = out[Columns.ACTION_DIST_INPUTS]
        if self._initial_state and inputs.dim() >= 3:
            inputs = inputs[:, 0]
        return as_legacy_distribution(dist_cls, inputs, module).logp(actions)
