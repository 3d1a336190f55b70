"""What kind of legacy model a class is, and the record its analysis fills.

:func:`classify` names the kind (``FEEDFORWARD``, ``RECURRENT``, ``TF``, ``GENERIC``,
``BUILTIN_SUBCLASS``) from the class's legacy bases; :class:`ModelAnalysis` (with its
:class:`Blocker` list) is what ``_model_analysis.analyze`` fills in for the converting and
reporting rules. All names are importable from ``_model_analysis`` too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.legacy_api import (
    BUILTIN_MODELS,
    DQN_MODEL_BASES,
    GENERIC_MODEL_BASES,
    MODEL_BASES,
    RECURRENT_BASES,
    SAC_MODEL_BASES,
    TF_MODEL_BASES,
)

FEEDFORWARD = "feedforward"
RECURRENT = "recurrent"
TF = "tf"
GENERIC = "generic"
BUILTIN_SUBCLASS = "builtin_subclass"
#: subclasses of RLlib's DQN / SAC model bases, and those bases themselves (RLlib's own
#: ``DQNTorchModel`` / ``SACTorchModel`` definitions, recognised by their interface methods)
DQN = "dqn"
SAC = "sac"
#: the kinds whose forward() the feed-forward analysis reads (DQN's returns features)
FEEDFORWARD_LIKE = ("feedforward", "dqn")
DQN_INTERFACE_METHODS = frozenset({"get_q_value_distributions", "get_state_value"})
SAC_INTERFACE_METHODS = frozenset({"get_action_model_outputs", "build_policy_model", "build_q_model"})


@dataclass
class Blocker:
    """A construct that keeps the class from being converted mechanically."""

    node: cst.CSTNode
    code: str
    message: str


@dataclass
class ModelAnalysis:
    """What a legacy model class contains (all nodes are original nodes)."""

    node: cst.ClassDef
    kind: str | None
    self_name: str = "self"
    legacy_bases: list[cst.Arg] = field(default_factory=list)
    dropped_bases: list[cst.Arg] = field(default_factory=list)
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    blockers: list[Blocker] = field(default_factory=list)
    # constructor
    ctor_params: dict[str, cst.Param] = field(default_factory=dict)  # role -> param
    custom_params: list[cst.Param] = field(default_factory=list)
    star_kwargs: cst.Param | None = None
    used_ctor_names: set[str] = field(default_factory=set)
    removed_statements: set[cst.CSTNode] = field(default_factory=set)
    # forward
    forward_name: str = "forward"
    input_name: str | None = None  # input_dict (feedforward) / inputs (recurrent)
    state_name: str | None = None
    obs_subscripts: dict[cst.Subscript, str] = field(default_factory=dict)
    state_used: bool = False
    returns: dict[str, list[cst.Return]] = field(default_factory=dict)
    # value function
    cached_attrs: list[str] = field(default_factory=list)
    cached_reads: set[cst.Attribute] = field(default_factory=set)
    # attributes
    renamed_attrs: dict[cst.Attribute, str] = field(default_factory=dict)
    reads_num_outputs: bool = False
    # model_config: legacy default keys read by name (through self.model_config or not) and
    # uses of the whole config (see _config_reads)
    default_keys: list[str] = field(default_factory=list)
    # inner legacy models built in __init__ (self.<attr> = FullyConnectedNetwork(...)): attr ->
    # legacy class; their calls with (input_dict, state, seq_lens) in forward; whether a
    # legacy model gets the whole config (then the binding merges every default)
    inner_models: dict[str, str] = field(default_factory=dict)
    inner_model_ctors: dict[cst.Call, str] = field(default_factory=dict)  # constructor call -> attr
    delegations: dict[cst.Call, bool] = field(default_factory=dict)  # call -> input_dict passed whole
    delegated_returns: set[cst.Return] = field(default_factory=set)
    full_defaults: bool = False
    # forward caches the value itself (self._v = self.vf(x)): the feature x goes under
    # EMBEDDINGS and compute_values recomputes expr from it: (attr, feature name, expr)
    value_feature: tuple[str, str, cst.BaseExpression] | None = None
    value_delegates: bool = False
    defaults_via_self: bool = False
    config_escapes: list[cst.CSTNode] = field(default_factory=list)
    removed_decorators: set[cst.Decorator] = field(default_factory=set)
    # subclass of a model class of the same file: that class (it becomes the RLModule base)
    local_base: cst.ClassDef | None = None
    # `"obs" in input_dict` (always true under ModelV2.__call__) and `obs_space.original_space`
    # (the raw space the module is given anyway)
    obs_membership: set[cst.Comparison] = field(default_factory=set)
    original_space_reads: set[cst.Attribute] = field(default_factory=set)
    # getattr/hasattr(obs_space, "original_space", ...) rewritten to the module's own space
    original_space_idioms: bool = False
    # restore_original_dimensions(x, ...) calls (rewritten to x): with the original-space
    # reads and idioms, the sign that the model handles a structured observation itself
    restores_obs: bool = False
    parent_inits: set[cst.Call] = field(default_factory=set)  # super().__init__(...) -> setup()
    # idioms with a new-stack counterpart (``_model_idioms``): original node -> how to rewrite
    # it (called with the updated node); (node, status, message) findings the conversion reports
    rewrites: dict[cst.CSTNode, Callable[[Any], Any]] = field(default_factory=dict)
    notes: list[tuple[cst.CSTNode, str, str]] = field(default_factory=list)
    # forward() reads input_dict["is_training"]: _forward(batch, is_training=False, **kw) and a
    # _forward_train that passes is_training=True
    training_flag: bool = False
    value_defaults: list[cst.Param] = field(default_factory=list)  # value_function(self, x=None)
    abstract: bool = False  # no forward(): ModelV2.forward raised NotImplementedError
    # `assert self._cached is not None` in value_function: compute_values makes it moot
    value_guards: set[cst.Assert] = field(default_factory=set)

    @property
    def convertible(self) -> bool:
        """No blocker and a kind the converting rules handle."""
        return self.kind in (FEEDFORWARD, RECURRENT, DQN) and not self.blockers


def classify(ctx: FileContext, node: cst.ClassDef) -> tuple[str | None, list[cst.Arg]]:
    """The kind of legacy model ``node`` is (None if none) and the base args that say so."""
    kind = None
    legacy: list[cst.Arg] = []
    for arg in node.bases:
        symbols = ctx.legacy_symbols(arg.value)
        if not symbols:
            continue
        tf = ctx.legacy_tf(arg.value)
        if tf and symbols & (RECURRENT_BASES | TF_MODEL_BASES | MODEL_BASES):
            kind = TF
        elif symbols & TF_MODEL_BASES:
            kind = TF
        elif symbols & RECURRENT_BASES:
            kind = kind or RECURRENT
            kind = RECURRENT if kind != TF else kind
        elif symbols & MODEL_BASES:
            kind = kind if kind in (RECURRENT, TF) else FEEDFORWARD
        elif symbols & DQN_MODEL_BASES:
            kind = DQN if kind not in (TF,) else kind
        elif symbols & SAC_MODEL_BASES:
            kind = SAC if kind not in (TF,) else kind
        elif symbols & BUILTIN_MODELS:
            kind = BUILTIN_SUBCLASS
        elif symbols & GENERIC_MODEL_BASES:
            kind = kind or GENERIC
        else:
            continue
        legacy.append(arg)
    if kind is None and node.bases:
        base = local_model_base(ctx, node)
        if base is not None:
            return FEEDFORWARD, []
    if kind == FEEDFORWARD:
        own = defined_methods(node)
        if DQN_INTERFACE_METHODS <= own and "forward" not in own:
            return DQN, legacy
        if SAC_INTERFACE_METHODS <= own:
            return SAC, legacy
    return kind, legacy


def defined_methods(node: cst.ClassDef) -> set[str]:
    """Names of the functions defined directly in ``node``'s body."""
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    return {stmt.name.value for stmt in body if isinstance(stmt, cst.FunctionDef)}


def is_model_interface(node: cst.ClassDef, kind: str | None) -> bool:
    """``node`` is RLlib's own DQN / SAC model base (its interface methods defined here)."""
    own = defined_methods(node)
    if kind == DQN:
        return DQN_INTERFACE_METHODS <= own and "forward" not in own
    return kind == SAC and SAC_INTERFACE_METHODS <= own


def local_model_base(ctx: FileContext, node: cst.ClassDef) -> cst.ClassDef | None:
    """The class of this file that ``node`` subclasses when that class is a feed-forward legacy
    model (``class Wider(CustomNetwork)`` next to ``class CustomNetwork(TorchModelV2, ...)``)."""
    classes = getattr(ctx.facts, "classes", {})
    for arg in node.bases:
        if isinstance(arg.value, cst.Name):
            base = classes.get(arg.value.value)
            if (
                base is not None
                and base is not node
                and not ctx.is_kept(base)
                and classify(ctx, base)[0] == FEEDFORWARD
            ):
                return base
    return None

