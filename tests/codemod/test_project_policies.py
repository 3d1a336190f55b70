"""Policies that take their pieces from other files of the run (project_policies.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from rlmigrate.codemod.engine import RunOptions, run
from rlmigrate.codemod.project_index import build_index
from rlmigrate.codemod.project_policies import nearest_custom_models, scan_module

MODEL = '''import torch.nn as nn
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from ray.rllib.models.tf.tf_modelv2 import TFModelV2


class TorchNet(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state


class KerasNet(TFModelV2):
    pass


def register(framework):
    ModelCatalog.register_custom_model("net", KerasNet if framework == "tf" else TorchNet)
'''
BASE_POLICY = '''from ray.rllib.agents.ppo.appo_torch_policy import AsyncPPOTorchPolicy


class TeamPolicy(AsyncPPOTorchPolicy):
    pass
'''
DERIVED = '''from pkg.base_policy import TeamPolicy

CONFIG = {"model": {"custom_model": "net"}}


class Striker(TeamPolicy):
    pass
'''


def _project(root: Path) -> None:
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "models.py").write_text(MODEL)
    (package / "base_policy.py").write_text(BASE_POLICY)
    (package / "striker.py").write_text(DERIVED)


def test_scan_finds_registrations_with_both_arms_and_custom_model_names():
    scan = scan_module(ast.parse(MODEL + '\nCONFIG = {"model": {"custom_model": "net"}}\n'))
    assert scan.registrations == [("net", ["KerasNet", "TorchNet"], 22)]
    assert [name for name, _ in scan.custom_models] == ["net"]


def test_index_knows_policy_bases_and_registrations_of_other_files(tmp_path):
    _project(tmp_path)
    files = [(p, tmp_path) for p in sorted(tmp_path.rglob("*.py"))]
    view = build_index(files).policy_view(str(tmp_path / "pkg" / "striker.py"))
    assert view is not None
    assert view.policy_bases["TeamPolicy"][0] == "AsyncPPOTorchPolicy"
    torch_arm = [r for r in view.registrations["net"] if r.torch]
    assert [r.cls for r in torch_arm] == ["TorchNet"]
    assert view.custom_models_here[0][0] == "net"


def test_policy_whose_base_and_model_live_elsewhere_gets_a_module(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    _project(src)
    result = run([src], RunOptions(mode="write", out_dir=out), jobs=1)
    striker = next(f for f in result.files if f.path.endswith("striker.py"))
    messages = [f.message for f in striker.findings if f.code == "RLM034"]
    assert any("Striker → StrikerRLModule on custom_model 'net'" in m and "TorchNet" in m for m in messages)
    text = (out / "pkg" / "striker.py").read_text()
    assert "from pkg.models import TorchNet" in text
    assert "class StrikerRLModule(TorchNet):" in text
    compile(text, "striker.py", "exec")
    base = (out / "pkg" / "base_policy.py").read_text()
    assert "class TeamPolicyRLModule(" in base  # the base itself acts as APPO on its model


FACTORY_MODELS = '''import torch.nn as nn
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2


class HeadModel(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state


class HeadsOnly(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.q = nn.Linear(num_outputs, 1)

    def get_q_values(self, features):
        return self.q(features)


def make_head_model(policy, obs_space, action_space, config):
    model = ModelCatalog.get_model_v2(obs_space, action_space, 2, config["model"], framework="torch",
                                      model_interface=HeadModel, name="head")
    return model


def make_heads_only(policy, obs_space, action_space, config):
    policy.model = ModelCatalog.get_model_v2(obs_space, action_space, 2, config["model"], framework="torch",
                                             model_interface=HeadsOnly, name="heads")
    return policy.model


def make_plain(policy, obs_space, action_space, config):
    return HeadModel(obs_space, action_space, 2, config["model"], "plain")


def not_a_factory(flag):
    if flag:
        return HeadModel(None, None, 2, {}, "a")
    return None
'''
LAZY_POLICY = '''from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2


class LazyPolicy(TorchPolicyV2):
    def make_model(self):
        from factories import make_head_model

        return make_head_model(self, self.observation_space, self.action_space, self.config)
'''
WRAPPED_POLICY = '''from ray.rllib.models.torch.torch_action_dist import TorchCategorical
from ray.rllib.policy.policy_template import build_policy_class

from factories import make_heads_only


def model_and_dist(policy, obs_space, action_space, config):
    model = make_heads_only(policy, obs_space, action_space, config)
    return model, TorchCategorical


WrappedPolicy = build_policy_class(name="WrappedPolicy", framework="torch", loss_fn=None,
                                   make_model_and_action_dist=model_and_dist)
'''
NESTED_DIST_POLICY = '''from ray.rllib.models.torch.torch_action_dist import TorchMultiCategorical
from ray.rllib.policy.policy_template import build_policy_class

from factories import HeadModel


def model_and_dist(policy, obs_space, action_space, config):
    policy.model = HeadModel(obs_space, action_space, sum(action_space.nvec), config["model"], "m")

    class PerAgentCategorical(TorchMultiCategorical):
        def __init__(self, inputs, model):
            super().__init__(inputs, model, action_space.nvec)

    return policy.model, PerAgentCategorical


NestedPolicy = build_policy_class(name="NestedPolicy", framework="torch", loss_fn=None,
                                  make_model_and_action_dist=model_and_dist)
'''


def test_scan_finds_model_factories_and_the_classes_that_define_forward():
    scan = scan_module(ast.parse(FACTORY_MODELS))
    assert scan.factories == {
        "make_head_model": ("HeadModel", "ModelCatalog.get_model_v2(..., model_interface=HeadModel)", 26),
        "make_heads_only": ("HeadsOnly", "ModelCatalog.get_model_v2(..., model_interface=HeadsOnly)", 32),
        "make_plain": ("HeadModel", "HeadModel(...)", 38),
    }  # not_a_factory: one of its returns gives no model
    assert scan.forward_classes == {"HeadModel"}


def _factory_run(tmp_path, **files):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "factories.py").write_text(FACTORY_MODELS)
    for name, text in files.items():
        (src / f"{name}.py").write_text(text)
    result = run([src], RunOptions(mode="write", out_dir=out), jobs=1)
    return {Path(f.path).stem: f for f in result.files}, out


def test_a_factory_of_another_file_imported_inside_make_model_gives_the_module_its_class(tmp_path):
    files, out = _factory_run(tmp_path, lazy=LAZY_POLICY)
    messages = [f.message for f in files["lazy"].findings if f.code == "RLM031"]
    assert any("LazyPolicy → LazyPolicyRLModule" in m and "make_head_model() (factories.py:26)" in m
               and "model_interface=HeadModel" in m for m in messages), messages
    text = (out / "lazy.py").read_text()
    assert "from factories import HeadModel" in text
    assert "class LazyPolicyRLModule(HeadModel):" in text
    compile(text, "lazy.py", "exec")


def test_an_interface_class_without_forward_blocks_the_module_with_the_reason(tmp_path):
    files, out = _factory_run(tmp_path, wrapped=WRAPPED_POLICY)
    manual = [f.message for f in files["wrapped"].findings if f.code == "RLM030" and f.status == "manual"]
    assert len(manual) == 1
    assert "make_heads_only() (factories.py:32)" in manual[0]
    assert "HeadsOnly defines no forward()" in manual[0]
    assert "class WrappedPolicyRLModule" not in (out / "wrapped.py").read_text()


def test_a_dist_class_defined_inside_the_hook_blocks_the_module_with_the_reason(tmp_path):
    files, out = _factory_run(tmp_path, nested=NESTED_DIST_POLICY)
    manual = [f.message for f in files["nested"].findings if f.code == "RLM030" and f.status == "manual"]
    assert len(manual) == 1
    assert "returns PerAgentCategorical, a distribution class it defines itself" in manual[0]
    assert "TorchMultiCategorical.get_partial_dist_cls(input_lens=...)" in manual[0]
    assert "class NestedPolicyRLModule" not in (out / "nested.py").read_text()


IMPORTED_HOOK_POLICY = '''from ray.rllib.algorithms.dqn.dqn_torch_policy import get_distribution_inputs_and_class
from ray.rllib.models.torch.torch_action_dist import TorchCategorical
from ray.rllib.policy.policy_template import build_policy_class

from factories import HeadModel


def model_and_dist(policy, obs_space, action_space, config):
    return HeadModel(obs_space, action_space, 2, config["model"], "m"), TorchCategorical


ImportedHookPolicy = build_policy_class(name="ImportedHookPolicy", framework="torch", loss_fn=None,
                                        make_model_and_action_dist=model_and_dist,
                                        action_distribution_fn=get_distribution_inputs_and_class)
'''


def test_an_acting_hook_imported_from_elsewhere_blocks_the_module_instead_of_being_dropped(tmp_path):
    files, out = _factory_run(tmp_path, imported=IMPORTED_HOOK_POLICY)
    manual = [f for f in files["imported"].findings if f.code == "RLM030" and f.status == "manual"]
    assert len(manual) == 1 and manual[0].line == 14
    assert manual[0].message.startswith(
        "ImportedHookPolicy: no RLModule generated: action_distribution_fn=get_distribution_inputs_and_class "
        "(ray.rllib.algorithms.dqn.dqn_torch_policy.get_distribution_inputs_and_class) is not a function of this file")
    assert "class ImportedHookPolicyRLModule" not in (out / "imported.py").read_text()


def test_nearest_custom_models_take_the_deepest_shared_directory():
    named = [("proj/pkg/config.py", ["net"]), ("proj/train.py", ["other"]), ("else/run.py", ["third"])]
    assert nearest_custom_models("proj/pkg/policy.py", named) == (["net"], "proj/pkg/config.py")
    assert nearest_custom_models("proj/tool.py", named) == (["net", "other"], "proj/pkg/config.py")
    assert nearest_custom_models("proj/pkg/policy.py", []) == ([], "")


def test_a_policy_takes_the_custom_model_of_its_own_package_when_the_run_names_several(tmp_path):
    """Two projects in one run, each naming its own custom_model: the policy's package's config
    decides (the run-wide list alone is ambiguous)."""
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "proj").mkdir(parents=True)
    _project(src / "proj")
    (src / "proj" / "pkg" / "striker.py").write_text(DERIVED.replace('CONFIG = {"model": {"custom_model": "net"}}\n', ""))
    (src / "proj" / "pkg" / "settings.py").write_text('SETTINGS = {"model": {"custom_model": "net"}}\n')
    (src / "elsewhere").mkdir()
    (src / "elsewhere" / "train.py").write_text('CONFIG = {"model": {"custom_model": "vision_net"}}\n')
    result = run([src], RunOptions(mode="write", out_dir=out), jobs=1)
    striker = next(f for f in result.files if f.path.endswith("striker.py"))
    messages = [f.message for f in striker.findings if f.code == "RLM034"]
    assert any("custom_model 'net'" in m and "settings.py, the config nearest this file" in m for m in messages)
    assert "class StrikerRLModule(TorchNet):" in (out / "proj" / "pkg" / "striker.py").read_text()
