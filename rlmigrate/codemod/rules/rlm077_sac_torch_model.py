"""RLM077: SACTorchModel subclasses (and RLlib's SACTorchModel itself) → the SAC RLModule."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.nodes import walk
from rlmigrate.codemod.rules._model_analysis import NN_MODULE
from rlmigrate.codemod.rules._model_kinds import SAC, classify, defined_methods, is_model_interface
from rlmigrate.codemod.rules._qsac_models import interface_as_module
from rlmigrate.codemod.rules.base import Rule

#: SACTorchModel's sub-model attributes -> the SAC module's network of the same role
_LEGACY_NETS = {"action_model": "pi", "q_net": "qf", "twin_q_net": "qf_twin"}

#: SACTorchModel methods whose override changes the networks or what acting computes
_STRUCTURAL = ("__init__", "forward", "build_policy_model", "build_q_model",
               "get_action_model_outputs", "get_q_values", "get_twin_q_values", "_get_q_value")


class SACTorchModelToModule(Rule):
    """Rewrite a ``SACTorchModel`` subclass as a subclass of rlmigrate's SAC module.

    What it does:
        A subclass that keeps SAC's networks (overrides none of ``__init__``, ``forward``,
        ``build_policy_model``, ``build_q_model``, ``get_action_model_outputs``,
        ``get_q_values``, ``get_twin_q_values``) gets ``SACTorchRLModule`` as its base (the
        ``nn.Module`` base and ``@override`` decorators go); its other methods stay as they
        are. RLlib's own ``SACTorchModel`` class becomes ``class SACTorchModel(SACTorchRLModule)``
        with its docstring. The module reads ``policy_model_config``, ``q_model_config``,
        ``twin_q``, ``initial_alpha`` and ``target_entropy`` from its model_config, builds the
        same MLPs (``pi``, ``qf``, ``qf_twin``) and acts like RLlib 2.10's SAC policy
        (squashed Gaussian in ``[-1, 1]`` / categorical).
    Why:
        On the new stack the policy and Q networks are heads of one SAC module.
    Before:
        class MySAC(SACTorchModel):
            def extra_metric(self):
                return 0.0
    After:
        class MySAC(SACTorchRLModule):
            def extra_metric(self):
                return 0.0
    Fix safety:
        review: the SAC settings move from the policy config to the module's model_config and
        the kept methods are not called by the new stack. Overrides of the networks or heads
        are reported as manual (build them in ``setup()`` of a ``SACTorchRLModule`` subclass);
        ``--target ray`` is manual.
    """

    code = "RLM077"
    name = "sac-torch-model"
    title = "SACTorchModel subclass → SAC RLModule subclass"
    fix_safety = "review"

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self._convert: dict[cst.ClassDef, str] = {}  # class -> "interface" | "subclass"

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        kind, _ = classify(self.ctx, node)
        if kind != SAC:
            return
        name = node.name.value
        if self.ctx.target.name != "rlmigrate":
            self.report(node, MANUAL, f"{name} left unchanged: --target ray has no counterpart of "
                        "rlmigrate's SAC module with RLlib 2.10's network layout; rewrite with "
                        "--target rlmigrate or port the networks by hand")
            return
        if is_model_interface(node, kind):
            self._convert[node] = "interface"
            return
        own = defined_methods(node)
        overridden = [m for m in _STRUCTURAL if m in own]
        if overridden:
            body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
            method = next(s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == overridden[0])
            message = (f"overrides {overridden[0]}() of SACTorchModel: build the networks in setup() "
                       "of a SACTorchRLModule subclass (pi, qf, qf_twin) and compute the Q-values "
                       "in compute_q_values(obs, actions) by hand")
            self.report(method, MANUAL, message)
            self.report(node, MANUAL, f"{name} left unchanged: {message}")
            return
        self._convert[node] = "subclass"
        for stmt in (node.body.body if isinstance(node.body, cst.IndentedBlock) else ()):
            if not isinstance(stmt, cst.FunctionDef):
                continue
            for sub in walk(stmt):
                if isinstance(sub, cst.Attribute) and isinstance(sub.value, cst.Name) \
                        and sub.value.value == "self" and sub.attr.value in _LEGACY_NETS:
                    self.report(sub, REVIEW,
                                f"self.{sub.attr.value} is SACTorchModel's legacy sub-model (a "
                                f"ModelV2 called with an input dict); the SAC module's network of "
                                f"that role is self.{_LEGACY_NETS[sub.attr.value]} (an MLP called on "
                                "tensors): port this use by hand")

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        how = self._convert.pop(original, None)
        if how is None:
            return updated
        base = self.ctx.need("SACTorchRLModule")
        name = original.name.value
        if how == "interface":
            self.report(original, REVIEW,
                        f"{name}: RLlib's SAC model → SACTorchRLModule (the module builds the "
                        "policy and (twin) Q networks from model_config's policy_model_config / "
                        "q_model_config and acts like RLlib 2.10's SAC policy; the legacy body is "
                        "replaced)")
            return interface_as_module(updated, base, "RLlib's SAC model, as rlmigrate's SAC module.")
        kept = sorted(defined_methods(original))
        self.report(original, REVIEW,
                    f"{name}: SACTorchModel subclass → SACTorchRLModule subclass (networks from "
                    "model_config's policy_model_config / q_model_config, twin_q, initial_alpha, "
                    "target_entropy)" + (f"; kept as they were, uncalled by the new stack: "
                                         f"{', '.join(kept)}" if kept else ""))
        bases = [cst.Arg(base)]
        for orig, upd in zip(original.bases, updated.bases):
            symbols = self.ctx.legacy_symbols(orig.value)
            if "SACTorchModel" in symbols or self.ctx.qualified_names(orig.value) & NN_MODULE:
                continue
            bases.append(upd.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        return updated.with_changes(bases=bases, body=self._drop_override(original.body, updated.body))

    def _drop_override(self, original: cst.BaseSuite, updated: cst.BaseSuite) -> cst.BaseSuite:
        """``@override(<legacy class>)`` decorators removed (the legacy base is gone)."""
        if not (isinstance(original, cst.IndentedBlock) and isinstance(updated, cst.IndentedBlock)):
            return updated
        out = []
        for orig, upd in zip(original.body, updated.body):
            if isinstance(orig, cst.FunctionDef) and isinstance(upd, cst.FunctionDef):
                upd = upd.with_changes(decorators=[
                    new for old, new in zip(orig.decorators, upd.decorators)
                    if not (isinstance(old.decorator, cst.Call)
                            and self.ctx.legacy_symbols(old.decorator.func) & {"override"})])
            out.append(upd)
        return updated.with_changes(body=out)
