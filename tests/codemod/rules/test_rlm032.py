"""RLM032: the training and acting hooks a policy brings are reported, including those a mixin
class of the same file gives it (a mixin's extra_action_out adds extra fetches that neither
the generated module nor a Learner carries: never dropped silently)."""

from __future__ import annotations

from rlmigrate.codemod.rules import ALL_RULES, rules_by_code
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

SOURCE = '''
from ray.rllib.policy.torch_mixins import LearningRateSchedule
from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2


class ExtraCostsMixin:
    def __init__(self, config):
        self.cost_heads = config.get("cost_heads", 2)

    def extra_action_out(self, input_dict, state_batches, model, action_dist):
        return {f"cost_{i}": model.cost(i) for i in range(self.cost_heads)}

    def stats_fn(self, train_batch):
        return {"heads": self.cost_heads}


class CostPolicy(ExtraCostsMixin, LearningRateSchedule, TorchPolicyV2):
    def __init__(self, observation_space, action_space, config):
        TorchPolicyV2.__init__(self, observation_space, action_space, config)
        ExtraCostsMixin.__init__(self, config)

    def stats_fn(self, train_batch):
        return {"own": 1}
'''


def test_a_mixin_of_the_same_file_reports_the_hooks_the_policy_does_not_override():
    out = rewrite_source(SOURCE, path="policy.py", target=Target("rlmigrate"),
                         selected=frozenset(rules_by_code()), rule_classes=ALL_RULES)
    found = [f for f in out.findings if f.code == "RLM032"]
    inherited = [f for f in found if "inherits ExtraCostsMixin." in f.message]
    assert [f.message.split(" (")[0] for f in inherited] == [
        "CostPolicy inherits ExtraCostsMixin.extra_action_out()"]
    assert inherited[0].status == "manual" and "extra keys in the module's forward outputs" in inherited[0].message
    assert inherited[0].line == SOURCE.splitlines().index(
        "    def extra_action_out(self, input_dict, state_batches, model, action_dist):") + 1
    # the policy's own stats_fn overrides the mixin's: reported once, on the policy
    assert [f for f in found if "stats_fn" in f.message and "CostPolicy.stats_fn()" in f.message]
    assert not [f for f in found if "ExtraCostsMixin.stats_fn" in f.message]
