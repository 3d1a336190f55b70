"""Move trained weights from a legacy model (or policy) into its migrated module.

The codemod keeps attribute names, so a legacy ``state_dict`` key such as
``_hidden_layers.0._model.0.weight`` names the same tensor in the migrated module. Transfer
is therefore by name; where a human renamed layers, an explicit mapping (a dict or a
callable) says which source key feeds which target key. Anything that does not line up is an
error listing *every* problem at once (keys only in the source, keys only in the target,
shape mismatches), because a half-loaded module computes plausible-looking garbage.

Example:
    >>> report = transfer_weights(legacy_model, migrated_module)  # doctest: +SKIP
    >>> report.pairs[:1]  # doctest: +SKIP
    [('_logits._model.0.weight', '_logits._model.0.weight')]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
from torch import nn

__all__ = [
    "WeightTransferError",
    "TransferReport",
    "transfer_weights",
    "source_state",
    "target_state",
]

Mapper = Mapping[str, str | None] | Callable[[str], str | None]


class WeightTransferError(ValueError):
    """Source and target weights do not line up. ``problems`` holds one line per issue."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclasses.dataclass
class TransferReport:
    """What :func:`transfer_weights` did.

    Attributes:
        pairs: ``(source_key, target_key)`` of every tensor copied.
        unused_source: source keys not copied (only non-empty with ``strict=False``).
        unfilled_target: target keys left as they were (only with ``strict=False``).
    """

    pairs: list[tuple[str, str]]
    unused_source: list[str]
    unfilled_target: list[str]


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def source_state(source: Any) -> dict[str, np.ndarray]:
    """The weights of ``source`` as ``{name: numpy array}``.

    Accepts an ``nn.Module`` (a torch ``ModelV2`` or a ``TorchRLModule``: its ``state_dict``,
    buffers included), a policy (anything with ``get_weights()``), an RLModule without torch
    (``get_state()``), or a mapping of names to arrays/tensors.

    Raises:
        TypeError: for anything else, naming the type.
    """
    if isinstance(source, Mapping):
        return {str(k): _to_numpy(v) for k, v in source.items()}
    if isinstance(source, nn.Module):
        return {k: _to_numpy(v) for k, v in source.state_dict().items()}
    if hasattr(source, "get_weights"):
        weights = source.get_weights()
        if not isinstance(weights, Mapping):
            raise TypeError(
                f"{type(source).__name__}.get_weights() returned {type(weights).__name__}, expected a dict"
            )
        return {str(k): _to_numpy(v) for k, v in weights.items()}
    if hasattr(source, "get_state"):
        return {str(k): _to_numpy(v) for k, v in source.get_state().items()}
    raise TypeError(
        f"cannot read weights from {type(source).__name__}: expected an nn.Module, a policy with "
        "get_weights(), an RLModule with get_state(), or a dict of arrays"
    )


def target_state(target: Any) -> dict[str, np.ndarray]:
    """The current weights of ``target`` (same forms as :func:`source_state`, no mappings)."""
    if isinstance(target, Mapping):
        raise TypeError(
            "the target of a weight transfer must be a model, module or policy, not a dict"
        )
    return source_state(target)


def _load(target: Any, state: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> None:
    if isinstance(target, nn.Module):
        own = target.state_dict()
        tensors = {
            k: torch.as_tensor(v).to(dtype=own[k].dtype, device=own[k].device)
            for k, v in state.items()
        }
        target.load_state_dict(tensors, strict=False)
    elif hasattr(target, "set_weights"):
        merged = dict(reference)
        merged.update({k: v.astype(reference[k].dtype, copy=False) for k, v in state.items()})
        target.set_weights(merged)
    elif hasattr(target, "set_state"):
        target.set_state({k: v.astype(reference[k].dtype, copy=False) for k, v in state.items()})
    else:
        raise TypeError(
            f"cannot write weights into {type(target).__name__}: no load_state_dict/set_weights/set_state"
        )


def _map_key(mapping: Mapper | None, key: str) -> str | None:
    if mapping is None:
        return key
    if callable(mapping) and not isinstance(mapping, Mapping):
        return mapping(key)
    return mapping.get(key, key)


def transfer_weights(
    source: Any,
    target: Any,
    *,
    mapping: Mapper | None = None,
    strict: bool = True,
) -> TransferReport:
    """Copy ``source``'s weights into ``target`` by parameter name.

    Args:
        source: a legacy ``ModelV2`` (nn.Module), a shim ``Policy`` (``get_weights()``), an
            RLModule, or a ``{name: array or tensor}`` state dict.
        target: the migrated module (``TorchRLModule``/any nn.Module), an RLModule with
            ``set_state``, or a policy with ``set_weights``.
        mapping: ``{source_key: target_key}`` for renamed tensors (keys not listed keep their
            name; a value of ``None`` drops that source key), or a callable
            ``source_key -> target_key | None``.
        strict: require that every source key lands on a target key and every target key
            is filled. With ``strict=False`` leftovers are reported, not raised; shape
            mismatches always raise.

    Returns:
        A :class:`TransferReport`.

    Raises:
        WeightTransferError: listing source keys without a target, target keys without a
            source, two source keys mapped onto one target, and shape mismatches
            (``key: source (a, b) vs target (c, d)``). Nothing is written in that case.
    """
    src = source_state(source)
    dst = target_state(target)
    problems: list[str] = []
    pairs: list[tuple[str, str]] = []
    claimed: dict[str, str] = {}
    unused: list[str] = []
    for key, value in src.items():
        new_key = _map_key(mapping, key)
        if new_key is None:
            continue
        if new_key not in dst:
            unused.append(key)
            continue
        if new_key in claimed:
            problems.append(
                f"target key {new_key!r} fed by two source keys: {claimed[new_key]!r} and {key!r}"
            )
            continue
        claimed[new_key] = key
        if tuple(value.shape) != tuple(dst[new_key].shape):
            problems.append(
                f"shape mismatch: {key!r} -> {new_key!r}: source {tuple(value.shape)} vs target {tuple(dst[new_key].shape)}"
            )
            continue
        pairs.append((key, new_key))
    unfilled = [k for k in dst if k not in claimed]
    if strict:
        if unused:
            problems.append(f"in source but not in target ({len(unused)}): {unused}")
        if unfilled:
            problems.append(f"in target but not in source ({len(unfilled)}): {unfilled}")
    if problems:
        raise WeightTransferError(
            f"cannot transfer weights from {type(source).__name__} to {type(target).__name__}:\n  "
            + "\n  ".join(problems)
            + (
                "\n(pass mapping={source_key: target_key} for renamed layers, or strict=False)"
                if strict
                else ""
            ),
            problems,
        )
    _load(target, {new: src[old] for old, new in pairs}, dst)
    return TransferReport(pairs=pairs, unused_source=unused, unfilled_target=unfilled)
