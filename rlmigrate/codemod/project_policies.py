"""The project-wide policy facts: policy classes, model registrations and ``custom_model`` names.

A legacy policy often takes its pieces from other files of the same project: its base
(``class MyPolicy(BasePolicy)`` with ``BasePolicy`` a ``PPOTorchPolicy`` subclass elsewhere),
its model (``ModelCatalog.register_custom_model("my_model", MyModel)`` in a training script,
``config["model"]["custom_model"] = "my_model"`` in yet another). :func:`policy_facts` reads
those from the ``ast`` of every file of the run (the project index's parse, no libcst), and
:class:`FileProject` hands one file's rewrite what it needs:

* ``policy_bases``: local names bound (by import) to a policy class defined in another file,
  with the legacy algorithm policy it derives from (``"PPOTorchPolicy"``);
* ``model_classes``: local names bound to a legacy model class defined in another file;
* ``registrations``: every literal ``register_custom_model(name, cls)`` of the run;
* ``custom_models``: the literal ``custom_model`` names of this file, and of the whole run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from rlmigrate.codemod.algorithm_policies import ALGORITHM_POLICIES
from rlmigrate.codemod.legacy_api import LEGACY_PACKAGES

__all__ = ["FileProject", "Registration", "policy_facts", "scan_module"]

_BUILDERS = ("build_torch_policy", "build_policy_class")
_TORCH_MODEL_HINTS = ("ray.rllib.models.torch.", "TorchModelV2", "DQNTorchModel", "SACTorchModel")


@dataclass(frozen=True)
class Registration:
    """``ModelCatalog.register_custom_model(name, cls)`` somewhere in the run.

    Attributes:
        name: the registered name.
        cls: the class name as written at the registration (``TorchCentralizedCriticModel``).
        qualified: ``cls`` qualified from the registering file (its import or its own module).
        path: the registering file (as shown in findings).
        line: the line of the call.
    """

    name: str
    cls: str
    qualified: str
    path: str
    line: int
    torch: bool = False


@dataclass
class FileProject:
    """What one file's rewrite learns from the rest of the run (see the module docstring)."""

    policy_bases: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (symbol, "Base (path)")
    model_classes: dict[str, str] = field(default_factory=dict)  # local -> defining path
    registrations: dict[str, list[Registration]] = field(default_factory=dict)
    custom_models_here: list[tuple[str, int]] = field(default_factory=list)  # (name, line)
    custom_models_run: list[str] = field(default_factory=list)
    display: str = ""  # this file's path as findings show it


@dataclass
class PolicyScan:
    """The policy-related facts of one parsed module."""

    # X = Base.with_updates(...): X -> Base; X = build_torch_policy(...): X -> the builder
    with_updates: dict[str, str] = field(default_factory=dict)
    registrations: list[tuple[str, list[str], int]] = field(default_factory=list)  # (name, classes, line)
    custom_models: list[tuple[str, int]] = field(default_factory=list)
    star_modules: list[str] = field(default_factory=list)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        owner = _dotted(node.value)
        return f"{owner}.{node.attr}" if owner else None
    return None


def _classes_of(node: ast.expr) -> list[str]:
    """The class names a registration's second argument may be (both arms of an ``if``)."""
    if isinstance(node, ast.IfExp):
        return _classes_of(node.body) + _classes_of(node.orelse)
    name = _dotted(node)
    return [name] if name else []


def scan_module(tree: ast.Module) -> PolicyScan:
    """Collect :class:`PolicyScan` from a module's ``ast``."""
    scan = PolicyScan()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and any(
            a.name == "*" for a in node.names
        ):
            scan.star_modules.append(node.module)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            call = node.value
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "with_updates":
                base = _dotted(call.func.value)
                if base:
                    scan.with_updates[node.targets[0].id] = base
            elif isinstance(call, ast.Call) and (_dotted(call.func) or "").rsplit(".", 1)[-1] in _BUILDERS:
                scan.with_updates[node.targets[0].id] = _dotted(call.func) or ""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "register_custom_model":
            if len(node.args) >= 2 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                scan.registrations.append((node.args[0].value, _classes_of(node.args[1]), node.lineno))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if (isinstance(key, ast.Constant) and key.value == "custom_model"
                        and isinstance(value, ast.Constant) and isinstance(value.value, str)):
                    scan.custom_models.append((value.value, value.lineno))
        elif isinstance(node, ast.keyword) and node.arg == "custom_model":
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                scan.custom_models.append((node.value.value, node.value.lineno))
    return scan


