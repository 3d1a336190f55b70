"""``TorchRLModule``: an RLModule that is also a ``torch.nn.Module`` (RLLIB_REFERENCE §1.6).

Acting passes (``forward_inference`` / ``forward_exploration``) run without autograd and in
``eval()`` mode, restoring ``train()`` afterwards; ``forward_train`` keeps gradients and
puts the module in ``train()`` mode; ``module(batch)`` is ``forward_train``.
"""

from __future__ import annotations

import dataclasses
import platform
from typing import Any

import numpy as np
import torch
from torch import nn

from rlmigrate.core.apis import InferenceOnlyAPI, non_inference_prefixes
from rlmigrate.core.rl_module import RLModule

__all__ = ["TorchRLModule", "TorchCompileConfig"]

# Layers whose output depends on train()/eval(). Modules without any of these (and
# without a custom ``train`` override) skip the per-call mode switch: it is pure overhead.
_MODE_SENSITIVE = (
    nn.modules.dropout._DropoutNd,
    nn.modules.batchnorm._BatchNorm,
    nn.modules.instancenorm._InstanceNorm,
    nn.RNNBase,
    nn.MultiheadAttention,
    nn.TransformerEncoderLayer,
    nn.TransformerDecoderLayer,
)


@dataclasses.dataclass
class TorchCompileConfig:
    """Options for :meth:`TorchRLModule.compile` (``torch.compile`` of each forward hook)."""

    torch_dynamo_backend: str = "aot_eager" if platform.system() == "Darwin" else "inductor"
    torch_dynamo_mode: str | None = None
    kwargs: dict = dataclasses.field(default_factory=dict)


