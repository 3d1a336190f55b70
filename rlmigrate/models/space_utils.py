"""Walk nested gymnasium spaces and the observations that match them.

Dict/Tuple observations arrive as nested dicts/tuples of tensors; the multi-input encoder
needs a fixed order of leaves and a readable name per leaf. The order is the space's own
(``Dict`` keys as the space lists them, ``Tuple`` by index), so it is stable across runs.

Example:
    >>> import gymnasium as gym
    >>> space = gym.spaces.Dict({"pos": gym.spaces.Box(-1, 1, (2,)), "id": gym.spaces.Discrete(3)})
    >>> [path_name(p) for p, _ in leaf_spaces(space)]
    ['id', 'pos']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gymnasium as gym

Path = tuple[Any, ...]


def leaf_spaces(space: gym.Space, prefix: Path = ()) -> Iterator[tuple[Path, gym.Space]]:
    """Yield ``(path, leaf_space)`` for every non-container leaf, depth first."""
    if isinstance(space, gym.spaces.Dict):
        for key, sub in space.spaces.items():
            yield from leaf_spaces(sub, (*prefix, key))
    elif isinstance(space, gym.spaces.Tuple):
        for index, sub in enumerate(space.spaces):
            yield from leaf_spaces(sub, (*prefix, index))
    else:
        yield prefix, space


def path_name(path: Path) -> str:
    """A leaf's name usable as an ``nn.ModuleDict`` key: ``"img"``, ``"0/pos"``, ``"obs"``."""
    if not path:
        return "obs"
    return "/".join(str(part).replace(".", "_") for part in path)


def get_leaf(obs: Any, path: Path) -> Any:
    """``obs[p0][p1]...``; a missing key raises ``KeyError`` naming the path and the keys."""
    node = obs
    for depth, part in enumerate(path):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError) as err:
            where = path_name(path[:depth]) if depth else "the observation"
            available = list(node.keys()) if isinstance(node, dict) else (
                f"{len(node)} entries" if isinstance(node, (list, tuple)) else type(node).__name__
            )
            raise KeyError(
                f"observation has no entry {part!r} at {where} (expected by the observation "
                f"space at path {path_name(path)!r}); found {available}"
            ) from err
    return node


def first_leaf(obs: Any) -> Any:
    """The first leaf of a nested dict/tuple/list (to read batch sizes)."""
    while isinstance(obs, (dict, tuple, list)):
        obs = next(iter(obs.values())) if isinstance(obs, dict) else obs[0]
    return obs
