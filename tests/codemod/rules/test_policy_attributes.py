"""RLM033: a loss that reads a policy attribute nothing sets is reported as the legacy code's
own AttributeError, only when that can be checked from the file (rules/_policy_attributes.py)."""

from __future__ import annotations

import pytest

from rlmigrate.codemod.rules import ALL_RULES, rules_by_code
from rlmigrate.codemod.rules._policy_attributes import ray_policy_members
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

SET_NOWHERE = "which is set nowhere"


def _source(*, head: str = "", bases: str = "PPOTorchPolicy", init: str = "pass", tail: str = "",
            read: str = "self.flag") -> str:
    return ("from ray.rllib.algorithms.ppo import PPOTorchPolicy\n"
            f"{head}\n\n"
            f"class Mine({bases}):\n"
            "    def __init__(self, observation_space, action_space, config):\n"
            f"        {init}\n"
            "        PPOTorchPolicy.__init__(self, observation_space, action_space, config)\n\n"
            "    def loss(self, model, dist_class, train_batch):\n"
            "        logits, _ = model(train_batch)\n"
            f"        if {read}:\n"
            "            return logits.sum() * 0.0\n"
            "        return logits.mean()\n"
            f"{tail}")


def _loss_finding(source: str):
    outcome = rewrite_source(source, path="policy.py", target=Target("rlmigrate"),
                             selected=frozenset(rules_by_code()), rule_classes=ALL_RULES)
    [finding] = [f for f in outcome.findings if f.code == "RLM033" and "loss_fn" in f.message]
    return finding


def test_an_attribute_nothing_sets_is_the_legacy_loss_own_attribute_error():
    finding = _loss_finding(_source())
    assert finding.status == "manual" and finding.line == 11
    assert "uses `self.flag`, which is set nowhere" in finding.message
    assert "Mine's bases (PPOTorchPolicy) have no such member in Ray 2.10" in finding.message
    assert "loss() raises AttributeError" in finding.message
    assert "_initialize_loss_from_dummy_batch" in finding.message  # PPO runs the loss while building


@pytest.mark.parametrize("variant", [
    {"init": "self.flag = False"},  # the constructor sets it
    {"init": "setattr(self, 'flag', False)"},
    {"init": "setattr(self, name_of_flag, False)"},  # a computed name may be this one
    {"tail": "\n\nMine.flag = False\n"},  # a module-level statement sets it
    {"tail": "\n\nclass Other:\n    flag = True\n"},  # another class of the file defines the name
    {"head": "from mylib import Helper", "bases": "Helper, PPOTorchPolicy"},  # a base from another file
    {"head": "from mylib import setup", "init": "setup(self)"},  # code elsewhere gets the policy
])
def test_no_claim_when_the_file_sets_it_or_cannot_tell(variant):
    finding = _loss_finding(_source(**variant))
    assert SET_NOWHERE not in finding.message


def test_members_of_rays_policies_are_never_claimed_unset():
    assert {"global_timestep", "kl_coeff", "entropy_coeff", "view_requirements", "dist_class"} <= ray_policy_members()
    finding = _loss_finding(_source(read="self.global_timestep"))
    assert SET_NOWHERE not in finding.message


@pytest.mark.parametrize("mixin_body, claimed", [("pass", True), ("def setup(self):\n        self.flag = 1", False)])
def test_a_mixin_of_this_file_is_followed(mixin_body, claimed):
    source = _source(bases="Mixin, PPOTorchPolicy").replace(
        "class Mine(", f"class Mixin:\n    {mixin_body}\n\n\nclass Mine(")
    finding = _loss_finding(source)
    assert (SET_NOWHERE in finding.message) is claimed
    if claimed:
        assert "bases (PPOTorchPolicy)" in finding.message
