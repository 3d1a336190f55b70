"""Analysis of a legacy model class (``TorchModelV2`` / ``RecurrentNetwork`` subclass).

One pass over the original ``ClassDef`` answers everything the converting rules (RLM001,
RLM002, RLM010) and the reporting rules (RLM06x) need: which methods exist, what the
constructor parameters mean, which attributes ``value_function`` reads from the forward pass,
and what blocks a mechanical conversion (with the code that reports it). The result is cached
per class in the file context, so every rule sees the same answer.

The kinds, the :class:`ModelAnalysis` record and :func:`classify` live in ``_model_kinds``
(re-exported here); this module runs the analysis pass (:func:`analyze`).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.findings import REVIEW
from rlmigrate.codemod.legacy_api import (
    GENERIC_MODEL_BASES,
    LEGACY_MODEL_MEMBERS,
    MODEL_BASES,
    RECURRENT_BASES,
)
from rlmigrate.codemod.module_names import CLASHING, legacy_name
from rlmigrate.codemod.nodes import is_self_attr, string_value, walk
from rlmigrate.codemod.rules._config_reads import config_reads
from rlmigrate.codemod.rules._legacy_members import (
    MODULE_PROVIDED,
    class_members,
    member_replacement,
)
from rlmigrate.codemod.rules._model_idioms import (
    helper_inputs,
    no_forward_message,
    optional_value_params,
    original_space_idioms,
    parent_init_problem,
    training_reads,
    value_guards,
)
from rlmigrate.codemod.rules._model_kinds import (
    BUILTIN_SUBCLASS,
    DQN,
    FEEDFORWARD,
    FEEDFORWARD_LIKE,
    GENERIC,
    RECURRENT,
    TF,
    Blocker,
    ModelAnalysis,
    classify,
    is_model_interface,
    local_model_base,
)

__all__ = [
    "FEEDFORWARD",
    "RECURRENT",
    "TF",
    "GENERIC",
    "BUILTIN_SUBCLASS",
    "CTOR_ROLES",
    "READ_ONLY_MODULE_ATTRS",
    "base_clashes",
    "NN_MODULE",
    "OBS_KEYS",
    "VIEW_REQUIREMENTS",
    "CUSTOM_LOSS",
    "MODEL_METRICS",
    "LEGACY_ATTRIBUTE",
    "SEQ_LENS",
    "Blocker",
    "ModelAnalysis",
    "classify",
    "analyze",
]

# built-in legacy models a converted class may keep inside (stateless: called as
# model(input_dict, state, seq_lens) with state [] and no sequence arithmetic)
INNER_MODELS = frozenset({"FullyConnectedNetwork", "VisionNetwork", "ComplexInputNetwork"})
# attributes a legacy model may assign that are read-only properties of an RLModule: the
# rewrite renames them throughout the class
#: Legacy attributes that would rebind an RLModule's own (``self.config``, ``self.catalog``...),
#: renamed in the converted class when the class assigns them.
READ_ONLY_MODULE_ATTRS = {name: legacy_name(name) for name in sorted(CLASHING)}
CTOR_ROLES = ("obs_space", "action_space", "num_outputs", "model_config", "name")
NN_MODULE = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module"})
OBS_KEYS = {"obs": "obs", "obs_flat": "obs_flat", "OBS": "obs", "CUR_OBS": "obs"}

# Codes of the reporting rules (kept here so analysis and rules agree).
VIEW_REQUIREMENTS = "RLM061"
CUSTOM_LOSS = "RLM062"
MODEL_METRICS = "RLM063"
LEGACY_ATTRIBUTE = "RLM064"
STATEFUL_HOME = ("a stateful RLModule reads batch[Columns.STATE_IN], returns Columns.STATE_OUT and "
                 "its get_initial_state() returns a dict")
SEQ_LENS = "RLM065"


_WALKS: dict[tuple[int, bool], list[cst.CSTNode]] = {}


def _walk(node: cst.CSTNode, *, into_functions: bool = True) -> list[cst.CSTNode]:
    """``nodes.walk`` as a list, cached for the class being analysed (its methods are walked
    by a dozen questions; one walk each is enough), without spaces and line breaks (no
    question asks about those; comments are kept)."""
    key = (id(node), into_functions)
    found = _WALKS.get(key)
    if found is None or found[0] is not node:
        found = _WALKS[key] = list(walk(node, into_functions=into_functions, blanks=False))
    return found


def analyze(ctx: FileContext, node: cst.ClassDef) -> ModelAnalysis:
    """Analyse ``node`` once per file (cached in ``ctx.shared``)."""
    cache: dict[cst.ClassDef, ModelAnalysis] = ctx.shared.setdefault("model_analysis", {})
    if node not in cache:
        cache[node] = _Analyzer(ctx, node).run()
    return cache[node]


class _Analyzer:
    def __init__(self, ctx: FileContext, node: cst.ClassDef) -> None:
        _WALKS.clear()  # one class at a time: the cache never outlives its nodes' use
        self.ctx = ctx
        kind, legacy = classify(ctx, node)
        self.a = ModelAnalysis(node=node, kind=kind, legacy_bases=legacy)

    def block(self, node: cst.CSTNode, code: str, message: str) -> None:
        self.a.blockers.append(Blocker(node, code, message))

    def run(self) -> ModelAnalysis:
        a = self.a
        if a.kind not in (FEEDFORWARD, RECURRENT, DQN) or is_model_interface(a.node, a.kind):
            return a
        for arg in a.node.bases:
            if self.ctx.qualified_names(arg.value) & NN_MODULE:
                a.dropped_bases.append(arg)
        if a.node.keywords:
            self.block(a.node, "RLM001", "class keywords (metaclass=...) are not converted: an RLModule subclass takes none; "
                       "move what the metaclass does into setup()")
        body = a.node.body.body if isinstance(a.node.body, cst.IndentedBlock) else ()
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef):
                a.methods[stmt.name.value] = stmt
        a.forward_name = "forward_rnn" if a.kind == RECURRENT else "forward"
        if not a.legacy_bases:
            a.local_base = local_model_base(self.ctx, a.node)
            if a.local_base is not None and not self._local_base_ok(a.local_base):
                return a
        self._attributes()
        self._decorators()
        if "__init__" in a.methods:
            self._constructor(a.methods["__init__"])
        if a.kind == RECURRENT and "forward" in a.methods:
            self.block(a.methods["forward"], "RLM010",
                       "RecurrentNetwork subclass overrides forward() (where RecurrentNetwork added the "
                       "time dimension before forward_rnn): a stateful RLModule's _forward gets "
                       "(B, T, ...) batches directly; move that logic into _forward by hand")
        forward = a.methods.get(a.forward_name)
        if forward is not None:
            self._forward(forward)
        elif a.local_base is None and a.kind == FEEDFORWARD and set(a.methods) <= {"__init__"}:
            a.abstract = True  # a base class of other models: ModelV2.forward raised
        elif a.local_base is None:
            self.block(a.node, "RLM001", no_forward_message(a))
        original_space_idioms(self.ctx, a)
        if a.kind in FEEDFORWARD_LIKE and "get_initial_state" in a.methods:
            self.block(a.methods["get_initial_state"], "RLM001",
                       "stateful TorchModelV2 (get_initial_state without RecurrentNetwork): port it by "
                       f"hand as a stateful RLModule: {STATEFUL_HOME}")
        if "value_function" in a.methods:
            self._value_function(a.methods["value_function"])
        self._config_reads()
        self._original_space()
        for name in ("get_initial_state",):
            if name in a.methods:
                a.returns[name] = _own_returns(a.methods[name])
        return a

    def _local_base_ok(self, base: cst.ClassDef) -> bool:
        """A subclass converts with its base when the base converts and the subclass keeps
        the base's forward()/value_function() (their outputs and EMBEDDINGS must agree)."""
        a = self.a
        if not analyze(self.ctx, base).convertible:
            from rlmigrate.codemod.rules._stateful_analysis import adapter_plan, takes_over

            plan = adapter_plan(self.ctx, base) if takes_over(self.ctx, base) else None
            if plan is not None and plan.convertible:
                self.block(a.node, "RLM001", f"its base {base.name.value} is rewritten by RLM011 "
                           "(its legacy forward() body kept), which does not carry subclasses "
                           f"along: port {a.node.name.value} on top of the rewritten base by hand")
            else:
                self.block(a.node, "RLM001", f"its base {base.name.value} is left unchanged (see the "
                           "finding on that class's line): port them together")
            return False
        overridden = sorted({"forward", "value_function"} & set(a.methods))
        if overridden and analyze(self.ctx, base).abstract:
            return True  # the abstract base left forward() to its subclasses
        if overridden:
            self.block(a.methods[overridden[0]], "RLM001",
                       f"overrides {', '.join(overridden)} of its converted base "
                       f"{base.name.value}: port it with its base")
            return False
        return True

    # -- attributes -----------------------------------------------------------------------
    def _attributes(self) -> None:
        a = self.a
        stores: set[cst.CSTNode] = set()
        assigned: set[str] = set()
        reads: list[cst.Attribute] = []
        for method in a.methods.values():
            self_name = _self_name(method)
            if self_name is None:
                continue
            for node in _walk(method):
                for target in _store_targets(node):
                    for t in _walk(target):
                        if is_self_attr(t, self_name):
                            stores.add(t)
                            assigned.add(t.attr.value)
                if is_self_attr(node, self_name):
                    reads.append(node)
        assigned |= class_members(a.node)
        if a.local_base is not None:
            assigned |= class_members(a.local_base, with_stores=True)
        for node in reads:
            name = node.attr.value
            if name in MODULE_PROVIDED:
                continue  # the RLModule has it too, with the same value ("torch")
            if name in READ_ONLY_MODULE_ATTRS and name in assigned:
                if READ_ONLY_MODULE_ATTRS[name] in assigned:
                    self.block(node, LEGACY_ATTRIBUTE,
                               f"self.{name} is an RLModule attribute and its new name "
                               f"self.{READ_ONLY_MODULE_ATTRS[name]} is taken in this class: "
                               "rename one of them by hand")
                    continue
                a.renamed_attrs[node] = READ_ONLY_MODULE_ATTRS[name]
                continue
            if name == "view_requirements":
                self.block(node, VIEW_REQUIREMENTS,
                           "view_requirements have no RLModule counterpart: move the extra "
                           "inputs into ConnectorV2 pieces (env-to-module / learner)")
            elif name in LEGACY_MODEL_MEMBERS and name not in assigned:
                self.block(node, LEGACY_ATTRIBUTE,
                           f"self.{name} is provided by the legacy ModelV2 base and does not "
                           f"exist on RLModule: {member_replacement(name)}")
            elif name.startswith("_") and not name.startswith("__") and name not in assigned:
                self.block(node, LEGACY_ATTRIBUTE,
                           f"self.{name} is read but never assigned in this class: it is a "
                           f"private attribute of the legacy base class; {member_replacement(name)}")
            elif name == "obs_space" and node not in stores:
                a.renamed_attrs[node] = "observation_space"
            elif name == "num_outputs" and node not in stores:
                # the legacy base set it before __init__'s body ran (a later assignment in
                # the body still overrides it, as it did)
                a.reads_num_outputs = True
            elif name == "value_function" and a.kind is not None:
                pass

    def _decorators(self) -> None:
        for method in self.a.methods.values():
            for deco in method.decorators:
                target = deco.decorator
                if isinstance(target, cst.Call) and self.ctx.legacy_symbols(target.func) & {"override"}:
                    self.a.removed_decorators.add(deco)

    def _config_reads(self) -> None:
        a = self.a
        param = a.ctor_params.get("model_config")
        removed = {n for s in [*a.removed_statements, *a.parent_inits] for n in _walk(s)}
        refs = {r for r in _references(self.ctx, param) if r not in removed} if param else set()
        reads = config_reads(a.methods, refs, _walk)
        a.default_keys, a.defaults_via_self = reads.keys, reads.via_self
        into_inner = self._args_of_inner_models()
        a.config_escapes = [n for n in reads.escapes if n not in into_inner]
        a.full_defaults = any(n in into_inner for n in reads.escapes)

    def _args_of_inner_models(self) -> set[cst.CSTNode]:
        init = self.a.methods.get("__init__")
        out: set[cst.CSTNode] = set()
        if init is None:
            return out
        for node in _walk(init, into_functions=False):
            if isinstance(node, cst.Call) and self.ctx.legacy_symbols(node.func) & INNER_MODELS:
                out.update(arg.value for arg in node.args)
        return out

    # -- constructor ----------------------------------------------------------------------
    def _wrapped_output_checks(self, init: cst.FunctionDef) -> None:
        """``num_outputs is None`` (the parameter or ``self.num_outputs``): the model was written
        to be wrapped. RLlib's catalog built a custom model with ``num_outputs=None`` only for
        ``use_lstm`` / ``use_attention`` (LSTMWrapper / AttentionWrapper: the model's features
        into the recurrent layer, then the wrapper's logits and value heads). An RLModule is
        never wrapped, so the rewrite of the class alone is not what such a run computed."""
        a = self.a
        param = a.ctor_params.get("num_outputs")
        for node in _walk(init):
            if not (isinstance(node, cst.Comparison) and len(node.comparisons) == 1
                    and isinstance(node.comparisons[0].operator, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual))
                    and isinstance(node.comparisons[0].comparator, cst.Name)
                    and node.comparisons[0].comparator.value == "None"):
                continue
            left = node.left
            if (param is not None and isinstance(left, cst.Name) and left.value == param.name.value) \
                    or is_self_attr(left, a.self_name, "num_outputs"):
                a.notes.append((node, REVIEW,
                                f"{a.node.name.value} handles num_outputs=None, which RLlib's catalog "
                                "passed only when it wrapped the model for use_lstm/use_attention "
                                "(LSTMWrapper/AttentionWrapper: these features into the recurrent layer, "
                                "then the wrapper's logits and value heads); an RLModule is never "
                                "wrapped and sizes its head from the action distribution: where the "
                                "model config sets use_lstm/use_attention, port the recurrent layer into "
                                "the module (a stateful _forward with Columns.STATE_IN/STATE_OUT)"))
                return

    def _constructor(self, init: cst.FunctionDef) -> None:
        a = self.a
        p = init.params
        positional = list(p.posonly_params) + list(p.params)
        if not positional:
            self.block(init, "RLM001", "__init__ has no self parameter: setup(self) needs one")
            return
        a.self_name = positional[0].name.value
        rest = positional[1:]
        for role, param in zip(CTOR_ROLES, rest):
            a.ctor_params[role] = param
        a.custom_params = rest[len(CTOR_ROLES):] + list(p.kwonly_params)
        if isinstance(p.star_arg, cst.Param):
            self.block(p.star_arg, "RLM001", "__init__(*args) cannot be mapped to model_config: custom arguments reach setup() "
                       "by name, as self.model_config[key]; give them names")
        a.star_kwargs = p.star_kwarg
        self._wrapped_output_checks(init)
        self._inner_models(init)
        for stmt in _walk(init, into_functions=False):
            if isinstance(stmt, cst.Expr) and isinstance(stmt.value, cst.Call):
                if a.local_base is not None and self._is_parent_init(stmt.value):
                    a.parent_inits.add(stmt.value)
                elif self._is_super_init(stmt.value, a.self_name):
                    a.removed_statements.add(stmt)
            elif isinstance(stmt, cst.Call) and self._is_legacy_base_call(stmt) and not any(
                stmt is s.value for s in a.removed_statements if isinstance(s, cst.Expr)
            ):
                pass
        for call in a.parent_inits if a.local_base is not None else ():
            problem = parent_init_problem(a, analyze(self.ctx, a.local_base), call)
            if problem:
                self.block(call, "RLM001",
                           f"{problem}: on the new stack {a.local_base.name.value}.setup() reads "
                           "its spaces and model_config keys from the module, so only arguments "
                           "handed on unchanged carry over; pass the value through model_config")
        removed_names = {
            n for s in [*a.removed_statements, *a.parent_inits] for n in _walk(s)
            if isinstance(n, cst.Name)
        }
        for param in rest + list(p.kwonly_params) + ([p.star_kwarg] if isinstance(p.star_kwarg, cst.Param) else []):
            refs = _references(self.ctx, param)
            if any(ref not in removed_names for ref in refs):
                a.used_ctor_names.add(param.name.value)
        for stmt in _walk(init, into_functions=False):
            if isinstance(stmt, cst.Call) and self._is_legacy_base_call(stmt) and stmt not in a.parent_inits:
                if not any(isinstance(s, cst.Expr) and s.value is stmt for s in a.removed_statements):
                    self.block(stmt, "RLM001",
                               "calls the legacy base class inside __init__ (beyond its __init__): "
                               "RLModule has no such method; port the call")

    def _inner_models(self, init: cst.FunctionDef) -> None:
        """``self.X = FullyConnectedNetwork(...)``: a stateless legacy model kept inside."""
        for node in _walk(init, into_functions=False):
            if not (isinstance(node, cst.Assign) and len(node.targets) == 1):
                continue
            target, value = node.targets[0].target, node.value
            if isinstance(value, cst.Call) and is_self_attr(target, self.a.self_name):
                found = self.ctx.legacy_symbols(value.func) & INNER_MODELS
                if found:
                    assert isinstance(target, cst.Attribute)
                    self.a.inner_models[target.attr.value] = sorted(found)[0]
                    self.a.inner_model_ctors[value] = target.attr.value

    def _is_parent_init(self, node: cst.Call) -> bool:
        """``super().__init__(...)`` / ``Base.__init__(self, ...)`` naming the local base."""
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
            return False
        owner = func.value
        if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
            return True
        return bool(isinstance(owner, cst.Name) and self.a.local_base is not None
                    and owner.value == self.a.local_base.name.value)

    def _is_super_init(self, node: cst.Call, self_name: str) -> bool:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
            return False
        owner = func.value
        if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
            return True
        return bool(
            self.ctx.legacy_symbols(owner) or self.ctx.qualified_names(owner) & NN_MODULE
        )

    def _is_legacy_base_call(self, node: cst.Call) -> bool:
        func = node.func
        if isinstance(func, cst.Attribute):
            owner = func.value
            if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
                return True
            return bool(self.ctx.legacy_symbols(owner) & (MODEL_BASES | RECURRENT_BASES | GENERIC_MODEL_BASES))
        return False

    # -- forward --------------------------------------------------------------------------
    def _forward(self, forward: cst.FunctionDef) -> None:
        a = self.a
        positional = list(forward.params.posonly_params) + list(forward.params.params)
        if len(positional) != 4 or forward.params.star_arg not in (None, cst.MaybeSentinel.DEFAULT) and isinstance(forward.params.star_arg, cst.Param):
            self.block(forward, "RLM001",
                       f"{a.forward_name}() must take (self, inputs, state, seq_lens) "
                       "to map onto _forward(self, batch, **kwargs); port the signature by hand")
            return
        a.input_name = positional[1].name.value
        a.state_name = positional[2].name.value
        seq_param = positional[3]
        passed_on = self._delegations(forward, positional) | self._obs_membership(forward)
        if a.kind in FEEDFORWARD_LIKE:
            passed_on |= training_reads(self.ctx, a, forward, self.block)
            passed_on |= helper_inputs(self.ctx, a, forward)
        for ref in _references(self.ctx, seq_param):
            if ref in passed_on:
                continue
            self.block(ref, SEQ_LENS,
                       "seq_lens is used: RLModules get (B, T, ...) batches with zero-padding "
                       "done by connectors; port the sequence arithmetic by hand")
        for stmt in _walk(forward):
            if isinstance(stmt, cst.Call) and self._is_legacy_base_call(stmt):
                self.block(stmt, "RLM001", "calls the legacy base class inside forward: RLModule has "
                           "no such method; compute it in _forward(batch)")
        returns = _own_returns(forward)
        a.returns[a.forward_name] = returns
        for ret in returns:
            value = ret.value
            if isinstance(value, cst.Call) and value in a.delegations:
                a.delegated_returns.add(ret)
                continue
            if not (isinstance(value, cst.Tuple) and len(value.elements) == 2) or any(
                isinstance(e, cst.StarredElement) for e in value.elements
            ):
                self.block(ret, "RLM001", f"{a.forward_name}() must return (outputs, state) to "
                           "become {Columns.ACTION_DIST_INPUTS: outputs}; port this return by hand")
        state_refs = [r for r in _references(self.ctx, positional[2]) if r not in passed_on]
        returned_state = {
            r.value.elements[1].value for r in returns
            if isinstance(r.value, cst.Tuple) and len(r.value.elements) == 2
        }
        if a.kind in FEEDFORWARD_LIKE:
            for ref in state_refs:
                if ref not in returned_state:
                    self.block(ref, "RLM001",
                               "forward() reads the RNN state but the class is not a "
                               f"RecurrentNetwork; port the state handling by hand: {STATEFUL_HOME}")
            for value in returned_state:
                if not (isinstance(value, cst.Name) and value.value == a.state_name) and not (
                    isinstance(value, cst.List) and not value.elements
                ) and not self._is_base_initial_state(value):
                    self.block(value, "RLM001",
                               f"forward() returns a new state: port it by hand as a "
                               f"stateful module: {STATEFUL_HOME}")
        else:
            a.state_used = bool(state_refs)
        if a.kind in FEEDFORWARD_LIKE:
            input_refs = [r for r in _references(self.ctx, positional[1]) if r not in passed_on]
            subscripts = {
                n.value: n for n in _walk(forward)
                if isinstance(n, cst.Subscript) and isinstance(n.value, cst.Name)
                and n.value.value == a.input_name
            }
            for ref in input_refs:
                sub = subscripts.get(ref)
                key = _obs_key(self.ctx, sub) if sub is not None else None
                if key is None:
                    self.block(ref, "RLM001",
                               f"{a.input_name} is used other than as {a.input_name}[\"obs\"] / "
                               f"[\"obs_flat\"] (prev_actions, is_training, ... come from "
                               "connectors or the forward method on the new stack)")
                else:
                    a.obs_subscripts[sub] = key
        if a.kind in FEEDFORWARD_LIKE and a.input_name != "batch":
            self._check_free_name(forward, "batch")

    def _delegations(self, forward: cst.FunctionDef, positional: list[cst.Param]) -> set[cst.CSTNode]:
        """Calls ``self.X(input_dict, state, seq_lens)`` (or ``self.X.forward(...)``) of an inner
        legacy model; returns the argument nodes the rewrite replaces."""
        a = self.a
        names = [p.name.value for p in positional[1:4]]
        replaced: set[cst.CSTNode] = set()
        for node in _walk(forward):
            if not (isinstance(node, cst.Call) and len(node.args) == 3
                    and not any(arg.keyword or arg.star for arg in node.args)):
                continue
            func = node.func
            if isinstance(func, cst.Attribute) and func.attr.value == "forward":
                func = func.value
            if not (is_self_attr(func, _self_name(forward) or "self")
                    and func.attr.value in a.inner_models):  # type: ignore[union-attr]
                continue
            values = [arg.value for arg in node.args]
            if not all(isinstance(v, cst.Name) and v.value == n for v, n in zip(values[1:], names[1:])):
                continue
            whole = isinstance(values[0], cst.Name) and values[0].value == names[0]
            a.delegations[node] = whole
            replaced.update(values[1:] + (values[:1] if whole else []))
        return replaced

    def _obs_membership(self, forward: cst.FunctionDef) -> set[cst.CSTNode]:
        """``SampleBatch.OBS in input_dict`` / ``"obs_flat" in input_dict``: True for every
        legacy call (ModelV2.__call__ always set both); returns the input_dict nodes."""
        a = self.a
        used: set[cst.CSTNode] = set()
        for node in _walk(forward):
            if not (isinstance(node, cst.Comparison) and len(node.comparisons) == 1):
                continue
            target = node.comparisons[0]
            if not (isinstance(target.operator, cst.In) and isinstance(target.comparator, cst.Name)
                    and target.comparator.value == a.input_name):
                continue
            key = string_value(node.left)
            if key is None:
                symbols = self.ctx.legacy_symbols(node.left)
                key = next(iter(symbols)) if len(symbols) == 1 else None
            if key in OBS_KEYS:
                a.obs_membership.add(node)
                used.add(target.comparator)
        return used

    def _original_space(self) -> None:
        """``obs_space.original_space`` (constructor argument) / ``self.obs_space.original_space``."""
        a = self.a
        obs = a.ctor_params.get("obs_space")
        for name, method in a.methods.items():
            self_name = _self_name(method)
            for node in _walk(method):
                if not (isinstance(node, cst.Attribute) and node.attr.value == "original_space"):
                    continue
                owner = node.value
                if (self_name is not None and is_self_attr(owner, self_name, "obs_space")) or (
                    name == "__init__" and obs is not None and isinstance(owner, cst.Name)
                    and owner.value == obs.name.value
                ):
                    a.original_space_reads.add(node)

    def _is_base_initial_state(self, value: cst.BaseExpression) -> bool:
        """``self.get_initial_state()`` of a class that does not override it: ``[]``."""
        return (
            isinstance(value, cst.Call) and not value.args
            and is_self_attr(value.func, self.a.self_name, "get_initial_state")
            and "get_initial_state" not in self.a.methods
        )

    def _check_free_name(self, func: cst.FunctionDef, name: str) -> None:
        for node in _walk(func):
            for target in _store_targets(node):
                if isinstance(target, cst.Name) and target.value == name:
                    self.block(target, "RLM001",
                               f"{func.name.value}() assigns a local named {name!r}, the name "
                               "the converted batch parameter takes")

    # -- value function -------------------------------------------------------------------
    def _value_function(self, vf: cst.FunctionDef) -> None:
        a = self.a
        positional = list(vf.params.posonly_params) + list(vf.params.params)
        if len(positional) != 1 or vf.params.kwonly_params or isinstance(vf.params.star_arg, cst.Param):
            optional = optional_value_params(vf)
            if optional is None:
                self.block(vf, "RLM002", "value_function() takes arguments besides self (RLlib "
                           "called it without any): compute_values(batch, embeddings=None) takes "
                           "the batch instead; port the extra parameters by hand")
                return
            a.value_defaults = optional
        self_name = positional[0].name.value
        forward = a.methods.get(a.forward_name)
        assigned_in_forward: set[str] = set()
        if forward is not None:
            fwd_self = _self_name(forward) or "self"
            for node in _walk(forward):
                for target in _store_targets(node):
                    for t in _walk(target):
                        if is_self_attr(t, fwd_self):
                            assigned_in_forward.add(t.attr.value)
        for node in _walk(vf):
            if (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                    and node.func.attr.value == "value_function"
                    and is_self_attr(node.func.value, self_name)
                    and node.func.value.attr.value in a.inner_models):  # type: ignore[attr-defined]
                a.value_delegates = True
            if is_self_attr(node, self_name) and node.attr.value in assigned_in_forward:
                a.cached_reads.add(node)
                if node.attr.value not in a.cached_attrs:
                    a.cached_attrs.append(node.attr.value)
        if a.cached_attrs:
            a.value_guards = value_guards(a, vf)
        if forward is not None and a.kind in FEEDFORWARD_LIKE and len(a.cached_attrs) == 1:
            a.value_feature = _value_feature(forward, a.cached_attrs[0], assigned_in_forward)
        for other, method in a.methods.items():
            if other == "value_function":
                continue
            for node in _walk(method):
                if is_self_attr(node, _self_name(method) or "self", "value_function"):
                    self.block(node, "RLM002",
                               "value_function() is called from another method; call "
                               "compute_values(batch) there by hand")


