"""``ray.rllib.utils.debug``'s seeding helper, for legacy code that calls it in ``__init__``."""

from __future__ import annotations

import random

import numpy as np
import torch

__all__ = ["update_global_seed_if_necessary"]


def update_global_seed_if_necessary(framework: str | None = None, seed: int | None = None) -> None:
    """Seed ``random``, numpy and (for ``framework="torch"``) torch with ``seed``; nothing if
    ``seed`` is None.

    Unlike Ray 2.10 this does not switch torch to deterministic algorithms process-wide (a
    global switch would change every other model the process runs); seeding is what legacy
    heuristics such as RLlib's ``CliffWalkingWallPolicy`` rely on.
    """
    if seed is None:
        return
    random.seed(seed)
    np.random.seed(seed)
    if framework == "torch":
        torch.manual_seed(seed)
