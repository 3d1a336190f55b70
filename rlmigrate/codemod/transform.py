"""Rewrite one module's source text with the selected rules (no file I/O here).

Order of work for a file that passed the byte prefilter:

1. parse with libcst (a ``ParserSyntaxError`` goes back to the engine). The file's trailing run
   of comment-only and blank lines is cut off first and appended back verbatim afterwards:
   libcst 1.x drops a comment there when the lines' indentation mixes tabs and spaces
   (``"\t# c\n\t\n"`` after an indented block loses ``# c``), and nothing a rule does needs
   those lines; ``trivia.py`` says why the cut is safe;
2. collect top-level facts; a module that imports no legacy package and holds no
   ``"custom_model"`` key stops here, unchanged;
3. resolve scopes once (libcst's scope visitors, without its wrapper's driver: ``scopes.py``;
   qualified names are asked of a node's scope on demand), run every
   selected rule in one combined traversal (``traversal.py``), then drop legacy imports that
   became unused and add the new-stack imports (``imports.py``, targeted statement edits);
4. the output must ``compile()`` (checked once), and before a changed text goes back the
   parse must have been lossless (the unchanged tree prints the input again) — otherwise the
   file is refused (``LossyParseError``) rather than written without what libcst dropped;
   positions are computed only when something was reported, and only for the reported nodes
   (``positions.py``);
5. when a ``# noqa`` suppresses a finding that describes a rewrite, the rules run again with
   the statement it is about kept as is (``noqa.py`` says which statement and why).
"""

from __future__ import annotations

import ast
import contextlib
import gc
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import ScopeProvider

from rlmigrate.codemod import noqa
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.facts import ModuleFacts, collect_facts
from rlmigrate.codemod.findings import MANUAL, REVIEW, Finding
from rlmigrate.codemod.imports import ImportKey, add_imports, drop_shadowed, remove_unused
from rlmigrate.codemod.positions import PrintedModule, module_code
from rlmigrate.codemod.project_policies import FileProject
from rlmigrate.codemod.ray_renames import MODERNIZE_CODES, OLD_SPELLINGS, modernized_key
from rlmigrate.codemod.rules.base import Rule
from rlmigrate.codemod.scopes import scope_metadata
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.traversal import CombinedRules
from rlmigrate.codemod.trivia import split_trailing_trivia

IMPORTS_RULE = "RLM050"
LEFTOVER_RULE = "RLM090"
RAY_REMOVED_RULE = "RLM059"
# Each pass may keep more statements as they are; nesting bounds how many are ever needed.
_MAX_NOQA_PASSES = 4


class InvalidOutputError(Exception):
    """The rewritten text does not compile: a codemod bug; the file must stay untouched."""


class InputLimitError(Exception):
    """The text is beyond what the parser is fed: nesting past CPython's own limit."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


class LossyParseError(Exception):
    """libcst's tree does not print back the input (it dropped something): the file must stay
    untouched, since a rewrite would silently lose what the parser lost."""


@dataclass
class TransformOutcome:
    """Result of :func:`rewrite_source`."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    analysed: bool = False

    def changed(self, original: str) -> bool:
        """Whether the text differs from ``original``."""
        return self.text != original


def _needs_analysis(facts: ModuleFacts, text: str, selected: frozenset[str] = frozenset()) -> bool:
    """Whether any rule can have work in the file: a top-level legacy import, a model config,
    or (modernize rules selected) an old Ray spelling anywhere, imports inside functions too."""
    if facts.uses_legacy_packages or "custom_model" in text:
        return True
    return bool(selected & MODERNIZE_CODES) and any(marker in text for marker in OLD_SPELLINGS)


