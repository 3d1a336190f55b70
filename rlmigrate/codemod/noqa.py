"""``# noqa`` directives: which findings a comment suppresses, and which code it keeps as is.

Syntax, as in Ruff: ``# noqa`` (every code) or ``# noqa: RLM001`` / ``# noqa: RLM001, RLM064``
(those codes; commas and/or spaces between them), anywhere in a comment
(``# type: ignore  # noqa: RLM001`` works). ``# noqa:`` followed by no code is not a
directive (Ruff warns about it; we ignore it).

Where it applies: to the findings reported on the comment's line. Lines come from libcst (the
comment token's position in the parsed module, ``positions.start_positions``, which gives
``PositionProvider``'s answers), never from scanning the source text. A comment at the end of
a class or function *header* (after the ``:``) also covers the line of the ``class``/``def``
keyword, so a header spread over several lines can carry its ``noqa`` after the colon.

What a suppressed finding means for the rewrite (the rule ``rlmigrate rewrite --help`` and the
CLI reference state): a finding of status ``converted`` or ``review`` describes a rewrite; when
it is suppressed the rewrite is not applied. The unit left as is is the smallest statement that
holds the reported node (the whole class for a class-level finding such as RLM001's, one
assignment for RLM021); when that statement sits inside a class or statement that is itself
rewritten, the enclosing one is left unchanged too (a half-converted class would not work), and
a ``manual`` finding at it says which ``noqa`` kept it. Findings of the kept code other than
the suppressed one disappear when they describe a rewrite that is no longer applied; ``manual``
findings there stay (they are facts about the unchanged code). Analyses that span
statements see kept code as legacy: a config naming a kept model class stays as it is, a kept
distribution class is not wired into configs.

Imports (RLM050 reports nothing): a ``noqa`` covering RLM050 at the end of an import statement
keeps every legacy name it imports even when the rewrite leaves it unused (a re-export, say).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import libcst as cst

from rlmigrate.codemod.findings import CONVERTED, MANUAL, REVIEW, Finding
from rlmigrate.codemod.nodes import children, dotted_name
from rlmigrate.codemod.positions import start_positions

# On the comment token's text only: a hash, "noqa", then optionally ":" and codes.
_DIRECTIVE = re.compile(r"#\s*noqa(?P<colon>\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)?)?",
                        re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")


@dataclass(frozen=True)
class Directive:
    """One ``noqa``: the codes it names (None: every code)."""

    codes: frozenset[str] | None

    def covers(self, code: str) -> bool:
        """Whether this directive suppresses ``code``."""
        return self.codes is None or code.upper() in self.codes

    def merged(self, other: Directive) -> Directive:
        """Both directives (two comments covering one line)."""
        if self.codes is None or other.codes is None:
            return Directive(None)
        return Directive(self.codes | other.codes)


def parse_comment(text: str) -> Directive | None:
    """The directive in one comment token's text (``"# noqa: RLM001"``), or None."""
    for match in _DIRECTIVE.finditer(text):
        if not match.group("colon"):
            rest = text[match.end():]
            if rest and (rest[0].isalnum() or rest[0] == "_"):
                continue  # "noqaXYZ" is a word, not a directive
            return Directive(None)
        if match.group("codes"):
            return Directive(frozenset(code.upper() for code in _CODE.findall(match.group("codes"))))
    return None


def directives(module: cst.Module) -> dict[int, Directive]:
    """``{line: directive}`` for every ``noqa`` comment of ``module`` (1-based lines)."""
    found: list[tuple[cst.CSTNode, Directive]] = []
    for comment, header_owner in _comments(module):
        directive = parse_comment(comment.value)
        if directive is None:
            continue
        found.append((comment, directive))
        if header_owner is not None:
            found.append((header_owner, directive))
    if not found:
        return {}
    positions = start_positions(module, [node for node, _ in found])
    out: dict[int, Directive] = {}
    for node, directive in found:
        if node not in positions:
            continue
        line = positions[node][0]
        out[line] = out[line].merged(directive) if line in out else directive
    return out


def _comments(module: cst.Module) -> Iterable[tuple[cst.Comment, cst.CSTNode | None]]:
    """Every comment, with the compound statement whose header it ends (or None)."""
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Comment):
            yield node, None
            continue
        if isinstance(node, cst.BaseCompoundStatement) and isinstance(node.body, cst.IndentedBlock):
            comment = node.body.header.comment
            if comment is not None:
                yield comment, node
                stack.extend(c for c in reversed(children(node)) if c is not node.body)
                stack.extend(c for c in reversed(children(node.body)) if c is not node.body.header)
                continue
        stack.extend(reversed(children(node)))


def is_suppressed(line: int, code: str, by_line: Mapping[int, Directive]) -> bool:
    """Whether a finding of ``code`` on ``line`` is suppressed."""
    directive = by_line.get(line)
    return directive is not None and directive.covers(code)


REWRITE_STATUSES = (CONVERTED, REVIEW)


@dataclass
class Located:
    """A finding with the original node it was reported at."""

    node: cst.CSTNode
    finding: Finding


