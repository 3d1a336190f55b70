"""RLM033 end to end: the generated Learner's loss, stats and gradients equal the legacy loss's,
it trains, it targets Ray's TorchLearner with --target ray, and hooks it cannot convert are manual."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlmigrate.codemod.rules import ALL_RULES, rules_by_code
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source
from rlmigrate.testing.loading import load_file
from rlmigrate.testing.loss_equivalence import LossEquivalenceError, assert_loss_equivalent

BEFORE = Path(__file__).resolve().parents[3] / "fixtures" / "rules" / "RLM033" / "before.py"
OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(3)
CONFIG = {"vf_loss_coeff": 0.5, "entropy_coeff": 0.01, "lr": 1e-3, "grad_clip": 0.5}


def rewrite(text: str, target: str = "rlmigrate"):
    return rewrite_source(text, path="policy.py", target=Target(target),
                          selected=frozenset(rules_by_code()), rule_classes=ALL_RULES)


@pytest.fixture(scope="module")
def sides(tmp_path_factory):
    out = rewrite(BEFORE.read_text())
    path = tmp_path_factory.mktemp("rlm033") / "migrated.py"
    path.write_text(out.text)
    return load_file(BEFORE, legacy=True), load_file(path, legacy=True), out


def build(sides, learner_cls_name: str = "A2CPolicyLearner"):
    legacy_mod, new_mod, _ = sides
    torch.manual_seed(0)
    policy = legacy_mod.A2CPolicy(OBS, ACT, dict(CONFIG))
    module = new_mod.A2CPolicyRLModule(observation_space=OBS, action_space=ACT, model_config={})
    learner = getattr(new_mod, learner_cls_name)(config=dict(CONFIG), module=module)
    learner.build()
    return policy, learner


def test_generated_learner_is_loss_equivalent(sides):
    policy, learner = build(sides)
    report = assert_loss_equivalent(policy, learner, examples=15)
    assert report.stats == ("entropy", "policy_loss", "vf_loss")
    assert report.gradients == 4


def test_a_broken_generated_learner_is_caught(sides):
    _, new_mod, _ = sides

    class Broken(new_mod.A2CPolicyLearner):
        def _loss(self, module_id, config, batch, fwd_out):
            return 1.01 * super()._loss(module_id, config, batch, fwd_out)

    policy, _ = build(sides)
    learner = Broken(config=dict(CONFIG), module=new_mod.A2CPolicyRLModule(observation_space=OBS, action_space=ACT))
    with pytest.raises(LossEquivalenceError, match="differs from A2CPolicy's loss"):
        assert_loss_equivalent(policy, learner, examples=5, shrink=False)


def test_generated_learner_trains_with_its_optimizer_and_clipping(sides):
    policy, learner = build(sides)
    opt = learner.get_optimizer("default_policy")
    assert isinstance(opt, torch.optim.Adam) and opt.param_groups[0]["lr"] == CONFIG["lr"]
    rng = np.random.default_rng(0)
    batch = {
        "obs": rng.uniform(-1, 1, (64, 4)).astype(np.float32),
        "actions": rng.integers(0, 3, 64),
        "advantages": rng.normal(size=64).astype(np.float32),
        "value_targets": rng.normal(size=64).astype(np.float32),
    }
    first = learner.update_from_batch(batch)["default_policy"]["total_loss"]
    for _ in range(100):
        results = learner.update_from_batch(batch)
    assert results["default_policy"]["total_loss"] < first
    assert results["default_policy"]["gradients_default_optimizer_global_norm"] >= 0
    assert set(results["default_policy"]) >= {"policy_loss", "vf_loss", "entropy"}


def test_findings_per_hook_and_manual_reason(sides):
    _, _, out = sides
    rlm033 = [(f.status, f.message) for f in out.findings if f.code == "RLM033"]
    hooks = {msg.split(":")[1].split()[0] for status, msg in rlm033 if status == "review"}
    assert hooks == {"loss_fn", "stats_fn", "optimizer_fn", "extra_grad_process_fn"}
    manual = [msg for status, msg in rlm033 if status == "manual"]
    assert len(manual) == 1 and "KLPolicy" in manual[0] and "`policy.kl_coeff`" in manual[0]
    assert "no KLCoeffMixin/PPO base" in manual[0]  # says what would have made it convert
    # RLM032 does not repeat what RLM033 reported
    assert not [f for f in out.findings if f.code == "RLM032" and "A2CPolicy" in f.message]


def test_target_ray_imports_rays_torch_learner_and_is_idempotent():
    out = rewrite(BEFORE.read_text(), target="ray")
    assert "from ray.rllib.core.learner.torch.torch_learner import TorchLearner" in out.text
    assert "class A2CPolicyLearner(TorchLearner):" in out.text
    again = rewrite(out.text, target="ray")
    assert again.text == out.text
    compile(out.text, "policy.py", "exec")


@pytest.mark.parametrize(
    "body, reason",
    [
        # ModelV2's own attribute: the RLModule has none of that meaning (the model class's own
        # attributes, `model.pi`, do convert: the module keeps them, test_rlm033_policy_helpers.py)
        ("    logits, _ = model(train_batch)\n    return logits.mean() * model.num_outputs\n",
         "uses its model as `model.num_outputs`"),
        ("    return helper(dist_class)\n", "passes its dist object `dist_class` to helper()"),
    ],
)
def test_unconvertible_losses_stay_manual(body: str, reason: str):
    source = (
        "from ray.rllib.policy.torch_policy_template import build_torch_policy\n\n\n"
        "def helper(x):\n    return x\n\n\n"
        f"def my_loss(policy, model, dist_class, train_batch):\n{body}\n\n"
        "P = build_torch_policy(name='P', loss_fn=my_loss)\n"
    )
    out = rewrite(source)
    found = [f for f in out.findings if f.code == "RLM033"]
    assert len(found) == 1 and found[0].status == "manual" and reason in found[0].message
    assert "PLearner" not in out.text


def test_torch_policy_v2_subclass_methods_become_a_learner_or_stay_manual():
    source = (
        "from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2\n\n\n"
        "class Mine(TorchPolicyV2):\n"
        "    def loss(self, model, dist_class, train_batch):\n"
        "        logits, _ = model(train_batch)\n"
        "        return self.config['coeff'] * logits.mean() / train_batch.count\n\n"
        "    def optimizer(self):\n"
        "        return torch.optim.SGD(self.model.parameters(), lr=self.config['lr'])\n\n\n"
        "class WithMixin(TorchPolicyV2):\n"
        "    def loss(self, model, dist_class, train_batch):\n"
        "        return super().loss(model, dist_class, train_batch) * self.kl_coeff\n"
    )
    out = rewrite(source)
    assert "class MineLearner(TorchLearner):" in out.text
    assert "config['coeff'] * logits.mean() / len(batch[Columns.OBS])" in out.text
    assert "torch.optim.SGD(module.parameters(), lr=config['lr'])" in out.text
    assert "WithMixinLearner" not in out.text
    statuses = {(f.status, f.message.split(":")[0]) for f in out.findings if f.code == "RLM033"}
    assert statuses == {("review", "Mine"), ("manual", "WithMixin")}
    assert not [f for f in out.findings if f.code == "RLM032" and "Mine." in f.message]


def test_attributes_the_loss_stores_on_the_policy_live_on_the_learner():
    source = (
        "from ray.rllib.policy.torch_policy_template import build_torch_policy\n\n\n"
        "def my_loss(policy, model, dist_class, train_batch):\n"
        "    logits, _ = model(train_batch)\n"
        "    policy.pi_err = logits.mean() * policy.action_space.n\n"
        "    return policy.pi_err\n\n\n"
        "def my_stats(policy, train_batch):\n"
        "    return {'pi_err': policy.pi_err}\n\n\n"
        "P = build_torch_policy(name='P', loss_fn=my_loss, stats_fn=my_stats)\n"
    )
    out = rewrite(source)
    assert "self.pi_err = logits.mean() * module.action_space.n" in out.text
    assert "return {'pi_err': self.pi_err}" in out.text
    assert {f.status for f in out.findings if f.code == "RLM033"} == {"review"}
