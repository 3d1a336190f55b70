"""``assert_loss_equivalent``: prove a migrated Learner's loss is the legacy policy's loss.

Both sides get the same weights (the legacy model's, transferred by name into the module),
then hypothesis-generated train batches (:func:`~rlmigrate.testing.train_batches.train_batches`)
are fed to both (observations drawn from the environment's space; the legacy side gets them
preprocessed, as RLlib 2.10's sampler stored them, the Learner raw, as the new stack's; a
Dict/Tuple action likewise flattened per row for the legacy side, as a struct for the Learner;
``action_dist_inputs`` as wide as the legacy model's output):

* legacy: ``policy.loss(policy.model, policy.dist_class, SampleBatch(batch))`` (or a given
  ``loss_fn(policy, model, dist_class, train_batch)``), ``model.custom_loss`` applied as
  Ray 2.10's ``TorchPolicyV2`` does, several losses (one per optimizer) summed; then
  ``policy.stats_fn(train_batch)``;
* migrated: ``learner.compute_loss_for_module(module_id=, config=, batch=,
  fwd_out=module.forward_train(batch))``, its stats read from ``learner.metrics``.

Compared within ``atol + rtol * |legacy|``: the loss value, every legacy stat (found in the
Learner's metrics under the name given in ``stats``, else the same name, else its new-stack
name from :data:`~rlmigrate.testing.stat_names.LEGACY_TO_LEARNER_STATS`: PPO's ``kl`` is
``mean_kl_loss``, ``cur_kl_coeff`` ``curr_kl_coeff``, ...; ``total_loss``, the learning rate
and the coefficients are read off the Learner as the loss used them), and the gradient of
the loss with respect to every transferred parameter, and every transferred parameter's value
*after* the loss: a legacy loss that trains a side network inside it (``side.zero_grad();
side_loss.backward(); side.step()``, a Lagrange multiplier's update) changes weights as a side
effect, and the Learner must change them the same way (dropping that training, or doing it
differently, is a difference even when the returned loss agrees). Each side sees its own copy of the
batch, and torch is seeded identically before each, so a stochastic loss compares too.
A difference is shrunk by hypothesis to the smallest batch that shows it.

Example:
    >>> report = assert_loss_equivalent(legacy_policy, learner)  # doctest: +SKIP
    >>> report.max_abs["loss"] <= 1e-5  # doctest: +SKIP
    True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch
from hypothesis import HealthCheck, Phase, given, settings

from rlmigrate.core.constants import DEFAULT_MODULE_ID
from rlmigrate.core.nest import flatten, map_struct
from rlmigrate.testing.default_weights import default_weight_mapping, transfer_default_weights
from rlmigrate.testing.stat_names import learner_stat_name, learner_state_metrics
from rlmigrate.testing.train_batches import train_batches
from rlmigrate.testing.transfer import WeightTransferError, transfer_weights

__all__ = ["LossEquivalenceError", "LossEquivalenceReport", "assert_loss_equivalent"]


class LossEquivalenceError(AssertionError):
    """The migrated loss differs; ``problems`` holds one line per differing quantity and
    ``batch`` the (shrunk) train batch that shows it."""

    def __init__(self, message: str, problems: list[str], batch: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.problems = problems
        self.batch = batch


@dataclasses.dataclass
class LossEquivalenceReport:
    """What a passing :func:`assert_loss_equivalent` checked.

    Attributes:
        examples: train batches compared; rows: rows over all of them.
        stats: legacy stat names compared; gradients: parameter pairs compared.
        max_abs: the largest absolute difference per quantity (``loss``, ``grad``, ``weights`` after the loss, ``stat:<name>``).
    """

    examples: int
    rows: int
    stats: tuple[str, ...]
    gradients: int
    max_abs: dict[str, float]
    atol: float
    rtol: float

    def __str__(self) -> str:
        parts = ", ".join(f"{k} {v:.3g}" for k, v in sorted(self.max_abs.items()))
        return (
            f"loss equivalent on {self.examples} train batches ({self.rows} rows), "
            f"{len(self.stats)} stats, {self.gradients} gradients; max abs: {parts}"
        )


def _flat(tree: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(tree, Mapping):
        out: dict[str, Any] = {}
        for key, value in tree.items():
            name = f"{prefix}/{key}" if prefix else str(key)
            out.update(_flat(value, name))
        return out
    return {prefix: tree}


def _number(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64)


def _tensors(batch: Mapping[str, Any]) -> dict[str, Any]:
    from rlmigrate.learner.torch_learner import to_torch_batch

    # each side its own copy of every leaf (a Dict/Tuple observation column is a struct of arrays)
    return to_torch_batch({k: map_struct(lambda leaf: np.array(leaf, copy=True), v) for k, v in batch.items()})


def _raw_space(policy: Any) -> Any:
    """The environment's observation space: the policy's ``original_space`` when the catalog's
    preprocessor replaced it (Discrete one-hot, Dict/Tuple flattened), else its own."""
    return getattr(policy.observation_space, "original_space", None) or policy.observation_space


def _dist_inputs_width(policy: Any) -> int | None:
    """The width of the ``action_dist_inputs`` the legacy sampler stored: the policy model's
    output (``num_outputs``), which a custom distribution may read whole (None: unknown)."""
    width = getattr(policy.model, "num_outputs", None)
    return width if isinstance(width, int) and width > 0 else None


def _legacy_batch(policy: Any, batch: Mapping[str, Any]) -> dict[str, Any]:
    """The train batch as RLlib 2.10's sampler stored it: ``obs``/``new_obs`` preprocessed
    (what the legacy loss read), a Dict/Tuple ``actions`` column flattened into one vector per
    row (unless ``_disable_action_flattening``), every other column as drawn."""
    from rlmigrate.models.torch.legacy_inputs import legacy_train_actions, legacy_train_obs

    tensors = _tensors(batch)
    if "actions" in tensors and not (policy.config or {}).get("_disable_action_flattening"):
        tensors["actions"] = legacy_train_actions(tensors["actions"])
    space = getattr(policy.observation_space, "original_space", None)
    if space is not None:
        for column in ("obs", "new_obs"):
            if column in tensors:
                tensors[column] = legacy_train_obs(tensors[column], space)
    return tensors


def _legacy_side(policy: Any, loss_fn: Callable | None, stats_fn: Callable | None, batch: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    from shim.policy.sample_batch import SampleBatch

    train_batch = SampleBatch(_legacy_batch(policy, batch))
    if hasattr(train_batch, "set_training"):
        train_batch.set_training(True)
    model = policy.model
    if loss_fn is not None:
        losses = loss_fn(policy, model, policy.dist_class, train_batch)
    else:
        losses = policy.loss(model, policy.dist_class, train_batch)
    losses = list(losses) if isinstance(losses, (list, tuple)) else [losses]
    if hasattr(model, "custom_loss"):
        custom = model.custom_loss(losses, train_batch)
        losses = list(custom) if isinstance(custom, (list, tuple)) else [custom]
    total = sum(losses[1:], losses[0])
    stats = stats_fn(policy, train_batch) if stats_fn is not None else policy.stats_fn(train_batch)
    return total, _flat(stats or {})


def _migrated_side(learner: Any, module_id: str, batch: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    module = learner.module[module_id]
    tensors = _tensors(batch)
    learner.metrics.reset()
    fwd_out = module.forward_train(tensors)
    loss = learner.compute_loss_for_module(
        module_id=module_id,
        config=learner.config.get_config_for_module(module_id),
        batch=tensors,
        fwd_out=fwd_out,
    )
    logged = _flat(learner.metrics.peek(module_id, default={}) or {})
    return loss, {**_flat(learner_state_metrics(learner, module_id, loss)), **logged}


def _grads(loss: Any, params: list[torch.Tensor]) -> list[torch.Tensor]:
    grads = torch.autograd.grad(loss, params, allow_unused=True, retain_graph=False)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]


def assert_loss_equivalent(
    legacy_policy: Any,
    learner: Any,
    *,
    module_id: str = DEFAULT_MODULE_ID,
    loss_fn: Callable | None = None,
    stats_fn: Callable | None = None,
    stats: bool | Mapping[str, str] = True,
    ignore_stats: Iterable[str] = (),
    columns: Iterable[str] | None = None,
    extra_columns: Mapping[str, Any] | None = None,
    batch_size: int = 8,
    examples: int = 20,
    weight_map: Any = None,
    transfer: bool = True,
    seed: int = 0,
    shrink: bool = True,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> LossEquivalenceReport:
    """Check that ``learner``'s loss, stats and gradients equal ``legacy_policy``'s.

    Args:
        legacy_policy: a shim ``TorchPolicyV2`` instance (from a subclass or a template);
            its ``loss``/``stats_fn`` hooks (or ``loss_fn``/``stats_fn`` given here, with the
            legacy policy-first signatures) are the reference.
        learner: a built (or buildable) :class:`~rlmigrate.learner.TorchLearner` whose
            ``module[module_id]`` is the migrated module.
        stats: ``True``: every legacy stat must appear in the Learner's metrics under the
            same name or its new-stack name (``LEGACY_TO_LEARNER_STATS``); a
            ``{legacy_name: learner_name}`` mapping renames; ``False`` skips stats.
        ignore_stats: legacy stat names not compared (e.g. a batch size the Learner logs elsewhere).
        columns: train-batch columns to generate (default: all of ``TRAIN_COLUMNS``).
        extra_columns: ``{name: gymnasium space}`` for columns of the policy's own that its loss
            reads (what its postprocessing adds, e.g. ``opponent_obs``), drawn from the space.
        weight_map: passed to :func:`~rlmigrate.testing.transfer.transfer_weights` as ``mapping``.
        transfer: copy the legacy weights into the module first (``False``: they already agree
            and parameters pair by name).
        examples / batch_size / seed: how many batches of how many rows; the torch seed used
            before each side's loss.
        shrink: on a difference, let hypothesis shrink to the smallest batch showing it
            (clearer message, costs many more loss evaluations); ``False`` reports the first.

    Returns:
        A :class:`LossEquivalenceReport`.

    Raises:
        LossEquivalenceError: naming each differing quantity (loss, ``stat <name>``,
            ``grad <param>``) with both values, for the smallest batch hypothesis finds.
        WeightTransferError: when the weights do not line up by name (legacy weights without a
            counterpart are accepted only when every module weight is filled; the legacy loss
            must then have zero gradient for them, or that is reported as a difference).
    """
    if isinstance(legacy_policy, type) or not hasattr(legacy_policy, "model"):
        raise TypeError(f"assert_loss_equivalent() needs a legacy policy instance with .model, got {legacy_policy!r}")
    if not getattr(learner, "_is_built", True):
        learner.build()
    module = learner.module[module_id]
    model = legacy_policy.model
    unused: list[str] = []  # legacy weights with no counterpart: the legacy loss must not touch them
    if transfer:
        default_map = default_weight_mapping(model, module) if weight_map is None else None
        if default_map is not None:  # RLlib's default model → the default PPO module
            pairs = list(transfer_default_weights(model, module, default_map).pairs)
        else:
            try:
                pairs = [(s, t) for s, t in transfer_weights(model, module, mapping=weight_map).pairs]
            except WeightTransferError:
                report = transfer_weights(model, module, mapping=weight_map, strict=False)
                if report.unfilled_target:  # a module weight left as initialised: nothing to compare
                    raise
                pairs, unused = list(report.pairs), list(report.unused_source)
    else:
        pairs = [(name, name) for name, _ in model.named_parameters()]
    legacy_params = dict(model.named_parameters())
    unused = [name for name in unused if name in legacy_params]
    module_params = dict(module.named_parameters())
    pairs = [(s, t) for s, t in pairs if s in legacy_params and t in module_params]
    rename = dict(stats) if isinstance(stats, Mapping) else {}
    ignored = set(ignore_stats)
    seen: dict[str, float] = {"loss": 0.0, "grad": 0.0, "weights": 0.0}
    stat_names: set[str] = set()
    counts = {"examples": 0, "rows": 0}

    def close(a: np.ndarray, b: np.ndarray) -> bool:
        return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(a)))

    def check(batch: dict[str, Any]) -> None:
        torch.manual_seed(seed)
        legacy_loss, legacy_stats = _legacy_side(legacy_policy, loss_fn, stats_fn, batch)
        legacy_all = _grads(legacy_loss, [legacy_params[s] for s, _ in pairs] + [legacy_params[n] for n in unused])
        legacy_grads, untouched = legacy_all[: len(pairs)], legacy_all[len(pairs):]
        torch.manual_seed(seed)
        new_loss, new_stats = _migrated_side(learner, module_id, batch)
        new_grads = _grads(new_loss, [module_params[t] for _, t in pairs])
        problems: list[str] = [
            f"grad {name}: the legacy loss depends on this weight, which has no counterpart in the module"
            for name, grad in zip(unused, untouched) if bool(torch.any(grad != 0))
        ]
        a, b = _number(legacy_loss), _number(new_loss)
        if not close(a, b):
            problems.append(f"loss: legacy {a.tolist()} vs migrated {b.tolist()}")
        seen["loss"] = max(seen["loss"], float(np.max(np.abs(a - b))) if a.shape == b.shape else np.inf)
        if stats is not False:
            for name, value in legacy_stats.items():
                if name in ignored:
                    continue
                target = learner_stat_name(name, new_stats, rename)
                stat_names.add(name)
                if target not in new_stats:
                    problems.append(f"stat {name}: not logged by the Learner (metrics has {sorted(new_stats)})")
                    continue
                x, y = _number(value), _number(new_stats[target])
                if not close(x, y):
                    why = ""
                    if target == "total_loss" and x.shape == a.shape and not close(a, x):
                        why = (f" (the legacy stat is not the legacy loss {a.tolist()}: terms added after it was "
                               "stored; the new stack's total_loss is the whole loss)")
                    problems.append(f"stat {name}: legacy {x.tolist()} vs migrated {y.tolist()}{why}")
                elif x.size:
                    seen[f"stat:{name}"] = max(seen.get(f"stat:{name}", 0.0), float(np.max(np.abs(x - y))))
        for (s, t), g0, g1 in zip(pairs, legacy_grads, new_grads):
            x, y = _number(g0), _number(g1)
            if not close(x, y):
                worst = float(np.max(np.abs(x - y)))
                problems.append(f"grad {s} -> {t}: max abs difference {worst:.3g}")
            elif x.size:
                seen["grad"] = max(seen["grad"], float(np.max(np.abs(x - y))))
        for s, t in pairs:  # side effects: weights the loss itself changed (a side network's own step)
            x, y = _number(legacy_params[s]), _number(module_params[t])
            if not close(x, y):
                problems.append(f"weight {s} -> {t} after the loss: max abs difference {float(np.max(np.abs(x - y))):.3g} "
                                "(the loss changed weights, e.g. a side network trained inside it, differently)")
            elif x.size:
                seen["weights"] = max(seen["weights"], float(np.max(np.abs(x - y))))
        if problems:
            # leaf by leaf: a Dict/Tuple column (actions) holds leaves of different shapes
            rows = {k: map_struct(lambda leaf: np.asarray(leaf).tolist(), v) for k, v in batch.items()}
            raise LossEquivalenceError(
                f"{type(learner).__name__}.compute_loss_for_module differs from "
                f"{type(legacy_policy).__name__}'s loss:\n  " + "\n  ".join(problems) + f"\n  batch: {rows}",
                problems,
                batch,
            )
        counts["examples"] += 1
        counts["rows"] += len(flatten(next(iter(batch.values())))[0]) if batch else 0  # a leaf: Dict obs are structs

    strategy = train_batches(  # raw observations: the Learner's batch; the legacy side preprocesses them
        _raw_space(legacy_policy), legacy_policy.action_space, columns=columns, batch_size=batch_size,
        extra=extra_columns, dist_inputs_width=_dist_inputs_width(legacy_policy),
    )
    run = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if shrink else []),
    )(given(strategy)(check))
    run()
    return LossEquivalenceReport(
        examples=counts["examples"],
        rows=counts["rows"],
        stats=tuple(sorted(stat_names)),
        gradients=len(pairs),
        max_abs=seen,
        atol=atol,
        rtol=rtol,
    )
