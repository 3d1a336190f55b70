"""A rewritten model reads the same legacy config values the legacy model read (MODEL_DEFAULTS
merged in), and the spec the rewrite writes carries exactly ``migrated_model_config``."""

from __future__ import annotations

import ast
import copy

import gymnasium as gym
import libcst as cst
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.rules._config_build import model_config_node
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source
from rlmigrate.core.legacy_config import MODEL_DEFAULTS, legacy_model_config, migrated_model_config

READS = {
    "subscript": 'model_config["{key}"]',
    "get_with_fallback": 'model_config.get("{key}", "fallback")',
    "self_subscript": 'self.model_config["{key}"]',
    "self_get": 'self.model_config.get("{key}")',
}
KEYS = sorted(k for k, v in MODEL_DEFAULTS.items() if v is not None and k != "custom_model_config")

LEGACY = '''
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
import torch.nn as nn


class Reader(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.seen = {read}
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state
'''


def _rewrite(text: str):
    return rewrite_source(text, path="reader.py", target=Target("rlmigrate"),
                          selected=select_codes(), rule_classes=ALL_RULES)


@settings(max_examples=25, deadline=None)
@given(key=st.sampled_from(KEYS), style=st.sampled_from(sorted(READS)),
       given_value=st.one_of(st.none(), st.integers(1, 9)))
def test_rewritten_setup_reads_the_legacy_value(key, style, given_value):
    outcome = _rewrite(LEGACY.format(read=READS[style].format(key=key)))
    assert any(f.code == "RLM001" and f.status == "converted" for f in outcome.findings)
    namespace: dict = {}
    exec(compile(outcome.text, "reader.py", "exec"), namespace)  # noqa: S102 - our own output
    user = {} if given_value is None else {key: given_value}
    module = namespace["Reader"](
        observation_space=gym.spaces.Box(-1, 1, (3,), np.float32),
        action_space=gym.spaces.Discrete(2),
        model_config=migrated_model_config(user),
    )
    assert module.seen == legacy_model_config(user)[key]


def test_whole_config_passed_on_is_review_not_safe():
    text = LEGACY.format(read="dict(model_config)")
    outcome = _rewrite(text)
    statuses = {(f.code, f.status) for f in outcome.findings}
    assert ("RLM001", "review") in statuses


@st.composite
def user_model_dicts(draw):
    plain = draw(st.dictionaries(st.sampled_from(["fcnet_hiddens", "max_seq_len", "dim", "free_log_std"]),
                                 st.integers(0, 5), max_size=3))
    custom = draw(st.dictionaries(st.from_regex(r"[a-z]{1,6}", fullmatch=True), st.integers(0, 5),
                                  max_size=3))
    out = dict(plain, custom_model="m")
    if draw(st.booleans()):
        out["custom_model_config"] = custom
    return out


@settings(max_examples=50, deadline=None)
@given(user=user_model_dicts())
def test_spec_literal_is_migrated_model_config(user):
    node = cst.parse_expression(repr(user))
    written = model_config_node(node)
    carried = {} if written is None else ast.literal_eval(cst.Module([]).code_for_node(written))
    assert carried == migrated_model_config(copy.deepcopy(user))
