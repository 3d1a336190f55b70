"""One traversal that runs every selected rule's ``visit_*`` / ``leave_*`` hooks.

Rules are libcst transformers, but the engine does not let each of them walk the module: a
single :class:`CombinedRules` walks it once and calls, for each node, the hooks the rules
define for that node's type, in rule order. Two things make it cheap:

* the hooks of a node type are looked up once per traversal (a dispatch table), not with a
  ``getattr`` per rule and node as libcst's ``CSTTransformer.on_visit`` does (that lookup
  was most of the rule pass: 19 rules x 4 lookups x every node);
* :meth:`CombinedRules.transform` rebuilds only the nodes on the path to a change. libcst's
  ``node.visit`` reconstructs (and re-validates) every node of the module even when nothing
  changes; here an untouched subtree is returned as the same object, so "nothing changed"
  is an identity test and unchanged code costs no allocation.

Semantics kept from libcst's visit: fields in lexical order; every rule sees every node (a
``visit_*`` returning False does not hide children from other rules); leave hooks run in rule
order, each on the result of the previous, until one removes the node (``RemovalSentinel``)
or flattens it (``FlattenSentinel``); removed or emptied statements leave their block, a
flattened one splices in. Deliberate differences: a statement removed from a block hands
its leading blank lines to the next statement (the larger gap survives), so removing the
import under a module docstring no longer glues the docstring to the next line; and no comment
line goes with a removed or replaced statement — the comment lines that opened a removed one
open the next statement (or the block's footer), those that opened a replaced one open its
replacement when the rule gave that none, and the lines that closed a rebuilt compound
statement's block close the rebuilt block.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Collection, Sequence
from typing import Any

import libcst as cst

from rlmigrate.codemod.nodes import (
    TRIVIA,
    child_fields,
    inner_comment_lines,
    leading_blank_lines,
    leading_comment_lines,
    with_carried_lines,
)
from rlmigrate.codemod.rules.base import Rule

_DEFAULT = cst.MaybeSentinel.DEFAULT
_STATEMENT_BLOCKS = (cst.Module, cst.IndentedBlock)  # exact types: libcst's nodes are final
_VisitHook = Callable[[cst.CSTNode], Any]
_LeaveHook = Callable[[cst.CSTNode, Any], Any]


class CombinedRules(cst.CSTTransformer):
    """Calls each rule's hooks in order during one traversal.

    Args:
        rules: rule instances (sharing one :class:`~rlmigrate.codemod.context.FileContext`),
            in application order.
        frozen: original statements returned as they are, their hooks not called.
    """

    def __init__(self, rules: Sequence[Rule], frozen: Collection[cst.CSTNode] = ()) -> None:
        super().__init__()
        self.rules = list(rules)
        # Statements a noqa comment keeps as they are: no rule sees them (see ``noqa.py``).
        self.frozen = frozenset(frozen)
        self._classes = tuple(type(rule) for rule in self.rules)
        self._visits: dict[type, tuple[_VisitHook, ...]] = {}
        self._leaves: dict[type, tuple[_LeaveHook, ...]] = {}
        self._attribute_hooks = any(
            _defines_attribute_hooks(type(rule)) for rule in self.rules
        )
        # Whitespace, punctuation and operator subtrees are returned as they are, unvisited,
        # when no rule has a hook for any of their types (none of ours does): two thirds of
        # a module's nodes, which could only ever be rebuilt unchanged.
        self._inert = _inert_types(self._classes)

    def _visit_hooks(self, kind: type) -> tuple[_VisitHook, ...]:
        hooks = self._visits.get(kind)
        if hooks is None:
            name = f"visit_{kind.__name__}"
            hooks = self._visits[kind] = tuple(
                getattr(self.rules[i], name) for i in _hook_owners(self._classes, name)
            )
        return hooks

    def _leave_hooks(self, kind: type) -> tuple[_LeaveHook, ...]:
        hooks = self._leaves.get(kind)
        if hooks is None:
            name = f"leave_{kind.__name__}"
            hooks = self._leaves[kind] = tuple(
                getattr(self.rules[i], name) for i in _hook_owners(self._classes, name)
            )
        return hooks

    # -- the driver ---------------------------------------------------------------------
    def transform(self, node: cst.CSTNode) -> Any:
        """Run every hook over ``node``'s tree; returns the new node (``node`` itself when
        nothing changed), or a ``RemovalSentinel`` / ``FlattenSentinel`` from a leave hook."""
        node_kind = type(node)
        if node_kind in self._inert or (self.frozen and node in self.frozen):
            return node
        hooks = self._visits.get(node_kind)
        for hook in hooks if hooks is not None else self._visit_hooks(node_kind):
            hook(node)
        changes: dict[str, Any] = {}
        for name in child_fields(node):
            value = getattr(node, name)
            if value is None or value is _DEFAULT:
                continue
            kind = type(value)
            if kind is tuple or kind is list:
                body = name == "body" and node_kind in _STATEMENT_BLOCKS
                new_items, orphans = self._transform_sequence(value, body=body)
                if new_items is not None:
                    changes[name] = new_items
                if orphans:  # comments of removed last statements: the block's footer keeps them
                    changes["footer"] = (*orphans, *node.footer)  # type: ignore[attr-defined]
                continue
            result = self.transform(value)
            if result is value:
                continue
            if isinstance(result, cst.FlattenSentinel):
                raise TypeError(f"{type(node).__name__}.{name} cannot hold a sequence of nodes")
            if isinstance(result, cst.RemovalSentinel):
                result = _removed_value(node, name)
            changes[name] = result
        updated = node.with_changes(**changes) if changes else node
        leaves = self._leaves.get(node_kind)
        for hook in leaves if leaves is not None else self._leave_hooks(node_kind):
            updated = hook(node, updated)
            if not isinstance(updated, cst.CSTNode):
                return updated
        return updated

    def _transform_sequence(
        self, items: Sequence[cst.CSTNode], *, body: bool
    ) -> tuple[tuple | None, tuple[cst.EmptyLine, ...]]:
        """The transformed items (None when none changed) and the comment lines of removed
        statements that no statement after them could take. In a statement ``body``, a
        statement that became empty is dropped like a removed one, and removed statements pass
        their leading blank lines and comment lines on."""
        out: list[cst.CSTNode] = []
        changed = False
        carried: tuple[cst.EmptyLine, ...] = ()
        comments: tuple[cst.EmptyLine, ...] = ()
        for item in items:
            result = self.transform(item)
            if result is item:
                if carried or comments:
                    result = with_carried_lines(item, carried, comments)
                    carried = comments = ()
                out.append(result)
                continue
            changed = True
            produced = list(result) if isinstance(result, cst.FlattenSentinel) else (
                [] if isinstance(result, cst.RemovalSentinel) else [result])
            if body:
                produced = [n for n in produced if item._is_removable() or not n._is_removable()]
                if not produced:
                    if out:  # the gap to a statement above; a block's first line has none
                        carried = max(carried, leading_blank_lines(item), key=len)
                    comments += leading_comment_lines(item) + inner_comment_lines(item)
                    continue
                own = leading_comment_lines(item)
                first = produced[0]
                if own and hasattr(first, "leading_lines") and not leading_comment_lines(first):
                    produced[0] = first.with_changes(leading_lines=(*first.leading_lines, *own))
                produced[-1] = _with_footer_of(produced[-1], item)
                if carried or comments:
                    produced[0] = with_carried_lines(produced[0], carried, comments)
                    carried = comments = ()
            out.extend(produced)
        return (tuple(out) if changed else None), comments

    # -- libcst's visitor protocol (kept so ``module.visit(CombinedRules(...))`` works) ----
    def on_visit(self, node: cst.CSTNode) -> bool:
        for hook in self._visit_hooks(type(node)):
            hook(node)
        return True

    def on_leave(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        result = updated_node
        for hook in self._leave_hooks(type(original_node)):
            result = hook(original_node, result)
            if not isinstance(result, cst.CSTNode):
                return result
        return result

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if self._attribute_hooks:
            for rule in self.rules:
                rule.on_visit_attribute(node, attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        if self._attribute_hooks:
            for rule in self.rules:
                rule.on_leave_attribute(original_node, attribute)


def _with_footer_of(new: cst.CSTNode, original: cst.CSTNode) -> cst.CSTNode:
    """``new`` (a compound statement a rule rebuilt) given the comment and blank lines that
    closed ``original``'s block, when the rebuilt block has none of its own."""
    old_body, new_body = getattr(original, "body", None), getattr(new, "body", None)
    if not isinstance(old_body, cst.IndentedBlock) or not old_body.footer:
        return new
    if not isinstance(new_body, cst.IndentedBlock) or new_body.footer:
        return new
    return new.with_changes(body=new_body.with_changes(footer=old_body.footer))


