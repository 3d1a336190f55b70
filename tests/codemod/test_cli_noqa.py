"""``# noqa`` / ``# noqa: RLMxxx``: suppressed findings, and suppressed rewrites not applied."""

from __future__ import annotations

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, PositionProvider

from rlmigrate.codemod.noqa import Directive, directives, parse_comment
from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

from .test_cli_output import LEGACY, cli

ALL = frozenset(rule.code for rule in ALL_RULES)
HEADER = '''\
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
import torch.nn as nn
'''
MODEL = '''

class {name}(TorchModelV2, nn.Module):{comment}
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.pi = nn.Linear(obs_space.shape[0], num_outputs)

    def forward(self, input_dict, state, seq_lens):
        return self.pi(input_dict["obs"]), state
'''


def rewrite(text: str, selected=ALL):
    return rewrite_source(text, path="m.py", target=Target("rlmigrate"), selected=selected,
                          rule_classes=ALL_RULES)


# The rules these tests are about; other rules (a catch-all for legacy imports left in a file,
# say) may add findings of their own, which these tests do not pin down.
ABOUT = ("RLM001", "RLM002", "RLM020", "RLM021", "RLM060", "RLM064")


def about(findings):
    """The findings of the codes in :data:`ABOUT`."""
    return [f for f in findings if f.code in ABOUT]


@pytest.mark.parametrize("comment, parsed", [
    ("# noqa", Directive(None)),
    ("#NOQA", Directive(None)),
    ("# noqa: RLM001", Directive(frozenset({"RLM001"}))),
    ("# noqa:RLM001,rlm064", Directive(frozenset({"RLM001", "RLM064"}))),
    ("# noqa: RLM001 RLM064", Directive(frozenset({"RLM001", "RLM064"}))),
    ("# type: ignore  # noqa: RLM002", Directive(frozenset({"RLM002"}))),
    ("# noqa:", None),  # no codes after the colon: not a directive (as Ruff)
    ("# noqanother", None),
    ("# a comment", None),
])
def test_parse_comment(comment, parsed):
    assert parse_comment(comment) == parsed


def test_class_line_noqa_keeps_that_class_and_silences_it():
    text = HEADER + MODEL.format(name="Kept", comment="  # noqa: RLM001") + MODEL.format(name="Moved", comment="")
    out = rewrite(text)
    kept_source = MODEL.format(name="Kept", comment="  # noqa: RLM001")
    assert kept_source in out.text  # byte for byte
    assert "class Moved(TorchRLModule):" in out.text
    assert "from ray.rllib.models.torch.torch_modelv2 import TorchModelV2" in out.text  # still used
    assert [(f.code, f.message.split(":")[0]) for f in about(out.findings)] == [("RLM001", "Moved")]
    compile(out.text, "m.py", "exec")
    assert rewrite(out.text).text == out.text  # idempotent


def test_bare_noqa_and_a_header_spread_over_lines():
    multi = MODEL.format(name="Kept", comment="").replace(
        "class Kept(TorchModelV2, nn.Module):", "class Kept(\n    TorchModelV2,\n    nn.Module,\n):  # noqa")
    out = rewrite(HEADER + multi)
    assert out.text == HEADER + multi and about(out.findings) == []


def test_a_noqa_for_another_code_changes_nothing():
    text = HEADER + MODEL.format(name="M", comment="  # noqa: RLM064")
    out = rewrite(text)
    assert "class M(TorchRLModule):" in out.text
    assert [f.code for f in about(out.findings)] == ["RLM001"]


def test_noqa_inside_a_converted_class_keeps_the_whole_class_with_a_note():
    source = (LEGACY / "mlp.py").read_text()
    marked = source.replace("    def value_function(self):", "    def value_function(self):  # noqa: RLM002")
    out = rewrite(marked)
    assert out.text == marked  # a half-converted class would not run: nothing changes
    (note,) = about(out.findings)
    line = marked.splitlines().index("    def value_function(self):  # noqa: RLM002") + 1
    assert note.status == "manual" and note.code == "RLM001"
    assert f"noqa` on line {line}" in note.message and "RLM002" in note.message


def test_suppressing_a_manual_finding_only_hides_it():
    source = (LEGACY / "tf_model.py").read_text()
    (finding,) = about(rewrite(source).findings)
    lines = source.splitlines(keepends=True)
    lines[finding.line - 1] = lines[finding.line - 1].rstrip("\n") + "  # noqa: RLM060\n"
    out = rewrite("".join(lines))
    assert about(out.findings) == [] and out.text == "".join(lines)


def test_kept_model_class_keeps_the_configs_that_name_it():
    source = (LEGACY / "register_config.py").read_text()
    marked = source.replace("class TinyModel(TorchModelV2, nn.Module):",
                            "class TinyModel(TorchModelV2, nn.Module):  # noqa: RLM001")
    out = rewrite(marked)
    assert out.text == marked
    assert {f.code: f.status for f in about(out.findings)} == {"RLM020": "manual", "RLM021": "manual"}


