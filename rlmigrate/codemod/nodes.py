"""Small builders and readers of libcst nodes shared by the rules.

Templates are parsed with libcst's own parser (``parse_expression`` / ``parse_statement``),
never assembled as text and spliced into the source.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Iterable, Sequence

import libcst as cst


def string_value(node: cst.CSTNode | None) -> str | None:
    """The Python value of a plain string literal node, else None (f-strings, concatenations)."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def column(attr: str) -> cst.Attribute:
    """``Columns.<attr>`` (the caller records the ``Columns`` import)."""
    return cst.Attribute(value=cst.Name("Columns"), attr=cst.Name(attr))


def self_attr(attr: str, self_name: str = "self") -> cst.Attribute:
    """``self.<attr>``."""
    return cst.Attribute(value=cst.Name(self_name), attr=cst.Name(attr))


def dict_of(items: Sequence[tuple[cst.BaseExpression, cst.BaseExpression]]) -> cst.Dict:
    """A one-line dict literal ``{k: v, ...}``."""
    return cst.Dict([cst.DictElement(key, value) for key, value in items])


def call(func: cst.BaseExpression, *args: cst.BaseExpression, **kwargs: cst.BaseExpression) -> cst.Call:
    """``func(*args, **kwargs)`` with default spacing."""
    arg_nodes = [cst.Arg(a) for a in args]
    arg_nodes += [
        cst.Arg(value, keyword=cst.Name(key), equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ))
        for key, value in kwargs.items()
    ]
    return cst.Call(func=func, args=arg_nodes)


def kwarg(key: str, value: cst.BaseExpression) -> cst.Arg:
    """A keyword argument ``key=value`` without spaces around ``=``."""
    return cst.Arg(
        value,
        keyword=cst.Name(key),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


@functools.lru_cache(maxsize=1024)
def statement(code: str) -> cst.BaseStatement:
    """Parse one statement from template ``code`` (cached: nodes are immutable, and a rewrite
    asks for the same few templates in every file)."""
    return cst.parse_statement(code)


@functools.lru_cache(maxsize=1024)
def method(code: str) -> cst.FunctionDef:
    """A method from its source (``code`` holds one ``def``), set apart by one blank line."""
    node = statement(code)
    assert isinstance(node, cst.FunctionDef)
    return node.with_changes(leading_lines=[cst.EmptyLine(indent=False)])


def with_statements(func: cst.FunctionDef, statements: list[cst.BaseStatement]) -> cst.FunctionDef:
    """``func`` with ``statements`` as its body (``pass`` when there are none)."""
    return func.with_changes(body=cst.IndentedBlock(body=statements or [statement("pass\n")]))


def body_statements(func: cst.FunctionDef) -> list[cst.BaseStatement]:
    """The statements of ``func``'s indented body (none for a one-line ``def f(): ...``)."""
    return list(func.body.body) if isinstance(func.body, cst.IndentedBlock) else []


def expression(code: str) -> cst.BaseExpression:
    """Parse one expression from template ``code`` (cached, see :func:`statement`)."""
    return cst.parse_expression(code)


def assign(name: str, value: cst.BaseExpression) -> cst.SimpleStatementLine:
    """``name = value`` as a statement line."""
    return cst.SimpleStatementLine(
        [cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=value)]
    )


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted_name(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None


def is_self_attr(node: cst.CSTNode, self_name: str, attr: str | None = None) -> bool:
    """``node`` is ``self.<attr>`` (any attr when ``attr`` is None)."""
    # exact type tests: libcst's node classes are final, and isinstance on their ABC
    # metaclass is the slow path of a check that runs on every node of every method
    return (
        type(node) is cst.Attribute
        and type(node.value) is cst.Name  # type: ignore[attr-defined]
        and node.value.value == self_name  # type: ignore[attr-defined]
        and (attr is None or node.attr.value == attr)  # type: ignore[attr-defined]
    )


def docstring_count(body: Sequence[cst.BaseStatement]) -> int:
    """1 if ``body`` starts with a docstring statement, else 0."""
    if body and isinstance(body[0], cst.SimpleStatementLine):
        first = body[0].body[0] if body[0].body else None
        if isinstance(first, cst.Expr) and isinstance(
            first.value, (cst.SimpleString, cst.ConcatenatedString)
        ):
            return 1
    return 0


def insert_after_docstring(
    block: cst.BaseSuite, statements: Iterable[cst.BaseStatement]
) -> cst.BaseSuite:
    """``block`` with ``statements`` inserted after its docstring (or at the top)."""
    statements = list(statements)
    if not statements:
        return block
    if not isinstance(block, cst.IndentedBlock):
        block = cst.IndentedBlock(body=[cst.SimpleStatementLine(list(block.body))])
    body = list(block.body)
    at = docstring_count(body)
    return block.with_changes(body=body[:at] + statements + body[at:])


def ensure_body(block: cst.BaseSuite) -> cst.BaseSuite:
    """A block that is never empty (adds ``pass`` where every statement was removed)."""
    if isinstance(block, cst.IndentedBlock) and not block.body:
        return block.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
    return block


def params(*names: str, defaults: dict[str, str] | None = None, star_kwargs: str | None = None) -> cst.Parameters:
    """A parameter list ``(names..., key=default..., **star_kwargs)``."""
    defaults = defaults or {}
    plain = [cst.Param(cst.Name(n)) for n in names]
    plain += [
        cst.Param(
            cst.Name(n),
            default=expression(d),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
            ),
        )
        for n, d in defaults.items()
    ]
    star = cst.Param(cst.Name(star_kwargs)) if star_kwargs else None
    return cst.Parameters(params=plain, star_kwarg=star)


