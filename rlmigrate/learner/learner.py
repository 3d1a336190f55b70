"""``Learner``: one machine's loss → gradients → optimizer step for a (Multi)RLModule.

The method names and signatures mirror Ray 2.40's ``ray.rllib.core.learner.Learner`` so a
Learner written against rlmigrate ports to Ray by changing its import (``--target ray``).
What is deliberately absent: learner connectors (batches arrive as column dicts, already
postprocessed), distribution over workers (Ray's ``LearnerGroup`` does that), checkpoint
components. One ``update_from_batch`` call is: ``module.forward_train`` per module →
:meth:`compute_losses` (calls :meth:`compute_loss_for_module`) → :meth:`compute_gradients`
→ :meth:`postprocess_gradients` (clipping) → :meth:`apply_gradients`.

Batches: ``{column: array/tensor}`` with a leading batch axis ``(B, ...)`` for a single
module, or ``{module_id: {column: (B, ...)}}`` for several.
"""

from __future__ import annotations

import abc
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from rlmigrate.core.constants import ALL_MODULES, DEFAULT_MODULE_ID
from rlmigrate.learner.config import LearnerConfig
from rlmigrate.learner.metrics import MetricsLogger

__all__ = ["Learner", "DEFAULT_OPTIMIZER", "LR_KEY", "TOTAL_LOSS_KEY"]

DEFAULT_OPTIMIZER = "default_optimizer"
LR_KEY = "learning_rate"
TOTAL_LOSS_KEY = "total_loss"


def _as_config(config: Any) -> Any:
    if hasattr(config, "get_config_for_module"):
        return config
    if config is None or isinstance(config, Mapping):
        return LearnerConfig(config)
    raise TypeError(
        f"Learner config must be a dict, a LearnerConfig or an AlgorithmConfig-like object, got {type(config).__name__}"
    )


