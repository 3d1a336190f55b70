"""RLM033 when a loss hands its policy to a helper of the run, or reads its model's own
attributes: a LegacyPolicyView offering exactly what the helper reads, or the precise finding."""

from __future__ import annotations

from pathlib import Path

from rlmigrate.codemod.project_index import build_index
from rlmigrate.codemod.rules import ALL_RULES, rules_by_code
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

HEAD = "import torch\nfrom ray.rllib.policy.torch_policy_v2 import TorchPolicyV2\nfrom helpers import side_step\n\n"
LOSS = ("class Mine(TorchPolicyV2):\n"
        "    def loss(self, model, dist_class, train_batch):\n"
        "{body}"
        "        logits, _ = model(train_batch)\n"
        "        return -(dist_class(logits, model).logp(train_batch['actions'])).mean()\n")


def rewrite(tmp_path: Path, helpers: str, body: str, target: str = "rlmigrate"):
    (tmp_path / "helpers.py").write_text(helpers)
    (tmp_path / "policy.py").write_text(HEAD + LOSS.format(body=body))
    index = build_index([(p, tmp_path) for p in sorted(tmp_path.glob("*.py"))])
    path = tmp_path / "policy.py"
    return rewrite_source(path.read_text(), path="policy.py", target=Target(target),
                          selected=frozenset(rules_by_code()), rule_classes=ALL_RULES,
                          project=index.policy_view(str(path)))


def loss_finding(out) -> tuple[str, str]:
    return next((f.status, f.message) for f in out.findings if f.code == "RLM033" and "loss" in f.message)


def test_a_helper_reading_config_and_model_gets_a_view_of_exactly_those(tmp_path):
    out = rewrite(tmp_path, "def side_step(policy, batch):\n    return policy.config['k'], policy.model.side\n",
                  "        side_step(self, train_batch)\n")
    status, message = loss_finding(out)
    assert status == "review" and "side_step() gets LegacyPolicyView(config, model)" in message
    assert "side_step(LegacyPolicyView(config=config, model=module), batch)" in out.text
    assert "from rlmigrate.learner.policy_view import LegacyPolicyView" in out.text


def test_a_helper_reading_nothing_of_the_policy_gets_an_empty_view_with_target_ray_too(tmp_path):
    out = rewrite(tmp_path, "def side_step(policy, batch):\n    return batch\n",
                  "        side_step(policy=self, batch=train_batch)\n", target="ray")
    assert "side_step(policy=LegacyPolicyView(), batch=batch)" in out.text
    assert "from rlmigrate.learner.policy_view import LegacyPolicyView" in out.text


def test_a_helper_reading_policy_state_without_a_learner_equivalent_blocks_the_loss(tmp_path):
    out = rewrite(tmp_path, "def side_step(policy, batch):\n    return policy.global_timestep\n",
                  "        side_step(self, train_batch)\n")
    status, message = loss_finding(out)
    assert status == "manual"
    assert "passes its policy object `self` to side_step() (helpers.py:1), which reads policy.global_timestep" in message
    assert "class MineLearner" not in out.text


def test_a_helper_setting_a_policy_attribute_blocks_the_loss(tmp_path):
    out = rewrite(tmp_path, "def side_step(policy, batch):\n    policy.seen = batch\n",
                  "        side_step(self, train_batch)\n")
    status, message = loss_finding(out)
    assert status == "manual" and "side_step() sets policy.seen" in message


def test_a_function_outside_the_run_blocks_the_loss(tmp_path):
    out = rewrite(tmp_path, "def side_step(policy, batch):\n    return batch\n",
                  "        print(self)\n")
    status, message = loss_finding(out)
    assert status == "manual" and "print(), which is not a function of this run" in message


def test_the_models_own_attributes_become_the_modules(tmp_path):
    out = rewrite(tmp_path, "def side_step(policy, batch):\n    return batch\n",
                  "        if model.use_side:\n            model.side.zero_grad()\n")
    assert loss_finding(out)[0] == "review"
    assert "if module.use_side:\n            module.side.zero_grad()" in out.text


def test_modelv2s_own_attributes_and_setting_model_attributes_block_the_loss(tmp_path):
    for body, use in (("        n = model.num_outputs\n", "model.num_outputs"),
                      ("        model.flag = 1\n", "model.flag")):
        out = rewrite(tmp_path, "def side_step(policy, batch):\n    return batch\n", body)
        status, message = loss_finding(out)
        assert status == "manual" and f"uses its model as `{use}`" in message, message