_NESTED_SCOPES = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})


def _trivia_types() -> frozenset[type]:
    """libcst's whitespace, comment, punctuation and operator node types (see ``TRIVIA``)."""
    modules = ("libcst._nodes.whitespace", "libcst._nodes.op")
    found = {
        kind for name in dir(cst)
        if isinstance(kind := getattr(cst, name), type) and issubclass(kind, cst.CSTNode)
        and kind.__module__ in modules
    }
    found |= {cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
              cst.LeftCurlyBrace, cst.RightCurlyBrace}
    return frozenset(found)


#: Node types that hold only other ``TRIVIA`` nodes (whitespace, comments, blank lines,
#: commas, dots, brackets, operators), never a name, an expression or a statement. About
#: two thirds of a module's nodes are of these types; a walk that looks for names or runs
#: hooks none of which is for these types can step over them.
TRIVIA: frozenset[type] = _trivia_types()


#: Node types that hold nothing and say nothing (spaces, a line break): half of a module's nodes.
BLANKS = frozenset({cst.SimpleWhitespace, cst.Newline})


def walk(node: cst.CSTNode, *, into_functions: bool = True, blanks: bool = True) -> Iterable[cst.CSTNode]:
    """Every node under ``node`` (pre-order), optionally not descending into nested defs,
    optionally without ``BLANKS`` nodes (for questions that never ask about spaces)."""
    stack = [node]
    first = True
    pop, extend = stack.pop, stack.extend
    while stack:
        current = pop()
        yield current
        if not into_functions and not first and type(current) in _NESTED_SCOPES:
            continue
        first = False
        found = children(current)
        if found:
            if not blanks:
                found = [child for child in found if type(child) not in BLANKS]
            found.reverse()
            extend(found)


class _FieldOrderRecorder(cst.CSTVisitor):
    """Records the order in which libcst visits a node's fields (its lexical order)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        pass


# node type -> (fields in visiting order, other dataclass fields)
_FIELD_ORDER: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _record_fields(node: cst.CSTNode) -> tuple[tuple[str, ...], tuple[str, ...]]:
    recorder = _FieldOrderRecorder()
    node._visit_and_replace_children(recorder)
    order = tuple(recorder.fields)
    hints = _field_hints(type(node))
    # the unvisited fields that could ever hold a node (``value: str``, ``star: Literal``
    # cannot): only those are checked on every node of the type
    rest = tuple(f.name for f in dataclasses.fields(node)
                 if f.name not in order and _may_hold_nodes(hints.get(f.name, object)))
    _FIELD_ORDER[type(node)] = (order, rest)
    return order, rest


def _field_hints(kind: type) -> dict[str, object]:
    try:
        return typing.get_type_hints(kind)
    except Exception:  # an annotation that does not resolve: every field may hold nodes
        return {}


def _may_hold_nodes(annotation: object) -> bool:
    """False only for annotations that cannot hold a libcst node (a class that is no node:
    str, bool, MaybeSentinel; a Literal; containers/unions of those); anything unknown counts
    as possibly holding one."""
    if isinstance(annotation, type) and typing.get_origin(annotation) is None:
        return annotation is object or issubclass(annotation, cst.CSTNode)
    if typing.get_origin(annotation) is typing.Literal:
        return False
    args = typing.get_args(annotation)
    if args and typing.get_origin(annotation) is not None:
        return any(_may_hold_nodes(a) for a in args)
    return True


def _holds_nodes(value: object) -> bool:
    kind = type(value)
    if value is None or kind is str or kind is bool or isinstance(value, cst.MaybeSentinel):
        return False
    if kind is tuple or kind is list:
        return any(isinstance(v, cst.CSTNode) for v in value)  # type: ignore[attr-defined]
    return isinstance(value, cst.CSTNode)


def child_fields(node: cst.CSTNode) -> tuple[str, ...]:
    """The names of ``node``'s child-bearing fields, in lexical (visiting) order.

    libcst visits a node's fields in the order the source has them, and nearly always every
    field, present or not, so one recording per node type serves every node of that type. A
    few types visit a field only when it is set (``FormattedStringExpression.format_spec``);
    a node that holds children in a field the recording lacks is recorded again.
    """
    found = _FIELD_ORDER.get(type(node))
    if found is None:
        found = _record_fields(node)
    order, rest = found
    if rest:
        for name in rest:
            if _holds_nodes(getattr(node, name)):
                return _record_fields(node)[0]
    return order


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """``node.children`` without its cost.

    libcst's ``children`` rebuilds (and re-validates) the node to collect them; this reads the
    fields directly, in the same lexical order.
    """
    out: list[cst.CSTNode] = []
    append, extend = out.append, out.extend
    for name in child_fields(node):
        value = getattr(node, name)
        if value is None or value is _DEFAULT:
            continue
        kind = type(value)
        if kind is tuple or kind is list:
            extend(value)  # a visited sequence holds only nodes
        else:
            append(value)
    return out


_DEFAULT = cst.MaybeSentinel.DEFAULT


def leading_blank_lines(stmt: cst.CSTNode) -> tuple[cst.EmptyLine, ...]:
    """The blank lines (no comment) that open ``stmt``'s leading lines."""
    lines = getattr(stmt, "leading_lines", ())
    count = 0
    for line in lines:
        if line.comment is not None:
            break
        count += 1
    return tuple(lines[:count])


