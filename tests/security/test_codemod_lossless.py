"""Every comment and blank line outside the rewritten nodes survives a rewrite, tabs included
(issue 11, item 4), and a parse that would lose text refuses the file instead (RLM909)."""

from __future__ import annotations

import random
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.codemod import transform as transform_mod
from rlmigrate.codemod.engine import RunOptions, process_file
from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source
from tools.fuzz_codemod import (
    LEGACY_SOURCES,
    Generated,
    _Counter,
    insert_trivia,
    lost_markers,
    trivia_block,
)

LOSSY_PARSE = "RLM909"  # a literal: these tests also run (and fail) on the code from before it
ROOT = Path(__file__).resolve().parents[2]
MLP = (ROOT / "fixtures" / "legacy" / "mlp.py").read_text()


def rewrite(text: str) -> str:
    return rewrite_source(text, path="m.py", target=Target("rlmigrate"), selected=select_codes(),
                          rule_classes=ALL_RULES).text


def test_tab_indented_comment_after_a_rewritten_class_survives(tmp_path):
    # The reproducer: libcst 1.x prints this tail back as "\t\n".
    tail = "\t# COMMENT_A\n\t\n"
    file = tmp_path / "mlp.py"
    file.write_text(MLP + tail)
    result = process_file(file, tmp_path, RunOptions())
    out = file.read_text()
    assert result.written and "TorchRLModule" in out
    assert out.endswith("squeeze(1)\n" + tail)


def test_comment_above_a_removed_legacy_import_survives():
    text = MLP.replace("from ray.rllib.utils.annotations import override\n",
                       "# COMMENT_B: why we override\nfrom ray.rllib.utils.annotations import override\n")
    out = rewrite(text)
    assert "ray.rllib.utils.annotations" not in out and "# COMMENT_B: why we override\n" in out


def test_comment_above_the_removed_legacy_init_call_survives():
    text = MLP.replace("        TorchModelV2.__init__(",
                       " \t  # COMMENT_C: legacy base first\n        TorchModelV2.__init__(")
    out = rewrite(text)
    assert "TorchModelV2.__init__" not in out and "# COMMENT_C: legacy base first" in out
    assert rewrite(out) == out


def test_a_lossy_parse_refuses_the_file_instead_of_dropping_text(tmp_path, monkeypatch):
    # Without the trailing-trivia cut libcst drops the comment; the guard must catch that.
    monkeypatch.setattr(transform_mod, "split_trailing_trivia", lambda text: (text, ""))
    file = tmp_path / "mlp.py"
    file.write_text(MLP + "\t# COMMENT_A\n\t\n")
    result = process_file(file, tmp_path, RunOptions())
    assert result.status == "error" and result.findings[0].code == LOSSY_PARSE
    assert file.read_text() == MLP + "\t# COMMENT_A\n\t\n"


@st.composite
def legacy_with_generated_trivia(draw):
    """A legacy fixture with comment/blank blocks (tabs, spaces, form feeds) inserted at
    statement boundaries and after the end, sometimes before another class."""
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    name = draw(st.sampled_from(sorted(LEGACY_SOURCES)))
    markers: list[str] = []
    text, tail = insert_trivia(LEGACY_SOURCES[name], rng, _Counter(), markers,
                               blocks=draw(st.integers(0, 3)))
    if draw(st.booleans()):
        text, tail = text.replace("\n", "\r\n"), tail.replace("\n", "\r\n")
    return Generated(text=text, markers=markers, eof_tail=tail)


@settings(max_examples=30, deadline=None)
@given(legacy_with_generated_trivia())
def test_generated_comment_blocks_survive_the_rewrite(source):
    out = rewrite(source.text)
    assert lost_markers(source, out) == []
    assert out.endswith(source.eof_tail)
    compile(out, "m.py", "exec")
    assert rewrite(out) == out


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_any_generated_tail_after_the_class_is_kept_verbatim(seed):
    markers: list[str] = []
    tail = trivia_block(random.Random(seed), _Counter(), markers)
    out = rewrite(MLP + tail)
    assert out.endswith(tail) and all(re.search(re.escape(m) + r"(?!\d)", out) for m in markers)


def test_comments_inside_a_regenerated_distribution_method_survive():
    source = LEGACY_SOURCES["custom_dist.py"]
    marker = "# COMMENT_D: argmax over the last axis"
    line = next(x for x in source.splitlines() if "self.last_sample = " in x)
    indent = line[: len(line) - len(line.lstrip())]
    out = rewrite(source.replace(line, f"{indent}{marker}\n{line}", 1))
    assert "def to_deterministic" in out and marker in out
    assert rewrite(out) == out


def test_whitespace_lines_between_a_rebuilt_class_and_the_next_one_survive():
    between = " \t\n    \t \t\t\n\n\nclass After:\n    pass\n"
    for name, source in LEGACY_SOURCES.items():
        out = rewrite(source + between)
        assert out.endswith(between), name
        assert rewrite(out) == out, name


def test_comments_inside_a_removed_compound_statement_or_call_survive():
    """A statement the rewrite removes whole (an ``if`` holding only a dropped view requirement,
    a legacy ``super().__init__(...)`` call) hands on the comment lines inside it, not only those
    above it (found by the generated-trivia property above)."""
    source = LEGACY_SOURCES["masked_recurrent_forward.py"]
    line = next(x for x in source.splitlines() if "self.view_requirements[" in x)
    indent = line[: len(line) - len(line.lstrip())]
    text = source.replace(line, f"{indent}# COMMENT_E: the GRU needs the previous action\n{line}", 1)
    out = rewrite(text)
    assert "self.view_requirements" not in out and "# COMMENT_E: the GRU needs the previous action" in out
    assert rewrite(out) == out
    init = MLP.replace("TorchModelV2.__init__(", "TorchModelV2.__init__(\n            # COMMENT_F: kept args\n", 1)
    out = rewrite(init)
    assert "TorchModelV2.__init__" not in out and "# COMMENT_F: kept args" in out
    assert rewrite(out) == out
