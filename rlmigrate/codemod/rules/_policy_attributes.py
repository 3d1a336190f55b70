"""Whether a policy attribute a hook reads is set anywhere at all (RLM033's findings).

A loss that reads ``self.flag`` where nothing ever assigns ``flag`` raises ``AttributeError``
on the legacy side too: there is no state to port, the legacy code itself is broken. The claim
is made only when it can be checked from this file: the policy is a class of this file whose
bases are Ray's legacy classes or other classes of this file, no code of this file stores the
name (``x.flag = ...``, ``setattr(x, "flag", ...)``, a class attribute or method of that name),
no method hands ``self`` to code of another file, and no Ray 2.10 policy class or mixin has a
member of that name (``data/ray_2_10_policy_members.json``, made by
``tools/oracle/policy_members.py``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import string_value, walk


@lru_cache(maxsize=1)
def ray_policy_members() -> frozenset[str]:
    """Every member name of Ray 2.10's legacy policy classes and mixins."""
    text = resources.files("rlmigrate.codemod").joinpath("data/ray_2_10_policy_members.json").read_text()
    return frozenset(json.loads(text)["members"])


def _file_bases(ctx: FileContext, name: str, seen: frozenset[str] = frozenset()) -> list[str] | None:
    """The Ray legacy symbols ``name`` (a class of this file) derives from, through classes of
    this file; None when a base is neither (defined elsewhere, or not a plain class)."""
    node = ctx.facts.classes.get(name)
    if node is None or name in seen:
        return None
    found: list[str] = []
    for arg in node.bases:
        symbols = ctx.legacy_symbols(arg.value)
        if symbols:
            found.extend(sorted(symbols))
            continue
        if not isinstance(arg.value, cst.Name):
            return None
        inner = _file_bases(ctx, arg.value.value, seen | {name})
        if inner is None:
            return None
        found.extend(inner)
    return found


def _stores(ctx: FileContext, attr: str) -> bool:
    """Some code of this file stores ``attr`` on an object, or a class defines it."""
    if attr in ctx.facts.attribute_stores or "*" in ctx.facts.attribute_stores:
        return True
    roots: list[cst.CSTNode] = [*ctx.facts.classes.values(), *ctx.facts.functions.values()]
    for cls in ctx.facts.classes.values():
        body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
        for stmt in body:
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and stmt.name.value == attr:
                return True
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                               else [small.target] if isinstance(small, cst.AnnAssign) else [])
                    if any(isinstance(t, cst.Name) and t.value == attr for t in targets):
                        return True
    for root in roots:
        for node in walk(root, into_functions=True):
            targets = ([t.target for t in node.targets] if isinstance(node, cst.Assign)
                       else [node.target] if isinstance(node, (cst.AugAssign, cst.AnnAssign)) else [])
            if any(isinstance(t, cst.Attribute) and t.attr.value == attr for t in targets):
                return True
            if (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "setattr"
                    and len(node.args) >= 2):
                key = node.args[1].value
                if not isinstance(key, cst.SimpleString) or string_value(key) == attr:
                    return True  # a computed name may be this one
    return False


def _hands_self_away(ctx: FileContext, name: str) -> bool:
    """A method of ``name`` (or of a class of this file it derives from) passes ``self`` to a
    call that is neither Ray's (a legacy symbol, or a method of a Ray class) nor a method of a
    class of this file: code elsewhere could store anything on it."""
    pending, seen = [name], set()
    while pending:
        current = pending.pop()
        node = ctx.facts.classes.get(current)
        if node is None or current in seen:
            continue
        seen.add(current)
        pending.extend(a.value.value for a in node.bases if isinstance(a.value, cst.Name))
        for call in (n for n in walk(node, into_functions=True) if isinstance(n, cst.Call)):
            if not any(isinstance(a.value, cst.Name) and a.value.value == "self" for a in call.args):
                continue
            if ctx.legacy_symbols(call.func):
                continue  # Ray's own code (warn_if_infinite_kl_divergence(self, ...)) stores no user names
            owner = call.func.value if isinstance(call.func, cst.Attribute) else None
            if owner is None or not (ctx.legacy_symbols(owner)
                                     or isinstance(owner, cst.Name) and owner.value in ctx.facts.classes):
                return True
    return False


def set_nowhere(ctx: FileContext, policy: str, attr: str) -> list[str] | None:
    """The Ray bases of ``policy`` when ``attr`` is provably set nowhere (see the module
    docstring), else None."""
    bases = _file_bases(ctx, policy)
    if not bases or attr in ray_policy_members() or _stores(ctx, attr) or _hands_self_away(ctx, policy):
        return None
    return sorted(set(bases))