def with_blank_lines(stmt: cst.CSTNode, blank: tuple[cst.EmptyLine, ...]) -> cst.CSTNode:
    """``stmt`` opened by at least ``len(blank)`` blank lines (its comment lines stay).

    Used when the statement above is removed: ``blank`` are that statement's own blank lines
    (so their indentation is right), and the gap keeps the larger of the two.
    """
    if not hasattr(stmt, "leading_lines"):
        return stmt
    missing = len(blank) - len(leading_blank_lines(stmt))
    if missing <= 0:
        return stmt
    return stmt.with_changes(leading_lines=(*blank[:missing], *stmt.leading_lines))


def leading_comment_lines(stmt: cst.CSTNode) -> tuple[cst.EmptyLine, ...]:
    """``stmt``'s leading lines from its first comment on (empty when none holds a comment)."""
    lines = tuple(getattr(stmt, "leading_lines", ()))
    return lines[len(leading_blank_lines(stmt)):]


def inner_comment_lines(stmt: cst.CSTNode) -> tuple[cst.EmptyLine, ...]:
    """The comment-only lines inside ``stmt`` below its leading lines (a removed ``if``'s body,
    the lines between a removed call's parentheses), in order: what a removal must carry on
    besides :func:`leading_comment_lines` so that no comment goes with the statement."""
    found = [cst.EmptyLine(comment=node.comment) for node in walk(stmt, blanks=False)
             if type(node) is cst.EmptyLine and node.comment is not None]
    own = sum(line.comment is not None for line in getattr(stmt, "leading_lines", ()))
    return tuple(found[own:])


def with_carried_lines(
    stmt: cst.CSTNode, blank: tuple[cst.EmptyLine, ...], comments: tuple[cst.EmptyLine, ...]
) -> cst.CSTNode:
    """``stmt`` after removed statements above it: their comment lines (``comments``, with the
    gap ``blank`` before them) open it, so no comment goes with a removed statement; without
    comments this is :func:`with_blank_lines`."""
    if not comments or not hasattr(stmt, "leading_lines"):
        return with_blank_lines(stmt, blank)
    return stmt.with_changes(leading_lines=(*blank, *comments, *stmt.leading_lines))


def body_comment_lines(func: cst.FunctionDef) -> tuple[cst.EmptyLine, ...]:
    """Every comment-only line inside ``func``'s body, in order (nested blocks included)."""
    found: list[cst.EmptyLine] = []

    class _Comments(cst.CSTVisitor):
        def visit_EmptyLine(self, node: cst.EmptyLine) -> None:
            if node.comment is not None:
                found.append(cst.EmptyLine(comment=node.comment))

    func.body.visit(_Comments())
    return tuple(found)


def with_body_comments(new: cst.FunctionDef, original: cst.FunctionDef) -> cst.FunctionDef:
    """``new`` (a method rebuilt from a template) opened by the comment lines of the body it
    replaces that it does not already hold, so a regenerated method keeps what the author
    wrote inside the old one."""
    present = [line.comment.value for line in body_comment_lines(new) if line.comment]
    missing = []
    for line in body_comment_lines(original):
        assert line.comment is not None
        if line.comment.value in present:
            present.remove(line.comment.value)
        else:
            missing.append(line)
    body = new.body
    if not missing or not isinstance(body, cst.IndentedBlock) or not body.body:
        return new
    first = body.body[0]
    if not hasattr(first, "leading_lines"):
        return new
    first = first.with_changes(leading_lines=(*first.leading_lines, *missing))
    return new.with_changes(body=body.with_changes(body=(first, *body.body[1:])))
