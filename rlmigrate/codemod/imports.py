"""Import edits after the rules ran: drop legacy imports made unused, add the target's imports.

libcst's ``RemoveImportsVisitor`` and ``AddImportsVisitor`` did this before; each deep-copied
the module, resolved its own scope metadata and walked every node through the matcher
machinery, which cost about 36x a parse on the legacy fixtures (three times the rest of the
rewrite). The engine already knows which import statements matter (``facts.py`` found them),
so this module edits just those statements, still as libcst nodes:

* a legacy import the original file used is removed when its local name is no longer referred
  to anywhere in the rewritten module (:func:`names_in_use`: loads of the name, string
  annotations, ``__all__`` entries);
* a legacy import whose local name the rewrite re-imports from the target is dropped
  (``TorchCategorical`` legacy vs. new stack share a name);
* the target's names are added to an existing ``from <target> import ...`` of the top import
  block, or as new ``from <target> import a, b`` statements after that block (the placement
  and blank line ``AddImportsVisitor`` used, so outputs did not change).

A removed statement hands its leading blank lines to the statement that follows it, so the
gap after a module docstring survives the removal of the import below it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import libcst as cst

from rlmigrate.codemod.nodes import (
    TRIVIA,
    child_fields,
    dotted_name,
    leading_blank_lines,
    leading_comment_lines,
    string_value,
    with_carried_lines,
)

#: Parent type -> fields whose Name children bind or label rather than refer to a name.
_NOT_REFERENCES: dict[type, frozenset[str]] = {
    cst.Attribute: frozenset({"attr"}),
    cst.Arg: frozenset({"keyword"}),
    cst.FunctionDef: frozenset({"name"}),
    cst.ClassDef: frozenset({"name"}),
    cst.Param: frozenset({"name"}),
    cst.AsName: frozenset({"name"}),
    cst.NameItem: frozenset({"name"}),
    cst.AssignTarget: frozenset({"target"}),
}


@dataclass(frozen=True)
class ImportKey:
    """One imported name: ``from module import obj as asname`` (``obj`` None: ``import module``)."""

    module: str
    obj: str | None
    asname: str | None


def names_in_use(module: cst.Module) -> set[str]:
    """Names the module refers to: loads, names inside string annotations, ``__all__`` strings.

    Import statements, attribute names after a dot, keyword names, and the names that
    definitions, parameters and plain assignments bind are not references. A name that is
    only rebound locally (a parameter shadowing an import) still counts: the answer errs on
    the side of keeping an import.
    """
    found: set[str] = set()
    stack: list[tuple[cst.CSTNode, bool]] = [(module, False)]
    while stack:
        node, in_annotation = stack.pop()
        kind = type(node)
        if kind is cst.Name:
            found.add(node.value)  # type: ignore[attr-defined]
            continue
        if kind is cst.Import or kind is cst.ImportFrom:
            continue
        if kind is cst.SimpleString or kind is cst.ConcatenatedString:
            if in_annotation:
                found |= _names_in_string(node)  # type: ignore[arg-type]
            continue
        if kind is cst.Annotation or (kind is cst.Call and _is_typevar(node)):  # type: ignore[arg-type]
            in_annotation = True
        elif kind in (cst.Assign, cst.AugAssign, cst.AnnAssign):
            found |= _exported(node)
        skip = _NOT_REFERENCES.get(kind, ())
        for field in child_fields(node):
            value = getattr(node, field)
            if field in skip and isinstance(value, cst.Name):
                continue
            if isinstance(value, cst.CSTNode):
                if type(value) not in TRIVIA:  # whitespace, commas, operators: no names
                    stack.append((value, in_annotation))
            elif isinstance(value, (tuple, list)):
                stack.extend((v, in_annotation) for v in value
                             if isinstance(v, cst.CSTNode) and type(v) not in TRIVIA)
    return found


def _is_typevar(node: cst.Call) -> bool:
    func = node.func
    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return name == "TypeVar"


def _names_in_string(node: cst.SimpleString | cst.ConcatenatedString) -> set[str]:
    value = node.evaluated_value
    if not isinstance(value, str):
        return set()
    try:
        parsed = cst.parse_expression(value.strip())
    except cst.ParserSyntaxError:
        return set()
    return names_in_use(cst.Module(body=[cst.SimpleStatementLine([cst.Expr(parsed)])]))


def _exported(node: cst.Assign | cst.AugAssign | cst.AnnAssign) -> set[str]:
    targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
    if not any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
        return set()
    value = node.value
    if not isinstance(value, (cst.List, cst.Tuple, cst.Set)):
        return set()
    return {s for e in value.elements if (s := string_value(e.value)) is not None}


# -- the statements the engine edits -------------------------------------------------------
_Block = TypeVar("_Block", cst.Module, cst.IndentedBlock)


def _rewrite_blocks(
    body: tuple[cst.BaseStatement, ...], edit_line: _LineEdit
) -> tuple[tuple[cst.BaseStatement, ...] | None, tuple[cst.EmptyLine, ...]]:
    """``body`` with ``edit_line`` applied to every import line, here and in nested blocks
    (None when nothing changed), and the comment lines of removed trailing statements. An
    emptied block prints as ``pass`` (libcst does that)."""
    out: list[cst.BaseStatement] = []
    carried: tuple[cst.EmptyLine, ...] = ()  # blank lines of removed statements
    comments: tuple[cst.EmptyLine, ...] = ()  # their comment lines: never removed with them
    changed = False
    for stmt in body:
        new: cst.BaseStatement | None = stmt
        if isinstance(stmt, cst.SimpleStatementLine) and any(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body
        ):
            new = edit_line(stmt)
        elif isinstance(stmt, (cst.If, cst.Try, cst.TryStar, cst.With)):
            new = _rewrite_suites(stmt, edit_line)
        if new is None:
            changed = True
            if out:  # the gap to a statement above; a block's first line has none
                carried = max(carried, leading_blank_lines(stmt), key=len)
            comments += leading_comment_lines(stmt)
            continue
        if carried or comments:
            new = with_carried_lines(new, carried, comments)  # type: ignore[assignment]
            carried = comments = ()
        changed = changed or new is not stmt
        out.append(new)
    return tuple(out) if changed else None, comments


def _rewrite_block(block: _Block, edit_line: _LineEdit) -> _Block:
    """``block`` (a module or an indented block) with ``edit_line`` applied; the comment lines
    of removed statements that no later statement could take go to its footer."""
    body, orphans = _rewrite_blocks(tuple(block.body), edit_line)
    if body is None:
        return block
    return block.with_changes(body=body, footer=(*orphans, *block.footer))


def _rewrite_suites(stmt: cst.CSTNode, edit_line: _LineEdit) -> cst.CSTNode:
    """A compound statement (or its else/finally/handler part) with its blocks rewritten."""
    changes: dict[str, object] = {}
    for name in ("body", "orelse", "finalbody"):
        part = getattr(stmt, name, None)
        if isinstance(part, cst.IndentedBlock):
            new_block = _rewrite_block(part, edit_line)
            if new_block is not part:
                changes[name] = new_block
        elif isinstance(part, (cst.If, cst.Else, cst.Finally)):
            new_part = _rewrite_suites(part, edit_line)
            if new_part is not part:
                changes[name] = new_part
    handlers = getattr(stmt, "handlers", None)
    if handlers:
        new_handlers = tuple(_rewrite_suites(h, edit_line) for h in handlers)
        if any(n is not o for n, o in zip(new_handlers, handlers)):
            changes["handlers"] = new_handlers
    return stmt.with_changes(**changes) if changes else stmt


class _LineEdit:
    """Edits the import statements of one statement line; None removes the whole line."""

    def __call__(self, line: cst.SimpleStatementLine) -> cst.SimpleStatementLine | None:
        kept: list[cst.BaseSmallStatement] = []
        changed = False
        for small in line.body:
            new = self.edit(small) if isinstance(small, (cst.Import, cst.ImportFrom)) else small
            if new is not small:
                changed = True
            if new is not None:
                kept.append(new)
        if not changed:
            return line
        if not kept:
            return None
        return line.with_changes(body=kept)

    def edit(self, node: cst.Import | cst.ImportFrom) -> cst.Import | cst.ImportFrom | None:
        raise NotImplementedError


def _import_from_module(node: cst.ImportFrom) -> str | None:
    """The absolute module of ``from M import ...`` (None for relative imports)."""
    if node.relative or node.module is None:
        return None
    return dotted_name(node.module)


def _alias_key(alias: cst.ImportAlias) -> tuple[str, str | None]:
    asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
    return dotted_name(alias.name) or "", asname


def _local_name(alias: cst.ImportAlias) -> str:
    name, asname = _alias_key(alias)
    return asname or name.split(".")[0]


class _RemoveUnused(_LineEdit):
    """Removes the scheduled imports whose local name is not in use."""

    def __init__(self, keys: Iterable[ImportKey], used: set[str]) -> None:
        self.modules = {k.module: k.asname for k in keys if k.obj is None}
        self.objects: dict[str, set[tuple[str, str | None]]] = {}
        for k in keys:
            if k.obj is not None:
                self.objects.setdefault(k.module, set()).add((k.obj, k.asname))
        self.used = used

    def _removable(self, alias: cst.ImportAlias) -> bool:
        return _local_name(alias) not in self.used

    def edit(self, node: cst.Import | cst.ImportFrom) -> cst.Import | cst.ImportFrom | None:
        if isinstance(node, cst.Import):
            keep = [
                a for a in node.names
                if not (_alias_key(a)[0] in self.modules
                        and _alias_key(a)[1] == self.modules[_alias_key(a)[0]]
                        and self._removable(a))
            ]
            if len(keep) == len(node.names):
                return node
            if not keep:
                return None
            if keep[-1] is not node.names[-1]:
                keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return node.with_changes(names=keep)
        module = _import_from_module(node)
        if isinstance(node.names, cst.ImportStar) or module is None or module not in self.objects:
            return node
        wanted = self.objects[module]
        keep = []
        lpar = node.lpar
        for alias in node.names:
            if _alias_key(alias) not in wanted or not self._removable(alias):
                keep.append(alias)
                continue
            # Comments after a removed alias's comma move to the alias before it (or to the
            # opening parenthesis), as RemoveImportsVisitor does.
            comma = alias.comma
            if isinstance(comma, cst.Comma):
                if keep:
                    prev = keep[-1]
                    if isinstance(prev.comma, cst.Comma):
                        prev = prev.with_changes(comma=prev.comma.with_changes(
                            whitespace_after=_merge_whitespace(prev.comma.whitespace_after,
                                                               comma.whitespace_after)))
                    else:
                        prev = prev.with_changes(comma=comma)
                    keep[-1] = prev
                elif isinstance(lpar, cst.LeftParen):
                    lpar = lpar.with_changes(
                        whitespace_after=_merge_whitespace(lpar.whitespace_after, comma.whitespace_after))
        if len(keep) == len(node.names):
            return node
        if not keep:
            return None
        if keep[-1] is not node.names[-1]:
            keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return node.with_changes(names=keep, lpar=lpar)


def _merge_whitespace(
    left: cst.BaseParenthesizableWhitespace, right: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    if not isinstance(right, cst.ParenthesizedWhitespace):
        return left
    if not isinstance(left, cst.ParenthesizedWhitespace):
        return right
    return left.with_changes(empty_lines=tuple(line for line in right.empty_lines if line.comment is not None))


class _DropShadowed(_LineEdit):
    """Drops ``from M import obj [as asname]`` entries the target re-imports under that name."""

    def __init__(self, keys: Iterable[ImportKey]) -> None:
        self.keys = {(k.module, k.obj, k.asname) for k in keys}

    def edit(self, node: cst.Import | cst.ImportFrom) -> cst.Import | cst.ImportFrom | None:
        if not isinstance(node, cst.ImportFrom) or node.module is None or isinstance(node.names, cst.ImportStar):
            return node
        module = dotted_name(node.module)
        keep = [a for a in node.names if (module, *_alias_key(a)) not in self.keys]
        if len(keep) == len(node.names):
            return node
        if not keep:
            return None
        keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return node.with_changes(names=keep)


def remove_unused(module: cst.Module, keys: Iterable[ImportKey]) -> cst.Module:
    """``module`` without the imports in ``keys`` whose local name is no longer in use."""
    keys = list(keys)
    if not keys:
        return module
    return _rewrite_block(module, _RemoveUnused(keys, names_in_use(module)))


def drop_shadowed(module: cst.Module, keys: Iterable[ImportKey]) -> cst.Module:
    """``module`` without the ``from`` imports in ``keys`` (their names now come from the target)."""
    keys = list(keys)
    if not keys:
        return module
    return _rewrite_block(module, _DropShadowed(keys))


# -- adding the target's imports ------------------------------------------------------------
def _single_small(stmt: cst.BaseStatement) -> cst.BaseSmallStatement | None:
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        return stmt.body[0]
    return None


def _header_length(body: tuple[cst.BaseStatement, ...]) -> int:
    """1 when the module starts with a docstring (or a ``__strict__`` flag): imports go below."""
    if not body:
        return 0
    first = _single_small(body[0])
    if isinstance(first, cst.Expr) and isinstance(first.value, cst.SimpleString):
        return 1
    if isinstance(first, cst.Assign) and len(first.targets) == 1 and isinstance(
        first.targets[0].target, cst.Name
    ) and first.targets[0].target.value == "__strict__":
        return 1
    return 0


def add_imports(module: cst.Module, wanted: Mapping[str, Iterable[str]]) -> cst.Module:
    """``module`` importing each ``{module: symbols}`` entry with ``from module import ...``.

    Names the top import block already imports (or star-imports) are skipped; the rest join
    the first ``from module import`` of that block (prepended, sorted), or new statements
    (sorted by module, names sorted) go right after the block, which must be followed by an
    empty line.
    """
    body = tuple(module.body)
    start = _header_length(body)
    end = start
    while end < len(body) and isinstance(_single_small(body[end]), (cst.Import, cst.ImportFrom)):
        end += 1
    todo = {m: set(names) for m, names in sorted(wanted.items()) if names}
    for stmt in body[start:end]:
        node = _single_small(stmt)
        if not isinstance(node, cst.ImportFrom):
            continue
        source = _import_from_module(node)
        if source not in todo:
            continue
        if isinstance(node.names, cst.ImportStar):
            del todo[source]
            continue
        todo[source] -= {dotted_name(a.name) for a in node.names if a.asname is None}
        if not todo[source]:
            del todo[source]
    if not todo:
        return module
    new_body = list(body)
    for index in range(start, end):
        node = _single_small(new_body[index])
        if not isinstance(node, cst.ImportFrom) or isinstance(node.names, cst.ImportStar):
            continue
        source = _import_from_module(node)
        if source in todo:
            names = [cst.ImportAlias(name=cst.Name(n)) for n in sorted(todo.pop(source))]
            line = new_body[index]
            assert isinstance(line, cst.SimpleStatementLine)
            new_body[index] = line.with_changes(body=[node.with_changes(names=[*names, *node.names])])
    if not todo:
        return module.with_changes(body=new_body)
    config = module.config_for_parsing
    added = [
        cst.parse_statement(f"from {source} import {', '.join(sorted(names))}", config=config)
        for source, names in todo.items()
    ]
    after = new_body[end:]
    if after:
        first = after[0]
        if not first.leading_lines:
            after[0] = first.with_changes(leading_lines=(cst.EmptyLine(),))
        elif first.leading_lines[0].comment is not None:
            after[0] = first.with_changes(leading_lines=(cst.EmptyLine(), *first.leading_lines))
    return module.with_changes(body=[*new_body[:end], *added, *after])
