"""RLM021: "custom_model" model configs become RLModuleSpec(module_class=..., model_config=...)."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.rules._config_build import key_string, spec_call
from rlmigrate.codemod.rules._config_plan import config_plan
from rlmigrate.codemod.rules.base import Rule


class CustomModelConfigToSpec(Rule):
    """Turn a ``{"custom_model": ..., "custom_model_config": {...}}`` model config into a spec.

    What it does:
        A model config dict literal with a ``"custom_model"`` key (a class, or a name
        registered in the same file) that is the value of a ``"model"`` key, or assigned with
        ``config["model"] = {...}``, becomes ``RLModuleSpec(module_class=<class>,
        model_config={...})`` under the key ``"rl_module_spec"``. ``model_config`` holds the
        other keys of the legacy model config followed by the ``custom_model_config``
        entries (which the legacy catalog passed as constructor keyword arguments and which
        the converted ``setup()`` reads from ``self.model_config``).
    Why:
        ``AlgorithmConfig.rl_module(rl_module_spec=...)`` takes the module class and its
        config on the new stack; ``custom_model`` names and the catalog are gone.
    Before:
        config = {
            "model": {"custom_model": "my_model", "custom_model_config": {"hidden": 32}},
        }
    After:
        config = {
            "rl_module_spec": RLModuleSpec(module_class=MyModel, model_config={"hidden": 32}),
        }
    Fix safety:
        review: whatever consumes the config must read ``rl_module_spec`` (an
        ``AlgorithmConfig`` takes it with ``.rl_module(rl_module_spec=...)``). Configs with
        ``custom_action_dist``, unregistered names, ``**`` entries, or in other places (a call
        keyword ``model=``, a variable) are reported and left unchanged.
    """

    code = "RLM021"
    name = "custom-model-config"
    title = "custom_model config dict → RLModuleSpec"
    fix_safety = "review"

    def visit_Module(self, node: cst.Module) -> None:
        self._plan = config_plan(self.ctx, node)
        for dict_node, mplan in self._plan.model_dicts.items():
            if mplan.problem:
                self.report(dict_node, MANUAL, f"model config left unchanged: {mplan.problem}")
            else:
                self.report(dict_node, REVIEW, "model config → RLModuleSpec under "
                            "\"rl_module_spec\" (pass it to AlgorithmConfig.rl_module)")

    def _convertible(self, node: cst.Dict) -> bool:
        mplan = self._plan.model_dicts.get(node)
        return mplan is not None and mplan.problem is None

    def leave_DictElement(self, original: cst.DictElement, updated: cst.DictElement) -> cst.DictElement:
        if isinstance(original.value, cst.Dict) and self._convertible(original.value) and \
                self._plan.model_dict_context.get(original.value) == "element":
            spec = spec_call(self.ctx, self._plan.model_dicts[original.value])
            return updated.with_changes(key=key_string("rl_module_spec", original.key), value=spec)
        return updated

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        value = original.value
        if isinstance(value, cst.Dict) and self._convertible(value) and \
                self._plan.model_dict_context.get(value) == "assign":
            target = updated.targets[0].target
            assert isinstance(target, cst.Subscript)
            old_key = target.slice[0].slice.value  # type: ignore[union-attr]
            new_target = target.with_changes(slice=[
                target.slice[0].with_changes(slice=cst.Index(key_string("rl_module_spec", old_key)))
            ])
            return updated.with_changes(
                targets=[updated.targets[0].with_changes(target=new_target)],
                value=spec_call(self.ctx, self._plan.model_dicts[value]),
            )
        return updated
