"""Hypothesis strategies for *train* batches: the columns a legacy loss reads.

A legacy ``loss_fn(policy, model, dist_class, train_batch)`` and a migrated
``Learner.compute_loss_for_module(batch=...)`` read the same column names (RLlib kept
``obs``, ``actions``, ``rewards``, ``advantages``, ``value_targets``, ``vf_preds``,
``action_logp``, ``action_dist_inputs`` across both stacks), so one generated dict feeds both.

Shapes (``B`` = batch size, ``A`` = the action distribution's input width):
``obs (B, *obs_shape)``, ``actions (B, *act_shape)``, ``rewards/advantages/value_targets/
vf_preds/action_logp/action_prob (B,)`` float32, ``terminateds/truncateds/dones (B,)`` bool,
``action_dist_inputs (B, A)`` float32, ``new_obs`` like ``obs``. Derived columns agree with
their sources when both are drawn: ``action_prob = exp(action_logp)``,
``dones = terminateds | truncateds``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import gymnasium as gym
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.testing.strategies import _struct_observations

__all__ = ["TRAIN_COLUMNS", "train_batches", "dist_input_dim"]

#: Every column :func:`train_batches` can generate.
TRAIN_COLUMNS: tuple[str, ...] = (
    "obs", "new_obs", "actions", "rewards", "terminateds", "truncateds", "dones",
    "advantages", "value_targets", "vf_preds", "action_logp", "action_prob", "action_dist_inputs",
)

_FLOAT_RANGE = {
    "rewards": (-10.0, 10.0),
    "advantages": (-5.0, 5.0),
    "value_targets": (-10.0, 10.0),
    "vf_preds": (-10.0, 10.0),
    "action_logp": (-8.0, 0.0),
    "action_dist_inputs": (-3.0, 3.0),
}


def dist_input_dim(action_space: gym.Space) -> int:
    """``A``: the width of the default action distribution's inputs for ``action_space``."""
    from rlmigrate.distributions.defaults import get_default_dist_cls

    return int(get_default_dist_cls(action_space).required_input_dim(action_space))


def _floats(name: str, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    low, high = _FLOAT_RANGE[name]
    elements = st.floats(low, high, width=32, allow_nan=False, allow_infinity=False)
    return hnp.arrays(np.float32, shape, elements=elements)


def _consistent(batch: dict[str, Any]) -> dict[str, Any]:
    """Tie derived columns to their sources, as a real sampler writes them."""
    if "action_prob" in batch and "action_logp" in batch:
        batch["action_prob"] = np.exp(batch["action_logp"])
    if "dones" in batch and "terminateds" in batch and "truncateds" in batch:
        batch["dones"] = batch["terminateds"] | batch["truncateds"]
    return batch


def train_batches(
    observation_space: gym.Space,
    action_space: gym.Space,
    *,
    columns: Iterable[str] | None = None,
    batch_size: int | st.SearchStrategy[int] = 8,
    extra: Mapping[str, gym.Space] | None = None,
    dist_inputs_width: int | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Train batches of numpy columns (see the module docstring for shapes).

    Args:
        observation_space / action_space: the policy's spaces (``obs``/``actions`` lie in them).
        columns: which of :data:`TRAIN_COLUMNS` to generate (default: all).
        batch_size: ``B`` (an int or a strategy of ints).
        extra: columns of the policy's own, ``{name: space}``, each ``(B, *space.shape)``
            drawn from its space (e.g. a centralized critic's ``opponent_obs``).
        dist_inputs_width: ``A`` when the policy's action distribution is not the space's
            default (a custom distribution reading the model's whole output, e.g. an
            autoregressive one): the width of what its model returned, which the sampler stored.

    Raises:
        ValueError: naming an unknown column (or an extra one that shadows a known column).
    """
    wanted = tuple(TRAIN_COLUMNS if columns is None else columns)
    unknown = sorted(set(wanted) - set(TRAIN_COLUMNS))
    if unknown:
        raise ValueError(f"train_batches(): unknown columns {unknown}; known: {list(TRAIN_COLUMNS)}")
    extra = dict(extra or {})
    shadowing = sorted(set(extra) & set(TRAIN_COLUMNS))
    if shadowing:
        raise ValueError(f"train_batches(): extra columns {shadowing} are generated already; drop them from extra")
    sizes = batch_size if isinstance(batch_size, st.SearchStrategy) else st.just(int(batch_size))
    width = (dist_inputs_width or dist_input_dim(action_space)) if "action_dist_inputs" in wanted else 0

    def for_size(b: int) -> st.SearchStrategy[dict[str, Any]]:
        parts: dict[str, st.SearchStrategy[Any]] = {}
        for name in wanted:
            if name in ("obs", "new_obs"):
                parts[name] = _struct_observations(observation_space, (b,))
            elif name == "actions":
                parts[name] = _struct_observations(action_space, (b,))
            elif name in ("terminateds", "truncateds", "dones"):
                parts[name] = hnp.arrays(np.bool_, (b,))
            elif name == "action_prob":
                parts[name] = _floats("action_logp", (b,)).map(np.exp)
            elif name == "action_dist_inputs":
                parts[name] = _floats(name, (b, width))
            else:
                parts[name] = _floats(name, (b,))
        for name, space in extra.items():
            parts[name] = _struct_observations(space, (b,))
        return st.fixed_dictionaries(parts).map(_consistent)

    return sizes.flatmap(for_size)
