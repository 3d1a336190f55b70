"""Shared behaviour of the report-only rules about legacy model classes (RLM06x)."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL
from rlmigrate.codemod.rules._model_analysis import FEEDFORWARD, RECURRENT, analyze, classify
from rlmigrate.codemod.rules._stateful_analysis import adapter_plan, takes_over
from rlmigrate.codemod.rules.base import Rule


class _ModelBlockerReporter(Rule):
    """Reports the analysis blockers that carry this rule's code, as manual findings."""

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        kind, _ = classify(self.ctx, node)
        if kind not in (FEEDFORWARD, RECURRENT):
            return
        plan = adapter_plan(self.ctx, node) if takes_over(self.ctx, node) else None
        analysis = plan.analysis if plan is not None else analyze(self.ctx, node)
        for blocker in analysis.blockers:
            if blocker.code == self.code:
                self.report(blocker.node, MANUAL, blocker.message)


class _ModelMethodReporter(Rule):
    """Reports a legacy-only method (``method``) of a model class, with where it goes now."""

    method = ""
    advice = ""

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        kind, _ = classify(self.ctx, node)
        if kind not in (FEEDFORWARD, RECURRENT):
            return
        found = analyze(self.ctx, node).methods.get(self.method)
        if found is not None:
            self.report(found, MANUAL, f"{node.name.value}.{self.method}() left in place: {self.advice}")
