"""Legacy model idioms with an exact new-stack counterpart (``_model_idioms``): each is
rewritten when it is what it looks like, and blocks the rewrite with a reason when it is not."""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

ROOT = Path(__file__).resolve().parents[3]
HEADER = '''
import torch
from ray.rllib.models.modelv2 import restore_original_dimensions
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from ray.rllib.policy.sample_batch import SampleBatch
from torch import nn


class M(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)
'''


def rewrite(body: str):
    source = HEADER + textwrap.indent(textwrap.dedent(body), "    ")
    return rewrite_source(source, path="m.py", target=Target("rlmigrate"), selected=select_codes(),
                          rule_classes=ALL_RULES)


def class_finding(outcome):
    return next(f for f in outcome.findings if f.line == 9 and f.code == "RLM001")


# -- is_training --------------------------------------------------------------------------
@pytest.mark.parametrize("read", [
    'input_dict["is_training"]',
    'input_dict.get("is_training")',
    'input_dict.get("is_training", False)',
    "input_dict.is_training",
    "input_dict[SampleBatch.OBS].new_zeros(()) + bool(input_dict.get('is_training', True))",
])
def test_every_spelling_of_is_training_becomes_the_forward_argument(read):
    outcome = rewrite(f'''
    def forward(self, input_dict, state, seq_lens):
        flag = {read}
        return self.pi(input_dict["obs"]) * (2 if flag else 1), state
    ''')
    assert class_finding(outcome).status == "converted", outcome.findings
    assert "def _forward(self, batch, is_training=False, **kwargs):" in outcome.text
    assert "return self._forward(batch, is_training=True, **kwargs)" in outcome.text
    assert "input_dict" not in outcome.text
    compile(outcome.text, "m.py", "exec")


def test_a_negated_sample_batch_check_keeps_its_body():
    outcome = rewrite('''
    def forward(self, input_dict, state, seq_lens):
        if not isinstance(input_dict, SampleBatch):
            training = input_dict.get("is_training", False)
        return self.pi(input_dict["obs"]), state
    ''')
    assert "isinstance" not in outcome.text
    assert "        training = is_training\n" in outcome.text


def test_a_local_is_training_of_other_origin_blocks_with_the_reason():
    outcome = rewrite('''
    def forward(self, input_dict, state, seq_lens):
        is_training = self.pi.training
        flag = input_dict["is_training"] and is_training
        return self.pi(input_dict["obs"]), state
    ''')
    finding = class_finding(outcome)
    assert finding.status == "manual"
    assert "binds a local is_training" in finding.message and "rename the local" in finding.message
    assert "def forward(self, input_dict" in outcome.text  # left unchanged


def test_a_global_named_is_training_blocks():
    outcome = rewrite('''
    def forward(self, input_dict, state, seq_lens):
        flag = input_dict["is_training"] or is_training
        return self.pi(input_dict["obs"]), state
    ''')
    assert class_finding(outcome).status == "manual"
    assert "reads a name is_training it does not bind" in class_finding(outcome).message


