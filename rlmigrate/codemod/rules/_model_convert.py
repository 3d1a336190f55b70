"""The transformer behind RLM001 (TorchModelV2) and RLM010 (RecurrentNetwork).

It rewrites one analysed class in place, node by node, so comments and formatting of the code
it does not touch survive: the class keeps its name, its docstring, its attribute names (the
legacy ``state_dict`` loads unchanged) and every statement except the legacy base-class calls.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.findings import CONVERTED, MANUAL, REVIEW
from rlmigrate.codemod.module_names import legacy_name
from rlmigrate.codemod.rules._config_reads import defaults_dict
from rlmigrate.codemod.rules._lazy_build import lazy_build_message, lazy_builds
from rlmigrate.codemod.rules._manual_summary import manual_summary
from rlmigrate.codemod.rules._model_analysis import (
    CTOR_ROLES,
    FEEDFORWARD,
    READ_ONLY_MODULE_ATTRS,
    RECURRENT,
    ModelAnalysis,
    analyze,
    base_clashes,
    classify,
)
from rlmigrate.codemod.rules._model_rewrites import _IdiomRewrites, forward_params, forward_train
from rlmigrate.codemod.rules._stale_text import STALE_TERMS, stale_text
from rlmigrate.codemod.rules._stateful_analysis import takes_over
from rlmigrate.codemod.rules.base import Rule

VALUE_RULE = "RLM002"
#: RLM002's review when value_function() reads nothing forward() computed (RLM001 and RLM011)
VALUE_READS_NOTHING = ("value_function() reads nothing computed in forward(); check that "
                       "compute_values(batch) computes the value of this batch")
#: blocker codes the report-only rules (``_reporting._ModelBlockerReporter``) report
REPORTER_CODES = frozenset({"RLM061", "RLM064", "RLM065"})


class _ModelConverter(_IdiomRewrites, Rule):
    """Shared behaviour; subclasses set ``kind`` (which legacy base they convert)."""

    kind: ClassVar[str] = ""
    #: the new-stack base class the converted class extends
    module_base: ClassVar[str] = "TorchRLModule"
    #: the output key forward()'s first return value goes under
    output_column: ClassVar[str] = "ACTION_DIST_INPUTS"
    #: whether value_function() becomes compute_values() (ValueFunctionAPI)
    converts_value: ClassVar[bool] = True

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self._stack: list[ModelAnalysis | None] = []
        self._first_finding: list[int] = []  # len(ctx.findings) when each converted class began
        self._module: cst.Module | None = None

    # -- helpers --------------------------------------------------------------------------
    def _current(self) -> ModelAnalysis | None:
        return self._stack[-1] if self._stack else None

    def _convert_value(self, a: ModelAnalysis) -> bool:
        return self.converts_value and "value_function" in a.methods and self.ctx.is_selected(VALUE_RULE)

    def _embedding_expr(self, a: ModelAnalysis) -> cst.BaseExpression:
        if a.value_feature is not None:
            return cst.Name(a.value_feature[1])
        if len(a.cached_attrs) == 1:
            return N.self_attr(a.cached_attrs[0], a.self_name)
        return N.dict_of(
            [(cst.SimpleString(f'"{attr}"'), N.self_attr(attr, a.self_name)) for attr in a.cached_attrs]
        )

    def _obs_space_expr(self, self_name: str, a: ModelAnalysis | None = None) -> cst.BaseExpression:
        """What the constructor's ``obs_space`` parameter is bound to in ``setup()``: the
        module's space, or for a model that reads ``obs_flat`` (see :func:`reads_flat_obs`)
        the flat space the catalog's preprocessor gave the legacy model."""
        space = N.expression(f"{self_name}.observation_space")
        if a is not None and reads_flat_obs(a):
            return N.call(self._legacy_input("legacy_observation_space"), space)
        return space

    def _legacy_input(self, symbol: str) -> cst.Name:
        """A helper of ``rlmigrate.models.torch.legacy_inputs`` (Ray has no counterpart: with
        ``--target ray`` it is still imported from rlmigrate)."""
        if self.ctx.target.name == "ray":
            return self.ctx.need_from("rlmigrate.models.torch.legacy_inputs", symbol)
        return self.ctx.need(symbol)

    def _num_outputs_expr(self, self_name: str) -> cst.BaseExpression:
        if self.ctx.target.has_default_dist_helper:
            self.ctx.need("get_default_dist_cls")
            return N.expression(
                f"get_default_dist_cls({self_name}.action_space)"
                f".required_input_dim({self_name}.action_space)"
            )
        return N.expression(
            f"{self_name}.get_inference_action_dist_cls().required_input_dim({self_name}.action_space)"
        )

    # -- class ----------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._module = node  # manual findings name the lines of what blocks a class

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._first_finding.append(len(self.ctx.findings))
        kind, _ = classify(self.ctx, node)
        if kind != self.kind:
            self._stack.append(None)
            return
        a = analyze(self.ctx, node)
        if not a.convertible and takes_over(self.ctx, node):
            self._stack.append(None)  # RLM011 keeps its forward() body (_stateful_analysis)
            return
        self._stack.append(a if a.convertible else None)
        if not a.convertible:
            # every blocker is reported at its line once: the RLM06x reporters take theirs
            # for feed-forward and recurrent classes, this rule the rest (under their codes)
            reported = REPORTER_CODES if kind in (FEEDFORWARD, RECURRENT) else frozenset()
            for blocker in a.blockers:
                if blocker.code not in reported:
                    self.report(blocker.node, MANUAL, blocker.message, code=blocker.code)
            message, refs = manual_summary(a)
            self.report(node, MANUAL, message, line_refs=refs)

    def _kept_base(self, cls: cst.ClassDef, base: cst.Arg) -> None:
        """Review a non-legacy base the converted class keeps, naming each of its attribute
        assignments that rebinds an attribute RLModule owns (one finding at each)."""
        name = cst.Module([]).code_for_node(base.value)
        clashes = base_clashes(self.ctx, base.value)
        owned = sorted({c.attr.value for c in clashes})
        self.report(base, REVIEW,
                    f"{cls.name.value} keeps the base {name}: it now runs inside an RLModule, "
                    "whose attributes (config, catalog, observation_space, inference_only, ...) "
                    "it must not rebind" + (f"; {name} assigns {', '.join('self.' + o for o in owned)}"
                                            if owned else ""))
        for clash in clashes:
            attr = clash.attr.value
            self.report(clash, REVIEW,
                        f"{name} assigns self.{attr}, which the RLModule {cls.name.value} owns "
                        f"(RLModule.{attr}): inside the module this rebinds it; rename it in "
                        f"{name} (e.g. self.{legacy_name(attr)}) and in its readers")

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        a = self._stack.pop()
        first = self._first_finding.pop()
        if a is None or a.node is not original:
            return updated
        self._stale_docstrings(a)
        for where, status, message in a.notes:
            self.report(where, status, message)
        reruns = self._convert_value(a) and bool(a.cached_attrs or a.value_delegates)
        for build in lazy_builds(a.methods, a.forward_name):
            self.report(build.guard, REVIEW, lazy_build_message(build, a.forward_name, reruns))
        for guard in sorted(a.value_guards, key=id) if self._convert_value(a) else ():
            self.report(guard, CONVERTED, "this assert checked that forward() ran before "
                        "value_function(); compute_values computes from the batch, so it is "
                        "removed", code=VALUE_RULE)
        bases = [] if a.local_base is not None else [cst.Arg(self.ctx.need(self.module_base))]
        if self._convert_value(a) and a.local_base is None:
            bases.append(cst.Arg(self.ctx.need("ValueFunctionAPI")))
        drop = set(map(id, a.legacy_bases + a.dropped_bases))
        for orig, upd in zip(original.bases, updated.bases):
            if id(orig) not in drop:
                bases.append(upd.with_changes(comma=cst.MaybeSentinel.DEFAULT))
                if a.local_base is None:
                    self._kept_base(original, orig)
        if a.local_base is not None:
            if self._convert_value(a) and analyze(self.ctx, a.local_base).abstract:
                bases.append(cst.Arg(self.ctx.need("ValueFunctionAPI")))  # after the base
            own = [f"{old} → {new}" for old, new in (("forward", "_forward"),
                                                     ("value_function", "compute_values"))
                   if old in a.methods]
            detail = (f"its own {', '.join(own)}" if own else
                      f"it keeps {a.local_base.name.value}'s _forward and compute_values")
            self.report(original, status_of(self.ctx.findings[first:]),
                        f"{original.name.value}: subclass of {a.local_base.name.value}, converted "
                        f"with it (__init__ → setup(); {detail})")
            if own:
                self.ctx.need("Columns")
            return updated.with_changes(bases=bases)
        if a.abstract:
            self.report(original, REVIEW,
                        f"{original.name.value}: TorchModelV2 → TorchRLModule (setup() only): it has "
                        "no forward(), an abstract base (ModelV2.forward raised "
                        "NotImplementedError); its subclasses implement _forward(batch)")
            return updated.with_changes(bases=bases)
        self.ctx.need("Columns")
        status = REVIEW if self.kind == RECURRENT else status_of(self.ctx.findings[first:])
        detail = "stateful module; state list → dict keyed \"0\", \"1\", ...; outputs are (B, T, ...)" \
            if self.kind == RECURRENT else "setup(), _forward()"
        self.report(original, status,
                    f"{original.name.value}: {self._base_label()} → {self.module_base} ({detail})")
        return updated.with_changes(bases=bases)

    def _stale_docstrings(self, a: ModelAnalysis) -> None:
        """Docstrings of the class and its converted methods that name what the rewrite
        renamed or removed (the text is kept; a person rewords it)."""
        owners: list[cst.ClassDef | cst.FunctionDef] = [a.node]
        owners += [m for name, m in a.methods.items()
                   if name in ("__init__", a.forward_name, "value_function")]
        for owner in owners:
            doc = owner.get_docstring(clean=False) or ""
            stale = sorted(term for term in STALE_TERMS if term in doc)
            if stale:
                self.report(owner, REVIEW,
                            f"the docstring of {owner.name.value} names {', '.join(stale)}, which "
                            "the rewrite renamed or removed (setup(), _forward(batch), "
                            "compute_values(batch)): reword it")
        renamed = "(setup(), _forward(batch), compute_values(batch), TorchRLModule)"
        for node, terms in stale_text(a, self._convert_value(a)):
            what = "comment" if isinstance(node, cst.Comment) else "assert's message"
            self.report(node, REVIEW, f"this {what} names {', '.join(terms)}, which the rewrite "
                        f"renamed or removed {renamed}: reword it")

    def _base_label(self) -> str:
        return "RecurrentNetwork" if self.kind == RECURRENT else "TorchModelV2"

    # -- methods --------------------------------------------------------------------------
    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        a = self._current()
        if a is None or a.methods.get(original.name.value) is not original:
            return updated
        decorators = [
            upd for orig, upd in zip(original.decorators, updated.decorators)
            if orig not in a.removed_decorators
        ]
        updated = updated.with_changes(decorators=decorators)
        name = original.name.value
        if name == "__init__":
            return self._setup(a, updated)
        if name == a.forward_name:
            return self._forward(a, updated)
        if name == "value_function" and self._convert_value(a):
            return self._compute_values(a, original, updated)
        return updated

    def _setup(self, a: ModelAnalysis, updated: cst.FunctionDef) -> cst.FunctionDef:
        s = a.self_name
        bindings: list[cst.BaseStatement] = []
        local_num_outputs = None
        for role in CTOR_ROLES:
            param = a.ctor_params.get(role)
            if param is None or param.name.value not in a.used_ctor_names:
                continue
            local = param.name.value
            if role == "obs_space":
                value = self._obs_space_expr(s, a)
            elif role == "action_space":
                value = N.expression(f"{s}.action_space")
            elif role == "num_outputs":
                value = self._num_outputs_expr(s)
                local_num_outputs = local
            elif role == "model_config":
                value = N.expression(f"{s}.model_config")
                if a.full_defaults:
                    table = self.ctx.need_from(self.ctx.target.legacy_defaults_module, "MODEL_DEFAULTS")
                    value = cst.Dict([cst.StarredDictElement(table), cst.StarredDictElement(value)])
                elif a.default_keys and not a.defaults_via_self:
                    value = defaults_dict(a.default_keys, value)
            else:
                value = N.expression(f"type({s}).__name__")
                self.report(param, REVIEW,
                            f"the legacy model name argument {local!r} has no RLModule "
                            "counterpart; it is bound to the class name")
            bindings.append(N.assign(local, value))
        for param in a.custom_params:
            local = param.name.value
            if local not in a.used_ctor_names:
                continue
            key = cst.SimpleString(f'"{local}"')
            if param.default is not None:
                value = N.call(N.expression(f"{s}.model_config.get"), key, param.default)
            else:
                value = cst.Subscript(
                    value=N.expression(f"{s}.model_config"),
                    slice=[cst.SubscriptElement(cst.Index(key))],
                )
            bindings.append(N.assign(local, value))
        if isinstance(a.star_kwargs, cst.Param) and a.star_kwargs.name.value in a.used_ctor_names:
            bindings.append(N.assign(a.star_kwargs.name.value, N.expression(f"dict({s}.model_config)")))
        if a.reads_num_outputs:
            value = cst.Name(local_num_outputs) if local_num_outputs else self._num_outputs_expr(s)
            bindings.append(cst.SimpleStatementLine([
                cst.Assign(targets=[cst.AssignTarget(N.self_attr("num_outputs", s))], value=value)
            ]))
        bindings = self._legacy_defaults(a) + bindings
        body = N.insert_after_docstring(updated.body, bindings)
        return updated.with_changes(
            name=cst.Name("setup"), params=N.params(s), body=N.ensure_body(body),
            returns=None, whitespace_before_params=cst.SimpleWhitespace(""),
        )

    def _whole_input_models(self, a: ModelAnalysis) -> set[str]:
        """Inner legacy models ``forward`` hands its whole ``input_dict`` (``self.X(input_dict,
        state, seq_lens)``): with the legacy-input helpers (``--target rlmigrate``) they are
        built on the legacy observation space and called with the legacy input_dict."""
        if not self.ctx.target.has_default_dist_helper:
            return set()
        out: set[str] = set()
        for call, whole in a.delegations.items():
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value == "forward":
                func = func.value
            if whole and isinstance(func, cst.Attribute):
                out.add(func.attr.value)
        return out

    def _legacy_defaults(self, a: ModelAnalysis) -> list[cst.BaseStatement]:
        """Report how the rewrite keeps what the legacy model read from ``MODEL_DEFAULTS``;
        the statement that merges them into ``self.model_config`` when it is read there."""
        init = a.methods["__init__"]
        for old, new in sorted({(n.attr.value, v) for n, v in a.renamed_attrs.items()
                                if v in READ_ONLY_MODULE_ATTRS.values()}):
            self.report(init, CONVERTED, f"self.{old} → self.{new}: RLModule has its own "
                        f"{old}, which the legacy attribute would rebind")
        whole = self._whole_input_models(a)
        for attr, legacy in a.inner_models.items():
            given = (
                "is built on legacy_observation_space(...) (the flattened space the catalog "
                "gave the legacy model) and gets legacy_forward_args(batch, ...)[0] where it got "
                "input_dict (the obs and obs_flat ModelV2.__call__ built, Dict/Discrete/Repeated "
                "observations included)" if attr in whole else
                "gets {\"obs\": batch[Columns.OBS]} where it got input_dict (the same tensors "
                "for Box observations)")
            self.report(init, REVIEW,
                        f"self.{attr} stays a legacy {legacy} (it needs Ray's legacy stack or "
                        "rlmigrate's shim; its weights load unchanged): it gets model_config with "
                        f"RLlib 2.10's MODEL_DEFAULTS merged in, and {given}")
        if reads_flat_obs(a):
            self.report(init, CONVERTED,
                        "input_dict[\"obs_flat\"] → legacy_train_obs(batch[Columns.OBS], "
                        "observation_space): the catalog preprocessor's flat vector the legacy "
                        "model read, for any observation space; obs_space → "
                        "legacy_observation_space(observation_space), the flat space it was built on")
        if a.default_keys and not a.full_defaults:
            keys = ", ".join(a.default_keys)
            self.report(init, CONVERTED,
                        f"model_config keys {keys} keep RLlib 2.10's defaults (the legacy model "
                        "saw MODEL_DEFAULTS merged into its config; the module sees only its spec's)")
        for node in a.config_escapes[:1]:
            self.report(node, REVIEW,
                        "model_config is used here other than by a literal key: the legacy model "
                        "saw RLlib 2.10's MODEL_DEFAULTS merged into it, the migrated module sees "
                        "only its spec's model_config; merge the defaults it needs "
                        "(rlmigrate.core.legacy_config.MODEL_DEFAULTS)")
        if not (a.default_keys and a.defaults_via_self):
            return []
        s = a.self_name
        merged = defaults_dict(a.default_keys, N.expression(f"{s}.model_config"))
        return [cst.SimpleStatementLine([
            cst.Assign(targets=[cst.AssignTarget(N.self_attr("model_config", s))], value=merged)
        ])]

    def _forward(self, a: ModelAnalysis, updated: cst.FunctionDef) -> cst.FunctionDef:
        s = a.self_name
        bindings: list[cst.BaseStatement] = []
        if self.kind == RECURRENT:
            self.ctx.need("Columns")
            bindings.append(N.assign(
                a.input_name or "inputs",
                N.expression("batch[Columns.OBS].flatten(start_dim=2).float()"),
            ))
            if a.state_used and a.state_name:
                bindings.append(N.assign(a.state_name, N.expression(
                    "[batch[Columns.STATE_IN][str(i)] for i in range(len(batch[Columns.STATE_IN]))]"
                )))
        body = N.insert_after_docstring(updated.body, bindings)
        converted = updated.with_changes(
            name=cst.Name("_forward"), params=forward_params(a, s), body=body, returns=None,
            whitespace_before_params=cst.SimpleWhitespace(""),
        )
        if a.training_flag:
            return cst.FlattenSentinel([converted, forward_train(s)])  # type: ignore[return-value]
        return converted

    def _compute_values(
        self, a: ModelAnalysis, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        s = a.self_name
        prelude: list[cst.BaseStatement] = [
            N.assign(param.name.value, param.default) for param in a.value_defaults
            if param.default is not None
        ]
        if a.value_defaults:
            names = ", ".join(p.name.value for p in a.value_defaults)
            self.report(original, CONVERTED,
                        f"value_function's optional parameter(s) {names} keep their defaults in "
                        "compute_values: RLlib always called value_function() without arguments",
                        code=VALUE_RULE)
        if a.value_delegates:
            prelude.append(N.statement(f"{s}._forward(batch)\n"))
            self.report(original, REVIEW,
                        "value_function() → compute_values(batch, embeddings=None): it asks the "
                        "inner legacy model, which caches its value input in forward(), so "
                        "compute_values runs _forward(batch) first", code=VALUE_RULE)
        elif a.cached_attrs:
            self.ctx.need("Columns")
            prelude.append(N.statement(
                "if embeddings is None:\n"
                f"    embeddings = {s}._forward(batch)[Columns.EMBEDDINGS]\n"
            ))
            if self.kind == RECURRENT:
                self.report(original, REVIEW,
                            "value_function() → compute_values(batch, embeddings=None); it returns "
                            "what value_function returned (often (B*T,)), where the new stack "
                            "expects (B, T)", code=VALUE_RULE)
            elif a.value_feature is not None:
                attr, feature = a.value_feature[:2]
                self.report(original, CONVERTED,
                            "value_function() → compute_values(batch, embeddings=None): forward() "
                            f"puts its features ({feature}) under Columns.EMBEDDINGS and "
                            f"compute_values recomputes self.{attr} from them", code=VALUE_RULE)
            else:
                self.report(original, CONVERTED,
                            "value_function() → compute_values(batch, embeddings=None): "
                            f"recomputes {', '.join('self.' + c for c in a.cached_attrs)} from the "
                            "batch when no embeddings are given", code=VALUE_RULE)
        else:
            self.report(original, REVIEW, VALUE_READS_NOTHING, code=VALUE_RULE)
        return compute_values_def(updated, s, prelude, whitespace_before_params=cst.SimpleWhitespace(""))

    # -- expressions ----------------------------------------------------------------------
    def leave_Subscript(self, original: cst.Subscript, updated: cst.BaseExpression) -> cst.BaseExpression:
        a = self._current()
        if a is not None and original in a.rewrites:
            return self._rewritten(original, updated)  # type: ignore[no-any-return]
        if a is None or original not in a.obs_subscripts:
            return updated
        self.ctx.need("Columns")
        obs = N.expression("batch[Columns.OBS]")
        if a.obs_subscripts[original] == "obs_flat":
            if reads_flat_obs(a):  # the preprocessor's vector, for any observation space
                helper = self._legacy_input("legacy_train_obs")
                return N.expression(
                    f"{helper.value}(batch[Columns.OBS], {a.self_name}.observation_space)"
                    ".flatten(start_dim=1)")
            return N.expression("batch[Columns.OBS].flatten(start_dim=1)")
        if handles_structured_obs(a):  # what ModelV2.__call__ restored, for any space
            helper = self._legacy_input("legacy_obs")
            return N.expression(f"{helper.value}(batch[Columns.OBS], {a.self_name}.observation_space)")
        return obs

    def leave_Attribute(self, original: cst.Attribute, updated: cst.BaseExpression) -> cst.BaseExpression:
        a = self._current()
        if a is None:
            return updated
        if original in a.rewrites:
            return self._rewritten(original, updated)  # type: ignore[no-any-return]
        if original in a.original_space_reads and isinstance(updated, cst.Attribute):
            return updated.value  # the module's observation_space is the original space
        if original in a.renamed_attrs and isinstance(updated, cst.Attribute):
            renamed = updated.with_changes(attr=cst.Name(a.renamed_attrs[original]))
            if a.renamed_attrs[original] == "observation_space" and reads_flat_obs(a):
                return N.call(self._legacy_input("legacy_observation_space"), renamed)
            return renamed
        if original in a.cached_reads and self._convert_value(a):
            if a.value_feature is not None:
                return _value_from_features(a.value_feature[1], a.value_feature[2])
            if len(a.cached_attrs) == 1:
                return cst.Name("embeddings")
            return cst.Subscript(
                value=cst.Name("embeddings"),
                slice=[cst.SubscriptElement(cst.Index(cst.SimpleString(f'"{original.attr.value}"')))],
            )
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        a = self._current()
        if a is not None and original in a.rewrites:
            return self._rewritten(original, updated)  # type: ignore[no-any-return]
        if a is not None and original in a.parent_inits:
            # super().__init__(...) / Base.__init__(self, ...) → the base's setup()
            assert isinstance(updated.func, cst.Attribute)
            keep_self = [] if isinstance(updated.func.value, cst.Call) else updated.args[:1]
            return updated.with_changes(
                func=updated.func.with_changes(attr=cst.Name("setup")),
                args=[arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in keep_self],
            )
        if a is not None and a.inner_model_ctors.get(original) in self._whole_input_models(a):
            return _on_legacy_space(updated, self.ctx.need("legacy_observation_space"))
        if a is None or original not in a.delegations:
            return updated
        self.ctx.need("Columns")
        args = list(updated.args)
        if a.delegations[original] and self._whole_input_models(a):
            helper = self.ctx.need("legacy_forward_args")
            legacy_input = cst.Subscript(
                value=N.call(helper, cst.Name("batch"), N.expression(f"{a.self_name}.observation_space"),
                             N.expression(f"{a.self_name}.model_config")),
                slice=[cst.SubscriptElement(cst.Index(cst.Integer("0")))])
            args[0] = args[0].with_changes(value=legacy_input)
        elif a.delegations[original]:
            args[0] = args[0].with_changes(value=N.expression('{"obs": batch[Columns.OBS]}'))
        args[1] = args[1].with_changes(value=cst.List([]))
        args[2] = args[2].with_changes(value=cst.Name("None"))
        return updated.with_changes(args=args)

    def leave_Comparison(self, original: cst.Comparison, updated: cst.BaseExpression) -> cst.BaseExpression:
        a = self._current()
        if a is not None and original in a.obs_membership:
            return cst.Name("True", lpar=updated.lpar, rpar=updated.rpar)  # type: ignore[attr-defined]
        return updated

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        a = self._current()
        if a is None:
            return updated
        if original in a.delegated_returns and updated.value is not None:
            outputs = cst.Subscript(value=updated.value,
                                    slice=[cst.SubscriptElement(cst.Index(cst.Integer("0")))])
            return updated.with_changes(value=N.dict_of([(N.column(self.output_column), outputs)]))
        if original in a.returns.get(a.forward_name, ()):
            assert isinstance(updated.value, cst.Tuple)
            outputs = updated.value.elements[0].value
            items = [(N.column(self.output_column), outputs)]
            if self.kind == RECURRENT:
                items.append((N.column("STATE_OUT"), _state_dict(updated.value.elements[1].value)))
            if self._convert_value(a) and a.cached_attrs:
                items.append((N.column("EMBEDDINGS"), self._embedding_expr(a)))
            return updated.with_changes(value=N.dict_of(items))
        if self.kind == RECURRENT and original in a.returns.get("get_initial_state", ()):
            if updated.value is not None:
                return updated.with_changes(value=_state_dict(updated.value))
        return updated

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        a = self._current()
        if a is None or not a.removed_statements:
            return updated
        kept = [
            upd for orig, upd in zip(original.body, updated.body)
            if orig not in a.removed_statements
        ]
        if len(kept) == len(updated.body):
            return updated
        if not kept:
            return cst.RemovalSentinel.REMOVE
        kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=kept)


