"""Episode columns a legacy policy's acting reads from its input dict, fed to both sides.

A 2.10 ``Policy`` could ask for episode data in its input dict through its view requirements:
the timestep ``t``, the episode id ``eps_id``, the ``env_id`` of its vector env, the
``agent_index`` in a multi-agent episode, the ``unroll_id``; the env runner filled them. On the
new stack a ConnectorV2 env-to-module piece writes such data into the module's batch (``t`` and
``eps_id`` under their ``Columns`` names, the others under keys of the user's choosing), so a
migrated module reads ``batch["agent_index"]`` where the policy read ``input_dict["agent_index"]``.

``verify`` feeds every such column the legacy policy's view requirements declare (for acting)
to both sides, the same values: integers as the 2.10 collectors made them (``t`` counting up
from the example's start with each step, int64 ``eps_id`` and ``unroll_id`` below 2**24 (exact
in float32), small non-negative ``env_id`` / ``agent_index``), drawn from the example's seed (which hypothesis draws and
shrinks, towards 0), one value per batch row.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["EPISODE_COLUMNS", "declared_columns", "episode_columns", "with_time_axis"]

#: ids stay below 2**24: a policy may return them as actions of a float32 Box (RLlib's
#: EpisodeEnvAwareAttentionPolicy does), where larger integers lose their low bits and two
#: different ids could compare equal
_EXACT = 2**24

#: the episode columns 2.10's collectors could put into a policy's input dict
EPISODE_COLUMNS = ("t", "eps_id", "env_id", "agent_index", "unroll_id")


def declared_columns(policy: Any) -> tuple[str, ...]:
    """The :data:`EPISODE_COLUMNS` ``policy``'s view requirements ask for while acting.

    Example:
        >>> class P: view_requirements = {"obs": None, "t": None, "env_id": None}
        >>> declared_columns(P())
        ('t', 'env_id')
    """
    requirements = getattr(policy, "view_requirements", None) or {}
    return tuple(
        name for name in EPISODE_COLUMNS
        if name in requirements and getattr(requirements[name], "used_for_compute_actions", True)
    )


def episode_columns(names: tuple[str, ...], rows: int, seed: int, step: int = 0) -> dict[str, np.ndarray]:
    """Values of the columns ``names`` for ``rows`` batch rows at acting step ``step`` of one
    example drawn from ``seed``: int64 arrays ``(rows,)`` (ids below 2**24); ``t`` is the row's start plus
    ``step``, the others stay the same over the steps of an example.

    Example:
        >>> a = episode_columns(("t", "eps_id"), 3, seed=7, step=0)
        >>> b = episode_columns(("t", "eps_id"), 3, seed=7, step=2)
        >>> (b["t"] - a["t"]).tolist(), bool((a["eps_id"] == b["eps_id"]).all())
        ([2, 2, 2], True)
    """
    rng = np.random.default_rng(seed)
    values = {
        "t": rng.integers(0, 1000, size=rows) + step,
        "eps_id": rng.integers(0, _EXACT, size=rows),
        "env_id": rng.integers(0, 8, size=rows),
        "agent_index": rng.integers(0, 8, size=rows),
        "unroll_id": rng.integers(0, _EXACT, size=rows),
    }
    return {name: values[name].astype(np.int64) for name in names}


def with_time_axis(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``(B,)`` → ``(B, 1)``: a stateful module's batch has a time axis on every column."""
    return {name: value[:, None] for name, value in columns.items()}
