"""The rule contract: a code, a title, a fix safety, a documented docstring, libcst hooks.

A rule is a libcst transformer whose ``visit_*``/``leave_*`` methods the engine calls from one
combined traversal (so metadata is resolved once per file, not once per rule). It reads facts
from original nodes through ``self.ctx`` (qualified names, scopes) and reports findings with
``self.ctx.report``; it never edits source text.

Docstrings follow one layout, which ``rlmigrate rules CODE`` prints and ``docs/rules.md`` is
generated from::

    One-line summary.

    What it does:
        ...
    Why:
        ...
    Before:
        <code>
    After:
        <code>
    Fix safety:
        ...
"""

from __future__ import annotations

import inspect
import re
import textwrap
from typing import ClassVar

import libcst as cst
from libcst.metadata import ScopeProvider

from rlmigrate.codemod.context import FileContext

FIX_SAFETIES = ("safe", "review", "manual")
DOC_SECTIONS = ("What it does", "Why", "Before", "After", "Fix safety")
_CODE_RE = re.compile(r"^RLM\d{3}$")


class Rule(cst.CSTTransformer):
    """Base class of every codemod rule (see the module docstring for the contract)."""

    METADATA_DEPENDENCIES = (ScopeProvider,)

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    fix_safety: ClassVar[str] = ""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__()
        self.ctx = ctx

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__name__.startswith("_"):
            return  # shared abstract helpers
        if not _CODE_RE.match(cls.code):
            raise TypeError(f"{cls.__name__}.code must look like 'RLM012'; got {cls.code!r}")
        if cls.fix_safety not in FIX_SAFETIES:
            raise TypeError(
                f"{cls.__name__}.fix_safety must be one of {FIX_SAFETIES}; got {cls.fix_safety!r}"
            )
        if not cls.title or not cls.name:
            raise TypeError(f"{cls.__name__} needs a name and a title")
        doc = inspect.cleandoc(cls.__doc__ or "")
        missing = [s for s in DOC_SECTIONS if f"\n{s}:\n" not in doc]
        if missing:
            raise TypeError(f"{cls.__name__} docstring lacks sections {missing}")

    def report(
        self, node: cst.CSTNode, status: str, message: str, code: str | None = None,
        line_refs: tuple[cst.CSTNode, ...] = (),
    ) -> None:
        """Report a finding at an original ``node`` under this rule's code (or ``code``);
        ``line_refs``: nodes whose lines the message names (see ``context.LINE_REF``)."""
        self.ctx.report(node, code or self.code, status, message, line_refs)

    @classmethod
    def doc(cls) -> str:
        """The rule's docstring, dedented."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        """The docstring split into its summary and the sections of :data:`DOC_SECTIONS`."""
        text = cls.doc()
        sections: dict[str, str] = {}
        current = "summary"
        lines: list[str] = []
        for line in text.splitlines():
            header = line.rstrip(":")
            if line.endswith(":") and header in DOC_SECTIONS:
                sections[current] = _dedent_block(lines)
                current, lines = header, []
            else:
                lines.append(line)
        sections[current] = _dedent_block(lines)
        return sections


def _dedent_block(lines: list[str]) -> str:
    """Common indentation removed from *all* lines (``inspect.cleandoc`` would treat the first
    line apart and flatten a code block's class line against its indented body)."""
    return textwrap.dedent("\n".join(lines)).strip("\n")


class TopLevelClasses:
    """Mixin for rules that act on module-level classes only (policies, generated modules).

    ``visit_ClassDef`` counts the nesting; ``left_top_level()``, called first in the rule's
    ``leave_ClassDef``, says whether the class being left is a module-level one.
    """

    _class_depth = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._class_depth += 1

    def left_top_level(self) -> bool:
        self._class_depth -= 1
        return self._class_depth == 0