def _legacy_policy_symbol(qualified: str, star_modules: list[str]) -> str | None:
    symbol = qualified.rsplit(".", 1)[-1]
    if symbol in _BUILDERS and qualified.startswith(LEGACY_PACKAGES):
        return "TorchPolicyV2"  # X = build_torch_policy(...): a TorchPolicyV2 template class
    if symbol not in ALGORITHM_POLICIES:
        return None
    if qualified.startswith(LEGACY_PACKAGES):
        return symbol
    if "." not in qualified and any(m.startswith(LEGACY_PACKAGES) for m in star_modules):
        return symbol  # from ray.rllib.algorithms.ppo.ppo_torch_policy import *
    return None


def policy_facts(modules: Iterable, same, qualify, legacy_models: dict[str, str]) -> dict[str, FileProject]:  # noqa: ANN001
    """Per file path: its :class:`FileProject`.

    ``modules`` are the project index's parsed modules (``path``, ``display``, ``name``,
    ``imports``, ``classes`` and a ``scan`` :class:`PolicyScan`); ``same`` / ``qualify`` its
    module-path helpers; ``legacy_models`` its qualified legacy model classes -> defining path.
    """
    modules = list(modules)
    policies: dict[str, tuple[str, str]] = {}  # qualified -> (legacy symbol, defining path)
    changed = True
    while changed:
        changed = False
        for module in modules:
            candidates = {**{c: b for c, b in module.classes.items()},
                          **{x: [b] for x, b in module.scan.with_updates.items()}}
            for cls, bases in candidates.items():
                qualified = f"{module.name}.{cls}"
                if qualified in policies:
                    continue
                for base in bases:
                    target = qualify(base, module)
                    symbol = _legacy_policy_symbol(target, module.scan.star_modules)
                    if symbol is None:
                        known = next((v for q, v in policies.items() if same(target, q)), None)
                        symbol = known[0] if known else None
                    if symbol is not None:
                        policies[qualified] = (symbol, module.display)
                        changed = True
                        break
    torch_models = _torch_models(modules, same, qualify)
    registrations: dict[str, list[Registration]] = {}
    run_models: list[str] = []
    for module in modules:
        for name, classes, line in module.scan.registrations:
            for cls in classes:
                qualified = qualify(cls, module)
                torch = any(same(qualified, q) for q in torch_models) or is_torch_model_base(qualified)
                registrations.setdefault(name, []).append(
                    Registration(name, cls, qualified, module.display, line, torch))
        run_models.extend(n for n, _ in module.scan.custom_models)
    out: dict[str, FileProject] = {}
    for module in modules:
        view = FileProject(registrations=registrations, custom_models_here=list(module.scan.custom_models),
                           custom_models_run=sorted(set(run_models)), display=module.display)
        for local, qualified in module.imports.items():
            found = next(((q, v) for q, v in policies.items() if same(qualified, q)), None)
            if found and found[1][1] != module.display:
                view.policy_bases[local] = (found[1][0], f"{local} ({found[1][1]})")
            home = next((p for q, p in legacy_models.items() if same(qualified, q)), None)
            if home is not None and home != module.display:
                view.model_classes[local] = home
        out[str(module.path)] = view
    return out


def _torch_models(modules: list, same, qualify) -> set[str]:  # noqa: ANN001
    """Qualified classes of the run that are torch legacy models (directly or through a base)."""
    return set(subclass_closure(modules, same, qualify, is_torch_model_base))


def subclass_closure(modules: Iterable, same, qualify, is_root) -> dict[str, str]:  # noqa: ANN001
    """``{qualified class: defining file (display)}`` for every class of the run whose base is a
    root (``is_root(qualified base)``) or, through any number of files, such a class already
    found: the fixed point over the run's ``modules`` (their ``name``, ``display``, ``classes``)."""
    found: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for module in modules:
            for cls, bases in module.classes.items():
                qualified = f"{module.name}.{cls}"
                if qualified in found:
                    continue
                targets = [qualify(b, module) for b in bases]
                if any(is_root(t) or any(same(t, q) for q in found) for t in targets):
                    found[qualified] = module.display
                    changed = True
    return found


def is_torch_model_base(qualified: str) -> bool:
    """Whether a qualified base name is a torch legacy model (for choosing a registration arm)."""
    return any(hint in qualified for hint in _TORCH_MODEL_HINTS)
