"""Which legacy ``model_config`` keys a model class reads, and where the whole config escapes.

A legacy model saw ``MODEL_DEFAULTS`` ⊕ the user's dict; the migrated module sees only what
its spec carries (:mod:`rlmigrate.core.legacy_config`). A rewrite that reads a default key
(``model_config["fcnet_hiddens"]``, ``model_config.get("fcnet_hiddens", [32, 32])``,
``self.model_config[...]``) must carry the legacy value itself; this pass finds those keys.
A config used other than through a literal key (passed whole to a call, iterated, indexed by
a variable) cannot be made exact that way and is reported for review.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod.nodes import is_self_attr, string_value
from rlmigrate.core.legacy_config import MODEL_DEFAULTS


@dataclass
class ConfigReads:
    """Default keys read by literal name, whether through ``self.model_config``, and escapes."""

    keys: list[str] = field(default_factory=list)
    via_self: bool = False
    escapes: list[cst.CSTNode] = field(default_factory=list)


def config_reads(
    methods: Mapping[str, cst.FunctionDef],
    param_refs: set[cst.CSTNode],
    nodes_of: Callable[[cst.CSTNode], Sequence[cst.CSTNode]],
) -> ConfigReads:
    """Scan ``methods`` of one class (``param_refs``: uses of ``__init__``'s config parameter,
    the legacy base-class calls that the rewrite removes excluded; ``nodes_of``: every node
    under a method, the analysis's cached walk).

    One pass per method over its nodes: a config node (a parameter use or ``self.model_config``)
    read through its parent (``cfg["k"]``, ``cfg.get("k", ...)``, ``"k" in cfg``) gives a key;
    every other use is an escape.
    """
    reads = ConfigReads()
    for method in methods.values():
        positional = list(method.params.posonly_params) + list(method.params.params)
        self_name = positional[0].name.value if positional else None
        nodes = nodes_of(method)
        via_self = {
            n for n in nodes if self_name is not None and is_self_attr(n, self_name, "model_config")
        }
        config_nodes = via_self | (param_refs & set(nodes))
        if not config_nodes:
            continue
        handled: set[cst.CSTNode] = set()
        for node in nodes:
            key: str | None = None
            target: cst.CSTNode | None = None
            if isinstance(node, cst.Subscript) and node.value in config_nodes:
                target = node.value
                if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
                    key = string_value(node.slice[0].slice.value)
            elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                  and node.func.value in config_nodes and node.func.attr.value == "get" and node.args):
                target = node.func.value
                key = string_value(node.args[0].value)
            elif isinstance(node, cst.ComparisonTarget) and node.comparator in config_nodes \
                    and isinstance(node.operator, (cst.In, cst.NotIn)):
                handled.add(node.comparator)  # `"k" in cfg`: a membership test, not a value
                continue
            elif isinstance(node, cst.AssignTarget) and node.target in via_self:
                handled.add(node.target)  # self.model_config = ...: a store
                continue
            if target is None:
                continue
            handled.add(target)
            if key is None:
                reads.escapes.append(target)
            elif key in MODEL_DEFAULTS:
                if key not in reads.keys:
                    reads.keys.append(key)
                reads.via_self = reads.via_self or target in via_self
        reads.escapes.extend(n for n in nodes if n in config_nodes and n not in handled)
    return reads


def defaults_dict(keys: list[str], rest: cst.BaseExpression) -> cst.Dict:
    """``{"k": <legacy default>, ..., **rest}``: the legacy values under what was given."""
    elements: list[cst.BaseDictElement] = [
        cst.DictElement(cst.SimpleString(f'"{key}"'), cst.parse_expression(_literal(MODEL_DEFAULTS[key])))
        for key in keys
    ]
    elements.append(cst.StarredDictElement(rest))
    return cst.Dict(elements)


def _literal(value: object) -> str:
    """Python source for a default value, strings double-quoted like the rest of the output."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)