@functools.cache
def _overrides(cls: type, name: str) -> bool:
    """Whether rule class ``cls`` defines hook ``name`` itself (libcst's ``CSTTransformer``
    carries a do-nothing stub of every hook; calling those is pure overhead)."""
    own = getattr(cls, name, None)
    return own is not None and own is not getattr(cst.CSTTransformer, name, None)


@functools.cache
def _hook_owners(classes: tuple[type, ...], name: str) -> tuple[int, ...]:
    """Positions of the rule classes that define hook ``name``: the same for every file of a
    run (each traversal then binds only those few, not a lookup per rule and node type)."""
    return tuple(i for i, cls in enumerate(classes) if _overrides(cls, name))


@functools.cache
def _inert_types(classes: tuple[type, ...]) -> frozenset[type]:
    """``TRIVIA`` when none of the rule classes hooks a trivia type (their subtrees hold only
    trivia, so a traversal has nothing to call in them), else no type."""
    hooked = any(_hook_owners(classes, f"{prefix}_{kind.__name__}")
                 for kind in TRIVIA for prefix in ("visit", "leave"))
    return frozenset() if hooked else TRIVIA


@functools.cache
def _defines_attribute_hooks(cls: type) -> bool:
    """Whether a rule class has ``visit_<Node>_<attribute>`` / ``leave_<Node>_<attribute>``
    hooks (none of ours do; the traversal then skips the per-attribute calls)."""
    return any(
        name.startswith(("visit_", "leave_")) and name.count("_") >= 2 and _overrides(cls, name)
        for name in dir(cls)
    )


@functools.cache
def _field_defaults(kind: type) -> dict[str, Any]:
    return {f.name: f.default for f in dataclasses.fields(kind)}


def _removed_value(parent: cst.CSTNode, name: str) -> Any:
    """What a removed child becomes: None / ``MaybeSentinel.DEFAULT`` for an optional field
    (as libcst's ``visit_optional`` / ``visit_sentinel``); a required one cannot go."""
    default = _field_defaults(type(parent)).get(name, dataclasses.MISSING)
    if default is None or default is _DEFAULT:
        return default
    raise TypeError(f"a {type(getattr(parent, name)).__name__} cannot be removed from "
                    f"{type(parent).__name__}.{name}")
