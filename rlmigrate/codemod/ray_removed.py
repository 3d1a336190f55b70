"""``--target ray``: legacy imports that Ray >= 2.40 no longer has go behind a guard (RLM059).

A migrated file often keeps legacy code the rewrite could not or should not remove (a policy
built with ``build_torch_policy``, a loss left for a human). Ray 2.40 deleted most of the
legacy stack's modules (``ray.rllib.policy.torch_policy_template``, ``ray.rllib.agents``, ...),
so one such import would make the whole file, and the new module in it, fail to import there.

This pass runs after the rules, on the rewritten module, and only for ``--target ray``:

* an import of a ``ray.rllib``/``ray.tune`` module or name that is not in Ray 2.40's inventory
  (``data/ray_2_40_modules.json``, made by ``tools/oracle_ray240/module_inventory.py`` from the
  wheel, statically) moves into ``try: ... except ImportError: <names> = None``; names of the
  same statement that Ray 2.40 still has stay in a plain import;
* every later top-level statement that needs a guarded name when the module is imported (an
  assignment calling it, a class deriving from it, a decorator) runs under
  ``if <name> is not None:``, and the names it defines are guarded in turn;
* each guard is a finding (``review``) saying what replaces the legacy code on the new stack.

Nothing inside function bodies changes: they run only when called, which on Ray 2.40 they
should not be.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import libcst as cst

from rlmigrate.codemod.nodes import dotted_name

CODE = "RLM059"
_PREFIXES = ("ray.rllib", "ray.tune")


@functools.lru_cache(maxsize=1)
def ray_2_40_inventory() -> dict[str, frozenset[str]]:
    """``{module path: names defined at its top level}`` of Ray 2.40's rllib and tune."""
    text = resources.files("rlmigrate.codemod").joinpath("data/ray_2_40_modules.json").read_text()
    return {module: frozenset(names) for module, names in json.loads(text).items()}


def module_exists(path: str) -> bool:
    return path in ray_2_40_inventory()


def name_exists(module: str, name: str) -> bool:
    """Whether ``from module import name`` works on Ray 2.40 (a name or a submodule)."""
    inventory = ray_2_40_inventory()
    return name in inventory.get(module, ()) or f"{module}.{name}" in inventory


@dataclass
class Guard:
    """One guarded import: the original statement (for the finding's line) and its message."""

    statement: cst.SimpleStatementLine
    message: str


def _is_ray_path(path: str | None) -> bool:
    return bool(path) and (path == "ray.tune" or path.startswith(tuple(p + "." for p in _PREFIXES)) or path == "ray.rllib")


def _split_import(node: cst.BaseSmallStatement) -> tuple[list[str], cst.BaseSmallStatement | None, cst.BaseSmallStatement | None]:
    """``(missing local names, the part Ray 2.40 has, the part it lacks)`` of one import."""
    if isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None:
        module = dotted_name(node.module)
        if not _is_ray_path(module) or isinstance(node.names, cst.ImportStar):
            return [], node, None
        keep, drop = [], []
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            (keep if module_exists(module) and name_exists(module, name) else drop).append(alias)
        if not drop:
            return [], node, None
        local = [
            (dotted_name(a.asname.name) if a.asname else dotted_name(a.name)) or "" for a in drop
        ]
        kept = node.with_changes(names=_comma_list(keep)) if keep else None
        return local, kept, node.with_changes(names=_comma_list(drop))
    if isinstance(node, cst.Import):
        keep, drop = [], []
        for alias in node.names:
            path = dotted_name(alias.name) or ""
            (drop if _is_ray_path(path) and not module_exists(path) else keep).append(alias)
        if not drop:
            return [], node, None
        local = [dotted_name(a.asname.name) if a.asname else None for a in drop]
        kept = node.with_changes(names=_comma_list(keep)) if keep else None
        return [n for n in local if n], kept, node.with_changes(names=_comma_list(drop))
    return [], node, None


def _comma_list(aliases: list[cst.ImportAlias]) -> list[cst.ImportAlias]:
    return [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in aliases]


def _guarded_try(statement: cst.SimpleStatementLine, missing_import: cst.BaseSmallStatement, names: list[str], path: str) -> cst.Try:
    fallback: list[cst.BaseStatement]
    if names:
        targets = [cst.AssignTarget(target=cst.Name(n)) for n in names]
        fallback = [cst.SimpleStatementLine(body=[cst.Assign(targets=targets, value=cst.Name("None"))])]
    else:
        fallback = [cst.SimpleStatementLine(body=[cst.Pass()])]
    comment = cst.TrailingWhitespace(
        whitespace=cst.SimpleWhitespace("  "),
        comment=cst.Comment(f"# {CODE}: {path} is not in Ray >= 2.40 (legacy API stack)"),
    )
    return cst.Try(
        body=cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[missing_import])]),
        handlers=[
            cst.ExceptHandler(
                body=cst.IndentedBlock(body=fallback, header=comment),
                type=cst.Name("ImportError"),
            )
        ],
        leading_lines=statement.leading_lines,
    )


