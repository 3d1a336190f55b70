"""Turning legacy policy hooks into a generated RLModule subclass (RLM030, RLM031).

The hooks (``make_model`` / ``make_model_and_action_dist`` / ``action_sampler_fn`` /
``action_distribution_fn``) are copied into a new class ``<Policy>RLModule`` that extends the
model class the policy builds; the legacy policy itself is left in place (its loss and other
learner hooks still need a human, see RLM032), so nothing that imports it breaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.legacy_api import LEGACY_PACKAGES
from rlmigrate.codemod.nodes import string_value, walk
from rlmigrate.codemod.project_policies import ModelFactory
from rlmigrate.codemod.rules._policy_model import ModelChoice

MODEL_HOOKS = ("make_model", "make_model_and_action_dist")
ACTION_HOOKS = ("action_sampler_fn", "action_distribution_fn")
LEARNER_HOOKS = {
    "loss": "Learner.compute_loss_for_module(module_id, config, batch, fwd_out)",
    "loss_fn": "Learner.compute_loss_for_module(module_id, config, batch, fwd_out)",
    "postprocess_trajectory": "a learner connector piece (e.g. GAE) in the learner pipeline",
    "postprocess_fn": "a learner connector piece (e.g. GAE) in the learner pipeline",
    "stats_fn": "Learner metrics: self.metrics.log_value(...) in compute_loss_for_module",
    "stats": "Learner metrics: self.metrics.log_value(...) in compute_loss_for_module",
    "optimizer": "Learner.configure_optimizers_for_module(module_id, config)",
    "optimizer_fn": "Learner.configure_optimizers_for_module(module_id, config)",
    "extra_grad_process": "Learner.postprocess_gradients (grad clipping via config)",
    "extra_grad_process_fn": "Learner.postprocess_gradients (grad clipping via config)",
    "extra_action_out": "extra keys in the module's forward outputs",
    "extra_action_out_fn": "extra keys in the module's forward outputs",
}
OBS_NAMES = ("obs_batch", "input_dict", "obs")


@dataclass
class PolicyHooks:
    """The hook functions of one legacy policy (original nodes)."""

    name: str
    anchor: cst.CSTNode
    hooks: dict[str, cst.FunctionDef] = field(default_factory=dict)
    is_method: bool = False
    # hook keywords naming something else than a function of this file: kind -> the value node
    foreign: dict[str, cst.BaseExpression] = field(default_factory=dict)


@dataclass
class GeneratedModule:
    """The class to insert, or why none can be generated."""

    node: cst.ClassDef | None = None
    problem: str | None = None
    problem_node: cst.CSTNode | None = None
    notes: list[str] = field(default_factory=list)
    model_source: str = ""  # where the base came from, when no make_model* hook named it


def _params(func: cst.FunctionDef) -> list[cst.Param]:
    p = func.params
    return list(p.posonly_params) + list(p.params) + list(p.kwonly_params)


def _refs(ctx: FileContext, param: cst.Param) -> list[cst.CSTNode]:
    scope = ctx.scope_of(param.name)
    if scope is None:
        return []
    out = []
    for assignment in scope.assignments[param.name.value]:
        if getattr(assignment, "node", None) is param:
            out.extend(access.node for access in assignment.references)
    return out


def _own_returns(func: cst.FunctionDef) -> list[cst.Return]:
    return [n for n in walk(func.body, into_functions=False) if isinstance(n, cst.Return)]


@dataclass
class ModelRef:
    """The model class a ``make_model*`` hook builds (``base``), or why it is not one class
    (``problem``); ``notes`` say how it was found when not directly."""

    base: cst.BaseExpression | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)


_MAX_FACTORY_DEPTH = 3  # make_model -> helper -> helper: deeper chains are left to a person


def _dotted_code(node: cst.BaseExpression) -> str | None:
    if isinstance(node, (cst.Name, cst.Attribute)):
        return cst.Module(body=[]).code_for_node(node)
    return None


def _is_get_model_v2(ctx: FileContext, func: cst.BaseExpression) -> bool:
    return any(name.startswith(LEGACY_PACKAGES) and name.endswith("ModelCatalog.get_model_v2")
               for name in ctx.qualified_names(func))


def _defines_forward(cls: cst.ClassDef) -> bool:
    return isinstance(cls.body, cst.IndentedBlock) and any(
        isinstance(stmt, cst.FunctionDef) and stmt.name.value == "forward" for stmt in cls.body.body)


def _catalog_model(ctx: FileContext, call: cst.Call) -> ModelRef:
    """``ModelCatalog.get_model_v2(..., model_interface=Cls)``: ``Cls`` when it defines its own
    ``forward()`` (the wrapper's other base, the catalog's model, then only adds layers the
    interface's ``__init__`` does not build when it chains to it)."""
    interface = next((a.value for a in call.args if a.keyword and a.keyword.value == "model_interface"), None)
    if not isinstance(interface, cst.Name):
        return ModelRef(problem="it builds its model with ModelCatalog.get_model_v2() and no model_interface "
                        "class: the catalog picks the model from config['model'] at run time")
    name = interface.value
    local = ctx.facts.classes.get(name)
    forwardless = name in ctx.project.model_classes and not ctx.project.defines_forward(ctx.qualified_names(interface))
    if (local is not None and not _defines_forward(local)) or forwardless:
        return ModelRef(problem=f"{name} defines no forward(): get_model_v2(model_interface={name}) acts with the "
                        "forward() of the model the catalog wraps in it (default_model=, or the catalog's "
                        "model for config['model'])")
    if local is None and name not in ctx.project.model_classes:
        return ModelRef()
    return ModelRef(cst.Name(name), notes=[f"the model is ModelCatalog.get_model_v2(..., model_interface={name}): "
                                           f"{name} defines forward(), so it acts as {name}"])


def model_class_of(ctx: FileContext, func: cst.FunctionDef, tuple_index: int | None, depth: int = 0) -> ModelRef:
    """The model class a ``make_model*`` hook builds: ``Cls(...)`` (a class of this file or an
    imported model class of the run), ``ModelCatalog.get_model_v2(..., model_interface=Cls)``,
    either bound first (``policy.model = ...; return policy.model``), or the result of a
    function that does so (this file's, or a model factory of another file of the run)."""
    assigned: dict[str, cst.BaseExpression] = {}
    for node in walk(func.body, into_functions=False):
        if isinstance(node, cst.Assign) and len(node.targets) == 1 and (key := _dotted_code(node.targets[0].target)):
            assigned[key] = node.value
    for ret in _own_returns(func):
        value = ret.value
        if tuple_index is not None:
            if not (isinstance(value, cst.Tuple) and len(value.elements) > tuple_index):
                return ModelRef()
            value = value.elements[tuple_index].value
        key = _dotted_code(value) if value is not None else None
        if key is not None and key in assigned:
            value = assigned[key]
        if not isinstance(value, cst.Call):
            return ModelRef()
        callee = value.func
        if isinstance(callee, cst.Name) and (
            callee.value in ctx.facts.classes or callee.value in ctx.project.model_classes
        ):
            return ModelRef(cst.Name(callee.value))
        if _is_get_model_v2(ctx, callee):
            return _catalog_model(ctx, value)
        helper = ctx.facts.functions.get(callee.value) if isinstance(callee, cst.Name) else None
        if helper is not None and depth < _MAX_FACTORY_DEPTH:
            found = model_class_of(ctx, helper, None, depth + 1)
            if found.base is not None or found.problem:
                found.notes.insert(0, f"{func.name.value}() builds it through {helper.name.value}()")
                if found.problem:
                    found.problem = f"{helper.name.value}(): {found.problem}"
            return found
        factory = ctx.project.factory(ctx.qualified_names(callee))
        if factory is not None:
            return _factory_model(ctx, callee, factory)
        return ModelRef()
    return ModelRef()


def _factory_model(ctx: FileContext, callee: cst.BaseExpression, factory: ModelFactory) -> ModelRef:
    """A model factory of another file: its class, imported from the module this file imports
    the factory from (the class is bound there: defined or imported)."""
    called = _dotted_code(callee) or factory.function
    if factory.problem:
        return ModelRef(problem=f"{called}() ({factory.path}:{factory.line}) returns {factory.how}: {factory.problem}")
    note = f"the model is what {called}() ({factory.path}:{factory.line}) returns: {factory.how}"
    local = factory.cls.split(".")[0]
    if local in ctx.facts.classes or local in ctx.project.model_classes:
        return ModelRef(N.expression(factory.cls), notes=[note])
    seen_as = next((n for n in sorted(ctx.qualified_names(callee)) if "." in n), factory.function)
    module, symbol = seen_as.rpartition(".")[0], factory.cls.rsplit(".", 1)[-1]
    return ModelRef(ctx.need_from(module, symbol), notes=[
        f"{note}; the module's base {symbol} is imported from {module} at module level (where "
        f"{called}() was imported from)"])


def _returned_code(func: cst.FunctionDef) -> str | None:
    """The source of the first value ``func`` returns (for messages), shortened."""
    for ret in _own_returns(func):
        if ret.value is not None:
            text = cst.Module(body=[]).code_for_node(ret.value)
            return text if len(text) <= 60 else text[:57] + "..."
    return None


def dist_class_of(func: cst.FunctionDef, index: int) -> cst.BaseExpression | None:
    """The dist class a hook returns at tuple position ``index`` (same Name in every return)."""
    found = None
    for ret in _own_returns(func):
        if not (isinstance(ret.value, cst.Tuple) and len(ret.value.elements) > index):
            return None
        value = ret.value.elements[index].value
        if not isinstance(value, (cst.Name, cst.Attribute)):
            return None
        if found is not None and not found.deep_equals(value):
            return None
        found = value
    return found


def _defined_inside(func: cst.FunctionDef, dist: cst.BaseExpression) -> bool:
    """Whether the dist class ``func`` returns is a class ``func`` defines (or binds) itself: a
    name the generated module, outside ``func``, could not see."""
    if not isinstance(dist, cst.Name):
        return False
    for node in walk(func.body, into_functions=False):
        if isinstance(node, cst.ClassDef) and node.name.value == dist.value:
            return True
        if isinstance(node, cst.Assign) and any(
            isinstance(t.target, cst.Name) and t.target.value == dist.value for t in node.targets
        ):
            return True
    return False


def _nested_dist_problem(func: cst.FunctionDef, dist: cst.BaseExpression) -> str:
    name = dist.value if isinstance(dist, cst.Name) else "its dist class"
    return (f"{func.name.value}() returns {name}, a distribution class it defines itself (it may close over "
            "the hook's arguments, e.g. the action space): the module's get_*_action_dist_cls() cannot name "
            "it; define the distribution at module level (for a MultiCategorical over a MultiDiscrete space "
            "on the new stack: TorchMultiCategorical.get_partial_dist_cls(input_lens=...)) and return it there")


class _HookBody(cst.CSTTransformer):
    """Rewrites a copied hook body to run inside the module (``model`` → ``self``)."""

    def __init__(self, ctx: FileContext, kind: str, model_refs: set, obs_refs: set, returns: set) -> None:
        super().__init__()
        self.ctx, self.kind = ctx, kind
        self.model_refs, self.obs_refs, self.returns = model_refs, obs_refs, returns

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if original.func in self.model_refs:
            self.ctx.need("Columns")
            return N.expression("(self._forward(batch)[Columns.ACTION_DIST_INPUTS], [])")
        func = original.func
        if isinstance(func, cst.Attribute) and func.value in self.model_refs and func.attr.value == "value_function":
            return N.expression("self.compute_values(batch)")
        return updated

    def leave_Subscript(self, original: cst.Subscript, updated: cst.BaseExpression) -> cst.BaseExpression:
        if original.value in self.obs_refs and len(original.slice) == 1:
            index = original.slice[0].slice
            if isinstance(index, cst.Index):
                key = string_value(index.value) or next(iter(self.ctx.legacy_symbols(index.value)), None)
                if key in ("obs", "OBS", "CUR_OBS"):
                    self.ctx.need("Columns")
                    return N.expression("batch[Columns.OBS]")
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if original in self.model_refs:
            return cst.Name("self")
        if original in self.obs_refs:
            return cst.Name("batch")
        return updated

    def leave_Return(self, original: cst.Return, updated: cst.Return) -> cst.Return:
        if original not in self.returns or not isinstance(updated.value, cst.Tuple):
            return updated
        elements = [e.value for e in updated.value.elements]
        if self.kind == "action_sampler_fn":
            names = ["ACTIONS", "ACTION_LOGP", "ACTION_DIST_INPUTS"]
        else:
            names = ["ACTION_DIST_INPUTS"]
        items = []
        for attr, value in zip(names, elements):
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            self.ctx.need("Columns")
            items.append((N.column(attr), value))
        return updated.with_changes(value=N.dict_of(items))


def convert_action_hook(ctx: FileContext, func: cst.FunctionDef, kind: str, is_method: bool) -> tuple[cst.FunctionDef | None, str | None, cst.CSTNode | None]:
    """The hook as a module method ``_<kind>(self, batch, **kwargs)``, or a problem."""
    params = _params(func)
    if len(params) < 3:
        return None, f"{func.name.value}() does not take (policy, model, obs_batch, ...)", func
    policy_p, model_p = params[0], params[1]
    rest = params[2:]
    obs_p = next((p for p in rest if p.name.value in OBS_NAMES), rest[0])
    for ref in _refs(ctx, policy_p):
        return None, f"{func.name.value}() uses the policy object ({policy_p.name.value}); port it by hand", ref
    by_name = {p.name.value: p for p in rest}
    for blocked in ("state_batches", "seq_lens"):
        if blocked in by_name:
            for ref in _refs(ctx, by_name[blocked]):
                return None, f"{func.name.value}() uses {blocked}: stateful policies need a hand port", ref
    if isinstance(func.params.star_arg, cst.Param):
        return None, f"{func.name.value}(*args) cannot be converted", func
    returns = _own_returns(func)
    expected = {"action_sampler_fn": (2, 3, 4), "action_distribution_fn": (3,)}[kind]
    for ret in returns:
        if not (isinstance(ret.value, cst.Tuple) and len(ret.value.elements) in expected):
            return None, f"{func.name.value}() must return a {expected[-1]}-tuple", ret
    model_refs = set(_refs(ctx, model_p))
    obs_refs = set(_refs(ctx, obs_p))
    body = func.body.visit(_HookBody(ctx, kind, model_refs, obs_refs, set(returns)))
    prelude = []
    for name, default in (("explore", "True"), ("timestep", "None"), ("is_training", "False")):
        if name in by_name and _refs(ctx, by_name[name]):
            prelude.append(N.statement(f'{name} = kwargs.get("{name}", {default})\n'))
    kwargs_name = func.params.star_kwarg.name.value if isinstance(func.params.star_kwarg, cst.Param) else None
    if kwargs_name and kwargs_name != "kwargs":
        prelude.insert(0, N.statement(f"{kwargs_name} = kwargs\n"))
    body = N.insert_after_docstring(body, prelude)
    method = cst.FunctionDef(
        name=cst.Name("_" + kind.removesuffix("_fn")),
        params=N.params("self", "batch", star_kwargs="kwargs"),
        body=body,
        leading_lines=[cst.EmptyLine(indent=False)],
    )
    return method, None, None


def generate_module(ctx: FileContext, hooks: PolicyHooks, fallback: ModelChoice | None = None) -> GeneratedModule:
    """Build ``class <name>RLModule(<model class>)`` from the policy's hooks.

    ``fallback``: the model of a policy without ``make_model*`` hooks (``resolve_model``).
    """
    out = GeneratedModule()
    model_cls: cst.BaseExpression | None = None
    dist_cls = None
    found: ModelRef | None = None
    methods: list[cst.BaseStatement] = []
    if "make_model_and_action_dist" in hooks.hooks:
        func = hooks.hooks["make_model_and_action_dist"]
        found = model_class_of(ctx, func, 0)
        dist_cls = dist_class_of(func, 1)
        if dist_cls is None:
            out.problem, out.problem_node = "make_model_and_action_dist() returns a dist class that is not a plain name", func
            return out
        if _defined_inside(func, dist_cls):
            out.problem, out.problem_node = _nested_dist_problem(func, dist_cls), func
            return out
    elif "make_model" in hooks.hooks:
        found = model_class_of(ctx, hooks.hooks["make_model"], None)
    elif fallback is not None:
        if fallback.problem:
            out.problem, out.problem_node = fallback.problem, hooks.anchor
            return out
        model_cls = fallback.base
        out.notes.extend(fallback.notes)
        methods.extend(fallback.methods)
    if found is not None:
        model_cls = found.base
        out.notes.extend(found.notes)
    if model_cls is None:
        hook = next((hooks.hooks[k] for k in MODEL_HOOKS if k in hooks.hooks), None)
        returned = _returned_code(hook) if hook is not None else None
        if hook is not None and found is not None and found.problem:
            out.problem = (f"{hook.name.value}() returns `{returned}`: {found.problem}; give the module a base "
                           "by hand (class <Policy>RLModule(<the migrated model class>) with that forward)")
            out.problem_node = hook
        elif returned:
            out.problem = (f"{hook.name.value}() returns `{returned}`, not an instance of a model class "
                           "of this run: give the module a base by hand (class <Policy>RLModule(<the "
                           "migrated model class>)), or make the hook build the class directly")
            out.problem_node = hook
        else:
            out.problem = ("no module class: the policy does not build a model class defined in "
                           "this file or another file of the run (make_model / make_model_and_action_dist)")
            out.problem_node = hooks.anchor
        return out
    home = ctx.project.model_classes.get(model_cls.value) if isinstance(model_cls, cst.Name) else None
    if home is not None:
        out.notes.append(f"{model_cls.value} is defined in {home}: the module acts like the policy once "
                         "that class is migrated there (see that file's findings)")
    foreign = next(((k, v) for k, v in sorted(hooks.foreign.items()) if k in ACTION_HOOKS), None)
    if foreign is not None:
        kind, value = foreign
        code = cst.Module(body=[]).code_for_node(value)
        origin = sorted(ctx.qualified_names(value) - {code})
        where = f" ({origin[0]})" if origin else ""
        out.problem = (f"{kind}={code}{where} is not a function of this file, so its acting logic cannot be "
                       f"copied into the module: port it into {hooks.name}RLModule._forward_inference/"
                       "_forward_exploration by hand")
        out.problem_node = value
        return out
    entry = None
    for kind in ACTION_HOOKS:
        func = hooks.hooks.get(kind)
        if func is None:
            continue
        method, problem, where = convert_action_hook(ctx, func, kind, hooks.is_method)
        if problem:
            out.problem, out.problem_node = problem, where
            return out
        methods.append(method)
        entry = method.name.value
        if kind == "action_distribution_fn":
            hook_dist = dist_class_of(func, 1)
            if hook_dist is None:
                out.problem, out.problem_node = "action_distribution_fn() returns a dist class that is not a plain name", func
                return out
            if _defined_inside(func, hook_dist):
                out.problem, out.problem_node = _nested_dist_problem(func, hook_dist), func
                return out
            dist_cls = hook_dist
        break
    if entry is not None:
        methods.append(N.statement(
            "def _forward_exploration(self, batch, **kwargs):\n"
            f'    return self.{entry}(batch, explore=True, timestep=kwargs.get("t"), is_training=False)\n'
        ).with_changes(leading_lines=[cst.EmptyLine(indent=False)]))
        methods.append(N.statement(
            "def _forward_inference(self, batch, **kwargs):\n"
            f"    return self.{entry}(batch, explore=False, timestep=None, is_training=False)\n"
        ).with_changes(leading_lines=[cst.EmptyLine(indent=False)]))
    if dist_cls is not None:
        for getter in ("inference", "exploration", "train"):
            stmt = N.statement(f"def get_{getter}_action_dist_cls(self):\n    return DIST\n")
            assert isinstance(stmt, cst.FunctionDef)
            ret_line = stmt.body.body[0]
            ret = ret_line.body[0].with_changes(value=dist_cls)
            stmt = stmt.with_changes(
                body=stmt.body.with_changes(body=[ret_line.with_changes(body=[ret])]),
                leading_lines=[cst.EmptyLine(indent=False)],
            )
            methods.append(stmt)
        out.notes.append("num_outputs of the model comes from the default distribution of the "
                         "action space; check that it matches the policy's dist class")
    if fallback is not None and fallback.describe and not (set(hooks.hooks) & set(MODEL_HOOKS)):
        out.model_source = fallback.describe
    if hooks.hooks:
        doc = N.statement(f'"""RLModule of the legacy policy {hooks.name} (from {", ".join(sorted(hooks.hooks))})."""\n')
    else:
        doc = N.statement(f'"""RLModule of the legacy policy {hooks.name}: it acts with the model the policy used."""\n')
    if methods and isinstance(methods[0], cst.FunctionDef):
        methods[0] = methods[0].with_changes(leading_lines=[cst.EmptyLine(indent=False)])
    out.node = cst.ClassDef(
        name=cst.Name(f"{hooks.name}RLModule"),
        bases=[cst.Arg(model_cls)],
        body=cst.IndentedBlock(body=[doc, *methods]),
        leading_lines=[cst.EmptyLine(indent=False), cst.EmptyLine(indent=False)],
    )
    return out