def rewrite_source(
    text: str,
    *,
    path: str,
    target: Target,
    selected: frozenset[str],
    rule_classes: Sequence[type[Rule]],
    foreign_bases: Mapping[str, str] | None = None,
    project: FileProject | None = None,
) -> TransformOutcome:
    """Apply the selected rules to ``text`` and return the new text and findings.

    Raises:
        libcst.ParserSyntaxError: ``text`` does not parse.
        InvalidOutputError: the rewritten text does not compile (names the file and line).
        LossyParseError: the text changed, but the parse was not lossless.

    ``foreign_bases``: classes of this file whose legacy base is defined in another file of
    the run (from the project index), class name -> "Base (path)". ``project``: what the
    file's policies learn from the other files of the run (``project_policies.py``).
    """
    with _collector_paused():
        return _rewrite_source(text, path=path, target=target, selected=selected,
                               rule_classes=rule_classes, foreign_bases=foreign_bases, project=project)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one file's rewrite (restored after).

    A rewrite allocates a few hundred thousand small objects (libcst nodes, metadata maps,
    analysis lists) that live until the file is done and are then freed by reference counting;
    the collector, triggered every 700 allocations, walks the survivors again and again for
    nothing: about a tenth of the rewrite's time. The few cycles a file makes (libcst's scopes
    and assignments point at each other) are collected once the collector is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _rewrite_source(
    text: str,
    *,
    path: str,
    target: Target,
    selected: frozenset[str],
    rule_classes: Sequence[type[Rule]],
    foreign_bases: Mapping[str, str] | None = None,
    project: FileProject | None = None,
) -> TransformOutcome:
    """:func:`rewrite_source` with the collector as the caller left it."""
    code, tail = split_trailing_trivia(text)
    _check_nesting(code, path)
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError:
        if not tail:
            raise
        code, tail = text, ""  # the cut was wrong (e.g. inside a string): parse it all
        module = cst.parse_module(code)
    facts = collect_facts(module)
    facts.mentions_model_config = "custom_model" in text or "policies" in text
    facts.source_text = text
    if not (_needs_analysis(facts, text, selected) or foreign_bases or (project and project.policy_bases)):
        return TransformOutcome(text=text)
    metadata = scope_metadata(module)
    # A cheap prefilter: only a file that mentions noqa can hold a directive (which the
    # libcst tree then locates, see noqa.py).
    mentions_noqa = "noqa" in text.lower()
    kept = noqa.kept_imports(module, IMPORTS_RULE) if mentions_noqa else frozenset()
    printed = PrintedModule(module)  # printed at most once, for every pass
    args = (module, (text, code, tail), path, target, selected, rule_classes, metadata, facts, kept,
            printed)
    new_text, located = _apply(*args, noqa_plan=noqa.NoqaPlan(), foreign_bases=foreign_bases, project=project)
    by_line = noqa.directives(module) if located and mentions_noqa else {}
    if not by_line:
        return TransformOutcome(text=new_text, findings=sorted({i.finding for i in located}), analysed=True)
    first, last = located, located
    noqa_plan = noqa.NoqaPlan()
    for _ in range(_MAX_NOQA_PASSES):
        next_plan = noqa.plan(module, last, by_line, already=noqa_plan.frozen)
        if next_plan.frozen <= noqa_plan.frozen:
            break
        noqa_plan = next_plan
        new_text, last = _apply(*args, noqa_plan=noqa_plan, foreign_bases=foreign_bases, project=project)
    return TransformOutcome(text=new_text, findings=noqa.merge(first, last, noqa_plan, by_line),
                            analysed=True)


def _apply(
    module: cst.Module, texts: tuple[str, str, str], path: str, target: Target, selected: frozenset[str],
    rule_classes: Sequence[type[Rule]], metadata, facts: ModuleFacts,  # type: ignore[no-untyped-def]
    kept_imports: frozenset[tuple[str, str | None, str | None]], printed: PrintedModule, *,
    noqa_plan: noqa.NoqaPlan, foreign_bases: Mapping[str, str] | None = None,
    project: FileProject | None = None,
) -> tuple[str, list[noqa.Located]]:
    """One run of the rules over ``module`` (the statements of ``noqa_plan`` kept as they are):
    the new text and the findings with the original nodes they point at. ``texts``: the file's
    text, the part parsed into ``module`` and the trailing trivia cut off before parsing."""
    text, code, tail = texts  # ``printed``: ``module`` printed once (lossless check, positions)
    ctx = FileContext(target=target, selected=selected, metadata=metadata, facts=facts,
                      kept=noqa_plan.inside, kept_names=noqa_plan.kept_names,
                      foreign_bases=dict(foreign_bases or {}), project=project or FileProject())
    rules = [cls(ctx) for cls in rule_classes if cls.code in selected]
    for rule in rules:
        rule.metadata = metadata  # type: ignore[assignment]
    new_module = CombinedRules(rules, frozen=noqa_plan.frozen).transform(module)
    if new_module is not module or ctx.imports or ctx.extra_imports:
        new_module = _fix_imports(new_module, ctx, facts, metadata, module, kept_imports)
    if target.name == "ray" and ctx.is_selected(RAY_REMOVED_RULE):
        new_module = _guard_ray_removed(new_module, ctx, module)
    if ctx.is_selected(LEFTOVER_RULE):
        _report_leftover_imports(ctx, facts, new_module, changed=new_module is not module)
    new_text = text if new_module is module else module_code(new_module) + tail
    if new_text != text:
        if printed.text != code:
            raise LossyParseError(
                f"{path}: libcst does not print this file back as it reads it (it would drop "
                f"text at line {_first_difference_line(code, printed.text)}); not rewritten"
            )
        try:
            compile(new_text, path, "exec", dont_inherit=True)
        except SyntaxError as err:
            raise InvalidOutputError(f"{path}:{err.lineno}: rewritten code does not compile: {err.msg}") from err
    located: list[noqa.Located] = []
    if ctx.findings:
        wanted = [raw.node for raw in ctx.findings] + [n for raw in ctx.findings for n in raw.line_refs]
        positions = printed.positions(wanted)

        def line_of(node: cst.CSTNode) -> int:
            return positions.get(node, (1, 0))[0]

        for raw in ctx.findings:
            line, col = positions.get(raw.node, (1, 0))
            located.append(noqa.Located(raw.node, Finding(path, line, col + 1, raw.code, raw.status,
                                                          raw.text(line_of))))
    return new_text, located


