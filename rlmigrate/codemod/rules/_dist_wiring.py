"""Which converted model gets which custom distribution (RLM040's ``custom_action_dist`` wiring).

Legacy code picks a custom distribution by name in the model config::

    ModelCatalog.register_custom_action_dist("temperature", TemperatureCategorical)
    config = {"model": {"custom_model": "dist_model", "custom_action_dist": "temperature"}}

The new stack has no config key for it: a module names its distribution class itself
(``self.action_dist_cls`` set in ``setup()``, which the ``get_*_action_dist_cls()`` getters
return). The wiring is decided per model class, from every model-config dict in the file that
names the class (the plan RLM021 computes, shared): a class gets a distribution when all its
configs name the same one, the name is registered in this file with a class defined here, and
RLM040 converts that class. Otherwise the class is reported with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.rules._config_plan import config_plan, dict_items
from rlmigrate.codemod.rules._dist_analysis import model_calls

REGISTER = "register_custom_action_dist"


@dataclass
class DistWiring:
    """``wired``: model class name → distribution class name; ``bound``: model → a model-aware
    distribution class kept in the legacy contract (bound to the module); ``problems``: model →
    why not."""

    wired: dict[str, str] = field(default_factory=dict)
    bound: dict[str, str] = field(default_factory=dict)
    config_names: dict[str, str] = field(default_factory=dict)  # model → custom_action_dist name
    problems: dict[str, str] = field(default_factory=dict)


def is_register_call(ctx: FileContext, call: cst.Call) -> bool:
    """``call`` is ``ModelCatalog.register_custom_action_dist(...)`` (cheap spelling gate first)."""
    func = call.func
    spelled = (isinstance(func, cst.Attribute) and func.attr.value == REGISTER) or (
        isinstance(func, cst.Name) and func.value == REGISTER
    )
    return spelled and REGISTER in ctx.legacy_symbols(func)


def _registrations(ctx: FileContext, module: cst.Module) -> dict[str, str | None]:
    """``{registered name: class name (None if not a plain name)}`` at module level."""
    out: dict[str, str | None] = {}
    for node in N.walk(module, into_functions=False):
        if isinstance(node, cst.Call) and is_register_call(ctx, node) and len(node.args) == 2:
            name = N.string_value(node.args[0].value)
            if name is not None:
                value = node.args[1].value
                out[name] = value.value if isinstance(value, cst.Name) else None
    return out


def dist_wiring(
    ctx: FileContext, module: cst.Module, convertible: set[str]
) -> DistWiring:
    """The file's wiring (computed once; ``convertible``: dist classes RLM040 converts)."""
    cached = ctx.shared.get("dist_wiring")
    if cached is not None:
        return cached
    wiring = ctx.shared["dist_wiring"] = DistWiring()
    plan = config_plan(ctx, module)
    model_plans = list(plan.model_dicts.values()) + [
        e.model for p in plan.policies.values() for e in p.entries if e.model is not None
    ]
    uses: dict[str, set[str | None]] = {}
    for mplan in model_plans:
        if not isinstance(mplan.module_class, cst.Name):
            continue
        items = dict_items(mplan.node)
        if items is None:
            continue
        keys = dict(items)
        model = mplan.module_class.value
        if "custom_action_dist" not in keys:
            uses.setdefault(model, set()).add("")  # a config with the default distribution
            continue
        value = keys["custom_action_dist"].value
        name = N.string_value(value)
        if name is None:
            uses.setdefault(model, set()).add(
                f"={value.value}" if isinstance(value, cst.Name) else None
            )
        else:
            uses.setdefault(model, set()).add(name)
    if not any(u - {""} for u in uses.values()):
        return wiring
    registered = _registrations(ctx, module)
    for model, names in uses.items():
        if names == {""}:
            continue
        if len(names) != 1 or None in names:
            wiring.problems[model] = (
                "its configs name different (or no, or computed) custom_action_dist values"
            )
            continue
        (name,) = names
        if name.startswith("="):
            dist = name[1:]
        elif name in registered:
            dist = registered[name]
            wiring.config_names[model] = name
        else:
            wiring.problems[model] = (
                f"custom_action_dist {name!r} is not registered in this file"
            )
            continue
        if dist is None or dist not in ctx.facts.classes:
            wiring.problems[model] = (
                f"custom_action_dist {name!r} is not a class defined in this file"
            )
        elif dist not in convertible and model_calls(ctx, ctx.facts.classes[dist]):
            if ctx.target.name == "ray":  # Ray's TorchRLModule does not sample through a binding
                wiring.problems[model] = (
                    f"its custom_action_dist class {dist} is model-aware (it calls the model); on "
                    "--target ray sample through it in _forward_exploration/_forward_inference "
                    "yourself (rlmigrate's bind_to_module acts inside rlmigrate's TorchRLModule only)"
                )
            else:
                wiring.bound[model] = dist
        elif dist not in convertible:
            wiring.problems[model] = (
                f"its custom_action_dist class {dist} is not converted (see RLM040 on it)"
            )
        else:
            wiring.wired[model] = dist
    return wiring


class _NumOutputs(cst.CSTTransformer):
    """The default-distribution width expressions RLM001/RLM010 emit → ``Dist.required_input_dim``."""

    def __init__(self, self_name: str, dist: str, bound: bool = False) -> None:
        super().__init__()
        self.self_name = self_name
        self.dist = dist
        self.bound = bound
        self.replaced = 0

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = updated.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "required_input_dim"):
            return updated
        owner = func.value
        if not isinstance(owner, cst.Call):
            return updated
        head = N.dotted_name(owner.func)
        if head not in ("get_default_dist_cls", f"{self.self_name}.get_inference_action_dist_cls"):
            return updated
        self.replaced += 1
        if self.bound:  # the legacy class keeps its sizing method, on the config it saw
            return N.expression(
                f"{self.dist}.required_model_output_shape({self.self_name}.action_space, "
                f"legacy_model_config({self.self_name}.model_config))"
            )
        return N.expression(
            f"{self.dist}.required_input_dim({self.self_name}.action_space, "
            f"model_config={self.self_name}.model_config)"
        )


def wire_setup(setup: cst.FunctionDef, dist: str, *, bound: bool = False) -> tuple[cst.FunctionDef, int]:
    """``setup`` setting ``self.action_dist_cls = dist`` first (``bound``: a model-aware legacy
    distribution, ``bind_to_module(dist, self)``), and sizing ``num_outputs`` from ``dist``;
    returns the new function and how many width expressions it replaced."""
    s = setup.params.params[0].name.value if setup.params.params else "self"
    fixer = _NumOutputs(s, dist, bound)
    body = setup.body.visit(fixer)
    value = f"bind_to_module({dist}, {s})" if bound else dist
    line = N.statement(f"{s}.action_dist_cls = {value}\n")
    body = N.insert_after_docstring(body, [line])  # type: ignore[arg-type]
    return setup.with_changes(body=body), fixer.replaced
