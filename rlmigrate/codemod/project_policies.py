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
* ``custom_models``: the literal ``custom_model`` names of this file, of the whole run, and of
  the files nearest this one that name any (the deepest directory it shares with them: a
  package's own config next to its policy, not another project's in the same run);
* ``model_factories``: functions of the run that return a legacy model class's instance (a
  policy's ``make_model`` hook often calls one: ``return make_my_model(self, ...)``), see
  :class:`ModelFactory`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from rlmigrate.codemod.algorithm_policies import ALGORITHM_POLICIES
from rlmigrate.codemod.legacy_api import LEGACY_PACKAGES
from rlmigrate.codemod.project_helpers import (
    HelperFunction,
    ParamReads,
    dotted_expr,
    resolve_helpers,
    scan_helpers,
)

__all__ = ["FileProject", "ModelFactory", "dotted_expr", "Registration", "nearest_custom_models", "policy_facts", "same_path",
           "scan_module"]

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


@dataclass(frozen=True)
class ModelFactory:
    """A function of the run that returns an instance of a legacy model class.

    Attributes:
        function: the function's qualified name (from the run's root).
        cls: the model class as its module names it (``RiskModel``).
        qualified: ``cls`` qualified from the factory's module.
        path: the factory's file (as shown in findings).
        line: the line of its ``def``.
        how: what builds the model (``MyModel(...)`` / ``ModelCatalog.get_model_v2(...,
            model_interface=MyModel)``), for findings.
        problem: why the model does not act as ``cls`` alone (None: it does): a
            ``model_interface`` class without its own ``forward()`` runs the forward of the
            model the catalog wraps in it.
    """

    function: str
    cls: str
    qualified: str
    path: str
    line: int
    how: str
    problem: str | None = None


def same_path(a: str, b: str) -> bool:
    """Module paths that name the same module seen from different roots (suffix match)."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


@dataclass
class FileProject:
    """What one file's rewrite learns from the rest of the run (see the module docstring)."""

    policy_bases: dict[str, tuple[str, str]] = field(default_factory=dict)  # local -> (symbol, "Base (path)")
    model_classes: dict[str, str] = field(default_factory=dict)  # local -> defining path
    registrations: dict[str, list[Registration]] = field(default_factory=dict)
    custom_models_here: list[tuple[str, int]] = field(default_factory=list)  # (name, line)
    custom_models_run: list[str] = field(default_factory=list)
    custom_models_near: list[str] = field(default_factory=list)  # of the nearest files naming any
    custom_models_near_from: str = ""  # one of those files (display)
    display: str = ""  # this file's path as findings show it
    model_factories: dict[str, ModelFactory] = field(default_factory=dict)  # qualified function -> factory
    forward_models: set[str] = field(default_factory=set)  # qualified classes defining forward() themselves
    # functions this file calls by a local name (its own, imported from the run): what each
    # parameter is read for (project_helpers)
    helpers: dict[str, ParamReads] = field(default_factory=dict)

    def defines_forward(self, qualified_names: Iterable[str]) -> bool:
        """Whether the run's class one of ``qualified_names`` names defines ``forward()`` itself."""
        return any("." in n and same_path(n, q) for n in qualified_names for q in self.forward_models)

    def factory(self, qualified_names: Iterable[str]) -> ModelFactory | None:
        """The model factory one of ``qualified_names`` (a call's, as this file resolves it:
        imports at module level or inside the function) names, if any."""
        for name in sorted(qualified_names):
            for function, found in sorted(self.model_factories.items()):
                if "." in name and same_path(name, function):
                    return found
        return None


@dataclass
class PolicyScan:
    """The policy-related facts of one parsed module."""

    # X = Base.with_updates(...): X -> Base; X = build_torch_policy(...): X -> the builder
    with_updates: dict[str, str] = field(default_factory=dict)
    registrations: list[tuple[str, list[str], int]] = field(default_factory=list)  # (name, classes, line)
    custom_models: list[tuple[str, int]] = field(default_factory=list)
    star_modules: list[str] = field(default_factory=list)
    # module-level functions returning a model: name -> (class as written, how, line)
    factories: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    forward_classes: set[str] = field(default_factory=set)  # classes that define forward() themselves
    helpers: dict[str, HelperFunction] = field(default_factory=dict)  # top-level functions (project_helpers)


def _classes_of(node: ast.expr) -> list[str]:
    """The class names a registration's second argument may be (both arms of an ``if``)."""
    if isinstance(node, ast.IfExp):
        return _classes_of(node.body) + _classes_of(node.orelse)
    name = dotted_expr(node)
    return [name] if name else []


