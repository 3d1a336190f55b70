"""Weights, state and checkpoints of the shim Policy (``get_weights``/``set_weights``,
``get_state``/``set_state``, ``export_checkpoint``/``from_checkpoint``/``from_state``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from shim.policy import policy_io

if TYPE_CHECKING:
    from shim.policy.policy import Policy

__all__ = ["PolicyStateMixin"]


class PolicyStateMixin:
    """State handling shared by every shim Policy."""

    model: Any
    exploration: Any
    global_timestep: int
    num_grad_updates: int

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

    def export_checkpoint(
        self,
        export_dir: str,
        *,
        policy_state: Mapping | None = None,
        checkpoint_format: str = "safetensors",
    ) -> str:
        """Writes a safe checkpoint directory (JSON + safetensors, no pickle); returns its path."""
        return policy_io.export_policy_checkpoint(
            self, export_dir, policy_state=policy_state, checkpoint_format=checkpoint_format
        )

    @staticmethod
    def from_checkpoint(
        checkpoint: str,
        policy_ids: Any = None,
        *,
        allowed_modules: Any = (),
        allow_dtype_cast: bool = False,
        allow_non_finite: bool = False,
    ) -> Any:
        """A Policy (or ``{policy_id: Policy}`` for a multi-policy directory) from a checkpoint.

        Classes named in the checkpoint are imported only from already-imported modules,
        ``shim``/``rlmigrate``, or the prefixes in ``allowed_modules``. Weights whose dtype
        differs from the model's, or that hold NaN/inf, are refused unless the matching
        ``allow_*`` flag is set (see ``docs/guide/checkpoints.md``).
        """
        return policy_io.load_policy_checkpoint(
            checkpoint,
            policy_ids,
            allowed_modules=allowed_modules,
            allow_dtype_cast=allow_dtype_cast,
            allow_non_finite=allow_non_finite,
        )

    @staticmethod
    def from_state(state: Mapping[str, Any]) -> Policy:
        """Rebuilds a policy from :meth:`get_state` output."""
        return policy_io.policy_from_state(state)

    def export_model(self, export_dir: str, onnx: int | None = None) -> None:
        raise NotImplementedError(
            "export_model pickled the torch model in RLlib; use export_checkpoint (safe) or "
            "torch.onnx.export(policy.model, ...) directly"
        )
