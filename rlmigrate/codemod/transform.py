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

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.facts import ModuleFacts, collect_facts
from rlmigrate.codemod.findings import Finding
from rlmigrate.codemod.imports import ImportKey, add_imports, drop_shadowed, remove_unused
from rlmigrate.codemod.positions import start_positions
from rlmigrate.codemod.rules.base import Rule
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.traversal import CombinedRules

IMPORTS_RULE = "RLM050"
RAY_REMOVED_RULE = "RLM059"


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
) -> TransformOutcome:
    """Apply the selected rules to ``text`` and return the new text and findings.

    Raises:
        libcst.ParserSyntaxError: ``text`` does not parse.
        InvalidOutputError: the rewritten text does not compile (names the file and line).
    """
    module = cst.parse_module(text)
    facts = collect_facts(module)
    if not _needs_analysis(facts, text):
        return TransformOutcome(text=text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    metadata = wrapper.resolve_many([ScopeProvider])
    ctx = FileContext(target=target, selected=selected, metadata=metadata, facts=facts)
    rules = [cls(ctx) for cls in rule_classes if cls.code in selected]
    for rule in rules:
        rule.metadata = metadata  # type: ignore[assignment]
    new_module = CombinedRules(rules).transform(module)
    if new_module is not module or ctx.imports:
        new_module = _fix_imports(new_module, ctx, facts, metadata, module)
    if target.name == "ray" and ctx.is_selected(RAY_REMOVED_RULE):
        new_module = _guard_ray_removed(new_module, ctx, module)
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
    return add_imports(new_module, wanted)


def _guard_ray_removed(new_module: cst.Module, ctx: FileContext, original: cst.Module) -> cst.Module:
    """``--target ray``: guard imports Ray 2.40 removed (RLM059); report at the original import."""
    from rlmigrate.codemod.ray_removed import guard_removed_imports

    new_module, guards = guard_removed_imports(new_module)
    for guard in guards:
        where = next(
            (s for s in original.body if s.deep_equals(guard.statement)), original.body[0]
        )
        ctx.report(where, RAY_REMOVED_RULE, "review", guard.message)
    return new_module