def _own_nodes(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
    """The nodes of ``func``'s body, not those of functions or classes nested in it."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(func.body)
    while todo:
        node = todo.pop()
        out.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))
    return out


def _built_model(value: ast.expr | None) -> tuple[str, str] | None:
    """``(class as written, how)`` when ``value`` builds a model instance: ``Cls(...)`` or
    ``ModelCatalog.get_model_v2(..., model_interface=Cls)`` (None: something else)."""
    if not isinstance(value, ast.Call):
        return None
    func = dotted_expr(value.func) or ""
    if func.rsplit(".", 1)[-1] == "get_model_v2":
        interface = next((dotted_expr(k.value) for k in value.keywords if k.arg == "model_interface"), None)
        return (interface, f"ModelCatalog.get_model_v2(..., model_interface={interface})") if interface else None
    return (func, f"{func}(...)") if func and func.rsplit(".", 1)[-1][:1].isupper() else None


def model_factory(func: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[str, str] | None:
    """``(class as written, how)`` when every ``return`` of ``func`` gives the same model
    instance, built there or bound first (``policy.model = ...; return policy.model``)."""
    nodes = _own_nodes(func)
    assigned: dict[str, ast.expr] = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and (key := dotted_expr(node.targets[0])):
            assigned[key] = node.value
    found: set[tuple[str, str]] = set()
    for node in nodes:
        if isinstance(node, ast.Return):
            value = node.value
            key = dotted_expr(value) if value is not None else None
            built = _built_model(assigned.get(key) if key in assigned else value)
            if built is None:
                return None
            found.add(built)
    return found.pop() if len(found) == 1 else None


def scan_module(tree: ast.Module) -> PolicyScan:
    """Collect :class:`PolicyScan` from a module's ``ast``."""
    scan = PolicyScan(helpers=scan_helpers(tree))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (built := model_factory(node)):
            scan.factories[node.name] = (*built, node.lineno)
        elif isinstance(node, ast.ClassDef) and any(
            isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)) and b.name == "forward" for b in node.body
        ):
            scan.forward_classes.add(node.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and any(
            a.name == "*" for a in node.names
        ):
            scan.star_modules.append(node.module)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            call = node.value
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "with_updates":
                base = dotted_expr(call.func.value)
                if base:
                    scan.with_updates[node.targets[0].id] = base
            elif isinstance(call, ast.Call) and (dotted_expr(call.func) or "").rsplit(".", 1)[-1] in _BUILDERS:
                scan.with_updates[node.targets[0].id] = dotted_expr(call.func) or ""
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
    factories = _model_factories(modules, same, qualify, legacy_models)
    forward = {f"{m.name}.{c}" for m in modules for c in m.scan.forward_classes}
    helpers = resolve_helpers(modules, same, qualify)
    out: dict[str, FileProject] = {}
    for module in modules:
        near, near_from = nearest_custom_models(module.display, [
            (other.display, [n for n, _ in other.scan.custom_models]) for other in modules
            if other is not module and other.scan.custom_models])
        view = FileProject(registrations=registrations, custom_models_here=list(module.scan.custom_models),
                           custom_models_run=sorted(set(run_models)), custom_models_near=near,
                           custom_models_near_from=near_from, display=module.display,
                           model_factories=factories, forward_models=forward,
                           helpers=helpers.get(str(module.path), {}))
        for local, qualified in module.imports.items():
            found = next(((q, v) for q, v in policies.items() if same(qualified, q)), None)
            if found and found[1][1] != module.display:
                view.policy_bases[local] = (found[1][0], f"{local} ({found[1][1]})")
            home = next((p for q, p in legacy_models.items() if same(qualified, q)), None)
            if home is not None and home != module.display:
                view.model_classes[local] = home
        out[str(module.path)] = view
    return out


def _model_factories(modules: list, same, qualify, legacy_models: dict[str, str]) -> dict[str, ModelFactory]:  # noqa: ANN001
    """The run's functions that return a legacy model class's instance (qualified -> factory)."""
    forward = {f"{m.name}.{c}" for m in modules for c in m.scan.forward_classes}
    out: dict[str, ModelFactory] = {}
    for module in modules:
        for name, (cls, how, line) in module.scan.factories.items():
            qualified = qualify(cls, module)
            if not any(same(qualified, q) for q in legacy_models):
                continue  # not a legacy model class of the run
            problem = None
            if "model_interface=" in how and not any(same(qualified, q) for q in forward):
                problem = (f"{cls} defines no forward(): get_model_v2(model_interface={cls}) acts with the "
                           "forward() of the model the catalog wraps in it (default_model=, or the "
                           "catalog's model for config['model'])")
            function = f"{module.name}.{name}"
            out[function] = ModelFactory(function, cls, qualified, module.display, line, how, problem)
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


def shared_depth(a: str, b: str) -> int:
    """How many leading directories the files ``a`` and ``b`` (display paths) share.

    Example:
        >>> shared_depth("a/pkg/policy.py", "a/pkg/sub/config.py"), shared_depth("a/x.py", "b/y.py")
        (2, 0)
    """
    here, there = (p.replace("\\", "/").split("/")[:-1] for p in (a, b))
    shared = 0
    for mine, theirs in zip(here, there):
        if mine != theirs:
            break
        shared += 1
    return shared


def nearest_custom_models(display: str, named: list[tuple[str, list[str]]]) -> tuple[list[str], str]:
    """``(sorted names, one of their files)`` of the files in ``named`` (``(display, names)``)
    that share the deepest directory with ``display``; ``([], "")`` when none names any.

    Example:
        >>> nearest_custom_models("a/pkg/policy.py", [("a/pkg/config.py", ["m1"]), ("b/train.py", ["m2"])])
        (['m1'], 'a/pkg/config.py')
    """
    candidates = [(shared_depth(display, path), path, names) for path, names in named if names]
    if not candidates:
        return [], ""
    best = max(d for d, _, _ in candidates)
    nearest = sorted((path, names) for d, path, names in candidates if d == best)
    return sorted({n for _, names in nearest for n in names}), nearest[0][0]
