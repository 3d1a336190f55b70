"""Submodules built in the first forward() call (``_lazy_build``): every guard spelling is
found, through helper methods too, and makes the converted class ``review`` with a finding at
the ``if`` that names the attribute; caches and guards that build nothing are left alone."""

from __future__ import annotations

import textwrap

import pytest

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

HEADER = '''
import torch
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from torch import nn


class M(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.trunk = nn.Linear(obs_space.shape[0], 4)
        self.pi = nn.Linear(4, num_outputs)
        self.head = None
'''
CLASS_LINE = 7


def rewrite(body: str):
    source = HEADER + textwrap.indent(textwrap.dedent(body), "    ")
    return rewrite_source(source, path="m.py", target=Target("rlmigrate"), selected=select_codes(),
                          rule_classes=ALL_RULES)


def lazy_findings(outcome):
    return [f for f in outcome.findings if "is built on the first" in f.message]


def class_status(outcome) -> str:
    return next(f.status for f in outcome.findings if f.line == CLASS_LINE and f.code == "RLM001")


@pytest.mark.parametrize("guard", [
    "self.head is None",
    "self.head == None",
    "not self.head",
    'not hasattr(self, "head")',
    "self.training and self.head is None",
])
def test_every_guard_spelling_makes_a_feed_forward_rewrite_review(guard):
    outcome = rewrite(f'''
    def forward(self, input_dict, state, seq_lens):
        x = self.trunk(input_dict["obs"])
        if {guard}:
            self.head = nn.Linear(x.shape[-1], 1)
        self._v = self.head(x).squeeze(1)
        return self.pi(x), state

    def value_function(self):
        return self._v
    ''')
    found = lazy_findings(outcome)
    assert len(found) == 1 and found[0].status == "review" and found[0].code == "RLM001"
    assert found[0].line == CLASS_LINE + 10  # the if
    assert "self.head is built on the first forward() call" in found[0].message
    assert "head.* weights" in found[0].message and "move the build of self.head into setup()" in found[0].message
    assert "compute_values(batch) re-runs _forward(batch)" in found[0].message
    assert class_status(outcome) == "review"


def test_a_build_through_helper_methods_names_the_helper():
    outcome = rewrite('''
    def make_head(self, size):
        self._attach(nn.Linear(size, 1))

    def _attach(self, layer):
        self.head = layer

    def forward(self, input_dict, state, seq_lens):
        x = self.trunk(input_dict["obs"])
        if self.head is None:
            self.make_head(x.shape[-1])
        return self.pi(x) + self.head(x), state
    ''')
    (found,) = lazy_findings(outcome)
    assert "through self.make_head()" in found.message
    assert "move self.make_head(...) into setup()" in found.message
    assert "compute_values" not in found.message  # no value_function: nothing re-runs forward
    assert class_status(outcome) == "review"


@pytest.mark.parametrize("body", [
    # a cache written every call is not a build
    '''
    def forward(self, input_dict, state, seq_lens):
        x = self.trunk(input_dict["obs"])
        self.head = x
        return self.pi(x), state
    ''',
    # a None check whose branch builds something else
    '''
    def forward(self, input_dict, state, seq_lens):
        x = self.trunk(input_dict["obs"])
        if self.head is None:
            self.other = 1
        return self.pi(x), state
    ''',
    # the guard on a local, not on the module
    '''
    def forward(self, input_dict, state, seq_lens):
        x = self.trunk(input_dict["obs"])
        head = None
        if head is None:
            self.head = None
        return self.pi(x), state
    ''',
])
def test_no_build_no_finding_and_the_rewrite_stays_converted(body):
    outcome = rewrite(body)
    assert lazy_findings(outcome) == []
    assert class_status(outcome) == "converted"


def test_a_stateful_model_that_builds_lazily_is_reported_by_rlm011():
    outcome = rewrite('''
    def get_initial_state(self):
        return [torch.zeros(4)]

    def build(self):
        self.head = nn.GRUCell(4, 4)

    def forward(self, input_dict, state, seq_lens):
        x = self.trunk(input_dict["obs_flat"])
        if self.head is None:
            self.build()
            h = torch.ones_like(x)
        else:
            h = state[0]
        h = self.head(x, h)
        self._v = h.sum(-1)
        return self.pi(h), [h]

    def value_function(self):
        return self._v
    ''')
    (found,) = lazy_findings(outcome)
    assert found.code == "RLM011" and found.status == "review"
    assert "through self.build()" in found.message
    assert "the legacy value_function() returned what the building call cached" in found.message