def _value_feature(
    forward: cst.FunctionDef, attr: str, assigned: set[str]
) -> tuple[str, str, cst.BaseExpression] | None:
    """``self.<attr> = expr`` in forward where ``expr`` computes the value from one local
    feature tensor (``self.value_head(features).squeeze(1)``): ``(attr, "features", expr)``.

    None when the cache holds the features themselves (a plain name or attribute, or forward
    reads it too), when the
    expression reads more than one local or another cached attribute, or when the feature
    local is rebound in forward (its value at the return would differ).
    """
    self_name = _self_name(forward) or "self"
    stores = [n for n in _walk(forward) if isinstance(n, cst.Assign)
              and any(is_self_attr(t.target, self_name, attr) for t in n.targets)]
    if len(stores) != 1 or len(stores[0].targets) != 1:
        return None
    expr = stores[0].value
    target = stores[0].targets[0].target
    if any(is_self_attr(n, self_name, attr) and n is not target for n in _walk(forward)):
        return None  # forward itself uses it: the cache holds the features
    if not isinstance(expr, cst.Call) and not (
        isinstance(expr, (cst.Attribute, cst.Subscript)) and any(isinstance(n, cst.Call) for n in _walk(expr))
    ):
        return None
    bound: dict[str, int] = {}
    for node in _walk(forward):
        for target in _store_targets(node):
            for name in _bound_names(target):
                bound[name] = bound.get(name, 0) + 1
    locals_read: set[str] = set()
    for node in _walk(expr):
        if is_self_attr(node, self_name) and node.attr.value in assigned:
            return None
        if isinstance(node, cst.Name) and node.value in bound:
            locals_read.add(node.value)
    attributes = {n.attr for n in _walk(expr) if isinstance(n, cst.Attribute)}
    locals_read -= {n.value for n in attributes}
    if len(locals_read) != 1:
        return None
    (feature,) = locals_read
    return (attr, feature, expr) if bound.get(feature) == 1 else None


