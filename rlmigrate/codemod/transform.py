"""Rewrite one module's source text with the selected rules (no file I/O here).

Order of work for a file that passed the byte prefilter:

1. parse with libcst (a ``ParserSyntaxError`` goes back to the engine);
2. collect top-level facts; a module that imports no legacy package and holds no
   ``"custom_model"`` key stops here, unchanged;
3. resolve scopes and qualified names once, run every selected rule in one combined
   traversal, then add the new-stack imports (``AddImportsVisitor``) and drop legacy imports
   that became unused (``RemoveImportsVisitor``);
4. positions are resolved only when something was reported; the output must ``compile()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.facts import ModuleFacts, collect_facts
from rlmigrate.codemod.findings import Finding
from rlmigrate.codemod.rules.base import Rule
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.traversal import CombinedRules

IMPORTS_RULE = "RLM050"


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


class _DropShadowedImports(cst.CSTTransformer):
    """Drops legacy imports whose local name the rewrite re-imports from the target.

    (``TorchCategorical`` from ``ray.rllib.models.torch.torch_action_dist`` and the new-stack
    ``TorchCategorical`` share a name, so "unused" cannot tell them apart.)
    """

    def __init__(self, imports: set) -> None:  # type: ignore[type-arg]
        super().__init__()
        self.pairs = {(imp.module, imp.obj, imp.asname) for imp in imports}

    def leave_ImportFrom(self, original, updated):  # type: ignore[no-untyped-def]
        from rlmigrate.codemod.nodes import dotted_name

        if updated.module is None or isinstance(updated.names, cst.ImportStar):
            return updated
        module = dotted_name(updated.module)
        kept = [
            alias for alias in updated.names
            if (module, dotted_name(alias.name),
                alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None)
            not in self.pairs
        ]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)


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
    new_module = wrapper.module.visit(CombinedRules(rules))
    if new_module.deep_equals(module) and not ctx.imports:
        new_module = module
    elif new_module is not module:
        new_module = _fix_imports(new_module, ctx, facts, metadata, module)
    new_text = new_module.code
    if new_text != text:
        try:
            compile(new_text, path, "exec", dont_inherit=True)
        except SyntaxError as err:
            raise InvalidOutputError(f"{path}:{err.lineno}: rewritten code does not compile: {err.msg}") from err
    findings: list[Finding] = []
    if ctx.findings:
        positions = wrapper.resolve(PositionProvider)
        for raw in ctx.findings:
            pos = positions.get(raw.node)
            line, col = (pos.start.line, pos.start.column + 1) if pos else (1, 1)
            findings.append(Finding(path, line, col, raw.code, raw.status, raw.message))
        findings = sorted(set(findings))
    return TransformOutcome(text=new_text, findings=findings, analysed=True)


def _fix_imports(
    new_module: cst.Module, ctx: FileContext, facts: ModuleFacts, metadata, original: cst.Module  # type: ignore[no-untyped-def]
) -> cst.Module:
    codemod_ctx = CodemodContext()
    if ctx.is_selected(IMPORTS_RULE):
        scope = metadata[ScopeProvider].get(original)
        for imp in facts.legacy_imports:
            used = scope is not None and any(a.references for a in scope.assignments[imp.local])
            if used:
                RemoveImportsVisitor.remove_unused_import(codemod_ctx, imp.module, imp.obj, imp.asname)
    if ctx.is_selected(IMPORTS_RULE) and codemod_ctx.scratch.get(RemoveImportsVisitor.CONTEXT_KEY):
        new_module = RemoveImportsVisitor(codemod_ctx).transform_module(new_module)
    shadowed = {imp for imp in facts.legacy_imports if imp.local in ctx.imports and imp.obj}
    if shadowed:
        new_module = new_module.visit(_DropShadowedImports(shadowed))
    for symbol in sorted(ctx.imports):
        AddImportsVisitor.add_needed_import(codemod_ctx, ctx.target.module_for(symbol), symbol)
    if ctx.imports:
        new_module = AddImportsVisitor(codemod_ctx).transform_module(new_module)
    return new_module
