"""RLM020: ModelCatalog.register_custom_model calls go away once their uses are specs."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import CONVERTED, MANUAL
from rlmigrate.codemod.rules._config_plan import config_plan
from rlmigrate.codemod.rules.base import Rule


class RegisterCustomModel(Rule):
    """Remove ``ModelCatalog.register_custom_model(name, cls)`` when every use became a spec.

    What it does:
        When every ``"custom_model": name`` in the file was rewritten into
        ``RLModuleSpec(module_class=cls, ...)`` (RLM021, RLM022), the registration statement is
        removed. A registration whose name is not used in the file (or only where it cannot be
        converted) stays and is reported.
    Why:
        The new stack refers to module classes directly; there is no name registry.
    Before:
        ModelCatalog.register_custom_model("my_model", MyModel)
        config = {"model": {"custom_model": "my_model"}}
    After:
        config = {"rl_module_spec": RLModuleSpec(module_class=MyModel)}
    Fix safety:
        safe.
    """

    code = "RLM020"
    name = "register-custom-model"
    title = "ModelCatalog.register_custom_model → module_class in RLModuleSpec"
    fix_safety = "safe"

    def visit_Module(self, node: cst.Module) -> None:
        self._plan = config_plan(self.ctx, node)
        self._remove = {}
        for name, (stmt, _cls) in self._plan.registrations.items():
            if self._plan.used_names.get(name) and (
                self.ctx.is_selected("RLM021") or self.ctx.is_selected("RLM022")
            ):
                self._remove[stmt] = name
                self.report(stmt, CONVERTED, f"register_custom_model({name!r}) removed: the "
                            "class is referenced directly by RLModuleSpec(module_class=...)")
            else:
                self.report(stmt, MANUAL, f"register_custom_model({name!r}) kept: the name is "
                            "not used by a convertible config in this file; where it is used, "
                            "write RLModuleSpec(module_class=<class>) instead; a module generated for "
                            "a policy on its config's model resolves the name through "
                            f"register_custom_module({name!r}, <migrated class>) "
                            "(rlmigrate.core.custom_models)")

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if not getattr(self, "_remove", None):
            return updated
        kept = [u for o, u in zip(original.body, updated.body) if o not in self._remove]
        if len(kept) == len(updated.body):
            return updated
        if not kept:
            return cst.RemovalSentinel.REMOVE
        return updated.with_changes(body=kept)
