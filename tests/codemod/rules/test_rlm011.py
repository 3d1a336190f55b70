"""RLM011: which classes it takes over from RLM001/RLM010, what it rewrites, and how precisely
it says why a class stays manual (construct, line, what replaces it)."""

from __future__ import annotations

import re
import textwrap

import pytest

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

HEAD = """\
import torch
import torch.nn as nn
from ray.rllib.models.torch.recurrent_net import RecurrentNetwork
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from ray.rllib.policy.rnn_sequencing import add_time_dimension
from ray.rllib.policy.sample_batch import SampleBatch
from ray.rllib.policy.view_requirement import ViewRequirement
"""

MASKED = HEAD + textwrap.dedent("""
    class Masked(RecurrentNetwork, nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            nn.Module.__init__(self)
            super().__init__(obs_space, action_space, num_outputs, model_config, name)
            self.gru = nn.GRU(3, 4, batch_first=True)
            self.pi = nn.Linear(4, num_outputs)
            if model_config["lstm_use_prev_reward"]:
                self.view_requirements[SampleBatch.PREV_REWARDS] = ViewRequirement(SampleBatch.REWARDS, shift=-1)

        def get_initial_state(self):
            return [torch.zeros(4)]

        def forward(self, input_dict, state, seq_lens):
            x = add_time_dimension(input_dict["obs"]["x"], seq_lens=seq_lens, framework="torch", time_major=self.time_major)
            out, h = self.gru(x, state[0].unsqueeze(0))
            return self.pi(out).reshape(-1, self.num_outputs) + input_dict["obs"]["mask"].log(), [h.squeeze(0)]
""")


def rewrite(text: str, *, target: str = "rlmigrate", ignore: tuple[str, ...] = ()):
    return rewrite_source(text, path="case.py", target=Target(target), selected=select_codes(ignore=ignore),
                          rule_classes=ALL_RULES)


def class_finding(outcome, line: int):
    found = [f for f in outcome.findings if f.line == line and f.code in ("RLM001", "RLM010", "RLM011")]
    # a class left manual also has its class-line blockers (e.g. no forward_rnn()) reported there
    found = [f for f in found if "left unchanged" in f.message] or found
    assert len(found) == 1, [(f.code, f.message) for f in outcome.findings if f.line == line]
    return found[0]


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_forward_override_is_kept_with_its_inputs_bound_from_the_batch():
    outcome = rewrite(MASKED)
    text = outcome.text
    assert "input_dict, state, seq_lens = legacy_forward_args(batch, self.observation_space, self.model_config)" in text
    assert "return legacy_forward_outputs(batch, (self.pi(out)" in text
    assert "from rlmigrate.models.torch.legacy_inputs import add_time_dimension" in text
    assert "ray.rllib.policy.rnn_sequencing" not in text
    assert "self.time_major = False" in text
    assert 'return {"0": torch.zeros(4)}' in text
    finding = class_finding(outcome, line_of(MASKED, "class Masked"))
    assert (finding.code, finding.status) == ("RLM011", "review")


def test_a_view_requirement_forward_never_reads_is_dropped_with_its_if():
    outcome = rewrite(MASKED)
    assert "view_requirements" not in outcome.text and "lstm_use_prev_reward\"]:" not in outcome.text
    assert "ViewRequirement" not in outcome.text  # its import went with it
    dropped = [f for f in outcome.findings if f.code == "RLM011" and "'prev_rewards' dropped" in f.message]
    assert dropped and dropped[0].line == line_of(MASKED, "self.view_requirements[")
    assert not [f for f in outcome.findings if f.code == "RLM061"]


def test_the_rewrite_compiles_and_is_a_fixed_point():
    first = rewrite(MASKED).text
    compile(first, "case.py", "exec")
    assert rewrite(first).text == first


def test_without_rlm011_the_class_stays_manual_with_its_blocking_line():
    outcome = rewrite(MASKED, ignore=("RLM011",))
    assert outcome.text == MASKED
    finding = class_finding(outcome, line_of(MASKED, "class Masked"))
    assert finding.status == "manual"
    assert re.search(rf"line {line_of(MASKED, 'def forward')} \[RLM\d{{3}}\] RecurrentNetwork subclass overrides forward\(\)",
                     finding.message), finding.message


def test_target_ray_keeps_the_class_and_says_which_helper_is_missing():
    outcome = rewrite(MASKED, target="ray")
    assert "class Masked(RecurrentNetwork, nn.Module)" in outcome.text
    finding = class_finding(outcome, line_of(MASKED, "class Masked"))
    assert finding.status == "manual" and "legacy_forward_args" in finding.message
    assert f"line {line_of(MASKED, 'def forward')}" in finding.message


FRAMES = HEAD + textwrap.dedent("""
    class Frames(TorchModelV2, nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
            nn.Module.__init__(self)
            self.view_requirements["last_obs"] = ViewRequirement(data_col="obs", shift="-2:0")
            self.net = nn.Linear(9, num_outputs)

        def forward(self, input_dict, state, seq_lens):
            return self.net(input_dict["last_obs"].reshape(-1, 9)), []
""")


