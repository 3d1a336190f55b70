"""``gym`` served by gymnasium for the corpus tools: every ``gym.X`` *is* ``gymnasium.X``.

Legacy files ``import gym`` (and ``gym.spaces``, ``gym.envs.registration``, ``gym.wrappers``...);
Ray 2.10 only accepts gymnasium spaces, so the recorder, the judge and the judge's subprocesses
map the whole ``gym`` package onto gymnasium — a harness convention, not something the shim
provides (README.md). A meta-path finder answers any ``gym.<sub>`` with the already imported or
freshly imported ``gymnasium.<sub>`` module object, so classes and registries are shared
(``gym.spaces.Box is gymnasium.spaces.Box``; ``gym.envs.registration.register`` registers in
gymnasium's registry).

Pickles written under old ``gym`` (a stable-baselines3 zip saved in 2021 holds its spaces as
``gym.spaces.box.Box`` / ``gym.spaces.multi_discrete.MultiDiscrete`` state dicts) unpickle as
gymnasium spaces through the same alias. Their state has gym's old keys (``shape``,
``np_random``); gymnasium's base ``Space.__setstate__`` renames them, but a subclass whose own
``__setstate__`` reads ``_shape`` first (gymnasium 1.x's ``MultiDiscrete``, which fills in
``start``) fails with ``KeyError: '_shape'`` where gymnasium 0.28 (Ray 2.10's) loads the same
pickle. ``install()`` makes every gymnasium space's own ``__setstate__`` rename the old keys
first — what the base class would do anyway — so the legacy pickle loads alike under both.

Two uses: ``install()`` in a process (record_corpus.py, judge.py), and this very file written as
``gym/__init__.py`` of a folder on a subprocess's ``PYTHONPATH`` (judge_codemod.py), where it
installs itself when imported under the name ``gym``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

#: gym's old state keys -> gymnasium's (the renames gymnasium's ``Space.__setstate__`` does)
_OLD_STATE_KEYS = {"shape": "_shape", "np_random": "_np_random"}


class GymAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finder + loader that hands out ``gymnasium.<sub>`` for ``gym.<sub>``."""

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != "gym" and not fullname.startswith("gym."):
            return None
        if importlib.util.find_spec("gymnasium" + fullname[3:]) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module("gymnasium" + spec.name[3:])

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the gymnasium module is imported already."""


def _renaming_old_keys(setstate: Any) -> Any:
    def __setstate__(self: Any, state: Any) -> None:
        state = dict(state)
        for old, new in _OLD_STATE_KEYS.items():
            if old in state and new not in state:
                state[new] = state.pop(old)
        setstate(self, state)

    __setstate__.renames_gym_state = True  # type: ignore[attr-defined]
    return __setstate__


def accept_gym_pickles() -> None:
    """Let every gymnasium space class with its own ``__setstate__`` take a gym-era state
    (``shape`` / ``np_random`` keys) by renaming the keys before its own code reads them
    (idempotent; a state already in gymnasium's keys passes unchanged)."""
    import gymnasium.spaces

    for name in gymnasium.spaces.__all__:
        cls = getattr(gymnasium.spaces, name)
        own = cls.__dict__.get("__setstate__") if isinstance(cls, type) else None
        if own is not None and not getattr(own, "renames_gym_state", False):
            cls.__setstate__ = _renaming_old_keys(own)


def install() -> None:
    """Serve ``gym`` and all its submodules from gymnasium in this process (idempotent);
    gym-era pickled spaces load as gymnasium spaces (:func:`accept_gym_pickles`)."""
    if not any(isinstance(finder, GymAlias) for finder in sys.meta_path):
        sys.meta_path.insert(0, GymAlias())
    for name in [n for n in sys.modules if n == "gym" or n.startswith("gym.")]:
        if not sys.modules[name].__name__.startswith("gymnasium"):
            del sys.modules[name]  # a stale alias module of an older convention
    sys.modules["gym"] = importlib.import_module("gymnasium")
    accept_gym_pickles()


if __name__ == "gym":  # written as gym/__init__.py on a subprocess's path
    install()
