"""RLM022: multi-agent "policies" dicts become a MultiRLModuleSpec."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.rules._config_build import key_string, multi_spec_call, policy_ids_set
from rlmigrate.codemod.rules._config_plan import config_plan
from rlmigrate.codemod.rules.base import Rule


class MultiAgentPoliciesToMultiSpec(Rule):
    """Turn a ``"policies": {id: (cls, obs_space, act_space, config)}`` dict into module specs.

    What it does:
        In a config dict, the ``"policies"`` entry keeps only the policy ids (a set) and a new
        ``"rl_module_spec": MultiRLModuleSpec(rl_module_specs={id: RLModuleSpec(...)})`` entry
        follows it. Each ``RLModuleSpec`` gets the observation/action space of the policy spec
        (4-tuple or ``PolicySpec(...)``) and the module class / model config of its
        ``config["model"]`` (as RLM021 converts it). ``policy_mapping_fn`` stays as it is.
    Why:
        On the new stack every policy id is a module id of a ``MultiRLModule``; the spaces
        and the module class live in its spec.
    Before:
        config = {
            "policies": {"p0": (None, obs, act, {"model": {"custom_model": "m"}})},
        }
    After:
        config = {
            "policies": {"p0"},
            "rl_module_spec": MultiRLModuleSpec(rl_module_specs={"p0": RLModuleSpec(module_class=M, observation_space=obs, action_space=act)}),
        }
    Fix safety:
        review: the config consumer must read ``rl_module_spec``. Entries with a custom policy
        class, per-policy config keys other than ``"model"`` or non-literal specs leave the
        whole ``policies`` dict unchanged (reported).
    """

    code = "RLM022"
    name = "multi-agent-policies"
    title = "multi-agent policies dict → MultiRLModuleSpec"
    fix_safety = "review"

    def visit_Module(self, node: cst.Module) -> None:
        self._plan = config_plan(self.ctx, node)
        for pplan in self._plan.policies.values():
            if pplan.problem:
                self.report(pplan.element, MANUAL, f"policies left unchanged: {pplan.problem}")
            else:
                self.report(pplan.element, REVIEW, "policies → ids + MultiRLModuleSpec under "
                            "\"rl_module_spec\"")

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
        pplan = self._plan.policies.get(original)
        if pplan is None or pplan.problem:
            return updated
        elements: list[cst.BaseDictElement] = []
        for orig, upd in zip(original.elements, updated.elements):
            if orig is not pplan.element:
                elements.append(upd)
                continue
            elements.append(upd.with_changes(value=policy_ids_set(pplan.entries)))
            elements.append(cst.DictElement(
                key_string("rl_module_spec", pplan.element.key),
                multi_spec_call(self.ctx, pplan.entries),
                comma=upd.comma,
                whitespace_before_colon=upd.whitespace_before_colon,
                whitespace_after_colon=upd.whitespace_after_colon,
            ))
            elements[-2] = elements[-2].with_changes(comma=upd.comma if isinstance(upd.comma, cst.Comma) else cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return updated.with_changes(elements=elements)
