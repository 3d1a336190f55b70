"""use_lstm / use_attention around a custom model: RLlib's catalog wrapped it (num_outputs=None,
features into LSTMWrapper/AttentionWrapper); an RLModule is never wrapped, so neither the class
(RLM001) nor its config (RLM021) may pass as an exact rewrite."""

from __future__ import annotations

import textwrap

import pytest

from rlmigrate.codemod.findings import CONVERTED, MANUAL, REVIEW
from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

MODEL = textwrap.dedent('''
    import torch.nn as nn
    from ray.rllib.models import ModelCatalog
    from ray.rllib.models.torch.torch_modelv2 import TorchModelV2


    class Encoder(TorchModelV2, nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
            nn.Module.__init__(self)
            {check}
            self.out = nn.Linear(obs_space.shape[0], num_outputs)

        def forward(self, input_dict, state, seq_lens):
            return self.out(input_dict["obs"]), state


    ModelCatalog.register_custom_model("enc", Encoder)
''')


def rewrite(text: str):
    return rewrite_source(text, path="case.py", target=Target("rlmigrate"), selected=select_codes(),
                          rule_classes=ALL_RULES)


@pytest.mark.parametrize("check", [
    "if num_outputs is None:\n                num_outputs = 16",
    "if self.num_outputs is None:\n                num_outputs = 16",
    "num_outputs = 16 if num_outputs is None else num_outputs",
])
def test_a_model_written_for_a_recurrent_wrapper_is_converted_for_review(check):
    outcome = rewrite(MODEL.format(check=check))
    notes = [f for f in outcome.findings if "handles num_outputs=None" in f.message]
    assert [f.status for f in notes] == [REVIEW]
    assert "use_lstm/use_attention" in notes[0].message and "Columns.STATE_IN" in notes[0].message
    assert "class Encoder(TorchRLModule)" in outcome.text


def test_a_model_without_that_check_stays_converted():
    outcome = rewrite(MODEL.format(check="pass"))
    assert not any("num_outputs=None" in f.message for f in outcome.findings)
    [cls] = [f for f in outcome.findings if f.code == "RLM001" and f.message.startswith("Encoder:")]
    assert cls.status == CONVERTED


@pytest.mark.parametrize("key, wrapper", [("use_lstm", "LSTMWrapper"), ("use_attention", "AttentionWrapper")])
@pytest.mark.parametrize("value", ["True", "1", "flag"])
def test_a_wrapped_custom_model_config_is_left_for_a_person(key, wrapper, value):
    source = MODEL.format(check="pass") + f'config = {{"model": {{"custom_model": "enc", "{key}": {value}}}}}\n'
    outcome = rewrite(source)
    [config] = [f for f in outcome.findings if f.code == "RLM021"]
    assert config.status == MANUAL and f"{key} wrapped the custom model in RLlib's {wrapper}" in config.message
    assert f'"custom_model": "enc", "{key}": {value}' in outcome.text  # the config stays as it was
    assert 'register_custom_module("enc", Encoder)' in outcome.text  # the name is still needed


@pytest.mark.parametrize("value", ["False", "None", "0"])
def test_a_config_with_the_wrapper_off_converts(value):
    source = MODEL.format(check="pass") + f'config = {{"model": {{"custom_model": "enc", "use_lstm": {value}}}}}\n'
    outcome = rewrite(source)
    assert "RLModuleSpec(module_class=Encoder" in outcome.text
    assert [f.status for f in outcome.findings if f.code == "RLM021"] == [REVIEW]
