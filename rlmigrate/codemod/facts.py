"""Module-level facts gathered before the rules run (cheap: top-level statements only).

They gate the expensive part (metadata resolution) — a file that imports nothing from a legacy
package and has no ``"custom_model"`` key is left alone — and give rules the top-level
functions and classes by name (policy builders refer to functions defined elsewhere in the
file).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod.legacy_api import LEGACY_PACKAGES
from rlmigrate.codemod.nodes import dotted_name, string_value


@dataclass(frozen=True)
class LegacyImport:
    """One imported name from a legacy package (``from module import obj as asname``)."""

    module: str
    obj: str | None
    asname: str | None
    local: str
    statement: cst.CSTNode | None = field(default=None, compare=False, hash=False, repr=False)


@dataclass
class ModuleFacts:
    """Top-level facts of one module."""

    legacy_imports: list[LegacyImport] = field(default_factory=list)
    imports_ray: bool = False
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    # ``torch, nn = try_import_torch()`` at module level: local name -> what it is
    # (``{"torch": "torch", "nn": "torch.nn"}``), and the statements that bind them
    framework_aliases: dict[str, str] = field(default_factory=dict)
    framework_imports: list[cst.Assign] = field(default_factory=list)
    # whether the source text can hold a model config the config rules plan (set by the
    # caller, which has the text): "custom_model" or a "policies" key
    mentions_model_config: bool = True
    # the source text (set by the caller, which has it), for a rule's cheap substring prefilter
    # before it asks the scope about every name (None: unknown, no prefilter)
    source_text: str | None = None
    legacy_star_import: bool = False  # ``from ray.rllib.x import *``
    legacy_star_modules: list[str] = field(default_factory=list)  # the x of each such import
    # ``X = f(...)`` at module level: X -> the call (policy templates: ``build_torch_policy(...)``,
    # ``Base.with_updates(...)``)
    assigned_calls: dict[str, cst.Call] = field(default_factory=dict)
    # attribute names module-level statements store (``Policy.flag = ...``, ``setattr(P, "flag", ...)``;
    # ``"*"`` for a ``setattr`` with a computed name)
    attribute_stores: set[str] = field(default_factory=set)

    @property
    def uses_legacy_packages(self) -> bool:
        """An import from ``ray.rllib``/``shim`` (or of ``ray`` itself) exists."""
        return bool(self.legacy_imports) or self.imports_ray


def _is_legacy_module(name: str) -> bool:
    return any(name == p.rstrip(".") or name.startswith(p) for p in LEGACY_PACKAGES)


def _statements(body: list[cst.BaseStatement] | tuple) -> Iterator[cst.CSTNode]:
    """Top-level statements, descending into if/try/with blocks (not into defs)."""
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        elif isinstance(stmt, (cst.If, cst.Try, cst.With, cst.TryStar)):
            yield stmt
            for block in _blocks(stmt):
                yield from _statements(block)
        else:
            yield stmt


def _blocks(stmt: cst.CSTNode) -> Iterator[list[cst.BaseStatement]]:
    body = getattr(stmt, "body", None)
    if isinstance(body, cst.IndentedBlock):
        yield list(body.body)
    orelse = getattr(stmt, "orelse", None)
    while orelse is not None:
        if isinstance(orelse, cst.If):
            if isinstance(orelse.body, cst.IndentedBlock):
                yield list(orelse.body.body)
            orelse = orelse.orelse
        else:
            if isinstance(orelse.body, cst.IndentedBlock):
                yield list(orelse.body.body)
            orelse = None
    for handler in getattr(stmt, "handlers", ()) or ():
        if isinstance(handler.body, cst.IndentedBlock):
            yield list(handler.body.body)
    final = getattr(stmt, "finalbody", None)
    if final is not None and isinstance(final.body, cst.IndentedBlock):
        yield list(final.body.body)


# RLlib's optional-import helpers and what each element of their result is
FRAMEWORK_IMPORTERS = {"try_import_torch": ("torch", "torch.nn")}


def _framework_import(facts: ModuleFacts, node: cst.Assign) -> None:
    """Record ``torch, nn = try_import_torch()`` (the helper imported from a legacy package)."""
    call = node.value
    if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and not call.args):
        return
    imported = {imp.local: imp.obj for imp in facts.legacy_imports if imp.obj}
    meaning = FRAMEWORK_IMPORTERS.get(imported.get(call.func.value, ""))
    if meaning is None or len(node.targets) != 1:
        return
    target = node.targets[0].target
    names = target.elements if isinstance(target, (cst.Tuple, cst.List)) else None
    if not names or len(names) > len(meaning) or not all(isinstance(e.value, cst.Name) for e in names):
        return
    for element, qualified in zip(names, meaning):
        assert isinstance(element.value, cst.Name)
        if element.value.value != "_":
            facts.framework_aliases[element.value.value] = qualified
    facts.framework_imports.append(node)


def _assigned_call(facts: ModuleFacts, node: cst.Assign) -> None:
    """Record ``X = f(...)`` (a policy template class is made that way)."""
    if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and isinstance(node.value, cst.Call):
        facts.assigned_calls[node.targets[0].target.value] = node.value


def collect_facts(module: cst.Module) -> ModuleFacts:
    """Collect :class:`ModuleFacts` from ``module``'s top-level statements."""
    facts = ModuleFacts()
    for node in _statements(list(module.body)):
        if isinstance(node, cst.ImportFrom) and node.relative == () and node.module is not None:
            name = dotted_name(node.module)
            if name and _is_legacy_module(name) and not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    obj = dotted_name(alias.name)
                    asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
                    if obj:
                        facts.legacy_imports.append(LegacyImport(name, obj, asname, asname or obj, node))
            elif name and _is_legacy_module(name):
                facts.imports_ray = True
                facts.legacy_star_import = True
                facts.legacy_star_modules.append(name)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                name = dotted_name(alias.name)
                if not name:
                    continue
                if name == "ray" or name == "shim":
                    facts.imports_ray = True
                elif _is_legacy_module(name):
                    asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None
                    facts.legacy_imports.append(
                        LegacyImport(name, None, asname, asname or name.split(".")[0], node)
                    )
        elif isinstance(node, cst.Assign):
            _framework_import(facts, node)
            _assigned_call(facts, node)
            facts.attribute_stores.update(t.target.attr.value for t in node.targets if isinstance(t.target, cst.Attribute))
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign)) and isinstance(node.target, cst.Attribute):
            facts.attribute_stores.add(node.target.attr.value)
        elif isinstance(node, cst.Expr) and isinstance(node.value, cst.Call) and isinstance(node.value.func, cst.Name) \
                and node.value.func.value == "setattr" and len(node.value.args) >= 2:
            key = string_value(node.value.args[1].value)
            facts.attribute_stores.add(key if key is not None else "*")
        elif isinstance(node, cst.FunctionDef):
            facts.functions[node.name.value] = node
        elif isinstance(node, cst.ClassDef):
            facts.classes[node.name.value] = node
    return facts
