"""RLM034: which policies get a module, which base it has, and why the others are manual."""

from __future__ import annotations

import pytest

from rlmigrate.codemod.project_policies import FileProject, Registration
from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source


def rewrite(text: str, target: str = "rlmigrate"):
    return rewrite_source(text, path="p.py", target=Target(target), selected=select_codes(), rule_classes=ALL_RULES)


@pytest.mark.parametrize("header, base", [
    ("from ray.rllib.algorithms.ppo.ppo_torch_policy import PPOTorchPolicy as Base", "Base"),
    ("from ray.rllib.algorithms.ppo.ppo_torch_policy import *", "PPOTorchPolicy"),
    ("import ray.rllib.algorithms.ppo.ppo_torch_policy as ppo", "ppo.PPOTorchPolicy"),
    ("from ray.rllib.agents.ppo.ppo_torch_policy import PPOTorchPolicy as Base", "Base"),
])
def test_ppo_policy_under_any_spelling_gets_the_ppo_module_with_separate_value_layers(header, base):
    outcome = rewrite(f"{header}\n\n\nclass Mine({base}):\n    pass\n")
    assert "class MineRLModule(PPOTorchRLModule):" in outcome.text
    assert 'setdefault("vf_share_layers"' in outcome.text
    assert any(f.code == "RLM034" and f.status == "review" for f in outcome.findings)
    assert not any(f.code == "RLM090" and "Mine" in f.message for f in outcome.findings)
    assert rewrite(outcome.text).text == outcome.text  # idempotent


def test_non_ppo_algorithms_keep_the_shared_default_layout():
    outcome = rewrite("from ray.rllib.agents.impala.vtrace_torch_policy import VTraceTorchPolicy\n\n"
                      "Mine = VTraceTorchPolicy.with_updates(name='Mine')\n")
    assert "class MineRLModule(PPOTorchRLModule):" in outcome.text
    assert "vf_share_layers" not in outcome.text
    assert any("acts as VTraceTorchPolicy did" in f.message for f in outcome.findings)


def test_ray_target_imports_rays_ppo_module():
    outcome = rewrite("from ray.rllib.algorithms.ppo import PPOTorchPolicy\n\n\nclass Mine(PPOTorchPolicy):\n    pass\n", "ray")
    assert "from ray.rllib.algorithms.ppo.torch.ppo_torch_rl_module import PPOTorchRLModule" in outcome.text


def test_ddpg_policy_is_manual_and_says_what_replaces_it():
    outcome = rewrite("from ray.rllib.agents.ddpg.ddpg_torch_policy import DDPGTorchPolicy\n\n"
                      "Mine = DDPGTorchPolicy.with_updates(name='Mine')\n")
    assert "RLModule" not in outcome.text
    [finding] = [f for f in outcome.findings if f.code == "RLM034"]
    assert finding.status == "manual" and "DDPGTorchModel" in finding.message and "_forward_inference" in finding.message


def test_compute_actions_override_blocks_the_module_and_names_the_method():
    source = ("from ray.rllib.algorithms.ppo import PPOTorchPolicy\n\n\nclass Mine(PPOTorchPolicy):\n"
              "    def compute_actions(self, obs_batch, **kwargs):\n        return [0] * len(obs_batch), [], {}\n")
    outcome = rewrite(source)
    assert "MineRLModule" not in outcome.text
    [finding] = [f for f in outcome.findings if f.code == "RLM034"]
    assert finding.status == "manual" and finding.line == 5 and "compute_actions" in finding.message


def test_custom_model_without_a_registration_is_manual():
    source = ('from ray.rllib.algorithms.ppo import PPOTorchPolicy\n\nCONFIG = {"model": {"custom_model": "ghost"}}\n\n\n'
              "class Mine(PPOTorchPolicy):\n    pass\n")
    project = FileProject(custom_models_here=[("ghost", 3)], custom_models_run=["ghost"])
    outcome = rewrite_source(source, path="p.py", target=Target("rlmigrate"), selected=select_codes(),
                             rule_classes=ALL_RULES, project=project)
    assert "MineRLModule" not in outcome.text
    [finding] = [f for f in outcome.findings if f.code == "RLM034"]
    assert finding.status == "manual" and "register_custom_model('ghost'" in finding.message


def test_registered_custom_model_of_the_file_is_the_base():
    source = ('from ray.rllib.algorithms.ppo import PPOTorchPolicy\nfrom nets import Net\n\n'
              'CONFIG = {"model": {"custom_model": "net"}}\n\n\nclass Mine(PPOTorchPolicy):\n    pass\n')
    registration = Registration("net", "Net", "nets.Net", "train.py", 9, torch=True)
    project = FileProject(registrations={"net": [registration]}, custom_models_here=[("net", 4)],
                          custom_models_run=["net"], display="p.py")
    outcome = rewrite_source(source, path="p.py", target=Target("rlmigrate"), selected=select_codes(),
                             rule_classes=ALL_RULES, project=project)
    assert "from nets import Net" in outcome.text and "class MineRLModule(Net):" in outcome.text
    # the legacy PPO policy handed its model PPOConfig's model config: so does the module
    assert 'model_config.setdefault("vf_share_layers", False)' in outcome.text
    assert any("registered at train.py:9" in f.message for f in outcome.findings)


