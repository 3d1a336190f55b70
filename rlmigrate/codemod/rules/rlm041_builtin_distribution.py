"""RLM041: legacy built-in torch distributions become their new-stack classes."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.legacy_api import BUILTIN_DIST_MANUAL, BUILTIN_DIST_MAP
from rlmigrate.codemod.rules.base import Rule


class BuiltinDistributionToNewStack(Rule):
    """Replace legacy ``TorchCategorical`` & co. with the new-stack distribution classes.

    What it does:
        Every reference to a legacy torch distribution with a same-layout counterpart
        (``TorchCategorical``, ``TorchDiagGaussian``, ``TorchSquashedGaussian``,
        ``TorchDeterministic`` from ``ray.rllib.models.torch.torch_action_dist``) becomes the
        new-stack class of the same name imported from the target; a construction
        ``Cls(inputs, model)`` becomes ``Cls.from_logits(inputs)``. Families without a
        mechanical counterpart (``TorchMultiCategorical``, ``TorchMultiActionDistribution``,
        ``TorchBeta``, ``TorchDirichlet``) are reported.
    Why:
        New-stack distributions are passed around as classes and built with
        ``from_logits(logits)``; the inputs layout (logits, ``[mean, log_std]``) is the same.
    Before:
        from ray.rllib.models.torch.torch_action_dist import TorchCategorical
        dist = TorchCategorical(logits, model)
    After:
        from rlmigrate import TorchCategorical
        dist = TorchCategorical.from_logits(logits)
    Fix safety:
        review: ``deterministic_sample()`` is ``to_deterministic().sample()`` and
        ``sampled_action_logp()`` is ``logp(actions)`` on the new classes; legacy code that
        still calls them needs a look.
    """

    code = "RLM041"
    name = "builtin-distribution"
    title = "legacy torch distribution → new-stack distribution class"
    fix_safety = "review"

    def _candidate(self, node: cst.Name) -> bool:
        # Cheap gate before the (lazy, costly) qualified-name lookup.
        names = self.ctx.shared.get("dist_names")
        if names is None:
            names = {imp.local for imp in self.ctx.facts.legacy_imports} | {
                imp.obj for imp in self.ctx.facts.legacy_imports if imp.obj}
            self.ctx.shared["dist_names"] = names
        return node.value in names and (
            node.value in BUILTIN_DIST_MAP or node.value in BUILTIN_DIST_MANUAL
            or any(i.local == node.value and i.obj in {*BUILTIN_DIST_MAP, *BUILTIN_DIST_MANUAL}
                   for i in self.ctx.facts.legacy_imports))

    def _mapped(self, node: cst.CSTNode) -> str | None:
        if not isinstance(node, cst.Name) or not self._candidate(node):
            return None
        symbols = self.ctx.legacy_symbols(node)
        for symbol in symbols:
            if symbol in BUILTIN_DIST_MAP:
                return BUILTIN_DIST_MAP[symbol]
        return None

    def visit_Name(self, node: cst.Name) -> None:
        if not self._candidate(node):
            return
        for symbol in self.ctx.legacy_symbols(node):
            if symbol in BUILTIN_DIST_MANUAL and self.ctx.scope_of(node) is not None:
                if self.ctx.qualified_names(node) and not _is_import_name(node):
                    self.report(node, MANUAL, f"legacy {symbol}: {BUILTIN_DIST_MANUAL[symbol]}")

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        new = self._mapped(original)
        if new is None or _is_import_name(original):
            return updated
        self.report(original, REVIEW, f"legacy {original.value} → new-stack {new}")
        return self.ctx.need(new)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not isinstance(original.func, cst.Name) or self._mapped(original.func) is None:
            return updated
        if not updated.args or updated.args[0].keyword or updated.args[0].star:
            return updated
        first = updated.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        extra = [a for a in updated.args[1:] if a.keyword is not None and a.keyword.value != "model"]
        return cst.Call(
            func=cst.Attribute(value=updated.func, attr=cst.Name("from_logits")),
            args=[first, *extra],
        )


def _is_import_name(node: cst.Name) -> bool:
    return False