class _ImportTimeNames(cst.CSTVisitor):
    """Names a top-level statement reads while the module is imported (not function bodies)."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        for part in (*node.decorators, node.params, node.returns):
            if part is not None:
                part.visit(self)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        node.params.visit(self)
        return False


def _reads(statement: cst.BaseStatement) -> set[str]:
    visitor = _ImportTimeNames()
    statement.visit(visitor)
    return visitor.names


def _defines(statement: cst.BaseStatement) -> set[str]:
    if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
        return {statement.name.value}
    names: set[str] = set()
    for small in getattr(statement, "body", ()):
        for target in getattr(small, "targets", ()):
            names |= {n.value for n in _all_names(target.target)}
        if isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            names |= {n.value for n in _all_names(small.target)}
    return names


def _all_names(node: cst.CSTNode) -> Iterable[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
    elif isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from _all_names(element.value)


def _under_if(statement: cst.BaseStatement, names: list[str]) -> cst.If:
    test: cst.BaseExpression = cst.Comparison(
        left=cst.Name(names[0]), comparisons=[cst.ComparisonTarget(cst.IsNot(), cst.Name("None"))]
    )
    for name in names[1:]:
        test = cst.BooleanOperation(
            left=test,
            operator=cst.And(),
            right=cst.Comparison(left=cst.Name(name), comparisons=[cst.ComparisonTarget(cst.IsNot(), cst.Name("None"))]),
        )
    header = cst.TrailingWhitespace(
        whitespace=cst.SimpleWhitespace("  "),
        comment=cst.Comment(f"# {CODE}: legacy API stack only (Ray < 2.40)"),
    )
    return cst.If(
        test=test,
        body=cst.IndentedBlock(body=[statement.with_changes(leading_lines=[])], header=header),
        leading_lines=statement.leading_lines,
    )


def guard_removed_imports(module: cst.Module) -> tuple[cst.Module, list[Guard]]:
    """The module with imports Ray 2.40 lacks guarded, and one :class:`Guard` per import."""
    body: list[cst.BaseStatement] = []
    guards: list[Guard] = []
    # guarded name -> the guarded import names it depends on (always bound: real or None)
    roots: dict[str, set[str]] = {}
    pending: list[cst.BaseStatement] = []
    carry: list[cst.EmptyLine] = []
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            missing, kept, dropped = _split_import(statement.body[0])
            if dropped is not None:
                path = _import_path(dropped)
                guards.append(Guard(statement, _message(path, missing)))
                if kept is not None:
                    body.append(statement.with_changes(body=[kept]))
                    statement = statement.with_changes(leading_lines=[])
                guarded_try = _guarded_try(statement, dropped, missing, path)
                if len(body) == _import_block_end(body) and kept is None:
                    # after the whole top import block (see below); its blank lines stay here
                    carry = carry or list(statement.leading_lines)
                    pending.append(guarded_try.with_changes(leading_lines=[]))
                else:
                    body.append(guarded_try)
                roots.update({name: {name} for name in missing})
                continue
        if carry and not statement.leading_lines:
            statement = statement.with_changes(leading_lines=carry)
        carry = []
        if pending and not _is_import(statement):
            # the guards go after the top import block, target imports included, so that a
            # second run finds that block whole and adds nothing (idempotence)
            body.extend(_after_blank_line(pending))
            pending.clear()
        needs = set().union(*(roots[name] for name in _reads(statement) if name in roots))
        if needs:
            roots.update({name: needs for name in _defines(statement)})
            body.append(_under_if(statement, sorted(needs)))
            continue
        body.append(statement)
    body.extend(_after_blank_line(pending))
    if not guards:
        return module, []
    return module.with_changes(body=body), guards


def _after_blank_line(statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """The guards as a group of their own: one blank line after the import block."""
    if not statements:
        return []
    return [statements[0].with_changes(leading_lines=[cst.EmptyLine()]), *statements[1:]]


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
    )


def _import_block_end(body: list[cst.BaseStatement]) -> int:
    """Index after the leading docstring and the imports that follow it."""
    index = 0
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr):
        index = 1
    while index < len(body) and _is_import(body[index]):
        index += 1
    return index


def _import_path(node: cst.BaseSmallStatement) -> str:
    if isinstance(node, cst.ImportFrom) and node.module is not None:
        names = ", ".join(dotted_name(a.name) or "" for a in node.names)  # type: ignore[union-attr]
        return f"{dotted_name(node.module)}.{{{names}}}" if "," in names else f"{dotted_name(node.module)}.{names}"
    return ", ".join(dotted_name(a.name) or "" for a in node.names)  # type: ignore[union-attr]


def _message(path: str, names: list[str]) -> str:
    verb = "is" if len(names) == 1 else "are"
    bound = f"{', '.join(names)} {verb} None there and " if names else ""
    return (
        f"{path} is gone from Ray >= 2.40 (its legacy API stack): the import is guarded, {bound}"
        "top-level code needing them runs only on older Ray. On the new stack, acting lives in the "
        "generated RLModule and losses in a Learner (see rlmigrate rules RLM062 and RLM030)"
    )