def test_torch_policy_v2_subclass_without_hooks_acts_on_the_default_model():
    outcome = rewrite("from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2\n\n\nclass Mine(TorchPolicyV2):\n    pass\n")
    assert "class MineRLModule(PPOTorchRLModule):" in outcome.text
    assert "vf_share_layers" not in outcome.text  # MODEL_DEFAULTS shares them, as the new stack
    assert any(f.code == "RLM031" for f in outcome.findings)


def test_unknown_with_updates_and_tf_policies_get_no_module():
    outcome = rewrite("from ray.rllib.algorithms.ppo.ppo_tf_policy import PPOTF1Policy\n\n"
                      "A = PPOTF1Policy.with_updates(name='A')\n\ndef f(cls):\n    B = cls.with_updates(name='BPolicy')\n")
    assert "RLModule" not in outcome.text
    assert not any(f.code == "RLM034" for f in outcome.findings)


def test_with_updates_on_a_runtime_value_names_the_value_and_what_replaces_it():
    outcome = rewrite("from ray.rllib.policy.policy import Policy\n\n\n"
                      "def templates():\n    return None\n\n\n"
                      "def make(base_cls):\n    torch_cls = templates()\n"
                      "    A = torch_cls.with_updates(name='APolicy')\n"
                      "    B = base_cls.with_updates(name='BPolicy')\n    return A, B\n")
    found = {f.line: f for f in outcome.findings if f.code == "RLM090" and "with_updates()" in f.message}
    assert sorted(found) == [10, 11] and all(f.status == "manual" for f in found.values())
    assert found[10].message.startswith("APolicy: with_updates() on `torch_cls`, a local of make() bound at run time")
    assert found[11].message.startswith("BPolicy: with_updates() on `base_cls`, a parameter of make()")
    assert all("_forward_inference" in f.message and "Learner" in f.message for f in found.values())
    assert "RLModule(" not in outcome.text


def _passthrough(method: str, params: str, args: str) -> str:
    return ("from ray.rllib.algorithms.ppo import PPOTorchPolicy\n\n\nclass Mine(PPOTorchPolicy):\n"
            f"    def {method}(self, {params}, **kwargs):\n"
            f"        return super().{method}({args}, **kwargs)\n")


@pytest.mark.parametrize("count", range(1, 7))
def test_input_dict_passthrough_is_manual_exactly_when_it_passes_more_than_torch_takes(count):
    names = ["input_dict", "explore", "timestep", "eps", "extra", "more"][:count]
    outcome = rewrite(_passthrough("compute_actions_from_input_dict", ", ".join(names), ", ".join(names)))
    [finding] = [f for f in outcome.findings if f.code == "RLM034" and f.line == 5]
    assert "class MineRLModule(PPOTorchRLModule):" in outcome.text  # the module acts as the call meant
    if count <= 3:
        assert finding.status == "review" and "nothing to port" in finding.message
    else:
        assert finding.status == "manual"
        assert f"with {count} positional arguments where Ray 2.10's torch policies take 3" in finding.message
        assert "raises TypeError" in finding.message and "does not build on Ray 2.10" in finding.message


def test_fourth_positional_is_named_for_the_parameter_it_was_meant_for():
    outcome = rewrite(_passthrough("compute_actions_from_input_dict", "input_dict, explore=None, timestep=None, eps=None",
                                   "input_dict, explore, timestep, eps"))
    [finding] = [f for f in outcome.findings if f.code == "RLM034" and f.line == 5]
    assert "pass it by keyword (episodes=eps)" in finding.message


def test_keyword_or_starred_arguments_are_not_counted_as_positional():
    by_keyword = rewrite(_passthrough("compute_actions_from_input_dict", "input_dict, explore=None, timestep=None, episodes=None",
                                      "input_dict, explore, timestep, episodes=episodes"))
    starred = rewrite(_passthrough("compute_actions_from_input_dict", "*args", "*args"))
    for outcome in (by_keyword, starred):
        [finding] = [f for f in outcome.findings if f.code == "RLM034" and f.line == 5]
        assert finding.status == "review" and "nothing to port" in finding.message