def reads_flat_obs(a: ModelAnalysis) -> bool:
    """The model reads ``input_dict["obs_flat"]`` and never the original space: it was built
    on the catalog preprocessor's flat space and consumed its vector, so the module binds
    ``obs_space`` to ``legacy_observation_space(...)`` and reads ``obs_flat`` as
    ``legacy_train_obs(...)`` (both the plain space and ``.flatten(start_dim=1)`` for a Box
    observation; the one-hot/concatenated vector for Dict, Tuple and discrete ones)."""
    return ("obs_flat" in a.obs_subscripts.values() and not a.original_space_reads
            and not a.original_space_idioms)


def handles_structured_obs(a: ModelAnalysis) -> bool:
    """The model handles the original (structured) observation itself: it restores it
    (``restore_original_dimensions``) or reads ``obs_space.original_space``. Its
    ``input_dict["obs"]`` was the catalog-preprocessed observation put back into that structure
    (discrete leaves one-hot, every leaf float32), which the raw batch observation equals only
    for float32 boxes; so its reads become ``legacy_obs(batch[Columns.OBS], observation_space)``
    (the very batch tensor for a space RLlib did not preprocess)."""
    return a.restores_obs or a.original_space_idioms or bool(a.original_space_reads)


def status_of(findings: list) -> str:  # type: ignore[type-arg]
    """``review`` when any of a class's own findings is, else ``converted``."""
    return REVIEW if any(f.status == REVIEW for f in findings) else CONVERTED


