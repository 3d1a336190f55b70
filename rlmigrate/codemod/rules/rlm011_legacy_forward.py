"""RLM011: a legacy forward() that needs RLlib's inputs runs on a stateful TorchRLModule."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.findings import CONVERTED, MANUAL, REVIEW
from rlmigrate.codemod.positions import start_positions
from rlmigrate.codemod.rules._lazy_build import lazy_build_message, lazy_builds
from rlmigrate.codemod.rules._manual_summary import manual_summary
from rlmigrate.codemod.rules._model_analysis import RECURRENT, ModelAnalysis
from rlmigrate.codemod.rules._model_convert import (
    VALUE_READS_NOTHING,
    VALUE_RULE,
    _ModelConverter,
    _state_dict,
    compute_values_def,
)
from rlmigrate.codemod.rules._stateful_analysis import ADAPTER_RULE, AdapterPlan, adapter_plan

ADAPTED = "adapted"
_HELPERS = ("legacy_forward_args", "legacy_forward_outputs")


class LegacyForwardToStatefulModule(_ModelConverter):
    """Keep a legacy ``forward()`` body and bind its inputs from the new-stack batch.

    What it does:
        For a ``RecurrentNetwork`` subclass that overrides ``forward`` (action masking, an
        encoder before ``add_time_dimension``) and a ``TorchModelV2`` that keeps recurrent
        state or reads ``seq_lens``: converts the class like RLM001 (bases, ``setup()``,
        ``compute_values``), renames ``forward(input_dict, state, seq_lens)`` to
        ``_forward(batch, **kwargs)`` and keeps its body, which now starts with
        ``input_dict, state, seq_lens = legacy_forward_args(batch, self.observation_space, self.model_config)``
        and returns ``legacy_forward_outputs(batch, (outputs, state_out))``.
        ``legacy_forward_args`` folds a stateful batch ``(B, T, ...)`` to the ``(B*T, ...)``
        rows the legacy body expects (observations restored and flattened as the legacy
        preprocessor did), lists ``STATE_IN`` in key order and gives ``seq_lens`` (the
        batch's ``Columns.SEQ_LENS`` or ``T`` per sequence); ``legacy_forward_outputs`` puts
        the outputs back as ``(B, T, ...)`` and the state list under ``STATE_OUT`` keyed
        ``"0"``, ``"1"``, ... ``get_initial_state()`` returns that dict; ``forward_rnn`` stays a
        helper method; ``add_time_dimension`` comes from rlmigrate; ``self.time_major`` is
        ``False`` (batch-major batches); view requirements that ``forward`` never reads are
        dropped; ``compute_values(batch)`` runs ``_forward(batch)`` first when
        ``value_function`` read what the forward pass cached.
    Why:
        These bodies are right for the inputs ``ModelV2.__call__`` built (flat rows, a state
        list, ``seq_lens``) and wrong for any other; rewriting them expression by expression
        would have to re-derive the sequence arithmetic. Binding the same inputs keeps them
        exact, which ``rlmigrate verify`` proves step by step and over whole sequences.
    Before:
        class MaskedLSTM(RecurrentNetwork, nn.Module):
            def forward(self, input_dict, state, seq_lens):
                x = add_time_dimension(input_dict["obs"]["observations"], seq_lens=seq_lens,
                                       framework="torch", time_major=self.time_major)
                out, new_state = self.forward_rnn(x, state, seq_lens)
                mask = input_dict["obs"]["action_mask"]
                return torch.reshape(out, [-1, self.num_outputs]) + torch.log(mask), new_state
    After:
        class MaskedLSTM(TorchRLModule):
            def _forward(self, batch, **kwargs):
                input_dict, state, seq_lens = legacy_forward_args(batch, self.observation_space, self.model_config)
                x = add_time_dimension(input_dict["obs"]["observations"], seq_lens=seq_lens,
                                       framework="torch", time_major=self.time_major)
                out, new_state = self.forward_rnn(x, state, seq_lens)
                mask = input_dict["obs"]["action_mask"]
                return legacy_forward_outputs(batch, (torch.reshape(out, [-1, self.num_outputs]) + torch.log(mask), new_state))
    Fix safety:
        review: the body still thinks in legacy rows; values stay ``(B*T,)`` where the new
        stack prefers ``(B, T)``; ``input_dict`` keys other than the observation now read the
        batch column of that name (a connector must provide it). Classes that call
        ``super().forward()``, read a view requirement's input or the legacy base's private
        attributes stay manual, with the construct and line. A submodule ``forward()``
        builds on its first call (``if self.dnc is None: self.build_dnc(...)``) gets its own
        review finding at that ``if``: a fresh module lacks its weights, the first call may run
        differently, and ``compute_values`` re-runs ``_forward`` on the built submodule
        (``rlmigrate verify`` compares from the second call on). ``--target ray`` has no
        ``legacy_forward_args``: the class stays manual there.
    """

    code = ADAPTER_RULE
    name = "legacy-forward"
    title = "legacy forward() body kept on a stateful TorchRLModule"
    fix_safety = "review"
    kind = ADAPTED

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self._plans: list[AdapterPlan | None] = []

    def _plan(self) -> AdapterPlan | None:
        return self._plans[-1] if self._plans else None

    def _lines(self, nodes: list[cst.CSTNode]) -> list[int]:
        if self._module is None:
            return [0 for _ in nodes]
        found = start_positions(self._module, nodes)
        return [found.get(n, (0, 0))[0] for n in nodes]

    # -- class ----------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._first_finding.append(len(self.ctx.findings))
        plan = adapter_plan(self.ctx, node)
        if plan is None:
            self._stack.append(None)
            self._plans.append(None)
            return
        a = plan.analysis
        if plan.convertible and not self.ctx.target.has_default_dist_helper:
            # a RecurrentNetwork subclass may define only forward_rnn (RLlib's forward drives it)
            name = "forward" if "forward" in a.methods else "forward_rnn"
            method = a.methods.get(name, node)
            self.report(method, MANUAL,
                        f"{name}() needs the legacy inputs (input_dict rows, state list, seq_lens) "
                        "that rlmigrate.models.torch.legacy_inputs.legacy_forward_args builds; "
                        "--target ray has no such helper: use --target rlmigrate, or fold the "
                        "(B, T, ...) batch by hand")
            self.report(node, MANUAL, f"{node.name.value} left unchanged: its {name}() (line "
                        f"{self._lines([method])[0]}) needs legacy_forward_args, "
                        "which --target ray does not provide")
            self._stack.append(None)
            self._plans.append(None)
            return
        if not plan.convertible:
            self._report_blocked(node, a)
            self._stack.append(None)
            self._plans.append(None)
            return
        self._stack.append(a)
        self._plans.append(plan)
        self._report_plan(plan)

    def _report_blocked(self, node: cst.ClassDef, a: ModelAnalysis) -> None:
        for blocker in a.blockers:
            if blocker.code in (ADAPTER_RULE, "RLM001", VALUE_RULE):
                self.report(blocker.node, MANUAL, blocker.message, code=blocker.code)
        message, refs = manual_summary(a)
        self.report(node, MANUAL, message, line_refs=refs)

    def _report_plan(self, plan: AdapterPlan) -> None:
        for use in plan.requirements:
            self.report(use.statement, REVIEW,
                        f"view requirement {use.key!r} dropped: forward() never reads "
                        f"input_dict[{use.key!r}], it only fed the legacy sampler; if a loss "
                        "needs the column, add an env-to-module connector "
                        "(PrevActionsPrevRewards writes 'prev_n_actions'/'prev_n_rewards')")
        for node, key in plan.extra_keys:
            self.report(node, REVIEW,
                        f"input_dict[{key!r}] now reads the batch column {key!r} (folded to "
                        "(B*T, ...)): an env-to-module connector must provide it (Ray's "
                        "PrevActionsPrevRewards writes 'prev_n_actions'/'prev_n_rewards', (B, N))")
        for attr, legacy in sorted(plan.inner_models.items()):
            self.report(plan.analysis.methods["__init__"], REVIEW,
                        f"self.{attr} stays a legacy {legacy} (it needs Ray's legacy stack or "
                        "rlmigrate's shim; its weights load unchanged), called with the legacy "
                        "input_dict, state and seq_lens that legacy_forward_args builds")
        for name in ("forward", "forward_rnn"):
            for build in lazy_builds(plan.analysis.methods, name):
                self.report(build.guard, REVIEW,
                            lazy_build_message(build, name, plan.value_reruns_forward))
        if plan.time_major:
            self.report(plan.analysis.methods["__init__"], CONVERTED,
                        "self.time_major (set by the legacy ModelV2 base) is False in setup(): "
                        "RLModule batches are batch-major (B, T, ...)")

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        a = self._stack.pop()
        plan = self._plans.pop()
        self._first_finding.pop()
        if a is None or plan is None or a.node is not original:
            return updated
        self._stale_docstrings(a)
        bases = [cst.Arg(self.ctx.need("TorchRLModule"))]
        if self._convert_value(a):
            bases.append(cst.Arg(self.ctx.need("ValueFunctionAPI")))
        drop = set(map(id, a.legacy_bases + a.dropped_bases))
        for orig, upd in zip(original.bases, updated.bases):
            if id(orig) not in drop:
                bases.append(upd.with_changes(comma=cst.MaybeSentinel.DEFAULT))
                self.report(orig, REVIEW,
                            f"{original.name.value} keeps the base "
                            f"{cst.Module([]).code_for_node(orig.value)}: it now runs inside an "
                            "RLModule, whose attributes it must not assign")
        if plan.synthesized:
            bases_and_body = self._with_synthesized_forward(a, updated)
            updated = bases_and_body
        label = "RecurrentNetwork" if plan.base_kind == RECURRENT else "TorchModelV2"
        shape = ("outputs (B, T, ...), STATE_OUT keyed \"0\", \"1\", ...; forward_rnn kept as a "
                 "helper" if plan.base_kind == RECURRENT else
                 "outputs (B, T, ...) and STATE_OUT keyed \"0\", \"1\", ... when stateful")
        kept = ("RecurrentNetwork.forward written out as _forward: legacy_forward_args(batch, "
                "...) then recurrent_network_forward(...), seq_lens from the batch"
                if plan.synthesized else "forward() body kept; legacy_forward_args(batch, ...) "
                "binds its input_dict ((B*T, ...) rows), state list and seq_lens")
        self.report(original, REVIEW,
                    f"{original.name.value}: {label} → TorchRLModule ({kept}; {shape})")
        return updated.with_changes(bases=bases)

    def _with_synthesized_forward(self, a: ModelAnalysis, updated: cst.ClassDef) -> cst.ClassDef:
        """The class with ``_forward`` written out (RecurrentNetwork.forward's steps) before
        ``forward_rnn``, for a class that kept the legacy base's ``forward()``."""
        s = a.self_name
        args = self.ctx.need("legacy_forward_args").value
        outputs = self.ctx.need("legacy_forward_outputs").value
        steps = self.ctx.need("recurrent_network_forward").value
        method = cst.parse_statement(
            f"def _forward({s}, batch, **kwargs):\n"
            f"    input_dict, state, seq_lens = {args}(batch, {s}.observation_space, {s}.model_config)\n"
            f"    return {outputs}(batch, {steps}({s}, input_dict, state, seq_lens))\n"
        )
        assert isinstance(method, cst.FunctionDef) and isinstance(updated.body, cst.IndentedBlock)
        body = list(updated.body.body)
        at = next((i for i, stmt in enumerate(body)
                   if isinstance(stmt, cst.FunctionDef) and stmt.name.value == "forward_rnn"), len(body))
        method = method.with_changes(leading_lines=[cst.EmptyLine(indent=False)] if at else [])
        return updated.with_changes(body=updated.body.with_changes(body=body[:at] + [method] + body[at:]))

    # -- methods --------------------------------------------------------------------------
    def _obs_space_expr(self, self_name: str, a: ModelAnalysis | None = None) -> cst.BaseExpression:
        return N.call(self.ctx.need("legacy_observation_space"), N.expression(f"{self_name}.observation_space"))

    def _legacy_defaults(self, a: ModelAnalysis) -> list[cst.BaseStatement]:
        out = super()._legacy_defaults(a)
        plan = self._plan()
        if plan is not None and plan.legacy_obs_space:
            out.append(cst.SimpleStatementLine([cst.Assign(
                targets=[cst.AssignTarget(N.self_attr("obs_space", a.self_name))],
                value=self._obs_space_expr(a.self_name))]))
        if plan is not None and plan.time_major:
            out.append(cst.SimpleStatementLine(
                [cst.Assign(targets=[cst.AssignTarget(N.self_attr("time_major", a.self_name))],
                            value=cst.Name("False"))],
                trailing_whitespace=cst.TrailingWhitespace(
                    whitespace=cst.SimpleWhitespace("  "),
                    comment=cst.Comment("# RLModule batches are batch-major (B, T, ...)")),
            ))
        return out

    def _forward(self, a: ModelAnalysis, updated: cst.FunctionDef) -> cst.FunctionDef:
        s = a.self_name
        forward = a.methods["forward"]
        names = [p.name.value for p in (list(forward.params.posonly_params) + list(forward.params.params))[1:4]]
        helper = self.ctx.need("legacy_forward_args")
        binding = cst.SimpleStatementLine([cst.Assign(
            targets=[cst.AssignTarget(cst.Tuple(
                [cst.Element(cst.Name(n)) for n in names], lpar=[], rpar=[]))],
            value=N.call(helper, cst.Name("batch"), N.expression(f"{s}.observation_space"),
                         N.expression(f"{s}.model_config")),
        )])
        body = N.insert_after_docstring(updated.body, [binding])
        return updated.with_changes(
            name=cst.Name("_forward"), params=N.params(s, "batch", star_kwargs="kwargs"),
            body=body, returns=None,
        )

    def _compute_values(
        self, a: ModelAnalysis, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        plan = self._plan()
        prelude: list[cst.BaseStatement] = []
        if plan is not None and plan.value_reruns_forward:
            prelude.append(N.statement(f"{a.self_name}._forward(batch)\n"))
            self.report(original, REVIEW,
                        "value_function() → compute_values(batch, embeddings=None): it reads what "
                        "forward() cached, so it runs _forward(batch) first; its values keep the "
                        "legacy (B*T,) layout where the new stack prefers (B, T)", code=VALUE_RULE)
        else:
            self.report(original, REVIEW, VALUE_READS_NOTHING, code=VALUE_RULE)
        return compute_values_def(updated, a.self_name, prelude)

    # -- expressions ----------------------------------------------------------------------
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        plan = self._plan()
        if plan is not None and self._current() is not None and original in plan.time_dimension_calls:
            return updated.with_changes(func=self.ctx.need("add_time_dimension"))
        return super().leave_Call(original, updated)

    def leave_If(self, original: cst.If, updated: cst.If) -> cst.If | cst.RemovalSentinel:
        plan = self._plan()
        if plan is not None and self._current() is not None and original in plan.removed_ifs:
            return cst.RemovalSentinel.REMOVE
        return updated

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        a = self._current()
        plan = self._plan()
        if a is None or plan is None:
            return updated
        if original in a.returns.get("forward", ()) and updated.value is not None:
            value = updated.value
            if isinstance(value, cst.Tuple) and not value.lpar:
                value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            helper = self.ctx.need("legacy_forward_outputs")
            return updated.with_changes(value=N.call(helper, cst.Name("batch"), value))
        if original in a.returns.get("get_initial_state", ()) and updated.value is not None:
            return updated.with_changes(value=_state_dict(updated.value))
        return updated
