"""Building ``RLModuleSpec(...)`` / ``MultiRLModuleSpec(...)`` nodes from config plans."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import string_value
from rlmigrate.codemod.rules._config_plan import (
    ModelDictPlan,
    PolicySpecPlan,
    dict_items,
)
from rlmigrate.core.legacy_config import SPEC_KEYS


def model_config_node(model: cst.Dict) -> cst.Dict | None:
    """The new ``model_config``: :func:`rlmigrate.core.legacy_config.migrated_model_config`
    written as a literal.

    Every key of the legacy model dict except ``custom_model`` / ``custom_action_dist``;
    ``custom_model_config`` stays (a rewritten ``setup()`` may still read it) and its entries
    are also spread at the top level, where the rewritten constructor arguments are read.
    """
    items = dict_items(model) or []
    elements: list[cst.BaseDictElement] = []
    custom = None
    for key, element in items:
        if key in SPEC_KEYS:
            continue
        elements.append(element.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        if key == "custom_model_config":
            custom = element.value
    if custom is not None:
        if isinstance(custom, cst.Dict):
            elements.extend(
                e.deep_clone().with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in custom.elements
            )
        else:
            elements.append(cst.StarredDictElement(custom.deep_clone()))
    if not elements:
        return None
    return cst.Dict(elements)


def spec_call(
    ctx: FileContext,
    mplan: ModelDictPlan | None,
    *,
    observation_space: cst.BaseExpression | None = None,
    action_space: cst.BaseExpression | None = None,
    model_config: cst.BaseExpression | None = None,
) -> cst.Call:
    """``RLModuleSpec(module_class=..., observation_space=..., action_space=..., model_config=...)``."""
    args = []
    if mplan is not None and mplan.module_class is not None:
        args.append(N.kwarg("module_class", mplan.module_class))
    if observation_space is not None:
        args.append(N.kwarg("observation_space", observation_space))
    if action_space is not None:
        args.append(N.kwarg("action_space", action_space))
    config = model_config_node(mplan.node) if mplan is not None else model_config
    if config is not None:
        args.append(N.kwarg("model_config", config))
    return cst.Call(func=ctx.need("RLModuleSpec"), args=args)


def multi_spec_call(ctx: FileContext, entries: list[PolicySpecPlan]) -> cst.Call:
    """``MultiRLModuleSpec(rl_module_specs={id: RLModuleSpec(...), ...})``."""
    specs = cst.Dict([
        cst.DictElement(
            entry.policy_id,
            spec_call(ctx, entry.model, observation_space=entry.observation_space,
                      action_space=entry.action_space, model_config=entry.model_config),
        )
        for entry in entries
    ])
    return cst.Call(func=ctx.need("MultiRLModuleSpec"), args=[N.kwarg("rl_module_specs", specs)])


def policy_ids_set(entries: list[PolicySpecPlan]) -> cst.BaseExpression:
    """``{"p0", "p1"}`` (or ``set()`` when empty)."""
    if not entries:
        return N.expression("set()")
    return cst.Set([cst.Element(e.policy_id) for e in entries])


def key_string(value: str, like: cst.BaseExpression) -> cst.SimpleString:
    """A string literal ``value`` quoted like the literal ``like``."""
    quote = "'" if isinstance(like, cst.SimpleString) and like.value.startswith("'") else '"'
    return cst.SimpleString(f"{quote}{value}{quote}")


__all__ = ["spec_call", "multi_spec_call", "policy_ids_set", "key_string", "string_value"]
