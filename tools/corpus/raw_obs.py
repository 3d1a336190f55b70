"""Raw observations of the corpus runs: seeded samples, and their storage as flat arrays.

The recorder stores the raw (unpreprocessed) observations it fed Ray, so the judge replays
exactly them through the shim's preprocessor (gymnasium versions differ between the two venvs,
so re-sampling would not give the same observations).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

#: Key under which variable-length samples (RLlib ``Repeated`` spaces: lists of items) are
#: stored, as UTF-8 JSON bytes, because they do not stack into fixed-shape arrays.
JSON_KEY = "__json__"


def sample_inputs(obs_space: Any, rows: int, seed: int) -> list[Any]:
    """``rows`` raw observations (nested dict/tuple of numpy arrays), seeded."""
    obs_space.seed(seed)
    return [obs_space.sample() for _ in range(rows)]


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in a raw observation")


def flatten_raw(samples: list[Any]) -> dict[str, np.ndarray]:
    """Raw samples -> ``{"path": stacked array}`` (paths ``a/b/0``) for storage; samples that
    are lists (``Repeated`` spaces) go whole under :data:`JSON_KEY` instead."""
    if any(isinstance(s, list) for s in samples):
        data = json.dumps(samples, default=_plain).encode("utf-8")
        return {JSON_KEY: np.frombuffer(data, dtype=np.uint8).copy()}
    out: dict[str, list[Any]] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, f"{path}/{key}" if path else str(key))
        elif isinstance(value, (tuple, list)) and not isinstance(value, np.ndarray):
            for i, sub in enumerate(value):
                walk(sub, f"{path}/{i}" if path else str(i))
        else:
            out.setdefault(path or "_", []).append(np.asarray(value))

    for sample in samples:
        walk(sample, "")
    return {key: np.stack(values) for key, values in out.items()}


def unflatten_raw(obs_space: Any, arrays: dict[str, np.ndarray], rows: int) -> list[Any]:
    """Inverse of :func:`flatten_raw`, guided by the space (Dict / Tuple / leaf)."""
    if JSON_KEY in arrays:
        return json.loads(arrays[JSON_KEY].tobytes().decode("utf-8"))[:rows]

    def build(space: Any, path: str, row: int) -> Any:
        kind = type(space).__name__
        if kind == "Dict":
            return {k: build(s, f"{path}/{k}" if path else k, row) for k, s in space.spaces.items()}
        if kind == "Tuple":
            return tuple(
                build(s, f"{path}/{i}" if path else str(i), row) for i, s in enumerate(space.spaces)
            )
        value = arrays[path or "_"][row]
        return value.item() if kind == "Discrete" else value

    return [build(obs_space, "", row) for row in range(rows)]