class _Rename(cst.CSTTransformer):
    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        return updated.with_changes(attr=original.attr)  # x.old stays an attribute name

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        return updated.with_changes(value=self.new) if original.value == self.old else updated


def _on_legacy_space(ctor: cst.Call, helper: cst.BaseExpression) -> cst.Call:
    """An inner legacy model's constructor with its observation space (the first positional
    argument, or ``obs_space=``) wrapped in ``legacy_observation_space(...)``."""
    args = list(ctor.args)
    for i, arg in enumerate(args):
        if (arg.keyword is None and not arg.star and i == 0) or (
            arg.keyword is not None and arg.keyword.value == "obs_space"
        ):
            args[i] = arg.with_changes(value=N.call(helper, arg.value))
            return ctor.with_changes(args=args)
    return ctor


def _value_from_features(feature: str, expr: cst.BaseExpression) -> cst.BaseExpression:
    """``expr`` (forward's value computation) reading ``embeddings`` where it read ``feature``."""
    value = expr.deep_clone().visit(_Rename(feature, "embeddings"))
    assert isinstance(value, cst.BaseExpression)
    if isinstance(value, (cst.Call, cst.Attribute, cst.Subscript, cst.Name)):
        return value
    return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def compute_values_def(updated: cst.FunctionDef, self_name: str, prelude: list[cst.BaseStatement],
                       **changes: object) -> cst.FunctionDef:
    """``value_function`` as ``compute_values(self, batch, embeddings=None)``, ``prelude``
    after its docstring (``changes``: further fields of the def to replace)."""
    return updated.with_changes(
        name=cst.Name("compute_values"),
        params=N.params(self_name, "batch", defaults={"embeddings": "None"}),
        body=N.insert_after_docstring(updated.body, prelude), returns=None, **changes,
    )


def _state_dict(value: cst.BaseExpression) -> cst.BaseExpression:
    """A legacy state list → the new-stack state dict keyed "0", "1", ..."""
    if isinstance(value, (cst.List, cst.Tuple)) and not any(
        isinstance(e, cst.StarredElement) for e in value.elements
    ):
        return N.dict_of(
            [(cst.SimpleString(f'"{i}"'), e.value) for i, e in enumerate(value.elements)]
        )
    comp = N.expression("{str(i): s for i, s in enumerate(STATE)}")
    assert isinstance(comp, cst.DictComp)
    return comp.with_changes(
        for_in=comp.for_in.with_changes(iter=comp.for_in.iter.with_changes(args=[cst.Arg(value)]))
    )


__all__ = ["_ModelConverter", "FEEDFORWARD", "RECURRENT"]
