"""Calls in user code that unpickle the file they load (and so may run code from it).

rlmigrate's own checkpoint readers never unpickle (DESIGN.md §4). A rule that copies user code
into a generated module (a hand-written policy's constructor → the module's ``setup()``) keeps
the user's loader as it was: the migrated module then unpickles where the legacy policy did,
and the finding says so, naming the call, so the user can decide to trust the file or move the
weights to a format that holds no code (safetensors).

Calls are recognised by qualified name (``from stable_baselines3 import PPO`` then
``PPO.load(...)`` is ``stable_baselines3.PPO.load``), never by text.
"""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import walk

#: functions that always unpickle what they read
ALWAYS = frozenset({
    "pickle.load", "pickle.loads", "_pickle.load", "_pickle.loads", "cloudpickle.load",
    "cloudpickle.loads", "dill.load", "dill.loads", "joblib.load", "pandas.read_pickle",
})
#: packages whose saved-model loaders (``<Algorithm>.load``, ``load_from_zip_file``,
#: ``load_from_pkl``) unpickle parts of the file (stable-baselines3 zips hold cloudpickled
#: spaces, schedules and classes)
PICKLING_PACKAGES = frozenset({"stable_baselines3", "sb3_contrib"})
PACKAGE_LOADERS = frozenset({"load", "load_from_zip_file", "load_from_pkl"})


def unpickling_call(ctx: FileContext, call: cst.Call) -> str | None:
    """The qualified name of ``call``'s function when the call unpickles its input, else None:
    the :data:`ALWAYS` functions, the saved-model loaders of :data:`PICKLING_PACKAGES`,
    ``torch.load`` unless ``weights_only=True`` and ``numpy.load`` with ``allow_pickle=True``."""
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    for name in sorted(ctx.qualified_names(call.func)):
        top, _, rest = name.partition(".")
        if name in ALWAYS:
            return name
        if top in PICKLING_PACKAGES and rest.rsplit(".", 1)[-1] in PACKAGE_LOADERS:
            return name
        if name == "torch.load" and not _is_true(keywords.get("weights_only")):
            return name
        if name == "numpy.load" and _is_true(keywords.get("allow_pickle")):
            return name
    return None


def unpickling_calls(ctx: FileContext, roots: list[cst.CSTNode]) -> list[str]:
    """Qualified names of the unpickling calls (:func:`unpickling_call`) inside ``roots``,
    sorted and unique."""
    found = {unpickling_call(ctx, n) for root in roots for n in walk(root) if isinstance(n, cst.Call)}
    return sorted(name for name in found if name)


def _is_true(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"
