"""``TorchLearner``: the torch half of :class:`~rlmigrate.learner.learner.Learner`.

Mirrors Ray 2.40's ``ray.rllib.core.learner.torch.torch_learner.TorchLearner``: Adam over
each module's parameters by default, ``backward()`` on the summed losses, gradient clipping
by value / norm / global norm, non-finite gradients zeroed (or the step skipped with
``torch_skip_nan_gradients``). Subclasses implement only
:meth:`~rlmigrate.learner.learner.Learner.compute_loss_for_module`.

Example:
    >>> class MyLearner(TorchLearner):  # doctest: +SKIP
    ...     def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
    ...         dist = self.module[module_id].get_train_action_dist_cls().from_logits(
    ...             fwd_out[Columns.ACTION_DIST_INPUTS])
    ...         return -(dist.logp(batch[Columns.ACTIONS]) * batch[Columns.ADVANTAGES]).mean()
    >>> learner = MyLearner(config={"lr": 1e-3}, module=module); learner.build()  # doctest: +SKIP
    >>> results = learner.update_from_batch(train_batch)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from rlmigrate.core.constants import ALL_MODULES
from rlmigrate.learner.learner import TOTAL_LOSS_KEY, Learner

__all__ = ["TorchLearner", "to_torch_batch"]

logger = logging.getLogger(__name__)


def to_torch_batch(value: Any) -> Any:
    """Numpy leaves → torch tensors (float64 → float32, as RLlib's NumpyToTensor); nested dicts kept."""
    if isinstance(value, Mapping):
        return {k: to_torch_batch(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_torch_batch(v) for v in value)
    if isinstance(value, torch.Tensor):
        return value
    array = np.asarray(value)
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    if array.dtype.kind in "biuf":
        return torch.from_numpy(np.ascontiguousarray(array))
    return value


def _batch_size(batch: Mapping[str, Any]) -> int:
    for value in batch.values():
        if isinstance(value, Mapping):
            return _batch_size(value)
        if hasattr(value, "shape") and len(value.shape):
            return int(value.shape[0])
    raise ValueError(f"cannot tell the batch size: no array column among {sorted(batch)}")


def _take(batch: Any, index: torch.Tensor) -> Any:
    if isinstance(batch, Mapping):
        return {k: _take(v, index) for k, v in batch.items()}
    if isinstance(batch, torch.Tensor) and batch.dim():
        return batch[index]
    return batch


class TorchLearner(Learner):
    """A single-machine torch Learner; see the module docstring."""

    framework = "torch"

    def configure_optimizers_for_module(self, module_id: str, config: Any = None) -> None:
        """Ray's default: one Adam over the module's parameters, learning rate ``config.lr``."""
        config = config if config is not None else self.config.get_config_for_module(module_id)
        params = self.get_parameters(self.module[module_id])
        if not params:
            return  # a module without weights (e.g. a random policy) has nothing to train
        self.register_optimizer(
            module_id=module_id,
            optimizer=torch.optim.Adam(params),
            params=params,
            lr_or_lr_schedule=config.lr,
        )

    # ------------------------------------------------------------------ gradients
    def compute_gradients(self, loss_per_module: Mapping[str, Any], **kwargs: Any) -> dict[Any, Any]:
        """Zero the grads, ``backward()`` the sum of the losses, return ``{param: grad}``."""
        for optimizer in self._optimizer_parameters:
            optimizer.zero_grad(set_to_none=True)
        losses = [loss for module_id, loss in loss_per_module.items() if module_id != ALL_MODULES]
        total = sum(losses[1:], losses[0]) if losses else None
        if total is None:
            raise ValueError("compute_gradients(): no losses given")
        total.backward()
        return {ref: param.grad for ref, param in self._params.items()}

    def _clip_gradients(self, grads: dict[Any, Any], *, grad_clip: float, grad_clip_by: str) -> Any:
        present = {k: g for k, g in grads.items() if g is not None}
        if grad_clip_by == "value":
            for key, grad in present.items():
                grads[key] = grad.clamp(-grad_clip, grad_clip)
            return None
        if grad_clip_by == "norm":
            for key, grad in present.items():
                norm = grad.norm(2)
                if norm > grad_clip:
                    grads[key] = grad * (grad_clip / (norm + 1e-6))
            return None
        if not present:
            return torch.tensor(0.0)
        total_norm = torch.linalg.vector_norm(torch.stack([g.norm(2) for g in present.values()]), 2)
        factor = torch.clamp(grad_clip / (total_norm + 1e-6), max=1.0)
        for key, grad in present.items():
            grads[key] = grad * factor
        return total_norm

    def apply_gradients(self, gradients_dict: Mapping[Any, Any]) -> None:
        """Set each parameter's ``.grad`` and step every registered optimizer.

        Non-finite gradients are zeroed (``nan_to_num``), as Ray does, unless
        ``config.torch_skip_nan_gradients`` is set; then an optimizer whose gradients are
        not all finite skips this step.
        """
        skip_nan = bool(getattr(self.config, "torch_skip_nan_gradients", False))
        for ref, grad in gradients_dict.items():
            if grad is not None and not skip_nan and not torch.isfinite(grad).all():
                logger.warning("gradients of a parameter of shape %s contain nan/inf; set to zero", tuple(grad.shape))
                grad = torch.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)
            self._params[ref].grad = grad
        for module_id, names in self._module_optimizers.items():
            for name in names:
                optimizer = self.get_optimizer(module_id, name)
                finite = all(
                    p.grad is None or torch.isfinite(p.grad).all()
                    for group in optimizer.param_groups
                    for p in group["params"]
                )
                if finite:
                    optimizer.step()
                else:
                    logger.warning("skipping the step of optimizer %r of %r: nan/inf gradients", name, module_id)

    def _set_optimizer_lr(self, optimizer: Any, lr: float) -> None:
        for group in optimizer.param_groups:
            group["lr"] = lr

    # ------------------------------------------------------------------ updates
    def _as_module_batches(self, batch: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        keys = list(self.module.keys())
        if batch and all(k in keys for k in batch) and all(isinstance(v, Mapping) for v in batch.values()):
            return {k: to_torch_batch(v) for k, v in batch.items()}
        if len(keys) != 1:
            raise ValueError(
                f"a flat batch (columns {sorted(batch)}) is ambiguous for modules {keys}; "
                "pass {module_id: {column: ...}}"
            )
        return {keys[0]: to_torch_batch(batch)}

    def update(self, batch: Mapping[str, Any]) -> dict[str, Any]:
        """Exactly one gradient step on ``batch`` (no minibatching); returns this step's losses.

        Args:
            batch: ``{column: (B, ...)}`` for a single module or ``{module_id: {...}}``.

        Returns:
            ``{module_id: loss tensor (detached)}``; component metrics go to ``self.metrics``.
        """
        self._check_is_built()
        batches = self._as_module_batches(batch)
        fwd_out = {mid: self.module[mid].forward_train(sub) for mid, sub in batches.items()}
        losses = self.compute_losses(fwd_out=fwd_out, batch=batches)
        gradients = self.compute_gradients(losses)
        self.apply_gradients(self.postprocess_gradients(gradients))
        for module_id, loss in losses.items():
            self.metrics.log_value((module_id, TOTAL_LOSS_KEY), loss)
        return {mid: loss.detach() for mid, loss in losses.items()}

    def update_from_batch(
        self,
        batch: Mapping[str, Any],
        *,
        timesteps: Mapping[str, Any] | None = None,
        num_epochs: int = 1,
        minibatch_size: int | None = None,
        shuffle_batch_per_epoch: bool = False,
    ) -> dict[str, Any]:
        """``num_epochs`` passes over ``batch`` in minibatches; returns ``self.metrics.reduce()``.

        Args:
            batch: ``{column: (B, ...)}`` or ``{module_id: {column: (B, ...)}}``.
            timesteps: e.g. ``{"num_env_steps_sampled_lifetime": N}`` for lr schedules.
            minibatch_size: rows per step (``None``: the whole batch, one step per epoch).
            shuffle_batch_per_epoch: permute the rows each epoch (torch's global RNG).
        """
        self._check_is_built()
        if num_epochs < 1:
            raise ValueError(f"num_epochs must be >= 1, got {num_epochs}")
        batches = self._as_module_batches(batch)
        for module_id, sub in batches.items():
            size = _batch_size(sub)
            step = minibatch_size or size
            for _ in range(num_epochs):
                order = torch.randperm(size) if shuffle_batch_per_epoch else torch.arange(size)
                for start in range(0, size, step):
                    self.update({module_id: _take(sub, order[start:start + step])})
        self.after_gradient_based_update(timesteps=dict(timesteps or {}))
        return self.metrics.reduce()

    def get_state(self) -> dict[str, Any]:
        """``{"rl_module": module state, "optimizer": {name: optimizer state_dict}}``."""
        return {
            "rl_module": self.module.get_state(),
            "optimizer": {name: opt.state_dict() for name, opt in self._named_optimizers.items()},
        }

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Restore :meth:`get_state` output; unknown optimizer names raise naming them."""
        if "rl_module" in state:
            self.module.set_state(state["rl_module"])
        for name, opt_state in state.get("optimizer", {}).items():
            if name not in self._named_optimizers:
                raise ValueError(f"optimizer {name!r} in state is unknown; known: {sorted(self._named_optimizers)}")
            self._named_optimizers[name].load_state_dict(opt_state)


