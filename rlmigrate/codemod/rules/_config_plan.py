"""Planning of the config rewrites (RLM020, RLM021, RLM022) in one pre-pass over the module.

Model configs are plain dict literals, so whether a ``"custom_model"`` entry can become an
``RLModuleSpec`` depends on where the dict sits (the value of a ``"model"`` key, a
``config["model"] = ...`` assignment, a multi-agent policy spec) and on what
``register_custom_model`` calls exist. The plan is computed once per file and shared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import children, string_value

CUSTOM_KEYS = ("custom_model", "custom_model_config", "custom_action_dist")


@dataclass
class ModelDictPlan:
    """How one model-config dict literal converts (``problem`` set: it does not)."""

    node: cst.Dict
    module_class: cst.BaseExpression | None = None
    registered_name: str | None = None
    problem: str | None = None


@dataclass
class PolicySpecPlan:
    """One multi-agent policy entry: the spec pieces, or why it cannot convert."""

    policy_id: cst.BaseExpression
    observation_space: cst.BaseExpression | None = None
    action_space: cst.BaseExpression | None = None
    model: ModelDictPlan | None = None
    model_config: cst.BaseExpression | None = None
    problem: str | None = None


@dataclass
class PoliciesPlan:
    """A ``"policies": {...}`` element of a config dict."""

    container: cst.Dict
    element: cst.DictElement
    entries: list[PolicySpecPlan] = field(default_factory=list)
    problem: str | None = None


@dataclass
class ConfigPlan:
    """Everything the config rules do in one file."""

    registrations: dict[str, tuple[cst.Expr, cst.BaseExpression]] = field(default_factory=dict)
    model_dicts: dict[cst.Dict, ModelDictPlan] = field(default_factory=dict)
    model_dict_context: dict[cst.Dict, str] = field(default_factory=dict)  # element/assign/policy/other
    policies: dict[cst.Dict, PoliciesPlan] = field(default_factory=dict)  # keyed by container
    used_names: dict[str, bool] = field(default_factory=dict)  # registered name -> all uses convert


def dict_items(node: cst.Dict) -> list[tuple[str, cst.DictElement]] | None:
    """``[(key, element)]`` when every key is a plain string literal, else None."""
    out = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key = string_value(element.key)
        if key is None:
            return None
        out.append((key, element))
    return out


def _has_custom_model(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Dict):
        return False
    return any(
        isinstance(e, cst.DictElement) and string_value(e.key) == "custom_model" for e in node.elements
    )


def _walk_with_parent(root: cst.CSTNode):  # type: ignore[no-untyped-def]
    stack: list[tuple[cst.CSTNode, cst.CSTNode | None]] = [(root, None)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        stack.extend((child, node) for child in reversed(children(node)))


def config_plan(ctx: FileContext, module: cst.Module) -> ConfigPlan:
    """The shared plan (computed on first use)."""
    if "config_plan" not in ctx.shared:
        ctx.shared["config_plan"] = _build(ctx, module)
    return ctx.shared["config_plan"]


def _build(ctx: FileContext, module: cst.Module) -> ConfigPlan:
    plan = ConfigPlan()
    if not getattr(ctx.facts, "mentions_model_config", True):
        return plan  # no "custom_model" / "policies" in the text: nothing to plan
    parents: dict[cst.CSTNode, cst.CSTNode | None] = {}
    candidates: list[cst.Dict] = []
    policies: list[tuple[cst.Dict, cst.DictElement]] = []
    for node, parent in _walk_with_parent(module):
        parents[node] = parent
        if isinstance(node, cst.Expr) and isinstance(node.value, cst.Call):
            call = node.value
            if "register_custom_model" in ctx.legacy_symbols(call.func) and len(call.args) == 2:
                name = string_value(call.args[0].value)
                if name is not None:
                    plan.registrations[name] = (node, call.args[1].value)
        elif _has_custom_model(node):
            candidates.append(node)  # type: ignore[arg-type]
        elif (
            isinstance(node, cst.DictElement)
            and string_value(node.key) == "policies"
            and isinstance(node.value, cst.Dict)
            and isinstance(parent, cst.Dict)
        ):
            policies.append((parent, node))
    owned: set[cst.Dict] = set()
    for container, element in policies:
        pplan = _plan_policies(ctx, plan, container, element)
        plan.policies[container] = pplan
        for entry in pplan.entries:
            if entry.model is not None:
                owned.add(entry.model.node)
                plan.model_dict_context[entry.model.node] = "policy"
    for node in candidates:
        if node in owned:
            continue
        mplan = _plan_model_dict(ctx, plan, node)
        parent = parents.get(node)
        grand = parents.get(parent) if parent is not None else None
        if isinstance(parent, cst.DictElement) and string_value(parent.key) == "model" and parent.value is node:
            plan.model_dict_context[node] = "element"
        elif isinstance(parent, cst.Assign) and _is_model_subscript_assign(parent):
            plan.model_dict_context[node] = "assign"
        else:
            plan.model_dict_context[node] = "other"
            if mplan.problem is None:
                mplan.problem = ("this model config is not the value of a \"model\" key; replace "
                                 "it with RLModuleSpec(module_class=..., model_config=...) where "
                                 "it is used")
            del grand
        plan.model_dicts[node] = mplan
    for mplan in list(plan.model_dicts.values()) + [
        e.model for p in plan.policies.values() for e in p.entries if e.model is not None
    ]:
        if mplan.registered_name is not None:
            ok = mplan.problem is None
            if mplan in [e.model for p in plan.policies.values() for e in p.entries]:
                ok = ok and not any(
                    p.problem for p in plan.policies.values()
                    if mplan in [e.model for e in p.entries]
                )
            previous = plan.used_names.get(mplan.registered_name, True)
            plan.used_names[mplan.registered_name] = previous and ok
    return plan


def _is_model_subscript_assign(node: cst.Assign) -> bool:
    if len(node.targets) != 1:
        return False
    target = node.targets[0].target
    return (
        isinstance(target, cst.Subscript)
        and len(target.slice) == 1
        and isinstance(target.slice[0].slice, cst.Index)
        and string_value(target.slice[0].slice.value) == "model"
    )


def _plan_model_dict(ctx: FileContext, plan: ConfigPlan, node: cst.Dict) -> ModelDictPlan:
    mplan = _plan_model_dict_items(plan, node)
    kept = _kept_problem(ctx, mplan)
    if kept:
        mplan.problem = kept
    return mplan


def _plan_model_dict_items(plan: ConfigPlan, node: cst.Dict) -> ModelDictPlan:
    mplan = ModelDictPlan(node=node)
    items = dict_items(node)
    if items is None:
        mplan.problem = "the model config has ** entries or non-string keys"
        return mplan
    keys = dict(items)
    if "custom_action_dist" in keys:
        mplan.problem = ("custom_action_dist has no RLModuleSpec field: override "
                         "get_*_action_dist_cls() in the module (or set self.action_dist_cls in "
                         "setup) and drop the key")
    wrapper = next((k for k in ("use_lstm", "use_attention")
                    if k in keys and not _is_false(keys[k].value)), None)
    if wrapper is not None and mplan.problem is None:
        mplan.problem = (f"{wrapper} wrapped the custom model in RLlib's "
                         f"{'LSTMWrapper' if wrapper == 'use_lstm' else 'AttentionWrapper'} (the model "
                         "built with num_outputs=None, its features into the recurrent layer, then the "
                         "wrapper's logits and value heads); an RLModuleSpec's module is never wrapped: "
                         "port the recurrent layer into the module (a stateful _forward with "
                         f"Columns.STATE_IN/STATE_OUT), then drop {wrapper}")
    value = keys["custom_model"].value
    name = string_value(value)
    if name is not None:
        mplan.registered_name = name
        if name in plan.registrations:
            mplan.module_class = plan.registrations[name][1]
        elif mplan.problem is None:
            mplan.problem = (f"custom_model {name!r} is not registered in this file: use "
                             "RLModuleSpec(module_class=<the class>)")
    else:
        mplan.module_class = value
    return mplan


def _is_false(value: cst.BaseExpression) -> bool:
    """A literal ``False`` / ``0`` / ``None`` (the wrapper is off)."""
    return (isinstance(value, cst.Name) and value.value in ("False", "None")) or (
        isinstance(value, cst.Integer) and value.value == "0")


def _kept_problem(ctx: FileContext, mplan: ModelDictPlan) -> str | None:
    """Why a model config must stay as it is because of a ``# noqa`` (None: it need not):
    it sits in a kept statement, or its model class is kept (still legacy)."""
    if ctx.is_kept(mplan.node):
        return "kept as is by a noqa comment"
    value = mplan.module_class
    if isinstance(value, cst.Name) and value.value in ctx.kept_names:
        return f"{value.value} is kept as a legacy model by a noqa comment"
    return None


def _plan_policies(ctx: FileContext, plan: ConfigPlan, container: cst.Dict, element: cst.DictElement) -> PoliciesPlan:
    pplan = PoliciesPlan(container=container, element=element)
    value = element.value
    assert isinstance(value, cst.Dict)
    for entry in value.elements:
        if not isinstance(entry, cst.DictElement):
            pplan.problem = "policies has ** entries"
            return pplan
        spec = _plan_policy_entry(ctx, plan, entry)
        pplan.entries.append(spec)
        if spec.problem and not pplan.problem:
            pplan.problem = spec.problem
    return pplan


def _plan_policy_entry(ctx: FileContext, plan: ConfigPlan, entry: cst.DictElement) -> PolicySpecPlan:
    spec = PolicySpecPlan(policy_id=entry.key)
    value = entry.value
    parts: dict[str, cst.BaseExpression | None] = {}
    order = ("policy_class", "observation_space", "action_space", "config")
    if isinstance(value, cst.Tuple) and len(value.elements) == 4:
        parts = {k: e.value for k, e in zip(order, value.elements)}
    elif isinstance(value, cst.Call) and "PolicySpec" in ctx.legacy_symbols(value.func):
        for i, arg in enumerate(value.args):
            if arg.star:
                spec.problem = "PolicySpec(*args) cannot be converted"
                return spec
            key = arg.keyword.value if arg.keyword else (order[i] if i < 4 else None)
            if key not in order:
                spec.problem = f"PolicySpec argument {key!r} has no RLModuleSpec counterpart"
                return spec
            parts[key] = arg.value
    else:
        spec.problem = "policy entries must be 4-tuples or PolicySpec(...) to convert"
        return spec

    def given(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
        return None if node is None or (isinstance(node, cst.Name) and node.value == "None") else node

    if given(parts.get("policy_class")) is not None:
        spec.problem = ("a custom policy class per policy id: convert the policy (RLM030/RLM031) "
                        "and use its module class")
        return spec
    spec.observation_space = given(parts.get("observation_space"))
    spec.action_space = given(parts.get("action_space"))
    config = given(parts.get("config"))
    if config is None:
        return spec
    if not isinstance(config, cst.Dict):
        spec.problem = "the per-policy config is not a dict literal"
        return spec
    items = dict_items(config)
    if items is None:
        spec.problem = "the per-policy config has ** entries or non-string keys"
        return spec
    for key, item in items:
        if key != "model":
            spec.problem = (f"per-policy config key {key!r} has no RLModuleSpec counterpart "
                            "(use AlgorithmConfig.multi_agent(algorithm_config_overrides_per_module=...))")
            return spec
        if _has_custom_model(item.value):
            assert isinstance(item.value, cst.Dict)
            spec.model = _plan_model_dict(ctx, plan, item.value)
            if spec.model.problem:
                spec.problem = spec.model.problem
        else:
            spec.model_config = item.value
    return spec