def test_noqa_on_a_config_keeps_only_that_config():
    source = (LEGACY / "register_config.py").read_text()
    marked = source.replace('    "model": {\n', '    "model": {  # noqa: RLM021\n')
    out = rewrite(marked)
    assert "class TinyModel(TorchRLModule):" in out.text
    assert '"custom_model": "tiny",' in out.text and "RLModuleSpec" not in out.text
    # the kept config still names "tiny": a module generated for a policy on it finds the
    # converted class in rlmigrate's registry (ModelCatalog cannot build an RLModule)
    assert 'register_custom_module("tiny", TinyModel)' in out.text
    assert "RLM021" not in {f.code for f in out.findings}


def test_cli_reports_and_writes_nothing_for_a_fully_suppressed_file(tmp_path, monkeypatch):
    text = HEADER + MODEL.format(name="Kept", comment="  # noqa")
    (tmp_path / "m.py").write_text(text)
    monkeypatch.chdir(tmp_path)
    code, out, _, result = cli(["rewrite", "--check", "--diff", "m.py"])
    assert (code, about(result.findings)) == (0, []) and out == ""


# ------------------------------------------------------------------------ property
_COMMENTS = st.sampled_from(["", "  # noqa", "  # noqa: RLM001", "  # noqa: RLM064",
                             "  # noqa: RLM064, RLM001", "  # a comment", "  # NOQA:rlm001"])


@settings(max_examples=25, deadline=None)
@given(comments=st.lists(_COMMENTS, min_size=1, max_size=4))
def test_noqa_placement_property(comments):
    """Each class is kept byte for byte exactly when its line's noqa covers RLM001; no finding
    is reported on a suppressed line; the output compiles and a second run changes nothing."""
    names = [f"M{i}" for i in range(len(comments))]
    text = HEADER + "".join(MODEL.format(name=n, comment=c) for n, c in zip(names, comments))
    out = rewrite(text)
    compile(out.text, "m.py", "exec")
    by_line = directives(cst.parse_module(text))
    for name, comment in zip(names, comments):
        directive = parse_comment(comment.strip()) if comment else None
        suppressed = directive is not None and directive.covers("RLM001")
        assert (MODEL.format(name=name, comment=comment) in out.text) == suppressed, (name, comment)
        assert (f"class {name}(TorchRLModule):" in out.text) == (not suppressed)
    for finding in out.findings:
        assert finding.line not in by_line or not by_line[finding.line].covers(finding.code)
    assert rewrite(out.text).text == out.text


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.sampled_from(["x = 1", "def f():\n    return 2", "if x:\n    y = 3",
                                       "z = (\n    1,\n)", "class C:\n    pass"]), min_size=1, max_size=6),
       marks=st.lists(st.booleans(), min_size=6, max_size=6))
def test_directive_lines_are_libcst_positions(lines, marks):
    """The lines noqa.directives reports are PositionProvider's lines of the comments."""
    statements = []
    for stmt, mark in zip(lines, marks):
        first, *rest = stmt.split("\n")
        statements.append("\n".join([first + ("  # noqa: RLM001" if mark else ""), *rest]))
    module = cst.parse_module("\n".join(statements) + "\n")
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    expected = {positions[node].start.line for node in positions if isinstance(node, cst.Comment)}
    # every header here fits on one line, so a header comment adds no other line
    assert set(directives(module)) == expected


@pytest.mark.parametrize("comment", ["  # noqa: RLM050", "  # noqa"])
def test_noqa_on_a_legacy_import_keeps_it_when_it_becomes_unused(comment):
    plain = "from ray.rllib.models.torch.torch_modelv2 import TorchModelV2"
    text = HEADER + MODEL.format(name="M", comment="")
    assert plain not in rewrite(text).text  # without the comment RLM050 drops it
    out = rewrite(text.replace(plain, plain + comment))
    assert "class M(TorchRLModule):" in out.text
    assert plain + comment + "\n" in out.text  # a re-export, say: kept
    assert rewrite(out.text).text == out.text


def test_noqa_on_a_multi_line_import_covers_all_its_names():
    text = ("from ray.rllib.models.torch.torch_modelv2 import (\n    TorchModelV2,\n)  # noqa\n"
            "import torch.nn as nn\n" + MODEL.format(name="M", comment=""))
    out = rewrite(text)
    assert "class M(TorchRLModule):" in out.text and "    TorchModelV2,\n)  # noqa\n" in out.text


def test_a_kept_model_class_keeps_its_subclasses_in_the_file():
    base = MODEL.format(name="Base", comment="  # noqa: RLM001")
    child = '''

class Child(Base):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        super().__init__(obs_space, action_space, num_outputs, model_config, name)
        self.extra = nn.Linear(2, 2)
'''
    text = HEADER + base + child
    out = rewrite(text)
    assert out.text == text  # a subclass of a legacy class stays legacy
    compile(out.text, "m.py", "exec")
