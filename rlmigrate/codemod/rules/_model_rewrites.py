"""Converter half of the idioms in ``_model_idioms`` (mixed into ``_ModelConverter``).

The analysis records, per original node, a function of the updated node (``a.rewrites``);
these leave hooks apply them, generate the ``_forward_train`` that passes ``is_training=True``,
and simplify ``True and x`` left by a rewrite that became ``True``.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.rules._model_idioms import TRAINING_PARAM
from rlmigrate.codemod.rules._model_kinds import ModelAnalysis


class _IdiomRewrites:
    """Leave hooks for the nodes ``a.rewrites`` names; ``_current()`` is the converter's."""

    def _current(self) -> ModelAnalysis | None:  # provided by the converter
        raise NotImplementedError

    def _rewritten(self, original: cst.CSTNode, updated: Any) -> Any:
        """``updated`` after the analysis's rewrite of ``original`` (itself when none)."""
        a = self._current()
        if a is None or original not in a.rewrites:
            return updated
        return a.rewrites[original](updated)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> Any:
        return self._rewritten(original, updated)

    def leave_If(self, original: cst.If, updated: cst.If) -> Any:
        return self._rewritten(original, updated)

    def leave_BooleanOperation(self, original: cst.BooleanOperation, updated: Any) -> Any:
        """``True and x`` / ``x and True`` → ``x`` when a rewrite produced the ``True``."""
        a = self._current()
        if a is None or not isinstance(updated, cst.BooleanOperation) or not isinstance(updated.operator, cst.And):
            return updated
        for side, other, orig in ((updated.left, updated.right, original.left),
                                  (updated.right, updated.left, original.right)):
            if orig in a.rewrites and isinstance(side, cst.Name) and side.value == "True":
                return other.with_changes(lpar=updated.lpar or other.lpar, rpar=updated.rpar or other.rpar) \
                    if hasattr(other, "lpar") else other
        return updated

    def leave_Assert(self, original: cst.Assert, updated: cst.Assert) -> Any:
        a = self._current()
        if a is not None and original in a.value_guards and self._convert_value(a):
            return cst.RemovalSentinel.REMOVE
        return updated

    def _convert_value(self, a: ModelAnalysis) -> bool:  # provided by the converter
        raise NotImplementedError


def forward_params(a: ModelAnalysis, self_name: str) -> cst.Parameters:
    """``(self, batch, **kwargs)``; with ``is_training=False`` when forward read the flag."""
    defaults = {TRAINING_PARAM: "False"} if a.training_flag else None
    return N.params(self_name, "batch", defaults=defaults, star_kwargs="kwargs")


def forward_train(self_name: str) -> cst.FunctionDef:
    """The generated ``_forward_train``: the learner's pass is the one with is_training=True."""
    func = N.statement(
        f"def _forward_train({self_name}, batch, **kwargs):\n"
        f"    return {self_name}._forward(batch, {TRAINING_PARAM}=True, **kwargs)\n"
    )
    assert isinstance(func, cst.FunctionDef)
    return func.with_changes(leading_lines=[cst.EmptyLine(indent=False)])
