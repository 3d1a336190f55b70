"""Rewrite one module's source text with the selected rules (no file I/O here).

Order of work for a file that passed the byte prefilter:

1. parse with libcst (a ``ParserSyntaxError`` goes back to the engine);
2. collect top-level facts; a module that imports no legacy package and holds no
   ``"custom_model"`` key stops here, unchanged;
3. resolve scopes once (qualified names are asked of a node's scope on demand), run every
   selected rule in one combined traversal (``traversal.py``), then drop legacy imports that
   became unused and add the new-stack imports (``imports.py``, targeted statement edits);
4. the output must ``compile()`` (checked once); positions are computed only when something
   was reported, and only for the reported nodes (``positions.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.facts import ModuleFacts, collect_facts
from rlmigrate.codemod.findings import MANUAL, REVIEW, Finding
from rlmigrate.codemod.imports import ImportKey, add_imports, drop_shadowed, remove_unused
from rlmigrate.codemod.positions import start_positions
from rlmigrate.codemod.rules.base import Rule
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.traversal import CombinedRules

IMPORTS_RULE = "RLM050"
LEFTOVER_RULE = "RLM090"


class InvalidOutputError(Exception):
    """The rewritten text does not compile: a codemod bug; the file must stay untouched."""


@dataclass
class TransformOutcome:
    """Result of :func:`rewrite_source`."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    analysed: bool = False

    def changed(self, original: str) -> bool:
        """Whether the text differs from ``original``."""
        return self.text != original


def _needs_analysis(facts: ModuleFacts, text: str) -> bool:
    return facts.uses_legacy_packages or "custom_model" in text


def rewrite_source(
    text: str,
    *,
    path: str,
    target: Target,
    selected: frozenset[str],
    rule_classes: Sequence[type[Rule]],
    foreign_bases: Mapping[str, str] | None = None,
) -> TransformOutcome:
    """Apply the selected rules to ``text`` and return the new text and findings.

    Raises:
        libcst.ParserSyntaxError: ``text`` does not parse.
        InvalidOutputError: the rewritten text does not compile (names the file and line).

    ``foreign_bases``: classes of this file whose legacy base is defined in another file of
    the run (from the project index), class name -> "Base (path)".
    """
    module = cst.parse_module(text)
    facts = collect_facts(module)
    facts.mentions_model_config = "custom_model" in text or "policies" in text
    if not (_needs_analysis(facts, text) or foreign_bases):
        return TransformOutcome(text=text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    metadata = wrapper.resolve_many([ScopeProvider])
    ctx = FileContext(target=target, selected=selected, metadata=metadata, facts=facts,
                      foreign_bases=dict(foreign_bases or {}))
    rules = [cls(ctx) for cls in rule_classes if cls.code in selected]
    for rule in rules:
        rule.metadata = metadata  # type: ignore[assignment]
    new_module = CombinedRules(rules).transform(module)
    if new_module is not module or ctx.imports or ctx.extra_imports:
        new_module = _fix_imports(new_module, ctx, facts, metadata, module)
    if ctx.is_selected(LEFTOVER_RULE):
        _report_leftover_imports(ctx, facts, new_module, changed=new_module is not module)
    new_text = new_module.code
    if new_text != text:
        try:
            compile(new_text, path, "exec", dont_inherit=True)
        except SyntaxError as err:
            raise InvalidOutputError(f"{path}:{err.lineno}: rewritten code does not compile: {err.msg}") from err
    findings: list[Finding] = []
    if ctx.findings:
        positions = start_positions(module, [raw.node for raw in ctx.findings])
        for raw in ctx.findings:
            line, col = positions.get(raw.node, (1, 0))
            col += 1
            findings.append(Finding(path, line, col, raw.code, raw.status, raw.message))
        findings = sorted(set(findings))
    return TransformOutcome(text=new_text, findings=findings, analysed=True)


def _report_leftover_imports(ctx: FileContext, facts: ModuleFacts, new_module: cst.Module, *, changed: bool) -> None:
    """RLM090: each legacy import still in the output (the file still needs Ray or the shim)."""
    left = {(imp.module, imp.obj, imp.asname) for imp in collect_facts(new_module).legacy_imports}
    if not left:
        return
    status = REVIEW if changed else MANUAL
    by_statement: dict[cst.CSTNode, list[str]] = {}
    for imp in facts.legacy_imports:
        if (imp.module, imp.obj, imp.asname) in left and imp.statement is not None:
            by_statement.setdefault(imp.statement, []).append(
                f"{imp.module}.{imp.obj}" if imp.obj else imp.module
            )
    for statement, names in by_statement.items():
        what = "rewritten file" if changed else "file"
        ctx.report(statement, LEFTOVER_RULE, status,
                   f"legacy import kept in the {what}: {', '.join(names)}; the file still needs "
                   "Ray's legacy stack (or rlmigrate's shim) to import")


def _fix_imports(
    new_module: cst.Module, ctx: FileContext, facts: ModuleFacts, metadata, original: cst.Module  # type: ignore[no-untyped-def]
) -> cst.Module:
    """Drop legacy imports the rewrite made unused (RLM050), then add the target's names."""
    if ctx.is_selected(IMPORTS_RULE):
        scope = metadata[ScopeProvider].get(original)
        used_before = [
            ImportKey(imp.module, imp.obj, imp.asname) for imp in facts.legacy_imports
            if scope is not None and any(a.references for a in scope.assignments[imp.local])
        ]
        new_module = remove_unused(new_module, used_before)
    shadowed = [
        ImportKey(imp.module, imp.obj, imp.asname)
        for imp in facts.legacy_imports if imp.local in ctx.imports and imp.obj
    ]
    new_module = drop_shadowed(new_module, shadowed)
    wanted: dict[str, set[str]] = {}
    for symbol in ctx.imports:
        wanted.setdefault(ctx.target.module_for(symbol), set()).add(symbol)
    for module, symbols in ctx.extra_imports.items():
        wanted.setdefault(module, set()).update(symbols)
    return add_imports(new_module, wanted)
