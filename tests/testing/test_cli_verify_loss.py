"""``rlmigrate verify --loss``: exit codes and verdicts on a generated Learner, a broken copy, bad usage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rlmigrate.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
LEGACY = f"{FIXTURES / 'legacy' / 'policy_sampler.py'}:SamplerPolicy"
SPACES = ["--obs-space", "Box(-1, 1, (4,))", "--action-space", "Discrete(3)", "--policy-config", '{"lr": 0.001}']


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["verify", "--loss", *argv, "--examples", "5", "--format", "json"])
    out = capsys.readouterr().out.strip().splitlines()
    return code, json.loads(out[-1]) if out else {}


def test_generated_learner_is_equivalent(capsys):
    code, result = run(capsys, LEGACY, f"{FIXTURES / 'expected' / 'policy_sampler.py'}:SamplerPolicyLearner", *SPACES)
    assert code == 0 and result["verdict"] == "equivalent" and result["gradients"] == 4


def test_broken_learner_is_different(tmp_path, capsys):
    text = (FIXTURES / "expected" / "policy_sampler.py").read_text()
    marker = "log_prob(batch[\"actions\"]).mean()"
    assert marker in text
    broken = tmp_path / "broken.py"
    broken.write_text(text.replace(marker, "log_prob(batch[\"actions\"]).sum()"))
    code, result = run(capsys, LEGACY, f"{broken}:SamplerPolicyLearner", *SPACES)
    assert code == 1 and result["verdict"] == "different"
    assert any(p.startswith("loss:") for p in result["problems"])


@pytest.mark.parametrize(
    "extra, message",
    [([], "needs --obs-space"), (SPACES + ["--module", "Nope"], "no module class 'Nope'")],
)
def test_usage_errors(capsys, extra, message):
    argv = [LEGACY, f"{FIXTURES / 'expected' / 'policy_sampler.py'}:SamplerPolicyLearner", *extra]
    code, result = run(capsys, *argv)
    assert code == 2 and result["verdict"] == "error" and message in result["message"]


def test_ppo_subclass_on_a_registered_model_differs_only_in_the_total_loss_stat(capsys):
    # the golden file re-registers "small_actor_critic" with the migrated class: the legacy
    # policy must be built before it loads. Loss and gradients agree; PPO's stats are compared
    # too, and Ray 2.10's total_loss stat (PPO's part, stored before the subclass adds its
    # logit decay) is not the new stack's total_loss (the whole loss): a genuine difference
    legacy = f"{FIXTURES / 'legacy' / 'ppo_super_loss.py'}:LogitDecayPPOPolicy"
    migrated = f"{FIXTURES / 'expected' / 'ppo_super_loss.py'}:LogitDecayPPOPolicyLearner"
    config = '{"lr": 0.001, "model": {"custom_model": "small_actor_critic"}}'
    code, result = run(capsys, legacy, migrated, "--module", "SmallActorCritic", "--obs-space", "Box(-1, 1, (4,))",
                       "--action-space", "Discrete(3)", "--policy-config", config)
    assert code == 1 and result["verdict"] == "different"
    assert [p.split(":")[0] for p in result["problems"]] == ["stat total_loss"]
    assert "the new stack's total_loss is the whole loss" in result["problems"][0]


def test_an_equivalent_ppo_subclass_names_the_stats_it_compared(capsys):
    legacy = f"{FIXTURES / 'legacy' / 'central_value_loss.py'}:SharedCriticPPOPolicy"
    migrated = f"{FIXTURES / 'expected' / 'central_value_loss.py'}:SharedCriticPPOPolicyLearner"
    code, result = run(capsys, legacy, migrated, "--module", "SharedCriticModel", "--obs-space", "Box(-1, 1, (4,))",
                       "--action-space", "Discrete(3)", "--policy-config",
                       '{"model": {"custom_model": "shared_critic_model"}}', "--column", "other_obs=Box(-1, 1, (4,))")
    assert code == 0 and result["verdict"] == "equivalent"
    assert result["stats"] == ["cur_kl_coeff", "cur_lr", "entropy", "entropy_coeff", "kl", "policy_loss", "total_loss",
                               "vf_explained_var", "vf_loss"]
    assert result["message"].startswith("9 stats (cur_kl_coeff, ")


def test_columns_of_the_policys_own_come_from_column_options(capsys):
    legacy = f"{FIXTURES / 'legacy' / 'central_value_loss.py'}:SharedCriticPPOPolicy"
    migrated = f"{FIXTURES / 'expected' / 'central_value_loss.py'}:SharedCriticPPOPolicyLearner"
    argv = [legacy, migrated, "--module", "SharedCriticModel", "--obs-space", "Box(-1, 1, (4,))",
            "--action-space", "Discrete(3)", "--policy-config", '{"model": {"custom_model": "shared_critic_model"}}']
    code, result = run(capsys, *argv, "--column", "other_obs=Box(-1, 1, (4,))")
    assert code == 0 and result["verdict"] == "equivalent"
    code, result = run(capsys, *argv, "--column", "other_obs")
    assert code == 2 and "NAME=SPACE" in result["message"]


def test_the_policys_own_module_follows_the_custom_model_of_its_config(tmp_path, capsys, monkeypatch):
    """Without --module the Learner gets the policy's generated module, built with the policy's model
    config: it resolves the config's custom_model through the migrated project's registration (the
    register_custom_module call RLM020 writes), as ModelCatalog resolved it for the legacy policy;
    unregistered, it says so."""
    from rlmigrate.core import custom_models

    monkeypatch.setattr(custom_models, "_MODULES", {})
    legacy = f"{FIXTURES / 'legacy' / 'central_value_loss.py'}:SharedCriticPPOPolicy"
    expected = (FIXTURES / "expected" / "central_value_loss.py").read_text()
    argv = ["--obs-space", "Box(-1, 1, (4,))", "--action-space", "Discrete(3)", "--policy-config",
            '{"model": {"custom_model": "shared_critic_model"}}', "--column", "other_obs=Box(-1, 1, (4,))"]
    registration = 'register_custom_module("shared_critic_model", SharedCriticModel)\n'
    assert registration in expected  # the rewrite registers the converted model itself
    unregistered = tmp_path / "unregistered.py"
    unregistered.write_text(expected.replace(registration, ""))
    code, result = run(capsys, legacy, f"{unregistered}:SharedCriticPPOPolicyLearner", *argv)
    assert code == 2 and "register_custom_module('shared_critic_model'" in result["message"]
    registered = tmp_path / "registered.py"
    registered.write_text(expected)
    code, result = run(capsys, legacy, f"{registered}:SharedCriticPPOPolicyLearner", *argv)
    assert code == 0 and result["verdict"] == "equivalent" and len(result["stats"]) == 9
