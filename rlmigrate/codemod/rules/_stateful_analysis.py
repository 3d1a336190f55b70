"""Analysis behind RLM011: legacy models whose ``forward`` only works with RLlib's inputs.

A ``RecurrentNetwork`` subclass that overrides ``forward`` (masking logits, encoding before
``add_time_dimension``) or a ``TorchModelV2`` that keeps recurrent state or reads ``seq_lens``
computes the right thing *for the inputs ``ModelV2.__call__`` built*: a ``(B*T, ...)``
``input_dict``, a state list, ``seq_lens``. RLM001/RLM010 rewrite forward bodies expression by
expression and stop there; RLM011 keeps the body and binds those inputs from the new-stack
batch (``rlmigrate.models.torch.legacy_inputs``), so what it must check is much smaller:

* ``forward(self, input_dict, state, seq_lens)`` returns a value on every path and does not
  call the legacy base (``super().forward``), nor bind a local named ``batch``;
* view requirements the class declares (``self.view_requirements[K] = ViewRequirement(...)``)
  are dropped when ``forward`` never reads ``K`` (they only fed the legacy sampler); a read
  one blocks (frame stacking: its input comes from a connector on the new stack);
* ``self.time_major`` (set by the legacy base) becomes ``False``: RLModule batches are
  batch-major, and ``legacy_forward_args`` folds them batch-major;
* ``value_function()`` becomes ``compute_values(batch)``, which re-runs ``_forward(batch)``
  first when it reads what a forward pass cached (the new stack calls it on its own).

Everything else (private attributes of the legacy base, ``_wrapped_forward``, custom losses)
blocks as it does for RLM001, with the construct, its line and what replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import is_self_attr, string_value
from rlmigrate.codemod.rules._model_analysis import (
    FEEDFORWARD,
    LEGACY_ATTRIBUTE,
    RECURRENT,
    SEQ_LENS,
    VIEW_REQUIREMENTS,
    ModelAnalysis,
    _Analyzer,
    _own_returns,
    _references,
    _self_name,
    _store_targets,
    _walk,
    analyze,
    classify,
)

__all__ = ["ADAPTER_RULE", "AdapterPlan", "adapter_plan", "dropped_view_requirements", "takes_over"]

ADAPTER_RULE = "RLM011"
ADD_TIME_DIMENSION = "add_time_dimension"
OBS_INPUT_KEYS = frozenset({"obs", "obs_flat", "OBS", "CUR_OBS"})
PREV_KEYS = {"PREV_ACTIONS": "prev_actions", "PREV_REWARDS": "prev_rewards"}


@dataclass
class ViewRequirementUse:
    """``self.view_requirements[key] = ViewRequirement(...)`` in ``__init__``."""

    statement: cst.SimpleStatementLine
    key: str
    read_at: cst.CSTNode | None = None  # where forward() reads input_dict[key], if it does


@dataclass
class AdapterPlan:
    """What RLM011 does to one class (``analysis.blockers`` empty: it converts)."""

    analysis: ModelAnalysis
    base_kind: str  # RECURRENT / FEEDFORWARD: the legacy base it came from
    stateful: bool = False  # defines get_initial_state
    time_major: bool = False  # reads self.time_major without assigning it
    legacy_obs_space: bool = False  # reads self.obs_space (the preprocessed space)
    value_reruns_forward: bool = False
    requirements: list[ViewRequirementUse] = field(default_factory=list)
    removed_ifs: set[cst.If] = field(default_factory=set)
    extra_keys: list[tuple[cst.CSTNode, str]] = field(default_factory=list)
    time_dimension_calls: set[cst.Call] = field(default_factory=set)
    inner_models: dict[str, str] = field(default_factory=dict)  # attr -> legacy class, kept
    synthesized: bool = False  # no forward(): _forward runs RecurrentNetwork.forward's steps

    @property
    def convertible(self) -> bool:
        return not self.analysis.blockers


def takes_over(ctx: FileContext, node: cst.ClassDef) -> bool:
    """Whether RLM011 (selected) answers for ``node`` instead of RLM001/RLM010."""
    return ctx.is_selected(ADAPTER_RULE) and adapter_plan(ctx, node) is not None


def adapter_plan(ctx: FileContext, node: cst.ClassDef) -> AdapterPlan | None:
    """The plan for ``node``, or None when RLM011 does not apply (cached per file)."""
    cache: dict[cst.ClassDef, AdapterPlan | None] = ctx.shared.setdefault("adapter_plan", {})
    if node not in cache:
        cache[node] = _plan(ctx, node)
    return cache[node]


def dropped_view_requirements(ctx: FileContext) -> set[cst.CSTNode]:
    """``ViewRequirement(...)`` calls of this file that RLM011 removes with their statement
    (RLM061 does not report them; RLM011 reports the statement)."""
    found: set[cst.CSTNode] = ctx.shared.setdefault("adapter_dropped_requirements", set())
    return found


def _plan(ctx: FileContext, node: cst.ClassDef) -> AdapterPlan | None:
    kind, legacy = classify(ctx, node)
    if kind not in (FEEDFORWARD, RECURRENT) or not legacy:
        return None
    standard = analyze(ctx, node)
    if standard.convertible:
        return None
    # a RecurrentNetwork that keeps the base's forward() but does sequence arithmetic with
    # seq_lens in forward_rnn: RLM011 writes RecurrentNetwork.forward out (synthesized)
    synthesize = (kind == RECURRENT and "forward" not in standard.methods
                  and "forward_rnn" in standard.methods
                  and any(b.code == SEQ_LENS for b in standard.blockers))
    if "forward" not in standard.methods and not synthesize:
        return None
    if kind == FEEDFORWARD and not _needs_adapter(ctx, standard):
        return None
    plan = _AdapterAnalyzer(ctx, node, kind, synthesize=synthesize).plan()
    if plan.convertible and ctx.target.has_default_dist_helper:
        for use in plan.requirements:
            dropped_view_requirements(ctx).update(
                n for n in _walk(use.statement) if isinstance(n, cst.Call))
    return plan


def _needs_adapter(ctx: FileContext, a: ModelAnalysis) -> bool:
    """A feed-forward class the standard rewrite stops at because of state or ``seq_lens``."""
    if "get_initial_state" in a.methods or any(b.code in (SEQ_LENS, VIEW_REQUIREMENTS) for b in a.blockers):
        return True
    forward = a.methods["forward"]
    positional = list(forward.params.posonly_params) + list(forward.params.params)
    if len(positional) != 4:
        return False
    state_refs = set(_references(ctx, positional[2]))
    return any(b.code == "RLM001" and b.node in state_refs for b in a.blockers)


class _AdapterAnalyzer(_Analyzer):
    """The standard analysis with ``forward`` read as a legacy body (inputs bound, not mapped)."""

    def __init__(self, ctx: FileContext, node: cst.ClassDef, base_kind: str, *, synthesize: bool = False) -> None:
        super().__init__(ctx, node)
        self.a.kind = FEEDFORWARD  # forward() is the method converted, forward_rnn stays
        self.base_kind = base_kind
        self.p = AdapterPlan(analysis=self.a, base_kind=base_kind, synthesized=synthesize)
        self._requirement_reads: list[cst.Attribute] = []

    def plan(self) -> AdapterPlan:
        a = self.run()
        a.kind = self.base_kind
        # inner legacy models get the legacy input_dict itself: nothing of RLM001's call
        # rewriting applies (RLM011 reports them with its own message)
        self.p.inner_models, a.inner_models = dict(a.inner_models), {}
        self.p.stateful = "get_initial_state" in a.methods
        # the legacy body keeps thinking in the preprocessed space: self.obs_space stays,
        # bound once in setup() (RLM001 reads the raw one through self.observation_space)
        a.original_space_reads.clear()  # legacy_observation_space() carries original_space
        for attr, new in list(a.renamed_attrs.items()):
            if new == "observation_space":
                del a.renamed_attrs[attr]
                self.p.legacy_obs_space = True
        self._view_requirements()
        return self.p

    def block(self, node: cst.CSTNode, code: str, message: str) -> None:
        if code == LEGACY_ATTRIBUTE and is_self_attr(node, self.a.self_name, "time_major"):
            self.p.time_major = True
            return
        if code == LEGACY_ATTRIBUTE and is_self_attr(node, self.a.self_name, "_wrapped_forward"):
            message = ("self._wrapped_forward is the inner model's forward that ModelCatalog "
                       "installs when it wraps a model for use_lstm/use_attention; the new stack "
                       "has no model wrapping (use_lstm=True builds a recurrent encoder in the "
                       "default module): build the inner network in setup() and call it")
        if code == "RLM001" and node is self.a.methods.get("get_initial_state"):
            return  # a stateful module is what RLM011 writes
        if code == "RLM001" and self.p.synthesized and node is self.a.node and "forward()" in message:
            self.a.reads_num_outputs = True  # recurrent_network_forward reshapes to num_outputs
            return  # RLM011 writes the base's forward() out
        if code == VIEW_REQUIREMENTS and isinstance(node, cst.Attribute):
            self._requirement_reads.append(node)
            return
        super().block(node, code, message)

    # -- forward ----------------------------------------------------------------------------
    def _forward(self, forward: cst.FunctionDef) -> None:
        a = self.a
        positional = list(forward.params.posonly_params) + list(forward.params.params)
        if len(positional) != 4 or isinstance(forward.params.star_arg, cst.Param):
            self.block(forward, ADAPTER_RULE, "forward() must take (self, input_dict, state, seq_lens)")
            return
        a.input_name = positional[1].name.value
        a.state_name = positional[2].name.value
        returns = _own_returns(forward)
        a.returns["forward"] = returns
        for ret in returns:
            if ret.value is None:
                self.block(ret, ADAPTER_RULE, "forward() returns nothing here; it must return "
                           "(outputs, state_out) on every path")
        for node in _walk(forward):
            if isinstance(node, cst.Call) and _is_super_forward(node):
                self.block(node, ADAPTER_RULE,
                           "forward() calls super().forward(): the legacy RecurrentNetwork.forward "
                           "(add_time_dimension of obs_flat, forward_rnn, reshape to (-1, "
                           "num_outputs)) no longer exists; write those three steps out")
            elif isinstance(node, cst.Call) and ADD_TIME_DIMENSION in self.ctx.legacy_symbols(node.func):
                self.p.time_dimension_calls.add(node)
            for target in _store_targets(node):
                if isinstance(target, cst.Name) and target.value == "batch":
                    self.block(target, ADAPTER_RULE, "forward() assigns a local named 'batch', "
                               "the name the converted batch parameter takes")
        self._input_keys(forward, positional[1])

    def _input_keys(self, forward: cst.FunctionDef, param: cst.Param) -> None:
        """``input_dict[K]`` / ``input_dict.get(K)`` reads of keys other than the observation."""
        refs = set(_references(self.ctx, param))
        for node in _walk(forward):
            key_node: cst.CSTNode | None = None
            if isinstance(node, cst.Subscript) and node.value in refs and len(node.slice) == 1:
                index = node.slice[0].slice
                key_node = index.value if isinstance(index, cst.Index) else None
            elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                  and node.func.value in refs and node.func.attr.value == "get" and node.args):
                key_node = node.args[0].value
            if key_node is None:
                continue
            key = self._key(key_node)
            if key is not None and key not in OBS_INPUT_KEYS:
                self.p.extra_keys.append((node, PREV_KEYS.get(key, key)))

    def _key(self, node: cst.CSTNode) -> str | None:
        key = string_value(node)
        if key is None:
            symbols = self.ctx.legacy_symbols(node)
            key = next(iter(symbols)) if len(symbols) == 1 else None
        return key

    # -- value function ---------------------------------------------------------------------
    def _value_function(self, vf: cst.FunctionDef) -> None:
        a = self.a
        positional = list(vf.params.posonly_params) + list(vf.params.params)
        if len(positional) != 1 or vf.params.kwonly_params or isinstance(vf.params.star_arg, cst.Param):
            self.block(vf, "RLM002", "value_function() takes arguments besides self")
            return
        self_name = positional[0].name.value
        assigned_later: set[str] = set()
        for name, method in a.methods.items():
            if name == "__init__":
                continue
            method_self = _self_name(method) or "self"
            for node in _walk(method):
                for target in _store_targets(node):
                    for t in _walk(target):
                        if is_self_attr(t, method_self):
                            assigned_later.add(t.attr.value)
        reads = {n.attr.value for n in _walk(vf) if is_self_attr(n, self_name)}
        calls = {n.func.attr.value for n in _walk(vf)
                 if isinstance(n, cst.Call) and is_self_attr(n.func, self_name)}
        self.p.value_reruns_forward = bool(reads & assigned_later) or bool(calls - {"value_function"})
        for other, method in a.methods.items():
            if other == "value_function":
                continue
            for node in _walk(method):
                if is_self_attr(node, _self_name(method) or "self", "value_function"):
                    self.block(node, "RLM002", "value_function() is called from another method; "
                               "call compute_values(batch) there by hand")

    # -- view requirements ------------------------------------------------------------------
    def _view_requirements(self) -> None:
        """Drop declarations whose key forward() never reads; block the rest precisely."""
        if not self._requirement_reads:
            return
        a = self.a
        init = a.methods.get("__init__")
        declared: dict[cst.CSTNode, ViewRequirementUse] = {}
        parents: dict[cst.SimpleStatementLine, cst.If] = {}
        keys_as_written: dict[cst.CSTNode, str] = {}
        if init is not None:
            for node in _walk(init, into_functions=False):
                if isinstance(node, cst.If) and isinstance(node.body, cst.IndentedBlock):
                    for stmt in node.body.body:
                        if isinstance(stmt, cst.SimpleStatementLine):
                            parents[stmt] = node
                if isinstance(node, cst.Subscript) and is_self_attr(node.value, a.self_name, "view_requirements"):
                    keys_as_written[node.value] = " ".join(
                        cst.Module([]).code_for_node(node.slice[0].slice.value).split()  # type: ignore[attr-defined]
                    ) if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) else ""
                if isinstance(node, cst.SimpleStatementLine):
                    found = self._declaration(node)
                    if found is not None:
                        declared[found[0]] = ViewRequirementUse(node, found[1])
        read_keys = {key: node for node, key in self.p.extra_keys}
        for read in self._requirement_reads:
            use = declared.get(read)
            if use is None and "state_" in keys_as_written.get(read, ""):
                super().block(read, VIEW_REQUIREMENTS,
                              f"self.view_requirements[{keys_as_written[read]}] makes the legacy "
                              "sampler feed past state outs back as the model's memory (attention "
                              "nets: the last memory_inference outputs of each transformer unit); "
                              "the new stack has no such view: make the memory explicit state "
                              "(get_initial_state() returning {\"i\": zeros(memory, dim)} per unit) "
                              "and roll it inside _forward, then port the class by hand")
                continue
            if use is None:
                super().block(read, VIEW_REQUIREMENTS,
                           "self.view_requirements is used other than by "
                           "self.view_requirements[KEY] = ViewRequirement(...): the new stack has "
                           "no view requirements (ConnectorV2 pipelines build the batch); port it "
                           "by hand")
                continue
            use.read_at = read_keys.get(use.key)
            if use.read_at is not None:
                declared_as = " ".join(cst.Module([]).code_for_node(
                    use.statement.body[0].value).split()).replace("( ", "(").replace(" )", ")")  # type: ignore[attr-defined]
                super().block(use.read_at, VIEW_REQUIREMENTS,
                           f"forward() reads input_dict[{use.key!r}], which __init__ asks the "
                           f"legacy sampler for ({declared_as[:120]}): on the new stack an "
                           "env-to-module connector must put it into the batch "
                           "(PrevActionsPrevRewards(n_prev_actions=N, n_prev_rewards=N) writes "
                           "'prev_n_actions'/'prev_n_rewards'; FrameStackingEnvToModule stacks "
                           "observations into Columns.OBS itself); port this input by hand")
                continue
            self.p.requirements.append(use)
            a.removed_statements.update(use.statement.body)
        removed = {use.statement for use in self.p.requirements}
        for stmt, parent in parents.items():
            body = parent.body.body  # type: ignore[union-attr]
            if stmt in removed and parent.orelse is None and all(s in removed for s in body):
                self.p.removed_ifs.add(parent)

    def _declaration(self, stmt: cst.SimpleStatementLine) -> tuple[cst.Attribute, str] | None:
        """``self.view_requirements[KEY] = ViewRequirement(...)``: (the attribute node, KEY)."""
        if len(stmt.body) != 1 or not isinstance(stmt.body[0], cst.Assign):
            return None
        assign = stmt.body[0]
        if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Subscript):
            return None
        target = assign.targets[0].target
        if not (is_self_attr(target.value, self.a.self_name, "view_requirements")
                and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index)):
            return None
        value = assign.value
        if not (isinstance(value, cst.Call) and "ViewRequirement" in self.ctx.legacy_symbols(value.func)):
            return None
        key = self._key(target.slice[0].slice.value)
        if key is None:
            return None
        assert isinstance(target.value, cst.Attribute)
        return target.value, PREV_KEYS.get(key, key)


def _is_super_forward(node: cst.Call) -> bool:
    func = node.func
    return (isinstance(func, cst.Attribute) and func.attr.value == "forward"
            and isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name)
            and func.value.func.value == "super")
