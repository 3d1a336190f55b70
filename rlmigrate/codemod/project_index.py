"""The project-wide class index: legacy model classes whose subclasses live in other files.

A file is rewritten on its own, so a class whose ModelV2 base is defined in *another* file of
the run (``class Policy2Model(MyBaseModel)`` with ``from .base import MyBaseModel``) carries
no legacy name at all: the byte prefilter would skip its file and no rule would see it. Before
the files are processed, :func:`build_index` reads every file of the run with Python's own
``ast`` parser (cheap next to libcst's), finds the classes that are legacy models (a legacy
base, or a base that is such a class, in the same file or another), and records, per file,
the classes whose base is defined in another file. The engine hands those to the rewrite of
that file (RLM090 reports each one, and the file is never "skipped").

Which files are parsed (:func:`files_to_parse`): a file can only add to the index through a
legacy token (``rllib``, ``shim``, ``custom_model``, ``with_updates``, ``get_model_v2``) or
through a name that connects it to such a file, whose text it must contain: a base, import or
registered class defined in an indexed file, or a top-level class/function an indexed file
names. So the index parses the files with a legacy token, then, until nothing changes, every
file that mentions a top-level name an indexed file defines or defines one an indexed file
mentions (word matches on the bytes: comments and strings count too, which only parses more).
The other files cannot change any answer of the index, and a run over a large ordinary tree
no longer parses every file in the parent process (the serial part of ``-j N``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rlmigrate.codemod.legacy_api import LEGACY_PACKAGES, may_contain_legacy_api
from rlmigrate.codemod.project_policies import (
    FileProject,
    PolicyScan,
    dotted_expr,
    policy_facts,
    same_path,
    scan_module,
    subclass_closure,
)

__all__ = ["ProjectIndex", "build_index"]

# legacy base classes that make a class a legacy model (any of them, torch or not)
_MODEL_SYMBOLS = frozenset({
    "ModelV2", "TorchModelV2", "TFModelV2", "RecurrentNetwork", "FullyConnectedNetwork",
    "VisionNetwork", "ComplexInputNetwork", "LSTMWrapper", "AttentionWrapper", "GTrXLNet",
    "AttentionNetwork", "DQNTorchModel", "SACTorchModel", "DistributionalQTFModel",
})
_MAX_BYTES = 2 * 1024 * 1024
# bytes that make a file a seed of the index (the engine's prefilter tokens, and the policy
# facts' own: a with_updates template, a model built through the catalog)
_SEED_TOKENS = (b"with_updates", b"get_model_v2")
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_TOP_LEVEL_NAME = re.compile(rb"^(?:class|def|async[ \t]+def)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)


@dataclass
class ProjectIndex:
    """Per file (its path as a string): class name -> where its legacy base is defined."""

    foreign: dict[str, dict[str, str]] = field(default_factory=dict)
    policies: dict[str, FileProject] = field(default_factory=dict)

    def for_file(self, path: str) -> Mapping[str, str]:
        """``{class name: "Base (path/to/base.py)"}`` for ``path`` (empty when none)."""
        return self.foreign.get(path, {})

    def policy_view(self, path: str) -> FileProject | None:
        """What ``path``'s policies learn from the other files of the run (None: nothing)."""
        return self.policies.get(path)


@dataclass
class _Module:
    path: Path
    display: str  # the path shown in findings (relative to the run's root)
    name: str  # dotted module path relative to the run's root
    imports: dict[str, str]  # local name -> qualified name
    classes: dict[str, list[str]]  # class name -> base expressions (dotted, as written)
    scan: PolicyScan = field(default_factory=PolicyScan)  # policies, registrations, custom_model names


def _module_name(file: Path, root: Path) -> str:
    try:
        parts = list(file.relative_to(root).with_suffix("").parts)
    except ValueError:
        parts = [file.stem]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _read_bytes(file: Path) -> bytes | None:
    """The file's bytes when it may define a class (None: unreadable, too large, no class)."""
    try:
        raw = file.read_bytes()
    except OSError:
        return None  # the rewrite reports such files itself
    # models, policies, functions that build a model through the catalog
    # (and helpers a policy's loss may hand its policy to: any top-level function)
    wanted = (b"class" in raw or b"custom_model" in raw or b"with_updates" in raw or b"get_model_v2" in raw
              or b"def " in raw)
    return raw if len(raw) <= _MAX_BYTES and wanted else None


