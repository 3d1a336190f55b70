"""Observations the user's environment really produced, checked on both sides of a proof.

Generated inputs cover the whole declared observation space, most of which a real environment
never produces (an action mask with no legal move, a one-hot block encoding no card); legacy
code written for its own environment often raises there. A batch of recorded observations
(raw, in the environment's space) is checked in addition: each row alone (``B = 1``, one step
from the initial state), with the same rule as the generated inputs (both sides act and agree,
or both raise the same exception type). Rows on which both sides act count towards the
examples a proof needs.

File format (``rlmigrate verify --observations FILE.npz``): one array per leaf of the space,
named by its path (``"action_mask"``, ``"board"``; a ``Tuple``'s leaves ``"0"``, ``"1"``;
nested ``"state/0"``), all with the same leading dimension ``N``; a space that is not a
``Dict``/``Tuple`` takes its one array under any name (``"obs"`` by convention). Example::

    np.savez("obs.npz", action_mask=masks, board=boards)   # masks (N, 8), boards (N, 6, 7)
    rlmigrate verify legacy.py:MyPolicy migrated.py:MyPolicyRLModule --observations obs.npz
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from rlmigrate.testing.checker import BothRaised, Checker

__all__ = [
    "RecordedObservations",
    "check_recorded",
    "load_observations",
    "check_observations",
    "leaf_paths",
    "save_observations",
]


@dataclasses.dataclass
class RecordedObservations:
    """A batch of observations in a space's structure, leading dimension ``N``.

    Attributes:
        obs: the struct (``dict``/``tuple`` of arrays, or one array), each leaf ``(N, ...)``.
        count: ``N``.
        source: where they came from (a file name, or ``"observations"``), for messages.
    """

    obs: Any
    count: int
    source: str = "observations"

    def row(self, index: int) -> Any:
        """Row ``index`` as a ``(1, 1, ...)`` struct (batch of one, one time step)."""
        return _map(lambda leaf: leaf[index : index + 1][:, None], self.obs)


def _map(fn: Any, value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _map(fn, v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_map(fn, v) for v in value)
    return fn(value)


def leaf_paths(space: gym.Space, prefix: str = "") -> list[tuple[str, gym.Space]]:
    """``[(path, leaf space)]`` of a space, paths joined with ``/`` (the file's array names)."""
    if isinstance(space, gym.spaces.Dict):
        return [
            item
            for key, sub in space.spaces.items()
            for item in leaf_paths(sub, f"{prefix}{key}/")
        ]
    if isinstance(space, gym.spaces.Tuple):
        return [
            item for i, sub in enumerate(space.spaces) for item in leaf_paths(sub, f"{prefix}{i}/")
        ]
    return [(prefix.rstrip("/"), space)]


def _leaf_of(obs: Any, path: str) -> Any:
    value = obs
    for part in [p for p in path.split("/") if p]:
        value = value[int(part)] if isinstance(value, tuple) else value[part]
    return value


def _build(space: gym.Space, arrays: Mapping[str, np.ndarray], prefix: str = "") -> Any:
    if isinstance(space, gym.spaces.Dict):
        return {k: _build(sub, arrays, f"{prefix}{k}/") for k, sub in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(_build(sub, arrays, f"{prefix}{i}/") for i, sub in enumerate(space.spaces))
    return arrays[prefix.rstrip("/")]


def _check_leaf(path: str, leaf: Any, space: gym.Space, count: int | None, where: str) -> np.ndarray:
    """The leaf cast to the space's dtype, or ValueError naming leaf, space, shape, row."""
    name = f"{where} leaf {path!r}" if path else where
    if not isinstance(space, (gym.spaces.Box, gym.spaces.Discrete, gym.spaces.MultiDiscrete,
                              gym.spaces.MultiBinary)):
        raise ValueError(f"{name}: recorded observations of a {type(space).__name__} space are not "
                         f"supported (Box, Discrete, MultiDiscrete, MultiBinary leaves are)")
    array = np.asarray(leaf)
    expected = tuple(space.shape or ())
    if array.ndim != len(expected) + 1 or tuple(array.shape[1:]) != expected:
        raise ValueError(
            f"{name}: shape {array.shape} does not fit {space}: expected "
            f"({', '.join(['N', *map(str, expected)])}), N observations of shape {expected}"
        )
    if count is not None and array.shape[0] != count:
        raise ValueError(f"{name}: {array.shape[0]} rows, but the other leaves have {count}")
    cast = array.astype(space.dtype)
    if np.issubdtype(cast.dtype, np.integer):  # a float observation of an integer space
        lost = cast.astype(np.float64) != array.astype(np.float64)
        if lost.any():
            bad = tuple(int(i) for i in np.argwhere(lost)[0])
            raise ValueError(
                f"{name}: row {bad[0]} holds {array[bad].item()!r} at index {bad[1:]}, not a value of "
                f"{space} (dtype {space.dtype})"
            )
    for row in range(cast.shape[0]):
        if not space.contains(cast[row]):
            raise ValueError(f"{name}: row {row} is outside {space}: {_why_outside(cast[row], space)}")
    return cast


def _why_outside(value: np.ndarray, space: gym.Space) -> str:
    if isinstance(space, gym.spaces.Box):
        low = np.broadcast_to(space.low, space.shape)
        high = np.broadcast_to(space.high, space.shape)
        for bound, bad in (("below low", value < low), ("above high", value > high)):
            if np.any(bad):
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                limit = (low if bound.startswith("below") else high)[index]
                return f"value {value[index].item()!r} at index {index} is {bound} {limit.item()!r}"
        if np.any(np.isnan(value)):
            return f"NaN at index {tuple(int(i) for i in np.argwhere(np.isnan(value))[0])}"
    if isinstance(space, gym.spaces.Discrete):
        return f"{np.asarray(value).item()!r} is not in [{space.start}, {space.start + space.n})"
    if isinstance(space, gym.spaces.MultiDiscrete):
        index = tuple(int(i) for i in np.argwhere((value < 0) | (value >= space.nvec))[0])
        return f"value {value[index].item()!r} at index {index} is not in [0, {space.nvec[index]})"
    return f"{value!r} is not an element of it"


def check_observations(space: gym.Space, obs: Any, *, source: str = "observations") -> RecordedObservations:
    """Check a struct of ``(N, ...)`` arrays against ``space``, leaf by leaf and row by row.

    Leaves are cast to the space's dtype (environments often return ``float64`` for a
    ``float32`` box); an integer leaf must hold whole numbers, and every row must lie in the
    space.

    Raises:
        ValueError: naming the file or argument, the leaf path, the space, and the shape, row
            and index that do not fit.
    """
    leaves = []
    count: int | None = None
    for path, sub in leaf_paths(space):
        try:
            leaf = _leaf_of(obs, path)
        except (KeyError, IndexError, TypeError) as err:
            raise ValueError(
                f"{source}: no leaf {path!r} for {space} ({type(err).__name__}: {err})"
            ) from None
        cast = _check_leaf(path, leaf, sub, count, source)
        count = int(cast.shape[0])
        leaves.append((path, cast))
    if not count:
        raise ValueError(f"{source}: no observations (N = 0)")
    arrays = dict(leaves)
    return RecordedObservations(_build(space, arrays), count, source)


def load_observations(path: str | Path, space: gym.Space) -> RecordedObservations:
    """Read a ``.npz`` of recorded observations (see the module doc) and check it.

    Raises:
        ValueError: the file cannot be read, lacks a leaf of the space, or a row does not fit.
    """
    name = Path(path).name
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except (OSError, ValueError) as err:
        raise ValueError(f"--observations {name}: cannot read it as .npz ({err})") from err
    paths = [p for p, _ in leaf_paths(space)]
    if paths == [""]:
        if len(arrays) != 1:
            raise ValueError(
                f"--observations {name}: {space} takes one array, the file has {sorted(arrays)}"
            )
        return check_observations(space, next(iter(arrays.values())), source=f"--observations {name}")
    missing = [p for p in paths if p not in arrays]
    if missing:
        raise ValueError(
            f"--observations {name}: no array for leaf {missing[0]!r} of {space}; the file has "
            f"{sorted(arrays)} (one array per leaf, named by its path: {paths})"
        )
    return check_observations(space, _build(space, arrays), source=f"--observations {name}")


def save_observations(path: str | Path, space: gym.Space, obs: Any) -> None:
    """Write ``obs`` (a struct of ``(N, ...)`` arrays of ``space``) in the ``.npz`` layout
    :func:`load_observations` reads (checked first)."""
    checked = check_observations(space, obs)
    arrays = {(p or "obs"): np.asarray(_leaf_of(checked.obs, p)) for p, _ in leaf_paths(space)}
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


def check_recorded(checker: Checker, recorded: RecordedObservations, stateful: bool) -> None:
    """Each recorded row alone (``B = 1``, one step from the initial state) through
    ``checker``: both sides act and agree (counted in ``checker.examples``), or both raise the
    same exception type (counted in ``checker.raised``); else the checker's
    :class:`~rlmigrate.testing.compare.EquivalenceError` names the row."""
    for index in range(recorded.count):
        checker.input_label = f"recorded observation {index} of {recorded.source} (not shrunk)"
        try:
            checker.run_example(1, 1, index, recorded.row(index), None, stateful)
        except BothRaised:
            continue
