"""The trailing comment/blank lines cut off before parsing: exact, and only whole trivia lines."""

from __future__ import annotations

from hypothesis import assume, example, given
from hypothesis import strategies as st

from rlmigrate.codemod.trivia import split_trailing_trivia

LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])
TRIVIA_LINE = st.builds(
    lambda indent, comment, end: indent + comment + end,
    st.text(" \t\f", max_size=6), st.sampled_from(["", "# c", "#", "# x = 'q' \\"]), LINE_ENDS,
)


@given(st.text(alphabet="x=1 \t\n\r#'\"\\\f", max_size=60))
def test_code_and_tail_always_rebuild_the_text(text):
    code, tail = split_trailing_trivia(text)
    assert code + tail == text


@given(st.lists(TRIVIA_LINE, max_size=6), LINE_ENDS)
@example(["\n"], "\r\n")
def test_the_tail_is_exactly_the_trailing_trivia_lines(lines, end):
    code = "class A:\n    x = 1" + end
    tail = "".join(lines)
    # a "\r" code-line end followed by an empty "\n" line is one "\r\n" end, not two lines
    assume(not (end == "\r" and tail.startswith("\n")))
    assert split_trailing_trivia(code + tail) == (code, tail)


def test_a_code_line_ends_the_tail_and_form_feeds_are_not_line_breaks():
    assert split_trailing_trivia("x = 1\n# a\ny = 2\n# b\n") == ("x = 1\n# a\ny = 2\n", "# b\n")
    assert split_trailing_trivia("x = 1\n\fy = 2\n") == ("x = 1\n\fy = 2\n", "")
    assert split_trailing_trivia("# only\n\n") == ("", "# only\n\n")
    assert split_trailing_trivia("x = 1") == ("x = 1", "")


def test_comment_like_lines_that_close_a_string_are_parsed_with_it():
    from pathlib import Path

    from rlmigrate.codemod.rules import ALL_RULES, select_codes
    from rlmigrate.codemod.targets import Target
    from rlmigrate.codemod.transform import rewrite_source

    mlp = (Path(__file__).resolve().parents[2] / "fixtures" / "legacy" / "mlp.py").read_text()
    text = mlp + 'NOTE = """\n# looks like a comment """\n'
    out = rewrite_source(text, path="m.py", target=Target("rlmigrate"), selected=select_codes(),
                         rule_classes=ALL_RULES).text
    assert "TorchRLModule" in out and out.endswith('NOTE = """\n# looks like a comment """\n')