def test_batch_norm_fixture_trains_and_acts_like_the_legacy_model():
    """The learner's pass (forward_train) uses batch statistics as legacy is_training=True
    did; acting uses the running statistics as legacy is_training=False did."""
    ray_compat = pytest.importorskip("shim.ray_compat")
    import gymnasium as gym
    import numpy as np

    def load(path, tag):
        spec = importlib.util.spec_from_file_location(f"_rlm_idioms_{tag}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        with ray_compat.installed():
            spec.loader.exec_module(module)
        return module

    old_module = load(ROOT / "fixtures/legacy/batch_norm_training.py", "old")
    new_module = load(ROOT / "fixtures/expected/batch_norm_training.py", "new")
    obs_space = gym.spaces.Box(-1.0, 1.0, (5,), np.float32)
    act_space = gym.spaces.Discrete(4)
    new = new_module.NormedMLP(observation_space=obs_space, action_space=act_space, model_config={})
    with ray_compat.installed():
        old = old_module.NormedMLP(obs_space, act_space, 4, {}, "legacy")
    torch.manual_seed(1)
    with torch.no_grad():
        for p in old.parameters():
            p.add_(torch.randn_like(p))
        old._trunk[1].running_mean.uniform_(-0.5, 0.5)
    new.load_state_dict(old.state_dict())
    obs = torch.rand(8, 5) * 2 - 1
    with torch.no_grad():
        legacy_train, _ = old({"obs": obs, "is_training": True}, [], None)
        legacy_act, _ = old({"obs": obs, "is_training": False}, [], None)
        legacy_value = old.value_function()
    train = new.forward_train({"obs": obs})["action_dist_inputs"]
    act = new.forward_inference({"obs": obs})["action_dist_inputs"]
    torch.testing.assert_close(train.detach(), legacy_train)
    torch.testing.assert_close(act, legacy_act)
    torch.testing.assert_close(new.compute_values({"obs": obs}).detach(), legacy_value)
    assert not torch.allclose(legacy_train, legacy_act)  # the flag matters in this model


# -- input_dict handed to helpers ---------------------------------------------------------
def test_a_helper_reading_only_the_observation_gets_the_batch():
    outcome = rewrite('''
    def _obs(self, batch_like, scale=1.0):
        return batch_like["obs_flat"] * scale

    def forward(self, input_dict, state, seq_lens):
        return self.pi(self._obs(input_dict, scale=2.0)), state
    ''')
    assert class_finding(outcome).status == "converted"
    assert "return batch_like[Columns.OBS].flatten(start_dim=1) * scale" in outcome.text
    assert "self.pi(self._obs(batch, scale=2.0))" in outcome.text


@pytest.mark.parametrize("use", ['batch_like["prev_actions"]', "len(batch_like)", "dict(batch_like)"])
def test_a_helper_reading_more_than_the_observation_blocks(use):
    outcome = rewrite(f'''
    def _obs(self, batch_like):
        return batch_like["obs"] + 0 * {use}

    def forward(self, input_dict, state, seq_lens):
        return self.pi(self._obs(input_dict)), state
    ''')
    finding = class_finding(outcome)
    assert finding.status == "manual"
    assert "input_dict is used other than as input_dict[\"obs\"]" in finding.message


# -- value_function arguments -------------------------------------------------------------
def test_value_function_with_a_required_argument_stays_manual_with_the_new_home():
    outcome = rewrite('''
    def forward(self, input_dict, state, seq_lens):
        self._x = input_dict["obs"]
        return self.pi(self._x), state

    def value_function(self, scale):
        return self._x.sum(1) * scale
    ''')
    manual = [f for f in outcome.findings if f.code == "RLM002"]
    assert manual and manual[0].status == "manual"
    assert "compute_values(batch, embeddings=None)" in manual[0].message


def test_value_function_defaults_are_bound_in_compute_values():
    outcome = rewrite('''
    def forward(self, input_dict, state, seq_lens):
        self._x = input_dict["obs"]
        return self.pi(self._x), state

    def value_function(self, scale=3.0, *, offset=0.0):
        return self._x.sum(1) * scale + offset
    ''')
    assert "        scale = 3.0\n        offset = 0.0\n" in outcome.text
    assert "return embeddings.sum(1) * scale + offset" in outcome.text


# -- the original observation space --------------------------------------------------------
def test_original_space_checks_and_restore_in_place():
    outcome = rewrite('''
    def forward(self, input_dict, state, seq_lens):
        assert hasattr(self.obs_space, "original_space") and self.pi is not None
        obs = input_dict["obs"]
        obs = restore_original_dimensions(obs, self.obs_space, "torch")
        return self.pi(obs), state
    ''')
    assert "assert self.pi is not None" in outcome.text
    assert "restore_original_dimensions" not in outcome.text
    assert "obs = obs" not in outcome.text


def test_restore_of_another_tensor_is_review():
    outcome = rewrite('''
    def forward(self, input_dict, state, seq_lens):
        flat = input_dict["obs"] * 1
        obs = restore_original_dimensions(flat, self.obs_space, "torch")
        return self.pi(obs), state
    ''')
    restore = [f for f in outcome.findings if "restore_original_dimensions" in f.message]
    assert restore[0].status == "review" and "check that x is the batch's observation" in restore[0].message


# -- members the class itself defines -------------------------------------------------------
def test_private_methods_and_class_attributes_are_not_legacy_members():
    outcome = rewrite('''
    _scale = 2.0

    def _head(self, x):
        return self.pi(x) * self._scale

    def forward(self, input_dict, state, seq_lens):
        assert self.framework == "torch"
        return self._head(input_dict["obs"]), state
    ''')
    assert class_finding(outcome).status == "converted", outcome.findings
    assert not [f for f in outcome.findings if f.code == "RLM064"]


@pytest.mark.parametrize("member, hint", [
    ("self._last_flat_in", "batch[Columns.OBS].flatten(start_dim=1)"),
    ("self.is_time_major()", "always batch-major"),
    ("self._unknown_cache", "assign it in setup() or _forward()"),
])
def test_legacy_members_are_reported_with_their_replacement(member, hint):
    outcome = rewrite(f'''
    def forward(self, input_dict, state, seq_lens):
        x = {member}
        return self.pi(input_dict["obs"]), state
    ''')
    rlm064 = [f for f in outcome.findings if f.code == "RLM064"]
    assert rlm064 and hint in rlm064[0].message and rlm064[0].line == 16


# -- a subclass handing arguments to its base -----------------------------------------------
SUBCLASS = '''
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from torch import nn


class Base(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name, width=8):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.width = width


class Child(Base):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name, width=8):
        super().__init__({args})
        self.pi = nn.Linear(obs_space.shape[0] + self.width, num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state
'''


@pytest.mark.parametrize("args, ok", [
    ("obs_space, action_space, num_outputs, model_config, name, width", True),
    ("obs_space, action_space, num_outputs, model_config, name, width=width", True),
    ("obs_space, action_space, num_outputs, model_config, name", True),
    ("obs_space, action_space, num_outputs, model_config, name, width=2 * width", False),
    ("obs_space, action_space, num_outputs, {}, name", False),
    ("obs_space, action_space, 7, model_config, name", False),
])
def test_a_subclass_converts_only_when_it_hands_its_arguments_on(args, ok):
    outcome = rewrite_source(SUBCLASS.format(args=args), path="m.py", target=Target("rlmigrate"),
                             selected=select_codes(), rule_classes=ALL_RULES)
    child = next(f for f in outcome.findings if f.line == 13)
    assert (child.status != "manual") is ok, child.message
    if not ok:
        assert "pass the value through model_config" in child.message
