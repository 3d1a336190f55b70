"""RLM078: DQN / SAC-family policies get their algorithm's module, unless they replace acting."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

DQN = "from ray.rllib.algorithms.dqn.dqn_torch_policy import DQNTorchPolicy\n"


def run(text: str, target: str = "rlmigrate", codes: frozenset[str] = frozenset({"RLM078", "RLM050"})):
    return rewrite_source(text, path="p.py", target=Target(target), selected=codes, rule_classes=ALL_RULES)


def test_with_updates_gets_a_module_and_is_idempotent() -> None:
    out = run(DQN + "P = DQNTorchPolicy.with_updates(name='P', loss_fn=None)\n")
    assert "class PRLModule(DQNTorchRLModule):" in out.text
    cst.parse_module(out.text)
    assert run(out.text).text == out.text


def test_replacing_an_acting_hook_is_manual_naming_it() -> None:
    source = DQN + "P = DQNTorchPolicy.with_updates(name='P', action_sampler_fn=lambda *a: None)\n"
    out = run(source)
    assert out.text == source
    assert any("acting hook action_sampler_fn" in f.message and f.status == "manual" for f in out.findings)


def test_pre_2_agents_import_path_is_recognised() -> None:
    out = run("from ray.rllib.agents.cql.cql_torch_policy import CQLTorchPolicy\n"
              "X = CQLTorchPolicy.with_updates(name='X')\n")
    assert "class XRLModule(SACTorchRLModule):" in out.text


def test_a_builder_copy_of_dqn_policy_is_recognised_by_its_model_hook() -> None:
    source = (
        "from ray.rllib.policy.policy_template import build_policy_class\n"
        "from ray.rllib.models.catalog import ModelCatalog\n"
        "from ray.rllib.algorithms.dqn.dqn_torch_model import DQNTorchModel\n\n"
        "def build(policy, obs_space, action_space, config):\n"
        "    return ModelCatalog.get_model_v2(obs_space, action_space, 8, config['model'],\n"
        "                                     model_interface=DQNTorchModel), None\n\n"
        "MyDQN = build_policy_class(name='MyDQN', framework='torch', loss_fn=None,\n"
        "                           make_model_and_action_dist=build)\n")
    out = run(source)
    assert "class MyDQNRLModule(DQNTorchRLModule):" in out.text


def test_tf_policies_and_target_ray_get_no_module() -> None:
    tf = "from ray.rllib.algorithms.dqn.dqn_tf_policy import DQNTFPolicy\nT = DQNTFPolicy.with_updates(name='T')\n"
    assert run(tf).text == tf
    out = run(DQN + "P = DQNTorchPolicy.with_updates(name='P')\n", target="ray")
    assert "RLModule" not in out.text
    assert any("--target ray" in f.message for f in out.findings)


def test_leftover_rule_points_learning_at_rlm032() -> None:
    out = run(DQN + "P = DQNTorchPolicy.with_updates(name='P')\n", codes=frozenset({"RLM078", "RLM090"}))
    messages = [f.message for f in out.findings if f.code == "RLM090"]
    assert any("its acting is the generated <Policy>RLModule (RLM078)" in m for m in messages)