class Learner(abc.ABC):
    """Trains ``self.module`` on one machine; subclass and implement the abstract hooks.

    Args:
        config: a dict of settings (``lr``, ``grad_clip``, ``grad_clip_by``, anything your
            loss reads), a :class:`LearnerConfig`, or a Ray ``AlgorithmConfig``.
        module_spec: an ``RLModuleSpec``/``MultiRLModuleSpec`` built in :meth:`build`.
        module: an already built RLModule (used as is; a single module is held under
            ``DEFAULT_MODULE_ID`` unless it is a MultiRLModule).

    Raises:
        ValueError: if neither ``module_spec`` nor ``module`` is given.
    """

    framework: str | None = None

    def __init__(self, *, config: Any = None, module_spec: Any = None, module: Any = None) -> None:
        if module_spec is None and module is None:
            raise ValueError(f"{type(self).__name__}: pass module_spec= or module=")
        self.config = _as_config(config)
        self._module_spec = module_spec
        self._module_obj = module
        self._module: Any = None
        self._is_built = False
        self._named_optimizers: dict[str, Any] = {}
        self._optimizer_parameters: dict[Any, list[Any]] = {}
        self._module_optimizers: dict[str, list[str]] = defaultdict(list)
        self._optimizer_lr: dict[Any, Any] = {}
        self._params: dict[Any, Any] = {}
        self.metrics = MetricsLogger()

    # ------------------------------------------------------------------ building
    def build(self) -> None:
        """Build the module (if given a spec) and its optimizers; a second call does nothing."""
        if self._is_built:
            return
        self._module = self._make_module()
        self.configure_optimizers()
        self._is_built = True

    def _make_module(self) -> Any:
        from rlmigrate.core.multi_rl_module import MultiRLModule

        module = self._module_obj if self._module_obj is not None else self._module_spec.build()
        if isinstance(module, MultiRLModule):
            return module
        multi = MultiRLModule()
        multi.add_module(DEFAULT_MODULE_ID, module)
        return multi

    @property
    def module(self) -> Any:
        """The ``MultiRLModule`` being trained (``self.module[module_id]`` for one module)."""
        self._check_is_built()
        return self._module

    def _check_is_built(self) -> None:
        if self._module is None:
            raise RuntimeError(f"{type(self).__name__} is not built; call build() first")

    # ------------------------------------------------------------------ optimizers
    def configure_optimizers(self) -> None:
        """Calls :meth:`configure_optimizers_for_module` for every module (Ray's default)."""
        for module_id in self._module.keys():
            self.configure_optimizers_for_module(
                module_id=module_id, config=self.config.get_config_for_module(module_id)
            )

    @abc.abstractmethod
    def configure_optimizers_for_module(self, module_id: str, config: Any = None) -> None:
        """Create the optimizer(s) of ``module_id`` and :meth:`register_optimizer` each."""

    def register_optimizer(
        self,
        *,
        module_id: str = ALL_MODULES,
        optimizer_name: str = DEFAULT_OPTIMIZER,
        optimizer: Any,
        params: Sequence[Any],
        lr_or_lr_schedule: float | Sequence[Sequence[float]] | None = None,
    ) -> None:
        """Register ``optimizer`` (over ``params``) for ``module_id`` under ``optimizer_name``.

        Args:
            lr_or_lr_schedule: a constant learning rate, or ``[[timestep, lr], ...]``
                (piecewise linear in the lifetime timesteps passed to ``update_from_batch``);
                ``None`` leaves the optimizer's own learning rate alone.

        Raises:
            ValueError: for a name registered twice or an empty ``params``.
        """
        full_name = f"{module_id}_{optimizer_name}"
        if full_name in self._named_optimizers:
            raise ValueError(f"optimizer {optimizer_name!r} of module {module_id!r} is registered twice")
        params = list(params)
        if not params:
            raise ValueError(f"optimizer {optimizer_name!r} of module {module_id!r} has no parameters")
        self._named_optimizers[full_name] = optimizer
        self._module_optimizers[module_id].append(optimizer_name)
        self._optimizer_parameters[optimizer] = [self.get_param_ref(p) for p in params]
        for param in params:
            self._params[self.get_param_ref(param)] = param
        if lr_or_lr_schedule is not None:
            self._optimizer_lr[optimizer] = lr_or_lr_schedule
            self._set_optimizer_lr(optimizer, _lr_at(lr_or_lr_schedule, 0))

    def get_optimizer(self, module_id: str = DEFAULT_MODULE_ID, optimizer_name: str = DEFAULT_OPTIMIZER) -> Any:
        """The optimizer registered as ``(module_id, optimizer_name)``; KeyError lists those known."""
        full_name = f"{module_id}_{optimizer_name}"
        if full_name not in self._named_optimizers:
            raise KeyError(f"no optimizer {optimizer_name!r} for module {module_id!r}; known: {sorted(self._named_optimizers)}")
        return self._named_optimizers[full_name]

    def get_optimizers_for_module(self, module_id: str = ALL_MODULES) -> list[tuple[str, Any]]:
        """``[(optimizer_name, optimizer), ...]`` registered for ``module_id``."""
        return [(name, self.get_optimizer(module_id, name)) for name in self._module_optimizers.get(module_id, [])]

    def filter_param_dict_for_optimizer(self, param_dict: Mapping[Any, Any], optimizer: Any) -> dict[Any, Any]:
        """The entries of ``param_dict`` whose parameter ``optimizer`` updates."""
        return {ref: param_dict[ref] for ref in self._optimizer_parameters[optimizer] if ref in param_dict}

    def get_param_ref(self, param: Any) -> Any:
        """A hashable reference for ``param`` (the keys of gradient dicts)."""
        return param

    def get_parameters(self, module: Any) -> list[Any]:
        """The trainable parameters of ``module``."""
        return list(module.parameters())

    # ------------------------------------------------------------------ losses and gradients
    def compute_losses(self, *, fwd_out: Mapping[str, Any], batch: Mapping[str, Any]) -> dict[str, Any]:
        """``{module_id: loss}``: :meth:`compute_loss_for_module` per module in ``fwd_out``
        (or the module's ``compute_self_supervised_loss`` where it implements that API)."""
        from rlmigrate.core.apis import SelfSupervisedLossAPI

        losses = {}
        for module_id, module_fwd_out in fwd_out.items():
            module = self.module[module_id]
            config = self.config.get_config_for_module(module_id)
            kwargs = {"module_id": module_id, "config": config, "batch": batch[module_id], "fwd_out": module_fwd_out}
            if isinstance(module, SelfSupervisedLossAPI):
                losses[module_id] = module.compute_self_supervised_loss(learner=self, **kwargs)
            else:
                losses[module_id] = self.compute_loss_for_module(**kwargs)
        return losses

    @abc.abstractmethod
    def compute_loss_for_module(
        self, *, module_id: str, config: Any, batch: Mapping[str, Any], fwd_out: Mapping[str, Any]
    ) -> Any:
        """The total loss (a scalar tensor) of one module.

        Args:
            module_id: which module.
            config: ``self.config.get_config_for_module(module_id)``.
            batch: the module's train batch, ``{column: (B, ...)}``.
            fwd_out: ``self.module[module_id].forward_train(batch)``, e.g.
                ``{Columns.ACTION_DIST_INPUTS: (B, dist_inputs)}``.

        Log component losses with ``self.metrics.log_value((module_id, name), value)``.
        """

    @abc.abstractmethod
    def compute_gradients(self, loss_per_module: Mapping[str, Any], **kwargs: Any) -> dict[Any, Any]:
        """``{param_ref: gradient}`` of the summed losses."""

    def postprocess_gradients(self, gradients_dict: Mapping[Any, Any]) -> dict[Any, Any]:
        """Calls :meth:`postprocess_gradients_for_module` on each module's slice of the gradients."""
        out: dict[Any, Any] = {}
        for module_id in self.module.keys():
            module_grads: dict[Any, Any] = {}
            for _, optimizer in self.get_optimizers_for_module(module_id):
                module_grads.update(self.filter_param_dict_for_optimizer(gradients_dict, optimizer))
            out.update(
                self.postprocess_gradients_for_module(
                    module_id=module_id,
                    config=self.config.get_config_for_module(module_id),
                    module_gradients_dict=module_grads,
                )
            )
        return out

    def postprocess_gradients_for_module(
        self, *, module_id: str, config: Any = None, module_gradients_dict: Mapping[Any, Any]
    ) -> dict[Any, Any]:
        """Clip by ``config.grad_clip`` / ``config.grad_clip_by`` (per optimizer); log global norms."""
        config = config if config is not None else self.config.get_config_for_module(module_id)
        grad_clip = getattr(config, "grad_clip", None)
        if not grad_clip:
            return dict(module_gradients_dict)
        out: dict[Any, Any] = {}
        for name, optimizer in self.get_optimizers_for_module(module_id):
            grads = self.filter_param_dict_for_optimizer(module_gradients_dict, optimizer)
            norm = self._clip_gradients(grads, grad_clip=grad_clip, grad_clip_by=getattr(config, "grad_clip_by", "global_norm"))
            if norm is not None:
                self.metrics.log_value((module_id, f"gradients_{name}_global_norm"), norm, window=1)
            out.update(grads)
        return out

    @abc.abstractmethod
    def _clip_gradients(self, grads: dict[Any, Any], *, grad_clip: float, grad_clip_by: str) -> Any:
        """Clip ``grads`` in place; return the global norm before clipping (or None)."""

    @abc.abstractmethod
    def apply_gradients(self, gradients_dict: Mapping[Any, Any]) -> None:
        """Set the gradients on the parameters and step every optimizer."""

    @abc.abstractmethod
    def _set_optimizer_lr(self, optimizer: Any, lr: float) -> None:
        """Set the learning rate of every param group of ``optimizer``."""

    # ------------------------------------------------------------------ updates
    def after_gradient_based_update(self, *, timesteps: Mapping[str, Any]) -> None:
        """Move scheduled learning rates to ``timesteps["num_env_steps_sampled_lifetime"]``; log them."""
        step = int(timesteps.get("num_env_steps_sampled_lifetime", 0)) if timesteps else 0
        for module_id, names in self._module_optimizers.items():
            for name in names:
                optimizer = self.get_optimizer(module_id, name)
                if optimizer in self._optimizer_lr:
                    lr = _lr_at(self._optimizer_lr[optimizer], step)
                    self._set_optimizer_lr(optimizer, lr)
                    self.metrics.log_value((module_id, f"{name}_{LR_KEY}"), lr, window=1)


def _lr_at(schedule: Any, step: int) -> float:
    """A constant lr, or a piecewise-linear ``[[t0, lr0], [t1, lr1], ...]`` schedule at ``step``."""
    if isinstance(schedule, (int, float)):
        return float(schedule)
    points = sorted((float(t), float(v)) for t, v in schedule)
    if not points:
        raise ValueError("learning-rate schedule is empty; give [[timestep, lr], ...]")
    if step <= points[0][0]:
        return points[0][1]
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        if step <= t1:
            return v0 + (v1 - v0) * (step - t0) / (t1 - t0)
    return points[-1][1]