def _report_leftover_imports(ctx: FileContext, facts: ModuleFacts, new_module: cst.Module, *, changed: bool) -> None:
    """RLM090: each legacy import still in the output (the file still needs Ray or the shim)."""
    left = {(imp.module, imp.obj, imp.asname) for imp in collect_facts(new_module).legacy_imports}
    if not left:
        return
    status = REVIEW if changed else MANUAL
    by_statement: dict[cst.CSTNode, list[str]] = {}
    for imp in facts.legacy_imports:
        if imp.statement is None:
            continue
        key = (imp.module, imp.obj, imp.asname)
        if key not in left:
            key = modernized_key(*key)  # the same import, as RLM035/RLM036 respelled it
            if key not in left:
                continue
        module, obj, _ = key
        by_statement.setdefault(imp.statement, []).append(f"{module}.{obj}" if obj else module)
    for statement, names in by_statement.items():
        what = "rewritten file" if changed else "file"
        ctx.report(statement, LEFTOVER_RULE, status,
                   f"legacy import kept in the {what}: {', '.join(names)}; the file still needs "
                   "Ray's legacy stack (or rlmigrate's shim) to import")


def _fix_imports(
    new_module: cst.Module, ctx: FileContext, facts: ModuleFacts, metadata, original: cst.Module,  # type: ignore[no-untyped-def]
    kept: frozenset[tuple[str, str | None, str | None]] = frozenset(),
) -> cst.Module:
    """Drop legacy imports the rewrite made unused (RLM050), then add the target's names.
    Imports in ``kept`` (a ``# noqa`` covering RLM050 on their line) are never dropped."""
    legacy = [imp for imp in facts.legacy_imports if (imp.module, imp.obj, imp.asname) not in kept]
    if ctx.is_selected(IMPORTS_RULE):
        scope = metadata[ScopeProvider].get(original)
        used_before = [
            ImportKey(imp.module, imp.obj, imp.asname) for imp in legacy
            if scope is not None and any(a.references for a in scope.assignments[imp.local])
        ]
        new_module = remove_unused(new_module, used_before)
    shadowed = [
        ImportKey(imp.module, imp.obj, imp.asname)
        for imp in legacy if imp.local in ctx.imports and imp.obj
        # the target's own import of that name (Ray's torch_distributions lives under a legacy
        # package path) stays where it is: dropping and re-adding it would move it (not idempotent)
        and not (imp.obj == imp.local and ctx.target.module_for(imp.local) == imp.module)
    ]
    new_module = drop_shadowed(new_module, shadowed)
    wanted: dict[str, set[str]] = {}
    for symbol in ctx.imports:
        wanted.setdefault(ctx.target.module_for(symbol), set()).add(symbol)
    for module, symbols in ctx.extra_imports.items():
        wanted.setdefault(module, set()).update(symbols)
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


def _check_nesting(code: str, path: str) -> None:
    """Refuse nesting beyond what CPython itself parses, before libcst sees it.

    libcst's native parser accepts brackets nested past CPython's limit of 200, and chains of
    unary operators, lambdas or attributes that CPython's parser gives up on, at a cost that
    grows without bound (20,000 parentheses: 22 GB; 50,000 ``not``: past any memory budget)
    or with a stack overflow. CPython's own parser (``ast``: a few percent of a libcst parse)
    says "too many nested parentheses", or runs out of parser stack (``MemoryError``) or
    recursion depth: such code cannot run on this interpreter, so it is reported as an input
    limit. Any other complaint is left to libcst, which may know newer syntax than this
    interpreter.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(code, path)
    except SyntaxError as err:
        if "too many nested parentheses" in str(err.msg):
            raise InputLimitError(
                f"{path}:{err.lineno}: input limit: brackets nested deeper than Python allows "
                f"({err.msg}); not parsed", err.lineno or 1,
            ) from err
    except (RecursionError, MemoryError) as err:
        raise InputLimitError(
            f"{path}: input limit: nesting too deep for Python's own parser "
            f"({type(err).__name__}); not parsed"
        ) from err
    except ValueError:
        pass  # e.g. a NUL byte: the engine names those before a file gets here


def _first_difference_line(expected: str, got: str) -> int:
    """1-based line of the first character where ``got`` departs from ``expected``."""
    at = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), min(len(expected), len(got)))
    return expected.count("\n", 0, at) + 1
