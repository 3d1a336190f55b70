"""RLM033 on the idioms of real PPO/DQN-style policies: which Learner base, what each legacy
construct becomes, and the precise finding when a construct has no mechanical equivalent."""

from __future__ import annotations

import pytest

from rlmigrate.codemod.rules import ALL_RULES, rules_by_code
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

PPO_IMPORT = "from ray.rllib.algorithms.ppo.ppo_torch_policy import PPOTorchPolicy\n"
V2_IMPORT = "from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2\n"


def rewrite(text: str, target: str = "rlmigrate"):
    return rewrite_source(text, path="policy.py", target=Target(target),
                          selected=frozenset(rules_by_code()), rule_classes=ALL_RULES)


def rlm033(out) -> list[tuple[str, str, int]]:
    return [(f.status, f.message, f.line) for f in out.findings if f.code == "RLM033"]


def policy_class(bases: str, body: str, imports: str = V2_IMPORT) -> str:
    return f"import torch\n{imports}\n\nclass Mine({bases}):\n{body}"


def test_ppo_subclass_super_loss_becomes_the_parent_learners_loss():
    out = rewrite(policy_class("PPOTorchPolicy", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        return super().loss(model, dist_class, train_batch) * 2.0\n"), PPO_IMPORT))
    assert "class MineLearner(PPOTorchLearner):" in out.text
    assert "from rlmigrate.learner import PPOTorchLearner" in out.text
    assert ("return super().compute_loss_for_module(module_id=module_id, config=config, batch=batch, "
            "fwd_out=fwd_out) * 2.0") in out.text


def test_ppo_base_through_a_star_import_is_recognised():
    out = rewrite(policy_class("PPOTorchPolicy", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        return super().loss(model, dist_class, train_batch)\n"),
        "from ray.rllib.algorithms.ppo.ppo_torch_policy import *\n"))
    assert "class MineLearner(PPOTorchLearner):" in out.text


def test_target_ray_takes_rays_ppo_learner():
    out = rewrite(policy_class("PPOTorchPolicy", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        return super().loss(model, dist_class, train_batch)\n"), PPO_IMPORT), target="ray")
    assert "from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner" in out.text
    assert rewrite(out.text, target="ray").text == out.text


def test_super_loss_without_an_algorithm_parent_is_manual_at_the_call():
    out = rewrite(policy_class("TorchPolicyV2", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        return super().loss(model, dist_class, train_batch)\n")))
    [(status, message, line)] = rlm033(out)
    assert status == "manual" and "calls super().loss()" in message and line == 7
    assert "MineLearner" not in out.text


@pytest.mark.parametrize("mixin", ["KLCoeffMixin", "EntropyCoeffSchedule"])
def test_ppo_mixins_make_kl_and_entropy_coefficients_learner_state(mixin):
    out = rewrite(policy_class(f"{mixin}, TorchPolicyV2", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        logits, _ = model(train_batch)\n"
        "        return self.kl_coeff * logits.mean() - self.entropy_coeff * logits.std()\n"),
        V2_IMPORT + f"from ray.rllib.policy.torch_mixins import {mixin}\n"))
    assert "self.curr_kl_coeffs_per_module[module_id] * logits.mean()" in out.text
    assert "self.entropy_coeff_schedulers_per_module[module_id].get_current_value() * logits.std()" in out.text


def test_recurrence_questions_and_kl_warning_map_to_the_module():
    out = rewrite(policy_class("KLCoeffMixin, TorchPolicyV2", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        logits, state = model(train_batch)\n"
        "        if self.is_recurrent() and model.is_time_major():\n"
        "            logits = logits.t()\n"
        "        kl = logits.mean()\n"
        "        warn_if_infinite_kl_divergence(self, kl)\n"
        "        return kl\n"),
        V2_IMPORT + "from ray.rllib.policy.torch_mixins import KLCoeffMixin\n"
        "from ray.rllib.utils.torch_utils import warn_if_infinite_kl_divergence\n"))
    assert "if module.is_stateful() and False:" in out.text
    assert "warn_if_infinite_kl_divergence(self" not in out.text.split("class MineLearner")[1]


def test_calling_the_model_on_another_input_runs_forward_train_on_it():
    out = rewrite(policy_class("TorchPolicyV2", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        now, _ = model(train_batch)\n"
        "        nxt, _ = model({'obs': train_batch['new_obs']})\n"
        "        return (now - nxt).mean()\n")))
    assert "now, _ = (fwd_out[Columns.ACTION_DIST_INPUTS], [])" in out.text
    assert "nxt, _ = (module.forward_train({'obs': batch['new_obs']})[Columns.ACTION_DIST_INPUTS], [])" in out.text


def test_target_models_by_model_key_use_the_learners_target_copy():
    out = rewrite(policy_class("TorchPolicyV2", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        q, _ = model(train_batch)\n"
        "        q_next, _ = self.target_models[model]({'obs': train_batch['new_obs']})\n"
        "        return (q - q_next.detach()).pow(2).mean()\n")))
    assert "class MineLearner(TargetModelsMixin, TorchLearner):" in out.text
    assert "self.target_model(module_id).forward_train({'obs': batch['new_obs']})" in out.text


@pytest.mark.parametrize("body, status, words", [
    ("        with torch.no_grad():\n"
     "            return compute_gae_for_sample_batch(self, sample_batch, other_agent_batches, episode)\n",
     "review", "is GAE → rlmigrate.learner.GeneralAdvantageEstimation"),
    ("        sample_batch['opp'] = other_agent_batches['a'][2]['obs']\n"
     "        return compute_gae_for_sample_batch(self, sample_batch, other_agent_batches, episode)\n",
     "manual", "reads other_agent_batches"),
    ("        sample_batch['rewards'] = sample_batch['rewards'] * 0.1\n"
     "        return compute_gae_for_sample_batch(self, sample_batch, other_agent_batches, episode)\n",
     "manual", "is not plain GAE (it calls compute_gae_for_sample_batch)"),
])
def test_postprocessing_is_gae_or_a_precise_finding(body, status, words):
    out = rewrite(policy_class("TorchPolicyV2", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        logits, _ = model(train_batch)\n"
        "        return logits.mean()\n\n"
        "    def postprocess_trajectory(self, sample_batch, other_agent_batches=None, episode=None):\n" + body),
        V2_IMPORT + "from ray.rllib.evaluation.postprocessing import compute_gae_for_sample_batch\n"))
    found = [(s, m) for s, m, _ in rlm033(out) if "postprocess_fn" in m]
    assert len(found) == 1 and found[0][0] == status and words in found[0][1]
    # RLM032 does not report the hook a second time
    assert not [f for f in out.findings if f.code == "RLM032" and "postprocess" in f.message]


def test_builder_postprocess_fn_naming_gae_is_the_connector():
    out = rewrite(
        "from ray.rllib.evaluation.postprocessing import compute_gae_for_sample_batch\n"
        "from ray.rllib.policy.torch_policy_template import build_torch_policy\n\n\n"
        "def my_loss(policy, model, dist_class, train_batch):\n"
        "    logits, _ = model(train_batch)\n"
        "    return logits.mean()\n\n\n"
        "P = build_torch_policy(name='P', loss_fn=my_loss, postprocess_fn=compute_gae_for_sample_batch)\n")
    assert ("review", True) in {(s, "is GAE" in m) for s, m, _ in rlm033(out)}


def test_a_policy_attribute_the_learner_lacks_is_named_with_its_line():
    out = rewrite(policy_class("PPOTorchPolicy", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        loss = super().loss(model, dist_class, train_batch)\n"
        "        if self.advice_mode:\n"
        "            loss = loss * 2\n"
        "        return loss\n"), PPO_IMPORT))
    [(status, message, line)] = [f for f in rlm033(out) if "no Learner" in f[1]]
    assert status == "manual" and "`self.advice_mode`" in message and line == 8