def _parse(raw: bytes, file: Path, root: Path) -> _Module | None:
    try:
        tree = ast.parse(raw, filename=str(file))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # the rewrite reports such files itself
    name = _module_name(file, root)
    package = name.rsplit(".", 1)[0] if "." in name else ""
    if file.name == "__init__.py":
        package = name
    imports: dict[str, str] = {}
    classes: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                imports[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".") if package else []
                anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                imports[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = [d for d in map(dotted_expr, node.bases) if d]
    try:
        display = str(file.relative_to(root))
    except ValueError:
        display = str(file)
    return _Module(file, display, name, imports, classes, scan_module(tree))


def _qualify(base: str, module: _Module) -> str:
    root, dot, rest = base.partition(".")
    if root in module.imports:
        return module.imports[root] + dot + rest
    if root in module.classes:
        return f"{module.name}.{base}"
    return base


def _is_legacy(qualified: str) -> bool:
    return qualified.startswith(LEGACY_PACKAGES) and qualified.rsplit(".", 1)[-1] in _MODEL_SYMBOLS


_same = same_path

def files_to_parse(raws: Mapping[Path, bytes]) -> set[Path]:
    """The files whose parse can change the index (see the module docstring): the seeds with a
    legacy token, closed over the top-level names that connect files, in both directions."""
    seeds = {f for f, raw in raws.items() if may_contain_legacy_api(raw) or any(t in raw for t in _SEED_TOKENS)}
    rest = {f: raw for f, raw in raws.items() if f not in seeds}
    defined_by = {f: set(_TOP_LEVEL_NAME.findall(raw)) for f, raw in rest.items()}
    words_of: dict[Path, set[bytes]] = {}
    chosen, frontier = set(seeds), set(seeds)
    defined: set[bytes] = set()
    mentioned: set[bytes] = set()
    while frontier:
        for f in frontier:
            raw = raws[f]
            defined.update(_TOP_LEVEL_NAME.findall(raw))
            mentioned.update(words_of.pop(f, None) or _WORD.findall(raw))
        frontier = set()
        for f in rest:
            if f in chosen:
                continue
            words = words_of.get(f)
            if words is None:
                words = words_of[f] = set(_WORD.findall(rest[f]))
            if defined_by[f] & mentioned or words & defined:
                frontier.add(f)
        chosen |= frontier
    return chosen


def build_index(files: Iterable[tuple[Path, Path]]) -> ProjectIndex:
    """Index the ``(file, root)`` pairs of one run (see the module docstring)."""
    pairs = list(files)
    raws = {f: raw for f, _ in pairs if (raw := _read_bytes(f)) is not None}
    wanted = files_to_parse(raws)
    read = [m for f, r in pairs if f in wanted and (m := _parse(raws[f], f, r)) is not None]
    modules = [m for m in read if m.classes]
    legacy = subclass_closure(modules, _same, _qualify, _is_legacy)  # qualified class -> defining file
    index = ProjectIndex()
    for module in modules:
        for cls, bases in module.classes.items():
            for base in bases:
                target = _qualify(base, module)
                if _is_legacy(target):
                    continue
                home = next((f for q, f in legacy.items() if _same(target, q)), None)
                if home is not None and home != module.display:
                    index.foreign.setdefault(str(module.path), {})[cls] = f"{base} ({home})"
                    break
    index.policies = policy_facts(read, _same, _qualify, legacy)
    return index


def needs_rewrite(raw: bytes, path: str, index: ProjectIndex | None) -> bool:
    """The engine's prefilter: legacy tokens, or a class the index knows about."""
    if may_contain_legacy_api(raw) or bool(index and index.for_file(path)):
        return True
    view = index.policy_view(path) if index else None
    return bool(view and view.policy_bases)
