"""RLM052: numpy-1 names that numpy 2 removed become their numpy spellings of today."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import CONVERTED, MANUAL
from rlmigrate.codemod.rules.base import Rule

# removed name -> the name with the same behaviour in numpy 1.26 *and* numpy 2 (NEP 52)
RENAMES = {
    "product": "prod", "cumproduct": "cumprod", "alltrue": "all", "sometrue": "any",
    "round_": "round", "NaN": "nan", "NAN": "nan", "Inf": "inf", "Infinity": "inf",
    "infty": "inf", "PINF": "inf", "float_": "float64", "complex_": "complex128",
    "cfloat": "complex128", "singlecomplex": "complex64", "longfloat": "longdouble",
    "longcomplex": "clongdouble", "clongfloat": "clongdouble", "string_": "bytes_",
    "unicode_": "str_", "mat": "asmatrix",
}
# removed names without a one-name replacement valid on both numpy versions
BY_HAND = {
    "asfarray": "np.asarray(a, dtype=np.float64) (keep inexact dtypes)",
    "msort": "np.sort(a, axis=0)",
    "NINF": "-np.inf",
    "trapz": "np.trapezoid (numpy >= 2) / np.trapz (numpy 1)",
    "in1d": "np.isin(a, b).ravel() (in1d flattened its result)",
    "issubclass_": "issubclass",
}


class Numpy1Names(Rule):
    """Rename numpy-1 names that numpy 2.0 removed (NEP 52) to the names both versions have.

    What it does:
        ``np.product`` → ``np.prod``, ``np.cumproduct`` → ``np.cumprod``, ``np.alltrue`` →
        ``np.all``, ``np.sometrue`` → ``np.any``, ``np.float_`` → ``np.float64``, ``np.NaN``
        → ``np.nan``, ``np.Inf`` → ``np.inf`` and the other exact one-name replacements,
        matched by qualified name (``import numpy as anything``). Names without such a
        replacement (``np.asfarray``, ``np.msort``, ``np.trapz``, ``np.in1d``, ``np.NINF``)
        are reported with the expression to use.
    Why:
        Legacy RLlib-era code (RLlib 2.10's own preprocessors, copied into many projects)
        calls them; ``shim.ray_compat`` restores them for legacy code that runs unmodified,
        but migrated code runs without the shim, on numpy 2, where they raise
        ``AttributeError``.
    Before:
        import numpy as np
        size = int(np.product(obs_space.shape))
    After:
        import numpy as np
        size = int(np.prod(obs_space.shape))
    Fix safety:
        safe: each replacement is the same function or constant under its current name, in
        numpy 1.26 and in numpy 2.
    """

    code = "RLM052"
    name = "numpy1-names"
    title = "numpy-1 names removed in numpy 2 → current names"
    fix_safety = "safe"

    def leave_Attribute(self, original: cst.Attribute, updated: cst.BaseExpression) -> cst.BaseExpression:
        old = original.attr.value
        if old not in RENAMES and old not in BY_HAND:
            return updated
        if "numpy" not in self.ctx.qualified_names(original.value):
            return updated
        if old in BY_HAND:
            self.report(original, MANUAL, f"np.{old} was removed in numpy 2: use {BY_HAND[old]}")
            return updated
        self.report(original, CONVERTED, f"np.{old} (removed in numpy 2) → np.{RENAMES[old]}")
        assert isinstance(updated, cst.Attribute)
        return updated.with_changes(attr=cst.Name(RENAMES[old]))