def test_a_helper_given_the_policy_is_named():
    out = rewrite(policy_class("PPOTorchPolicy", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        return central_loss(self, super(), model, dist_class, train_batch)\n"),
        PPO_IMPORT + "from helpers import central_loss\n"))
    [(status, message, _)] = rlm033(out)
    assert status == "manual" and "passes its policy object `self` to central_loss()" in message


def test_a_helper_given_self_and_super_is_inlined_with_its_value_function_swap():
    out = rewrite(
        PPO_IMPORT + "\n\n"
        "def central_loss(policy, base_policy, model, dist_class, train_batch):\n"
        "    saved = model.value_function\n"
        "    model.value_function = lambda: policy.model.central_value(train_batch['obs'])\n"
        "    loss = base_policy.loss(model, dist_class, train_batch)\n"
        "    model.value_function = saved\n"
        "    return loss\n\n\n"
        "class Mine(PPOTorchPolicy):\n"
        "    def loss(self, model, dist_class, train_batch):\n"
        "        return central_loss(self, super(), model, dist_class, train_batch)\n")
    learner = out.text.split("class MineLearner(PPOTorchLearner):")[1]
    assert "saved = module.compute_values" in learner
    # the legacy batch held preprocessed observations: the Learner's raw ones go through legacy_train_obs
    assert ("module.compute_values = lambda *args, **kwargs: "
            "module.central_value(legacy_train_obs(batch['obs'], module.observation_space))") in learner
    assert "loss = super().compute_loss_for_module(module_id=module_id" in learner
    assert "module.compute_values = saved" in learner


def test_a_method_of_the_model_class_is_called_on_the_module():
    out = rewrite(policy_class("TorchPolicyV2", (
        "    def loss(self, model, dist_class, train_batch):\n"
        "        logits, _ = model(train_batch)\n"
        "        return logits.mean() + model.aux_loss()\n")))
    assert "return logits.mean() + module.aux_loss()" in out.text


def test_target_ray_takes_legacy_train_obs_from_rlmigrate_as_it_has_no_ray_home():
    """Ray ships no counterpart of legacy_train_obs: with --target ray the Learner imports it
    from rlmigrate (as TargetModelsMixin), instead of the rewrite failing (hypothesis found it)."""
    source = (PPO_IMPORT + "\n\n"
              "class Mine(PPOTorchPolicy):\n"
              "    def loss(self, model, dist_class, train_batch):\n"
              "        self.model.seen = train_batch['obs']\n"
              "        return super().loss(model, dist_class, train_batch)\n")
    out = rewrite(source, target="ray")
    assert "from rlmigrate.models.torch.legacy_inputs import legacy_train_obs" in out.text
    assert "legacy_train_obs(batch['obs'], module.observation_space)" in out.text
    compile(out.text, "policy.py", "exec")
    assert rewrite(out.text, target="ray").text == out.text