def _bound_names(target: cst.CSTNode) -> list[str]:
    """Plain names a store target binds (``a``, ``a, (b, c)``; not ``self.x`` or ``d[k]``)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _bound_names(e.value)]
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return []


def _obs_key(ctx: FileContext, sub: cst.Subscript) -> str | None:
    if len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Index):
        return None
    key_node = sub.slice[0].slice.value
    key = string_value(key_node)
    if key is None:
        symbols = ctx.legacy_symbols(key_node)
        key = next(iter(symbols)) if len(symbols) == 1 else None
    return OBS_KEYS.get(key) if key else None


def base_clashes(ctx: FileContext, base: cst.BaseExpression) -> list[cst.Attribute]:
    """``self.<name> = ...`` bindings (the first of each name) in the methods of ``base`` (a class of this file kept as a base
    of a converted model) whose name an RLModule owns (``self.config`` in a plain
    ``nn.Module`` base); empty for a base defined elsewhere."""
    classes = getattr(ctx.facts, "classes", {})
    node = classes.get(base.value) if isinstance(base, cst.Name) else None
    if not isinstance(node, cst.ClassDef):
        return []
    found: dict[str, cst.Attribute] = {}  # the first binding of each name
    for stmt in node.body.body:
        if not isinstance(stmt, cst.FunctionDef) or (self_name := _self_name(stmt)) is None:
            continue
        for inner in walk(stmt):
            for target in _store_targets(inner):
                elements = target.elements if isinstance(target, (cst.Tuple, cst.List)) else []
                for bound in [target, *(e.value for e in elements)]:
                    if is_self_attr(bound, self_name) and bound.attr.value in CLASHING:
                        found.setdefault(bound.attr.value, bound)
    return list(found.values())


def _self_name(method: cst.FunctionDef) -> str | None:
    positional = list(method.params.posonly_params) + list(method.params.params)
    if any(
        isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
        for d in method.decorators
    ):
        return None
    return positional[0].name.value if positional else None


def _store_targets(node: cst.CSTNode) -> list[cst.CSTNode]:
    # asked of every node of every method: one exact-type lookup (libcst's node classes are
    # final) instead of four isinstance checks through their ABC metaclass
    kind = type(node)
    if kind not in _BINDING_KINDS:
        return []
    if kind is cst.Assign:
        return [t.target for t in node.targets]  # type: ignore[attr-defined]
    if kind is cst.WithItem:
        return [node.asname.name] if node.asname is not None else []  # type: ignore[attr-defined]
    return [node.target]  # type: ignore[attr-defined]


_BINDING_KINDS = frozenset({cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor,
                            cst.WithItem})


def _own_returns(func: cst.FunctionDef) -> list[cst.Return]:
    return [n for n in _walk(func.body, into_functions=False) if isinstance(n, cst.Return)]


def _references(ctx: FileContext, param: cst.Param) -> list[Any]:
    scope = ctx.scope_of(param.name)
    if scope is None:
        return []
    nodes = []
    for assignment in scope.assignments[param.name.value]:
        if getattr(assignment, "node", None) is not param:
            continue
        nodes.extend(access.node for access in assignment.references)
    return nodes
