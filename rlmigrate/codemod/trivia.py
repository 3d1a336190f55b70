"""The trailing run of comment-only and blank lines of a source text, cut off before parsing.

Why: libcst 1.x loses a comment line at the end of a file when the lines after the last
statement mix tab and space indentation differently from the block above (``"\\t# c\\n\\t\\n"``
after a 4-space class body prints back as ``"\\t\\n"``). Those lines hold no code, so the
transform parses the text without them and appends them back byte for byte.

Why the cut is safe: every cut line is blank or starts (after spaces, tabs, form feeds) with
``#``. Such a line could only mean something else inside a string or a backslash continuation
begun above it; then the text before the cut has an unterminated string or a dangling ``\\``
and does not parse on its own, and the transform falls back to parsing the whole text.
"""

from __future__ import annotations

import re

_TRIVIA = re.compile(r"[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n)?")


def split_trailing_trivia(text: str) -> tuple[str, str]:
    """``(code, tail)`` with ``code + tail == text``; ``tail`` is the longest run of whole
    blank or comment-only lines at the end of ``text``.

    Example:
        >>> split_trailing_trivia("x = 1\\n\\t# done\\n\\t\\n")
        ('x = 1\\n', '\\t# done\\n\\t\\n')
    """
    end = len(text)
    while end > 0:
        start = _line_start(text, end)
        if _TRIVIA.fullmatch(text, start, end) is None:
            break
        end = start
    return text[:end], text[end:]


def _line_start(text: str, end: int) -> int:
    """Start of the physical line that ends at ``end`` (``end`` is just past its newline)."""
    body_end = end
    if text.endswith("\r\n", 0, end):
        body_end -= 2
    elif text.endswith(("\n", "\r"), 0, end):
        body_end -= 1
    return max(text.rfind("\n", 0, body_end), text.rfind("\r", 0, body_end)) + 1
