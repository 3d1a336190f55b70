"""``convert_to_numpy``: what hand-written (heuristic) modules act on.

A legacy heuristic ``Policy`` computed its actions with numpy on numpy observations. Its
generated RLModule (RLM038) keeps that code, so the batch it gets (torch tensors here, numpy
or tensors on Ray's env runners) is turned into numpy first. Same name and meaning as RLlib's
``ray.rllib.utils.numpy.convert_to_numpy``, which ``--target ray`` output imports instead.

Example:
    >>> import torch
    >>> convert_to_numpy({"obs": torch.zeros(2, 3)})["obs"].shape
    (2, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["convert_to_numpy"]


def convert_to_numpy(value: Any) -> Any:
    """Every torch tensor in ``value`` (a leaf or nested dicts/tuples/lists) as a numpy array.

    Numpy arrays and Python values pass through unchanged; dict, tuple and list structure is
    kept. Tensors are detached and moved to the CPU; their dtype is kept (``(B, ...)`` in,
    ``(B, ...)`` out).
    """
    if isinstance(value, Mapping):
        return {key: convert_to_numpy(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(convert_to_numpy(item) for item in value)
    if isinstance(value, list):
        return [convert_to_numpy(item) for item in value]
    detach = getattr(value, "detach", None)
    if detach is not None and hasattr(value, "numpy"):
        return detach().cpu().numpy()
    return value
