"""RLM020: a kept ``register_custom_model`` of a class this run converts becomes
``register_custom_module`` (the generated policy modules look the name up there); every
other kept registration stays, reported."""

from __future__ import annotations

import textwrap
import types

import gymnasium as gym
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.codemod.findings import CONVERTED, MANUAL
from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source
from rlmigrate.core import custom_models

MODEL = '''
import torch.nn as nn
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2


class Net(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state
'''


def rewrite(text, *, selected=None, target="rlmigrate"):
    return rewrite_source(textwrap.dedent(text), path="case.py", target=Target(target),
                          selected=selected or select_codes(), rule_classes=ALL_RULES)


def rlm020(result):
    return [f for f in result.findings if f.code == "RLM020"]


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(custom_models, "_MODULES", {})


@settings(max_examples=15, deadline=None)
@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
       nested=st.booleans())
def test_registration_of_a_converted_class_registers_the_module(name, nested):
    call = f'ModelCatalog.register_custom_model("{name}", Net)\n'
    tail = f"\n\ndef register():\n    {call}" if nested else "\n\n" + call
    result = rewrite(MODEL + tail)
    assert "ModelCatalog" not in result.text  # its only use is gone, and its import with it
    assert f'register_custom_module("{name}", Net)' in result.text
    assert "from rlmigrate.core.custom_models import register_custom_module" in result.text
    [finding] = rlm020(result)
    assert finding.status == CONVERTED and "is an RLModule now" in finding.message

    saved = custom_models.registered_modules()
    try:
        module = types.ModuleType("rlm020_case")
        exec(compile(result.text, "case.py", "exec"), module.__dict__)
        if nested:
            module.register()
        assert custom_models.registered_modules()[name] is module.Net
        built = module.Net(observation_space=gym.spaces.Box(-1, 1, (3,)),
                           action_space=gym.spaces.Discrete(2), model_config={})
        assert built is not None
    finally:
        custom_models._MODULES.clear()
        custom_models._MODULES.update(saved)


@pytest.mark.parametrize("why, text, kwargs", [
    ("class not converted in this run", MODEL, {"selected": frozenset({"RLM020", "RLM050"})}),
    ("Ray target: no name registry", MODEL, {"target": "ray"}),
    ("class from another module", MODEL.replace("class Net(", "class Other("), {}),
    ("class blocked", MODEL.replace("return self.pi(input_dict[\"obs\"]), state",
                                    "return TorchModelV2.forward(self, input_dict, state, seq_lens)"), {}),
])
def test_other_kept_registrations_stay_and_are_reported(why, text, kwargs):
    if "Other" in text:
        text += "\nfrom elsewhere import Net\n"
    result = rewrite(text + '\nModelCatalog.register_custom_model("net", Net)\n', **kwargs)
    assert 'ModelCatalog.register_custom_model("net", Net)' in result.text, why
    assert "register_custom_module" not in result.text, why
    assert [f.status for f in rlm020(result)] == [MANUAL], why
