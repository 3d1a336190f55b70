"""Ray 2.10's ``ray.rllib`` import surface, read from the committed data file.

``shim/data/ray_2_10_inventory.json`` is written by ``tools/ray_inventory.py`` from the Ray 2.10
wheel (statically, with :mod:`ast`). Each module record is ``{"package": bool, "names":
{name: entry}, "all": [...]?}``; an entry says how Ray binds the name (see that script).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "data" / "ray_2_10_inventory.json"


@functools.lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    """The whole inventory (cached): ``{"ray_version": str, "modules": {path: record}}``."""
    with DATA.open(encoding="utf-8") as handle:
        return json.load(handle)


def modules() -> dict[str, dict[str, Any]]:
    """Module path -> record, for every module of Ray 2.10's ``ray.rllib`` (+ ``ray.tune.registry``)."""
    return load()["modules"]


#: Paths that legacy files import from Ray versions before 2.10 and the shim keeps serving
#: (their names come from ``served.SOURCES``): path -> the Ray release notes' reason.
PRE_2_10_MODULES: dict[str, str] = {
    "ray.rllib.policy.torch_policy_template": "build_torch_policy's home before Ray 2.0",
}


def record(path: str) -> dict[str, Any] | None:
    """The record of ``path``, or None when Ray 2.10 has no such module (nor is it a kept
    pre-2.10 path, :data:`PRE_2_10_MODULES`)."""
    found = modules().get(path)
    if found is None and path in PRE_2_10_MODULES:
        return {"package": False, "names": {}}
    return found


def public_names(path: str) -> list[str]:
    """What ``from path import *`` binds in Ray: ``__all__`` when Ray defines it, else all names."""
    rec = record(path)
    if rec is None:
        raise KeyError(f"Ray 2.10 has no module {path!r}")
    listed = rec.get("all")
    return list(listed) if listed is not None else sorted(rec["names"])


def children(path: str) -> list[str]:
    """Direct sub-modules of ``path`` (``ray.rllib.models`` -> ``[..., "ray.rllib.models.torch"]``)."""
    prefix = path + "."
    return sorted(
        name for name in modules() if name.startswith(prefix) and "." not in name[len(prefix) :]
    )
