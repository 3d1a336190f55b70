"""RLM020: ModelCatalog.register_custom_model calls go away once their uses are specs."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import CONVERTED, MANUAL
from rlmigrate.codemod.rules._config_plan import config_plan
from rlmigrate.codemod.rules._model_analysis import FEEDFORWARD, RECURRENT, analyze, classify
from rlmigrate.codemod.rules.base import Rule

#: the rule that turns each kind of model class into an RLModule subclass
_CONVERTING_RULE = {FEEDFORWARD: "RLM001", RECURRENT: "RLM010"}
_REGISTRY = "rlmigrate.core.custom_models"


class RegisterCustomModel(Rule):
    """Remove ``ModelCatalog.register_custom_model(name, cls)`` when every use became a spec.

    What it does:
        When every ``"custom_model": name`` in the file was rewritten into
        ``RLModuleSpec(module_class=cls, ...)`` (RLM021, RLM022), the registration statement is
        removed. A registration whose name is not used in the file (or only where it cannot be
        converted) stays: when this run converts the registered class (defined in this file)
        into an RLModule, it becomes ``register_custom_module(name, cls)``
        (``rlmigrate.core.custom_models``), where a module generated for a policy on a model
        config naming ``name`` looks it up at run time; otherwise it is reported.
    Why:
        The new stack refers to module classes directly; there is no name registry.
    Before:
        ModelCatalog.register_custom_model("my_model", MyModel)
        config = {"model": {"custom_model": "my_model"}}
    After:
        config = {"rl_module_spec": RLModuleSpec(module_class=MyModel)}
    Before (the name used elsewhere in the run; MyModel converted here):
        ModelCatalog.register_custom_model("my_model", MyModel)
    After:
        register_custom_module("my_model", MyModel)
    Fix safety:
        safe: ModelCatalog cannot build a class that became an RLModule, so the legacy
        registration of a converted class has no working use left.
    """

    code = "RLM020"
    name = "register-custom-model"
    title = "ModelCatalog.register_custom_model → module_class in RLModuleSpec"
    fix_safety = "safe"

    def visit_Module(self, node: cst.Module) -> None:
        self._plan = config_plan(self.ctx, node)
        self._remove = {}
        self._reregister: set[cst.Call] = set()
        for name, (stmt, cls) in self._plan.registrations.items():
            if self._plan.used_names.get(name) and (
                self.ctx.is_selected("RLM021") or self.ctx.is_selected("RLM022")
            ):
                self._remove[stmt] = name
                self.report(stmt, CONVERTED, f"register_custom_model({name!r}) removed: the "
                            "class is referenced directly by RLModuleSpec(module_class=...)")
            elif self._converted_here(node, cls):
                assert isinstance(stmt.value, cst.Call) and isinstance(cls, cst.Name)
                self._reregister.add(stmt.value)
                self.report(stmt, CONVERTED, f"register_custom_model({name!r}, {cls.value}) → "
                            f"register_custom_module({name!r}, {cls.value}) ({_REGISTRY}): "
                            f"{cls.value} is an RLModule now; a module generated for a policy "
                            f"whose model config names {name!r} finds it there")
            else:
                self.report(stmt, MANUAL, f"register_custom_model({name!r}) kept: the name is "
                            "not used by a convertible config in this file; where it is used, "
                            "write RLModuleSpec(module_class=<class>) instead; a module generated for "
                            "a policy on its config's model resolves the name through "
                            f"register_custom_module({name!r}, <migrated class>) "
                            "(rlmigrate.core.custom_models)")

    def _converted_here(self, module: cst.Module, cls: cst.BaseExpression) -> bool:
        """``cls`` names a class defined at the top of this file that this run turns into an
        RLModule subclass (its kind's rule selected, nothing blocking it), on our runtime."""
        if self.ctx.target.name != "rlmigrate" or not isinstance(cls, cst.Name):
            return False
        for stmt in module.body:
            if isinstance(stmt, cst.ClassDef) and stmt.name.value == cls.value:
                if self.ctx.is_kept(stmt) or cls.value in self.ctx.kept_names:
                    return False  # kept as a legacy model by a noqa comment
                rule = _CONVERTING_RULE.get(classify(self.ctx, stmt)[0] or "")
                return (rule is not None and self.ctx.is_selected(rule)
                        and analyze(self.ctx, stmt).convertible)
        return False

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if original in getattr(self, "_reregister", ()):
            return updated.with_changes(
                func=self.ctx.need_from(_REGISTRY, "register_custom_module"))
        return updated

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
