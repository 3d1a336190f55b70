"""Per-file state shared by the rules of one run: metadata lookups, findings, imports.

The engine resolves libcst's scope metadata once per file (qualified names are asked of a
node's scope on demand) and hands every rule the same :class:`FileContext`. Rules report findings against *original* nodes (positions
are resolved lazily, only if something was reported) and ask for new-stack names through
:meth:`FileContext.need`, which records the import the target needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst._metadata_dependent import LazyValue
from libcst.metadata import QualifiedNameSource, ScopeProvider

from rlmigrate.codemod.legacy_api import is_tf_path, legacy_symbol
from rlmigrate.codemod.project_policies import FileProject
from rlmigrate.codemod.targets import Target

#: Marks, in a finding's message, where the line of its ``line_refs[i]`` goes (positions are
#: known only once the rules have run; see :meth:`RawFinding.text`).
LINE_REF = "\x00line{}\x00"
_LINE_REF_RE = re.compile("\x00line(\\d+)\x00")


@dataclass
class RawFinding:
    """A finding before positions are known: the original node it points at, and the
    original nodes whose lines its message names (``LINE_REF.format(i)`` in the text)."""

    node: cst.CSTNode
    code: str
    status: str
    message: str
    line_refs: tuple[cst.CSTNode, ...] = ()

    def text(self, line_of: Callable[[cst.CSTNode], int]) -> str:
        """The message with each line mark replaced by the line of its node."""
        if not self.line_refs:
            return self.message
        return _LINE_REF_RE.sub(lambda m: str(line_of(self.line_refs[int(m.group(1))])), self.message)


@dataclass
class FileContext:
    """State of one file's rewrite.

    Attributes:
        target: where new-stack names are imported from.
        selected: the rule codes this run applies (others neither change nor report).
        metadata: the resolved metadata mapping (provider → node → value).
        findings: raw findings in report order.
        imports: new-stack symbols the rewritten code refers to.
        facts: module-level facts collected before the transform (see ``facts.py``).
        shared: a scratch space for analyses several rules reuse (keyed by the rule that
            computes them).
        kept: ids of the original nodes inside statements a ``# noqa`` keeps as they are (the
            traversal skips them; analyses across statements ask :meth:`is_kept`).
        kept_names: names of the classes and functions kept that way (still legacy code).
        foreign_bases: classes whose legacy model base is defined in another file of the run.
        project: what this file's policies learn from the rest of the run (policy bases,
            model classes and registrations elsewhere; see ``project_policies.py``).
    """

    target: Target
    selected: frozenset[str]
    metadata: Mapping[Any, Mapping[cst.CSTNode, Any]] = field(default_factory=dict)
    findings: list[RawFinding] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    facts: Any = None
    shared: dict[str, Any] = field(default_factory=dict)
    kept: frozenset[int] = frozenset()
    kept_names: frozenset[str] = frozenset()
    extra_imports: dict[str, set[str]] = field(default_factory=dict)
    foreign_bases: dict[str, str] = field(default_factory=dict)
    project: FileProject = field(default_factory=FileProject)
    _qualified: dict[cst.CSTNode, frozenset[str]] = field(default_factory=dict, repr=False)

    def is_selected(self, code: str) -> bool:
        """Whether rule ``code`` runs (reports and rewrites) in this run."""
        return code in self.selected

    def is_kept(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` (an original node) lies in a statement a ``# noqa`` keeps as is."""
        return id(node) in self.kept

    def report(
        self, node: cst.CSTNode, code: str, status: str, message: str,
        line_refs: tuple[cst.CSTNode, ...] = (),
    ) -> None:
        """Record a finding at ``node`` (an original node) if ``code`` is selected; the
        message names the lines of ``line_refs`` where it holds ``LINE_REF.format(i)``."""
        if self.is_selected(code):
            self.findings.append(RawFinding(node, code, status, message, line_refs))

    def need(self, symbol: str) -> cst.Name:
        """Record that the output uses new-stack ``symbol``; returns a Name node for it."""
        self.target.module_for(symbol)  # fail early on an unknown name
        self.imports.add(symbol)
        return cst.Name(symbol)

    def need_from(self, module: str, symbol: str) -> cst.Name:
        """Record ``from module import symbol`` for a name outside the target's flat API
        (the legacy defaults table); returns a Name node for it."""
        self.extra_imports.setdefault(module, set()).add(symbol)
        return cst.Name(symbol)

    def qualified_names(self, node: cst.CSTNode) -> set[str]:
        """Qualified names of ``node`` (an original Name/Attribute/Call), possibly empty.

        Asked of the node's scope on demand: this is what libcst's ``QualifiedNameProvider``
        stores for every node, without its extra pass over the whole module (about 3x a
        parse); rules ask for a handful of nodes.
        """
        cached = self._qualified.get(node)
        if cached is None:
            scope = self.scope_of(node)
            found = scope.get_qualified_names_for(node) if scope is not None else ()
            aliases = getattr(self.facts, "framework_aliases", None)
            names = (qn.name for qn in found)
            if aliases:
                names = (_dealias(qn.name, aliases) if qn.source is _LOCAL else qn.name for qn in found)
            cached = self._qualified[node] = frozenset(names)
        return set(cached)

    def legacy_symbols(self, node: cst.CSTNode) -> set[str]:
        """Names of legacy-package symbols that ``node`` refers to (e.g. ``{"TorchModelV2"}``)."""
        out = set()
        for name in self.qualified_names(node):
            symbol = legacy_symbol(name)
            if symbol:
                out.add(symbol)
        return out

    def legacy_tf(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` refers to a TensorFlow legacy symbol."""
        return any(legacy_symbol(n) and is_tf_path(n) for n in self.qualified_names(node))

    def refers_to(self, node: cst.CSTNode, qualified: str) -> bool:
        """Whether ``node`` resolves to the exact qualified name ``qualified``."""
        return qualified in self.qualified_names(node)

    def scope_of(self, node: cst.CSTNode) -> Any:
        """The libcst scope that ``node`` (an original node) is in, or None."""
        return _value(self.metadata.get(ScopeProvider, {}).get(node))


_LOCAL = QualifiedNameSource.LOCAL


def _dealias(name: str, aliases: Mapping[str, str]) -> str:
    """``nn.Module`` → ``torch.nn.Module`` when ``nn`` came from ``try_import_torch()``."""
    root, dot, rest = name.partition(".")
    found = aliases.get(root)
    return found + dot + rest if found else name


def _value(found: Any) -> Any:
    """Unwrap libcst's lazily computed metadata values."""
    return found() if isinstance(found, LazyValue) else found
