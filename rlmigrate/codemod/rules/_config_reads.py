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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod.nodes import children, is_self_attr, string_value
from rlmigrate.core.legacy_config import MODEL_DEFAULTS


@dataclass
class ConfigReads:
    """Default keys read by literal name, whether through ``self.model_config``, and escapes."""

    keys: list[str] = field(default_factory=list)
    via_self: bool = False
    escapes: list[cst.CSTNode] = field(default_factory=list)


def _with_parents(root: cst.CSTNode) -> Iterator[tuple[cst.CSTNode, cst.CSTNode | None]]:
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in reversed(children(node)))


def _literal_key(node: cst.CSTNode, parent: cst.CSTNode | None, grand: cst.CSTNode | None) -> str | None | bool:
    """The key read from config ``node`` (str), False when it is not a keyed read."""
    if isinstance(parent, cst.Subscript) and parent.value is node:
        if len(parent.slice) == 1 and isinstance(parent.slice[0].slice, cst.Index):
            return string_value(parent.slice[0].slice.value) or False
        return False
    if (
        isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value == "get"
        and isinstance(grand, cst.Call) and grand.func is parent and grand.args
    ):
        return string_value(grand.args[0].value) or False
    if isinstance(parent, cst.ComparisonTarget) and isinstance(
        parent.operator, (cst.In, cst.NotIn)
    ):
        return None  # `"k" in model_config`: a membership test, not a value
    return False


def config_reads(methods: Mapping[str, cst.FunctionDef], param_refs: set[cst.CSTNode]) -> ConfigReads:
    """Scan ``methods`` of one class (``param_refs``: uses of ``__init__``'s config parameter,
    the legacy base-class calls that the rewrite removes excluded)."""
    reads = ConfigReads()
    for method in methods.values():
        positional = list(method.params.posonly_params) + list(method.params.params)
        self_name = positional[0].name.value if positional else None
        parents: dict[cst.CSTNode, cst.CSTNode | None] = {}
        for node, parent in _with_parents(method):
            parents[node] = parent
            via_self = self_name is not None and is_self_attr(node, self_name, "model_config")
            if not (via_self or node in param_refs):
                continue
            if via_self and isinstance(parent, cst.AssignTarget):
                continue
            key = _literal_key(node, parent, parents.get(parent) if parent is not None else None)
            if key is None:
                continue
            if key is False:
                reads.escapes.append(node)
                continue
            assert isinstance(key, str)
            if key in MODEL_DEFAULTS and key not in reads.keys:
                reads.keys.append(key)
            reads.via_self = reads.via_self or (via_self and key in MODEL_DEFAULTS)
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
