"""Loss helpers that legacy losses imported from ``ray.rllib.utils.torch_utils``; the same
formulas, so a migrated loss that calls ours computes what the legacy one did."""

from __future__ import annotations

import torch

__all__ = ["explained_variance", "sequence_mask"]

_SMALL_NUMBER = 1e-6


def explained_variance(y: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """``max(-1, 1 - Var[y - pred] / Var[y])`` over axis 0 (a scalar for ``(B,)`` inputs)."""
    y_var = torch.var(y, dim=[0])
    diff_var = torch.var(y - pred, dim=[0])
    minimum = torch.tensor([-1.0], device=pred.device if isinstance(pred, torch.Tensor) else None)
    return torch.max(minimum, 1 - (diff_var / (y_var + _SMALL_NUMBER)))[0]


def sequence_mask(lengths: torch.Tensor, maxlen: int | None = None, dtype: torch.dtype | None = None,
                  time_major: bool = False) -> torch.Tensor:
    """``(B, T)`` mask (``(T, B)`` if ``time_major``): ``True`` where ``t < lengths[b]``."""
    lengths = torch.as_tensor(lengths)
    if maxlen is None:
        maxlen = int(lengths.max())
    mask = torch.arange(int(maxlen), device=lengths.device)[None, :] < lengths[:, None]
    if time_major:
        mask = mask.t()
    return mask.to(dtype or torch.bool)
