"""RLM061: view_requirements usage is reported."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL
from rlmigrate.codemod.rules._reporting import _ModelBlockerReporter
from rlmigrate.codemod.rules._stateful_analysis import dropped_view_requirements


class ViewRequirementsNeedConnectors(_ModelBlockerReporter):
    """Report ``self.view_requirements`` and ``ViewRequirement(...)``.

    What it does:
        Reports every use of a model's ``view_requirements`` and every ``ViewRequirement``
        construction; a model class that uses them is left unchanged.
    Why:
        View requirements told the legacy sampler which extra columns (previous actions,
        rewards, frame stacks) to feed the model. The new stack builds batches with
        ConnectorV2 pipelines instead; which connector depends on the requirement.
    Before:
        self.view_requirements["prev_actions"] = ViewRequirement("actions", shift=-1)
    After:
        self.view_requirements["prev_actions"] = ViewRequirement("actions", shift=-1)  # reported
    Fix safety:
        manual: add the matching env-to-module / learner connector (e.g.
        ``PrevActionsPrevRewards``, ``FrameStackingEnvToModule``).
    """

    code = "RLM061"
    name = "view-requirements"
    title = "view_requirements need ConnectorV2 pipelines"
    fix_safety = "manual"

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        terminal = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if node in dropped_view_requirements(self.ctx):
            return  # RLM011 drops the declaration (forward() never reads it) and says so
        if terminal == "ViewRequirement" and "ViewRequirement" in self.ctx.legacy_symbols(func):
            self.report(node, MANUAL, "ViewRequirement has no RLModule counterpart: express the "
                        "extra input as a ConnectorV2 piece")
