"""What module-level helpers of the run read from a parameter (the policy a legacy loss hands them).

A legacy loss often passes its policy on whole: ``train_side_net(policy=self, net=model.side,
train_batch=train_batch)``, the helper in the same file or another one of the project. Whether
a Learner can call the same helper depends only on what the helper does with that parameter:
:func:`scan_helpers` records, per top-level function and parameter, the attributes read on it
(``policy.config``, ``policy.model``: the first component), the calls it is passed on to
(``construct_input(policy, batch)``: followed into that function, in any file of the run), and
any other use (``policy.x = ...``, ``policy`` returned, stored, or handed to a method):
*opaque*, which no Learner object can stand in for. :func:`resolve_helpers` closes the passes
over the run and gives each file the helpers it can call by a local name (its own functions
and the functions it imports from the run), with the attributes read on each parameter or the
reason they cannot be known. RLM033 then hands such a helper a
:class:`~rlmigrate.learner.policy_view.LegacyPolicyView` offering exactly those attributes.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["HelperFunction", "ParamReads", "ParamUse", "dotted_expr", "resolve_helpers", "scan_helpers"]


@dataclass(frozen=True)
class ParamUse:
    """What one function does with one parameter, as written.

    Attributes:
        attrs: attributes read on it (first component: ``p.model.x`` reads ``model``).
        passes: ``(callee as written, position or keyword)`` for each plain call it is passed to.
        opaque: the first use that cannot be followed (None: none).
    """

    attrs: frozenset[str] = frozenset()
    passes: tuple[tuple[str, int | str], ...] = ()
    opaque: str | None = None


@dataclass(frozen=True)
class HelperFunction:
    """A top-level function: its parameter names in order and, per name, its :class:`ParamUse`."""

    params: tuple[str, ...]
    uses: tuple[tuple[str, ParamUse], ...]
    line: int = 0

    def use(self, param: str) -> ParamUse | None:
        return dict(self.uses).get(param)


@dataclass(frozen=True)
class ParamReads:
    """A helper callable from one file, resolved over the run.

    Attributes:
        params: its parameter names in order (to bind a positional argument).
        reads: per parameter ``(attributes read, directly or by the helpers it passes it to;
            why they cannot be known, or None)``.
        where: ``path:line`` of its definition (for findings).
    """

    params: tuple[str, ...]
    reads: tuple[tuple[str, tuple[frozenset[str], str | None]], ...]
    where: str = ""

    def for_argument(self, key: int | str) -> tuple[frozenset[str], str | None] | None:
        """The reads of the parameter an argument binds (position or keyword), None: no such one."""
        name = key if isinstance(key, str) else (self.params[key] if key < len(self.params) else None)
        return dict(self.reads).get(name) if name is not None else None


def dotted_expr(node: ast.expr) -> str | None:
    """``a.b.c`` for a Name/Attribute chain (``ast``), None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = dotted_expr(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None


def _param_use(name: str, names: list[ast.Name], parents: dict[ast.AST, ast.AST]) -> ParamUse:
    """What the ``names`` nodes (every ``Name`` spelling parameter ``name``) do with it."""
    attrs: set[str] = set()
    passes: list[tuple[str, int | str]] = []
    for node in names:
        parent = parents.get(node)
        if not isinstance(node.ctx, ast.Load):
            return ParamUse(opaque=f"rebinds {name}")
        if isinstance(parent, ast.Attribute) and parent.value is node:
            if not isinstance(parent.ctx, ast.Load):
                return ParamUse(opaque=f"sets {name}.{parent.attr}")
            attrs.add(parent.attr)
            continue
        call = parents.get(parent) if isinstance(parent, ast.keyword) else parent
        if isinstance(call, ast.Call) and call.func is not node:
            callee = call.func.id if isinstance(call.func, ast.Name) else None
            if callee is None:
                return ParamUse(opaque=f"passes {name} to {dotted_expr(call.func) or 'a call'}()")
            if isinstance(parent, ast.keyword):
                if parent.arg is None:
                    return ParamUse(opaque=f"passes {name} in **kwargs to {callee}()")
                passes.append((callee, parent.arg))
            elif node in call.args:
                passes.append((callee, call.args.index(node)))
            else:
                return ParamUse(opaque=f"passes {name} to {callee}() unpacked")
            continue
        return ParamUse(opaque=f"uses {name} as a value (line {getattr(node, 'lineno', '?')})")
    return ParamUse(frozenset(attrs), tuple(passes))


def scan_helpers(tree: ast.Module) -> dict[str, HelperFunction]:
    """Every top-level function of ``tree`` with what it does with each parameter."""
    out: dict[str, HelperFunction] = {}
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        args = node.args
        params = tuple(a.arg for a in [*args.posonlyargs, *args.args])
        named = [*params, *(a.arg for a in args.kwonlyargs)]
        wanted = set(named)
        parents: dict[ast.AST, ast.AST] = {}
        by_name: dict[str, list[ast.Name]] = {p: [] for p in named}
        for parent in ast.walk(node):  # one pass: parents of the parameters' names only
            for child in ast.iter_child_nodes(parent):
                if isinstance(child, ast.Name) and child.id in wanted:
                    by_name[child.id].append(child)
                    parents[child] = parent
                elif isinstance(child, ast.keyword):
                    parents[child] = parent  # a keyword's own parent (its call)
        out[node.name] = HelperFunction(params, tuple((p, _param_use(p, by_name[p], parents)) for p in named),
                                        node.lineno)
    return out


@dataclass
class _Resolver:
    table: dict[str, tuple[object, HelperFunction]]  # qualified -> (module, function)
    callee_of: Callable[[object, str], str | None]  # (module, name as written) -> qualified in table
    memo: dict[tuple[str, str], tuple[frozenset[str], str | None]] = field(default_factory=dict)

    def reads(self, qualified: str, param: str) -> tuple[frozenset[str], str | None]:
        key = (qualified, param)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = (frozenset(), None)  # a recursive pass adds nothing new
        module, func = self.table[qualified]
        use = func.use(param)
        name = qualified.rsplit(".", 1)[-1]
        if use is None:
            found: tuple[frozenset[str], str | None] = (frozenset(), f"{name}() has no parameter {param}")
        elif use.opaque:
            found = (use.attrs, f"{name}() {use.opaque}")
        else:
            attrs, problem = set(use.attrs), None
            for callee, position in use.passes:
                target = self.callee_of(module, callee)
                if target is None:
                    problem = f"{name}() passes {param} to {callee}(), which is not a function of the run"
                    break
                inner = self.table[target][1]
                bound = position if isinstance(position, str) else (
                    inner.params[position] if position < len(inner.params) else None)
                if bound is None:
                    problem = f"{name}() passes {param} to {callee}() beyond its parameters"
                    break
                more, problem = self.reads(target, bound)
                attrs |= more
                if problem:
                    break
            found = (frozenset(attrs), problem)
        self.memo[key] = found
        return found


def resolve_helpers(modules: list, same: Callable[[str, str], bool], qualify: Callable) -> dict[str, dict[str, ParamReads]]:
    """Per file path: ``{local name: ParamReads}`` for the run's functions it can call by name.

    ``modules`` are the project index's parsed modules (``path``, ``display``, ``name``,
    ``imports`` and a ``scan`` whose ``helpers`` :func:`scan_helpers` filled).
    """
    table: dict[str, tuple[object, HelperFunction]] = {}
    for module in modules:
        for fname, func in module.scan.helpers.items():
            table[f"{module.name}.{fname}"] = (module, func)

    by_last: dict[str, list[str]] = {}
    for qualified in table:
        by_last.setdefault(qualified.rsplit(".", 1)[-1], []).append(qualified)

    def find(qualified: str) -> str | None:
        if qualified in table:
            return qualified
        candidates = by_last.get(qualified.rsplit(".", 1)[-1], ())
        return next((q for q in candidates if "." in qualified and same(qualified, q)), None)

    def callee_of(module: object, name: str) -> str | None:
        if name in module.scan.helpers:  # type: ignore[attr-defined]
            return f"{module.name}.{name}"  # type: ignore[attr-defined]
        if name in module.imports:  # type: ignore[attr-defined]
            return find(qualify(name, module))
        return None

    resolver = _Resolver(table, callee_of)
    out: dict[str, dict[str, ParamReads]] = {}
    for module in modules:
        local: dict[str, ParamReads] = {}
        for name in [*module.scan.helpers, *module.imports]:
            target = callee_of(module, name)
            if target is None:
                continue
            home, func = table[target]
            reads = tuple((p, resolver.reads(target, p)) for p, _ in func.uses)
            local[name] = ParamReads(func.params, reads, f"{home.display}:{func.line}")  # type: ignore[attr-defined]
        if local:
            out[str(module.path)] = local
    return out