def test_a_read_view_requirement_is_manual_naming_the_read_and_the_connector():
    outcome = rewrite(FRAMES)
    assert outcome.text == FRAMES
    finding = class_finding(outcome, line_of(FRAMES, "class Frames"))
    assert finding.status == "manual"
    read_line = line_of(FRAMES, "self.net(input_dict")
    assert re.search(rf"line {read_line} \[RLM\d{{3}}\] forward\(\) reads input_dict\['last_obs'\]", finding.message), finding.message
    assert 'ViewRequirement(data_col="obs", shift="-2:0")' in finding.message
    assert "FrameStackingEnvToModule" in finding.message and "PrevActionsPrevRewards" in finding.message


SUPER = HEAD + textwrap.dedent("""
    class Scaled(RecurrentNetwork, nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            nn.Module.__init__(self)
            super().__init__(obs_space, action_space, num_outputs, model_config, name)
            self.gru = nn.GRU(3, 4, batch_first=True)

        def get_initial_state(self):
            return [torch.zeros(4)]

        def forward(self, input_dict, state, seq_lens):
            return super().forward(input_dict, state, seq_lens)

        def forward_rnn(self, inputs, state, seq_lens):
            out, h = self.gru(inputs, state[0].unsqueeze(0))
            return out, [h.squeeze(0)]
""")

MEMORY = HEAD + textwrap.dedent("""
    class Memory(RecurrentNetwork, nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            nn.Module.__init__(self)
            super().__init__(obs_space, action_space, num_outputs, model_config, name)
            for i in range(2):
                self.view_requirements["state_in_{}".format(i)] = ViewRequirement("state_out_{}".format(i), shift="-3:-1")

        def forward(self, input_dict, state, seq_lens):
            return input_dict["obs"], [state[0]]
""")


@pytest.mark.parametrize(
    "source, needle, words",
    [
        (SUPER, "return super().forward", ("super().forward()", "forward_rnn", "reshape")),
        (MEMORY, "self.view_requirements[", ("memory", "get_initial_state()", "explicit state")),
    ],
    ids=["super-forward", "attention-memory"],
)
def test_manual_findings_name_construct_line_and_replacement(source, needle, words):
    outcome = rewrite(source)
    assert outcome.text == source
    (cls,) = [f for f in outcome.findings if f.status == "manual" and "left unchanged" in f.message]
    assert f"line {line_of(source, needle)}" in cls.message
    for word in words:
        assert word in cls.message


def test_a_stateless_model_passing_seq_lens_on_is_converted():
    source = HEAD + textwrap.dedent("""
        class PassOn(TorchModelV2, nn.Module):
            def __init__(self, obs_space, action_space, num_outputs, model_config, name):
                TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
                nn.Module.__init__(self)
                self.net = nn.Linear(3, num_outputs)
                self._seq = None

            def forward(self, input_dict, state, seq_lens):
                self._seq = seq_lens
                return self.net(input_dict["obs_flat"]), state
    """)
    outcome = rewrite(source)
    finding = class_finding(outcome, line_of(source, "class PassOn"))
    assert (finding.code, finding.status) == ("RLM011", "review")
    assert "legacy_observation_space" not in outcome.text  # obs_space is not read: no binding


def test_forward_rnn_with_seq_lens_gets_recurrent_network_forward_written_out():
    source = HEAD + textwrap.dedent("""
        class Packed(RecurrentNetwork, nn.Module):
            def __init__(self, obs_space, action_space, num_outputs, model_config, name):
                nn.Module.__init__(self)
                super().__init__(obs_space, action_space, num_outputs, model_config, name)
                self.gru = nn.GRU(3, 4, batch_first=True)

            def get_initial_state(self):
                return [torch.zeros(4)]

            def forward_rnn(self, inputs, state, seq_lens):
                packed = nn.utils.rnn.pack_padded_sequence(inputs, seq_lens.cpu(), batch_first=True, enforce_sorted=False)
                out, h = self.gru(packed, state[0].unsqueeze(0))
                out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=inputs.shape[1])
                return out, [h.squeeze(0)]
    """)
    outcome = rewrite(source)
    text = outcome.text
    assert text.index("def _forward(self, batch, **kwargs):") < text.index("def forward_rnn(")
    assert "recurrent_network_forward(self, input_dict, state, seq_lens)" in text
    assert "self.num_outputs = " in text  # the written-out forward reshapes with it
    finding = class_finding(outcome, line_of(source, "class Packed"))
    assert (finding.code, finding.status) == ("RLM011", "review")
    assert rewrite(text).text == text
    # --target ray has no recurrent_network_forward: manual, naming forward_rnn (no forward())
    ray = rewrite(source, target="ray")
    assert "class Packed(RecurrentNetwork, nn.Module)" in ray.text
    finding = class_finding(ray, line_of(source, "class Packed"))
    assert finding.status == "manual"
    assert f"forward_rnn() (line {line_of(source, 'def forward_rnn')})" in finding.message
