"""``gym`` served by gymnasium for the corpus tools: every ``gym.X`` *is* ``gymnasium.X``.

Legacy files ``import gym`` (and ``gym.spaces``, ``gym.envs.registration``, ``gym.wrappers``...);
Ray 2.10 only accepts gymnasium spaces, so the recorder, the judge and the judge's subprocesses
map the whole ``gym`` package onto gymnasium — a harness convention, not something the shim
provides (README.md). A meta-path finder answers any ``gym.<sub>`` with the already imported or
freshly imported ``gymnasium.<sub>`` module object, so classes and registries are shared
(``gym.spaces.Box is gymnasium.spaces.Box``; ``gym.envs.registration.register`` registers in
gymnasium's registry).

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


def install() -> None:
    """Serve ``gym`` and all its submodules from gymnasium in this process (idempotent)."""
    if not any(isinstance(finder, GymAlias) for finder in sys.meta_path):
        sys.meta_path.insert(0, GymAlias())
    for name in [n for n in sys.modules if n == "gym" or n.startswith("gym.")]:
        if not sys.modules[name].__name__.startswith("gymnasium"):
            del sys.modules[name]  # a stale alias module of an older convention
    sys.modules["gym"] = importlib.import_module("gymnasium")


if __name__ == "gym":  # written as gym/__init__.py on a subprocess's path
    install()