@dataclass
class NoqaPlan:
    """What a file's ``noqa`` comments change (see the module docstring).

    Attributes:
        frozen: original statements to keep as they are (the rewrite is run again without them).
        inside: ids of every node in a frozen statement (for sorting findings in and out).
        notes: ``manual`` findings at enclosing statements kept because of a ``noqa`` inside.
        kept_names: the classes and functions defined in frozen statements.
    """

    frozen: frozenset[cst.CSTNode] = frozenset()
    inside: frozenset[int] = frozenset()
    notes: tuple[Finding, ...] = ()
    kept_names: frozenset[str] = frozenset()


def _parents(module: cst.Module) -> dict[int, cst.CSTNode]:
    parents: dict[int, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        for child in children(node):
            parents[id(child)] = node
            stack.append(child)
    return parents


def _statements_up(node: cst.CSTNode, parents: Mapping[int, cst.CSTNode]) -> list[cst.CSTNode]:
    """The statements holding ``node`` (itself included when it is one), innermost first."""
    out: list[cst.CSTNode] = []
    current: cst.CSTNode | None = node
    while current is not None:
        if isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            out.append(current)
        current = parents.get(id(current))
    return out


def plan(module: cst.Module, located: Iterable[Located], by_line: Mapping[int, Directive],
         already: frozenset[cst.CSTNode] = frozenset()) -> NoqaPlan:
    """Which statements to keep, given the findings of a run over ``module``."""
    located = list(located)
    suppressed = [item for item in located
                  if item.finding.status in REWRITE_STATUSES
                  and is_suppressed(item.finding.line, item.finding.code, by_line)]
    if not suppressed and not already:
        return NoqaPlan()
    parents = _parents(module)
    rewritten = {id(item.node): item for item in located
                 if item.finding.status in REWRITE_STATUSES
                 and not is_suppressed(item.finding.line, item.finding.code, by_line)}
    frozen = set(already)
    notes = []
    for item in suppressed:
        chain = _statements_up(item.node, parents)
        if not chain:
            continue  # nothing to keep as is (a module-level fact): the finding stays
        unit = chain[0]
        for outer in chain[1:]:
            if id(outer) in rewritten:
                unit = outer
        if unit is not chain[0]:
            holder = rewritten[id(unit)].finding
            name = getattr(getattr(unit, "name", None), "value", "statement")
            notes.append(Finding(holder.path, holder.line, holder.column, holder.code, MANUAL,
                                 f"{name} left unchanged: `# noqa` on line {item.finding.line} "
                                 f"keeps part of it ({item.finding.code}) as is"))
        frozen.add(unit)
    nodes = [node for unit in frozen for node in _subtree(unit)]
    names = {node.name.value for node in nodes if isinstance(node, (cst.ClassDef, cst.FunctionDef))}
    return NoqaPlan(frozen=frozenset(frozen), inside=frozenset(map(id, nodes)), notes=tuple(notes),
                    kept_names=frozenset(names))


def _subtree(node: cst.CSTNode) -> Iterable[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def merge(first: Iterable[Located], last: Iterable[Located], noqa_plan: NoqaPlan,
          by_line: Mapping[int, Directive]) -> list[Finding]:
    """The findings to report after the last run (with ``noqa_plan.frozen`` kept as is).

    From the last run: everything except rewrites inside kept statements (not applied).
    From the first run: the ``manual``/``error`` findings inside kept statements (the last run
    did not look there). Plus the notes; minus every suppressed finding.
    """
    out = [item.finding for item in last
           if not (id(item.node) in noqa_plan.inside and item.finding.status in REWRITE_STATUSES)]
    out += [item.finding for item in first
            if id(item.node) in noqa_plan.inside and item.finding.status not in REWRITE_STATUSES]
    out += noqa_plan.notes
    return sorted({f for f in out if not is_suppressed(f.line, f.code, by_line)})


def kept_imports(module: cst.Module, code: str) -> frozenset[tuple[str, str | None, str | None]]:
    """``(module, name, asname)`` of the imports on statement lines whose ``noqa`` covers
    ``code`` (RLM050: a legacy import it would drop as unused is kept, e.g. a re-export). The
    comment ending the statement line covers every name it imports, however many lines the
    statement spans."""
    out: set[tuple[str, str | None, str | None]] = set()
    stack: list[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        if not isinstance(node, cst.SimpleStatementLine):
            if not isinstance(node, cst.BaseExpression):  # imports are statements
                stack.extend(children(node))
            continue
        comment = node.trailing_whitespace.comment
        directive = parse_comment(comment.value) if comment is not None else None
        if directive is None or not directive.covers(code):
            continue
        for small in node.body:
            out.update(_import_keys(small))
    return frozenset(out)


def _import_keys(node: cst.BaseSmallStatement) -> Iterable[tuple[str, str | None, str | None]]:
    def asname(alias: cst.ImportAlias) -> str | None:
        target = alias.asname.name if alias.asname else None
        return target.value if isinstance(target, cst.Name) else None

    if isinstance(node, cst.ImportFrom) and node.module is not None and not isinstance(node.names, cst.ImportStar):
        module = dotted_name(node.module)
        for alias in node.names:
            name = dotted_name(alias.name)
            if module and name:
                yield module, name, asname(alias)
    elif isinstance(node, cst.Import):
        for alias in node.names:
            name = dotted_name(alias.name)
            if name:
                yield name, None, asname(alias)