class TorchRLModule(nn.Module, RLModule):
    """Base class for torch modules. Build layers in ``setup()``; override ``_forward*``.

    List ``TorchRLModule`` *before* algorithm-generic bases in a subclass's bases so that
    ``setup()`` runs once (otherwise ``RuntimeError``).
    """

    framework = "torch"
    #: Set True on a module whose own code branches on ``self.training`` (e.g.
    #: ``F.dropout(x, training=self.training)``): acting passes then always switch to eval().
    #: Layers such as nn.Dropout / BatchNorm / RNNs are detected without it.
    always_switch_to_eval: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        nn.Module.__init__(self)
        RLModule.__init__(self, *args, **kwargs)
        self._mode_sensitive: bool | None = None
        if self.inference_only and isinstance(self, InferenceOnlyAPI):
            self._drop_non_inference_attributes()

    def _drop_non_inference_attributes(self) -> None:
        """Really delete critic-only attributes (RLlib 2.40's deletion is a no-op; 2.60's
        deletes the wrong attribute for dotted paths). ``"encoder.critic_encoder"`` deletes
        ``critic_encoder`` on ``self.encoder``."""
        if not isinstance(self, InferenceOnlyAPI):
            return
        for path in self.get_non_inference_attributes():
            *parents, leaf = path.split(".")
            owner: Any = self
            for part in parents:
                owner = getattr(owner, part, None)
                if owner is None:
                    break
            if owner is not None and getattr(owner, leaf, None) is not None:
                delattr(owner, leaf)

    # ----------------------------------------------------------------- forward passes
    def forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """``nn.Module.__call__`` target: the training pass."""
        return self.forward_train(batch, **kwargs)

    def _needs_mode_switch(self) -> bool:
        if self._mode_sensitive is None:
            self._mode_sensitive = any(
                isinstance(m, _MODE_SENSITIVE) or type(m).train is not nn.Module.train
                for m in self.modules()
                if m is not self
            ) or type(self).train is not nn.Module.train or self.always_switch_to_eval
        return self._mode_sensitive

    def _acting_call(self, hook: Any, batch: dict[str, Any], kwargs: dict, *,
                     explore: bool) -> dict[str, Any]:
        if self.training and self._needs_mode_switch():
            self.eval()
            try:
                with torch.no_grad():
                    return self._act_with_bound_dist(hook(batch, **kwargs), explore)
            finally:
                self.train()
        with torch.no_grad():
            return self._act_with_bound_dist(hook(batch, **kwargs), explore)

    def _act_with_bound_dist(self, out: dict[str, Any], explore: bool) -> dict[str, Any]:
        """A legacy model-aware distribution bound to this module (a ``custom_action_dist``
        whose constructor takes the model) samples inside the module, as the new stack's
        autoregressive modules do (:mod:`rlmigrate.distributions.model_aware`)."""
        dist_cls = self.__dict__.get("action_dist_cls")
        if dist_cls is None or not getattr(dist_cls, "samples_in_module", False):
            return out
        from rlmigrate.distributions.model_aware import act_in_module

        return act_in_module(self._own_bound_dist(dist_cls), dict(out), explore=explore)

    def _own_bound_dist(self, dist_cls: Any) -> Any:
        """``dist_cls``, rebound to this module when it was bound to another one (this module
        is a deep copy of it), and kept so."""
        from rlmigrate.distributions.model_aware import bound_to

        own = bound_to(dist_cls, self)
        if own is not dist_cls:
            self.action_dist_cls = own
        return own

    def forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._acting_call(self._forward_inference, batch, kwargs, explore=False)

    def forward_exploration(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._acting_call(self._forward_exploration, batch, kwargs, explore=True)

    def forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if self.inference_only:
            return RLModule.forward_train(self, batch, **kwargs)  # raises with the message
        if not self.training:
            self.train()
        return self._forward_train(batch, **kwargs)

    def add_module(self, name: str, module: nn.Module | None) -> None:  # noqa: D102
        self._mode_sensitive = None  # new children may change the answer
        super().add_module(name, module)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, nn.Module) and "_mode_sensitive" in self.__dict__:
            self.__dict__["_mode_sensitive"] = None
        super().__setattr__(name, value)

    # ----------------------------------------------------------------- distributions
    def get_inference_action_dist_cls(self) -> type:
        """``self.action_dist_cls`` if set (catalog or ``setup``), else the default for the space."""
        if self.action_dist_cls is not None:
            if getattr(self.action_dist_cls, "samples_in_module", False):
                return self._own_bound_dist(self.action_dist_cls)
            return self.action_dist_cls
        from rlmigrate.distributions.defaults import get_default_dist_cls

        if self.action_space is None:
            raise ValueError(
                f"{type(self).__name__} has no action_space, so no default action distribution; "
                "pass action_space=... (or set self.action_dist_cls in setup())"
            )
        return get_default_dist_cls(self.action_space)

    def get_exploration_action_dist_cls(self) -> type:
        return self.get_inference_action_dist_cls()

    def get_train_action_dist_cls(self) -> type:
        return self.get_inference_action_dist_cls()

    # ----------------------------------------------------------------- state
    def get_state(
        self,
        components: Any = None,
        *,
        not_components: Any = None,
        inference_only: bool = False,
        **kwargs: Any,
    ) -> dict[str, np.ndarray]:
        """``{state_dict key: numpy array}``; ``inference_only=True`` drops critic-only keys."""
        if components is not None or not_components is not None:
            raise ValueError(f"{type(self).__name__} has no sub-components to select")
        state = {key: value.detach().cpu().numpy() for key, value in self.state_dict().items()}
        if inference_only:
            prefixes = non_inference_prefixes(self)
            state = {
                key: value
                for key, value in state.items()
                if not any(key == p or key.startswith(p + ".") for p in prefixes)
            }
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        """Load ``{key: array or tensor}``; unknown and absent keys are ignored (as RLlib).

        Raises:
            ValueError: listing every key whose shape does not match this module's.
        """
        own = self.state_dict()
        tensors: dict[str, torch.Tensor] = {}
        mismatched = []
        for key, value in state.items():
            tensor = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
            if key in own:
                if tuple(own[key].shape) != tuple(tensor.shape):
                    mismatched.append(f"{key}: expected {tuple(own[key].shape)}, got {tuple(tensor.shape)}")
                    continue
                tensor = tensor.to(dtype=own[key].dtype, device=own[key].device)
            tensors[key] = tensor
        if mismatched:
            raise ValueError(
                f"cannot load state into {type(self).__name__}: shape mismatch for "
                + "; ".join(mismatched)
            )
        self.load_state_dict(tensors, strict=False)

    # ----------------------------------------------------------------- compile
    def compile(self, compile_config: TorchCompileConfig | None = None) -> TorchRLModule:  # type: ignore[override]
        """``torch.compile`` each forward hook separately and rebind it on this instance."""
        compile_config = compile_config or TorchCompileConfig()
        for name in ("_forward_train", "_forward_inference", "_forward_exploration"):
            compiled = torch.compile(
                getattr(self, name),
                backend=compile_config.torch_dynamo_backend,
                mode=compile_config.torch_dynamo_mode,
                **compile_config.kwargs,
            )
            object.__setattr__(self, name, compiled)
        return self
