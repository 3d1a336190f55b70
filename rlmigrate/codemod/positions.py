"""Start positions (line, column) of the few nodes a file's findings point at.

libcst's ``PositionProvider`` computes a ``CodeRange`` for every node of the module, splitting
each printed token on newlines as it goes; on the legacy fixtures that cost 1.5x a parse, for
the five or ten nodes a report needs. :func:`start_positions` prints the module once with a
codegen state that only notes, per node, how many tokens were out when the node's syntactic
start was reached, and turns the token counts of the wanted nodes into line and column from
the printed text. The answers are ``PositionProvider``'s: the same hooks
(``before_codegen`` / ``record_syntactic_position`` with its start-node hoisting) decide
where a node starts.

Both that print and :func:`module_code` (``module.code``) enter ``record_syntactic_position``
for every expression and statement; libcst's is a ``@contextmanager`` generator (a
generator object, ``__enter__``, ``__exit__`` and two resumptions each time: about a third of
a print). The states here answer it with a small context-manager object instead; the
tokens, and so the text, are the same.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from types import TracebackType

import libcst as cst
from libcst._nodes.internal import CodegenState

_NEWLINE = re.compile(r"\r\n?|\n")


@dataclass(frozen=False)
class _TokenCountState(CodegenState):
    """Codegen state noting the token count at each node's (syntactic) start."""

    starts: dict[cst.CSTNode, int] = field(default_factory=dict)
    _stack: list[int] = field(default_factory=list)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        self.starts.setdefault(node, start)

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _SyntacticStart:
        return _SyntacticStart(self, node, start_node)


class _SyntacticStart:
    """``record_syntactic_position`` of :class:`_TokenCountState`: on exit, ``node`` starts
    where ``start_node`` started, else at the token count seen on entry."""

    __slots__ = ("state", "node", "start_node", "start")

    def __init__(self, state: _TokenCountState, node: cst.CSTNode, start_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.start = state, node, start_node, 0

    def __enter__(self) -> None:
        self.start = len(self.state.tokens)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        starts = self.state.starts
        starts[self.node] = starts[self.start_node] if self.start_node is not None else self.start


_NOTHING = nullcontext()


class _PlainState(CodegenState):
    """libcst's codegen state with a no-op ``record_syntactic_position`` that is no generator."""

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> AbstractContextManager[None]:
        return _NOTHING


def module_code(module: cst.Module) -> str:
    """``module.code`` (the same text), printed without libcst's per-node generator."""
    state = _PlainState(default_indent=module.default_indent, default_newline=module.default_newline)
    module._codegen(state)
    return "".join(state.tokens)


class PrintedModule:
    """A module printed once, lazily: its text (``module.code``) and the start positions of
    any of its nodes. A changed file needs both (the lossless check compares the printed
    original with the input; the findings need positions): one codegen serves them all,
    across the noqa passes of a file too.
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._state: _TokenCountState | None = None
        self._text: str | None = None

    def _printed(self) -> _TokenCountState:
        if self._state is None:
            state = _TokenCountState(default_indent=self.module.default_indent,
                                     default_newline=self.module.default_newline)
            self.module._codegen(state)
            self._state = state
        return self._state

    @property
    def text(self) -> str:
        """``module.code``."""
        if self._text is None:
            self._text = "".join(self._printed().tokens)
        return self._text

    def positions(self, nodes: Collection[cst.CSTNode]) -> dict[cst.CSTNode, tuple[int, int]]:
        """``{node: (line, column)}`` (see :func:`start_positions`)."""
        state = self._printed()
        wanted = sorted({(state.starts[n], id(n)): n for n in nodes if n in state.starts}.items())
        out: dict[cst.CSTNode, tuple[int, int]] = {}
        tokens = state.tokens
        done, line, column = 0, 1, 0
        for (index, _), node in wanted:
            if index > done:
                text = "".join(tokens[done:index])
                pieces = _NEWLINE.split(text)
                if len(pieces) == 1:
                    column += len(text)
                else:
                    line += len(pieces) - 1
                    column = len(pieces[-1])
                done = index
            out[node] = (line, column)
        return out


def start_positions(
    module: cst.Module, nodes: Collection[cst.CSTNode]
) -> dict[cst.CSTNode, tuple[int, int]]:
    """``{node: (line, column)}`` (1-based line, 0-based column, as ``PositionProvider``'s
    ``CodeRange.start``) for each of ``nodes`` found in ``module``."""
    return PrintedModule(module).positions(nodes)
