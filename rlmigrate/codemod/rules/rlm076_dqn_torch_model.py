"""RLM076: DQNTorchModel subclasses (and RLlib's DQNTorchModel itself) → the DQN RLModule."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.rules._model_analysis import ModelAnalysis
from rlmigrate.codemod.rules._model_convert import _ModelConverter
from rlmigrate.codemod.rules._model_kinds import DQN, classify, is_model_interface
from rlmigrate.codemod.rules._qsac_models import (
    DQN_HEAD_KWARGS,
    interface_as_module,
    parent_init_args,
)

_HEAD_METHODS = ("get_q_value_distributions", "get_state_value")


class DQNTorchModelToModule(_ModelConverter):
    """Rewrite a ``DQNTorchModel`` subclass as a subclass of rlmigrate's DQN module.

    What it does:
        Converts the class like RLM001 (``__init__`` → ``setup()``, ``forward`` → ``_forward``)
        with three differences: the base is ``DQNTorchRLModule``; the ``DQNTorchModel``
        constructor call becomes ``self.build_q_heads(num_outputs, <its explicit head
        keywords>)`` (the ``**kwargs`` the DQN policy passed — ``q_hiddens``, ``dueling``,
        ``num_atoms``, ``v_min``, ``v_max`` — are read from ``model_config``'s DQN keys
        ``hiddens``, ``dueling``, ... instead), with ``num_outputs = self.dqn_num_outputs()``
        (the width RLlib's DQN policy gave the model); and ``forward``'s output goes under
        ``Columns.EMBEDDINGS``: the module puts the Q heads, the dueling/distributional
        combination and argmax / epsilon-greedy acting on top. The head attributes keep RLlib's
        names (``advantage_module``, ``value_module``), so trained weights load unchanged.
        RLlib's own ``DQNTorchModel`` class (the interface, no ``forward``) becomes
        ``class DQNTorchModel(DQNTorchRLModule)`` with its docstring.
    Why:
        On the new stack the Q heads and acting live in the DQN module; the legacy DQN policy
        combined them outside the model.
    Before:
        class QModel(DQNTorchModel):
            def __init__(self, obs_space, action_space, num_outputs, model_config, name, **kw):
                super().__init__(obs_space, action_space, num_outputs, model_config, name, **kw)
                self.body = nn.Linear(obs_space.shape[0], num_outputs)

            def forward(self, input_dict, state, seq_lens):
                return self.body(input_dict["obs"]), state
    After:
        class QModel(DQNTorchRLModule):
            def setup(self):
                obs_space = self.observation_space
                num_outputs = self.dqn_num_outputs()
                self.build_q_heads(num_outputs)
                self.body = nn.Linear(obs_space.shape[0], num_outputs)

            def _forward(self, batch, **kwargs):
                return {Columns.EMBEDDINGS: self.body(batch[Columns.OBS])}
    Fix safety:
        review: the DQN settings move from the policy config to the module's model_config
        (same key names). Subclasses that override the Q heads (``get_q_value_distributions``,
        ``get_state_value``), pass other constructor arguments to ``DQNTorchModel``, or use
        constructs RLM001 cannot convert are reported as manual; ``--target ray`` is manual
        (Ray's DQN module lays its heads out differently).
    """

    code = "RLM076"
    name = "dqn-torch-model"
    title = "DQNTorchModel subclass → DQN RLModule subclass"
    fix_safety = "review"
    kind = DQN
    module_base = "DQNTorchRLModule"
    output_column = "EMBEDDINGS"
    converts_value = False

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self._interfaces: set[cst.ClassDef] = set()
        self._q_inits: dict[cst.Expr, cst.Call] = {}

    def _num_outputs_expr(self, self_name: str) -> cst.BaseExpression:
        return N.expression(f"{self_name}.dqn_num_outputs()")

    def _skip(self, node: cst.ClassDef, status: str | None = None, message: str = "") -> None:
        self._first_finding.append(len(self.ctx.findings))
        self._stack.append(None)
        if status:
            self.report(node, status, message)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        kind, _ = classify(self.ctx, node)
        if kind == DQN and self.ctx.target.name != "rlmigrate":
            return self._skip(node, MANUAL, f"{node.name.value} left unchanged: --target ray has no "
                              "counterpart of rlmigrate's DQN module with RLlib 2.10's Q-head layout "
                              "(Ray's DQNRainbowTorchRLModule builds af/vf heads from a catalog); "
                              "rewrite with --target rlmigrate or port the heads by hand")
        if kind == DQN and is_model_interface(node, kind):
            self._interfaces.add(node)
            return self._skip(node)
        super().visit_ClassDef(node)
        a = self._current()
        if a is None:
            return None
        problem = self._plan(a)
        if problem is not None:
            where, message = problem
            self._stack[-1] = None
            self.report(where, MANUAL, message)
            self.report(node, MANUAL, f"{node.name.value} left unchanged: {message}")
        return None

    def _plan(self, a: ModelAnalysis) -> tuple[cst.CSTNode, str] | None:
        """Find the ``DQNTorchModel.__init__`` call and plan its ``build_q_heads`` replacement."""
        for method in _HEAD_METHODS:
            if method in a.methods:
                return a.methods[method], (f"overrides {method}() of DQNTorchModel: the DQN module's "
                                           "heads and Q combination replace it; port it onto "
                                           "compute_q_values() by hand")
        inits = [stmt for stmt in a.removed_statements if isinstance(stmt, cst.Expr)
                 and isinstance(stmt.value, cst.Call) and self._is_dqn_init(stmt.value)]
        if not inits:
            return a.node, ("its __init__ never calls DQNTorchModel.__init__, so no Q heads are "
                            "built; call self.build_q_heads(num_outputs) in setup() by hand")
        num_param = a.ctor_params.get("num_outputs")
        for stmt in inits:
            call = stmt.value
            assert isinstance(call, cst.Call)
            named, extra, problem = parent_init_args(call)
            unknown = [arg for arg in extra if arg.keyword is None or arg.keyword.value not in DQN_HEAD_KWARGS]
            if problem is None and unknown:
                problem = f"passes {unknown[0].keyword.value if unknown[0].keyword else '?'}= to DQNTorchModel"
            width = named.get("num_outputs")
            if problem is None and not (width is not None and num_param is not None
                                        and isinstance(width.value, cst.Name)
                                        and width.value.value == num_param.name.value):
                problem = "passes DQNTorchModel a num_outputs other than its own num_outputs parameter"
            if problem is not None:
                return call, (f"{problem}: the DQN module builds its heads over "
                              "self.dqn_num_outputs() features with model_config's DQN keys; "
                              "call self.build_q_heads(width, **head_kwargs) in setup() by hand")
            first = (cst.Name(num_param.name.value) if num_param.name.value in a.used_ctor_names
                     else self._num_outputs_expr(a.self_name))
            args = [cst.Arg(first)] + [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in extra]
            self._q_inits[stmt] = cst.Call(func=N.expression(f"{a.self_name}.build_q_heads"), args=args)
        return None

    def _is_dqn_init(self, call: cst.Call) -> bool:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
            return False
        owner = func.value
        if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
            return True
        return "DQNTorchModel" in self.ctx.legacy_symbols(owner)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if original in self._interfaces:
            self._stack.pop()
            self._first_finding.pop()
            self.report(original, REVIEW,
                        f"{original.name.value}: RLlib's DQN model interface → "
                        "DQNTorchRLModule (the module builds the encoder, RLlib 2.10's "
                        "advantage/value heads and the dueling/distributional Q combination from "
                        "model_config's DQN keys; the legacy body is replaced)")
            return interface_as_module(updated, self.ctx.need("DQNTorchRLModule"),
                                       "RLlib's DQN model, as rlmigrate's DQN module.")
        a = self._current()
        converted = a is not None and a.node is original
        result = super().leave_ClassDef(original, updated)
        if converted:
            # one finding on the class line: the converter's summary, made review with the DQN facts
            summary = self.ctx.findings.pop()
            self.report(original, REVIEW,
                        f"{summary.message}; its forward() output is the Q heads' input "
                        "(Columns.EMBEDDINGS); DQNTorchModel.__init__ → self.build_q_heads(...); "
                        "the DQN settings (hiddens, dueling, num_atoms, v_min, v_max) are read "
                        "from the module's model_config, where the policy config put them")
        return result

    def _base_label(self) -> str:
        return "DQNTorchModel"

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        planned = [orig for orig in original.body if orig in self._q_inits]
        if not planned:
            return super().leave_SimpleStatementLine(original, updated)
        body = []
        for orig, upd in zip(original.body, updated.body):
            if orig in self._q_inits:
                body.append(cst.Expr(self._q_inits[orig]))
            elif not (self._current() and orig in self._current().removed_statements):  # type: ignore[union-attr]
                body.append(upd)
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=body)
