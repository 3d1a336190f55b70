"""RLM038 for a policy that acts through a new-stack RLModule it builds (``_wrapped_module.py``):
the generated module subclasses that module, or each blocking use gets a manual finding."""

from __future__ import annotations

import pytest

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

HEADER = (
    "import numpy as np\n"
    "from ray.rllib.core.rl_module.rl_module import RLModule, RLModuleConfig\n"
    "from ray.rllib.policy.policy import Policy\n"
    "from ray.rllib.policy.sample_batch import SampleBatch\n\n\n"
    "class Coin(RLModule):\n"
    "    def _forward_inference(self, batch, **kwargs):\n"
    "        return {'actions': np.zeros(len(batch['obs']), dtype=np.int64)}\n\n"
    "    _forward_exploration = _forward_inference\n\n"
    "    def _forward_train(self, batch, **kwargs):\n"
    "        raise NotImplementedError\n\n\n"
)
INIT = """
    def __init__(self, observation_space, action_space, config):
        super().__init__(observation_space, action_space, config)
        cfg = RLModuleConfig(action_space=self.action_space,
                             model_config_dict={"bias": self.config.get("bias", 1)})
        self.model = Coin(config=cfg)
        self.view_requirements = self.model.update_default_view_requirements(self.view_requirements)
"""


def rewrite(body: str, target: str = "rlmigrate"):
    text = HEADER + body
    return rewrite_source(text, path="p.py", target=Target(target), selected=select_codes(),
                          rule_classes=ALL_RULES)


def policy(acting: str, extra: str = "") -> str:
    return "class Wrapping(Policy):" + INIT + acting + extra


def rlm038(outcome) -> list:
    return [f for f in outcome.findings if f.code == "RLM038"]


ACTS = """
    def compute_actions_from_input_dict(self, input_dict, explore=None, **kwargs):
        out = self.model.forward_exploration(input_dict)
        return out[SampleBatch.ACTIONS], [], {}
"""


def test_the_module_subclasses_the_held_module_built_as_the_policy_built_it():
    out = rewrite(policy(ACTS))
    text = out.text
    assert "class WrappingRLModule(Coin):" in text
    assert "def __init__(self, observation_space=None, action_space=None, *, model_config=None, **kwargs):" in text
    # the policy's own construction: its spaces and config are the spec's
    assert "cfg = RLModuleConfig(action_space=action_space," in text
    assert 'model_config_dict={"bias": policy_config.get("bias", 1)})' in text
    assert "super().__init__(config=cfg)" in text
    # the acting: the hook the policy called, on the batch a 2.10 worker gave the policy
    assert "out = super()._forward_exploration(input_dict, **kwargs)" in text
    assert "return {Columns.ACTIONS: out[Columns.ACTIONS]}" in text
    assert "return self._forward_exploration(batch, **kwargs)" in text  # inference, whatever explore said
    # Policy's default initial state (none) is an empty state dict
    assert "    def get_initial_state(self):\n" in text and "        return {}\n" in text
    [finding] = rlm038(out)
    assert finding.status == "review" and "a subclass of Coin" in finding.message
    assert "self.view_requirements assignment dropped" in finding.message


def test_a_policy_calling_forward_inference_gets_that_hook_and_exploration_delegates():
    out = rewrite(policy(ACTS.replace("forward_exploration", "forward_inference")))
    assert "def _forward_inference(self, batch, **kwargs):\n        input_dict = " in out.text
    assert "def _forward_exploration(self, batch, **kwargs):" in out.text
    assert "return self._forward_inference(batch, **kwargs)" in out.text


def test_a_none_initial_state_is_no_state_and_the_held_modules_state_is_super():
    out = rewrite(policy(ACTS, """
    def get_initial_state(self):
        if self.config.get("_enable_new_api_stack", False):
            return self.model.get_initial_state()
        return None
"""))
    assert ('        if self.policy_config.get("_enable_new_api_stack", False):\n'
            "            return super().get_initial_state()\n"
            "        return {}\n") in out.text
    assert out.text.count("return {}") == 1  # the fall-through needs no second one


@pytest.mark.parametrize(
    "acting, message",
    [
        (ACTS.replace("out = self.model", "print(explore)\n        out = self.model"),
         "reads its parameter explore"),
        (ACTS.replace("forward_exploration(input_dict)", "forward_exploration({'obs': input_dict['obs']})"),
         "uses its input dict other than by handing it to self.model"),
        (ACTS.replace("return out", "self.model.compile()\n        return out"),
         "uses self.model"),
        (ACTS.replace("return out", "self.global_timestep += 1\n        return out"),
         "self.global_timestep"),
        (ACTS.replace("return out[SampleBatch.ACTIONS], [], {}", "return out"),
         "returns something other than the (actions, state_outs, extra_fetches) triple"),
    ],
)
def test_what_the_module_cannot_copy_blocks_with_a_manual_finding(acting, message):
    out = rewrite(policy(acting))
    assert "WrappingRLModule" not in out.text
    findings = rlm038(out)
    assert findings and all(f.status == "manual" for f in findings)
    assert any(message in f.message for f in findings), [f.message for f in findings]


def test_init_going_on_after_building_the_module_blocks():
    out = rewrite(policy(ACTS).replace(
        "        self.view_requirements =", "        self.extra = self.model\n        self.view_requirements ="))
    assert "WrappingRLModule" not in out.text
    assert any("__init__ goes on after building Coin" in f.message for f in rlm038(out))


def test_target_ray_is_manual_naming_the_module_to_use_instead():
    out = rewrite(policy(ACTS), target="ray")
    assert "WrappingRLModule" not in out.text
    assert any("with --target ray use that module itself" in f.message for f in rlm038(out))


def test_a_model_that_is_no_rl_module_keeps_the_hand_written_path():
    # self.model of a plain class: the heuristic rules' blocker, no wrapper module
    out = rewrite("class Plain:\n    pass\n\n\n" + policy(ACTS).replace("Coin(config=cfg)", "Plain()"))
    assert "WrappingRLModule" not in out.text
    assert any("acts through self.model (the model the policy wraps)" in f.message for f in rlm038(out))