def test_single_action_passthrough_with_a_third_positional_says_to_drop_it():
    outcome = rewrite(_passthrough("compute_single_action", "obs, state, prev_action", "obs, state, prev_action"))
    [finding] = [f for f in outcome.findings if f.code == "RLM034" and f.line == 5]
    assert finding.status == "manual" and "take 2 (obs, state;" in finding.message
    assert "drop the positional argument(s) prev_action" in finding.message and "builds the policy" not in finding.message


def test_a_name_registered_in_several_projects_resolves_to_this_files_own_then_the_nearest():
    """One run over a monorepo: two projects register ``cc_model``; a policy takes the class
    its own file registers, else the one registered nearest it, never the first one found."""
    source = ('from ray.rllib.algorithms.ppo import PPOTorchPolicy\n\n'
              'CONFIG = {"model": {"custom_model": "cc_model"}}\n\n\nclass Mine(PPOTorchPolicy):\n    pass\n')
    far = Registration("cc_model", "FarNet", "other.model.FarNet", "other/train.py", 5, torch=True)
    near = Registration("cc_model", "NearNet", "proj.nets.NearNet", "proj/sub/train.py", 7, torch=True)
    own = Registration("cc_model", "OwnNet", "proj.sub.p.OwnNet", "proj/sub/p.py", 2, torch=True)

    def base(registrations):
        project = FileProject(registrations={"cc_model": registrations}, custom_models_here=[("cc_model", 3)],
                              custom_models_run=["cc_model"], display="proj/sub/p.py")
        outcome = rewrite_source(source, path="proj/sub/p.py", target=Target("rlmigrate"), selected=select_codes(),
                                 rule_classes=ALL_RULES, project=project)
        return next(line for line in outcome.text.splitlines() if line.startswith("class MineRLModule("))

    assert base([far, near]) == "class MineRLModule(NearNet):"
    assert base([far, near, own]) == "class MineRLModule(OwnNet):"
    assert base([far]) == "class MineRLModule(FarNet):"  # the only one there is


def test_a_conditional_registration_in_the_file_wins_over_a_torch_class_registered_elsewhere():
    """``register_custom_model("cc_model", TorchNet if args.framework == "torch" else TFNet)`` in
    the policy's own file (Ray's centralized-critic example), with another project of the run
    registering a torch ``cc_model`` too: the file's own first arm is the model."""
    source = ('from ray.rllib.algorithms.ppo import PPOTorchPolicy\n\n'
              'CONFIG = {"model": {"custom_model": "cc_model"}}\n\n\nclass Mine(PPOTorchPolicy):\n    pass\n')
    elsewhere = Registration("cc_model", "ActorCritic", "model.actor_critic.ActorCritic", "b/infra/train.py", 6,
                             torch=True)
    first = Registration("cc_model", "TorchNet", "ray.rllib.examples.models.nets.TorchNet", "a/ex/p.py", 9, torch=False)
    second = Registration("cc_model", "TFNet", "ray.rllib.examples.models.nets.TFNet", "a/ex/p.py", 9, torch=False)
    project = FileProject(registrations={"cc_model": [elsewhere, first, second]},
                          custom_models_here=[("cc_model", 3)], custom_models_run=["cc_model"], display="a/ex/p.py")
    outcome = rewrite_source(source, path="a/ex/p.py", target=Target("rlmigrate"), selected=select_codes(),
                             rule_classes=ALL_RULES, project=project)
    assert "class MineRLModule(TorchNet):" in outcome.text


def test_a_module_on_the_default_model_resolves_the_custom_model_its_model_config_names():
    """No make_model and no literal custom_model in the run: the legacy policy acted with whatever
    its config["model"] named (ModelCatalog), so the module resolves the same name at run time."""
    outcome = rewrite("from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2\n\n\nclass Mine(TorchPolicyV2):\n    pass\n")
    assert "from rlmigrate.core.custom_models import custom_model_module" in outcome.text
    assert "module = custom_model_module(args, kwargs)\n" in outcome.text
    [finding] = [f for f in outcome.findings if f.code == "RLM031"]
    assert "register_custom_module" in finding.message and "its registered custom_model" in finding.message
    assert rewrite(outcome.text).text == outcome.text  # idempotent


def test_a_ppo_module_resolving_its_custom_model_keeps_ppos_legacy_model_defaults():
    outcome = rewrite("from ray.rllib.algorithms.ppo import PPOTorchPolicy\n\n\nclass Mine(PPOTorchPolicy):\n    pass\n")
    assert 'custom_model_module(args, kwargs, model_defaults={"vf_share_layers": False})' in outcome.text


def test_the_ray_target_has_no_runtime_resolution_and_says_to_pick_the_class():
    outcome = rewrite("from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2\n\n\nclass Mine(TorchPolicyV2):\n    pass\n",
                      "ray")
    assert "custom_model_module" not in outcome.text
    assert any("base the module on that (migrated) class" in f.message for f in outcome.findings)
