"""Text inside a converted model class that the rewrite made wrong.

The rewrite keeps comments, docstrings and assert messages as they are (a person owns the
wording), so after ``__init__`` → ``setup()``, ``forward(input_dict, ...)`` →
``_forward(batch)`` and ``value_function()`` → ``compute_values(batch)`` some of that text
names what is gone. These helpers find it; the converter reports each place (review).
"""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.nodes import walk
from rlmigrate.codemod.rules._model_kinds import ModelAnalysis

#: words in a docstring or an assert message that the rewrite makes wrong
STALE_TERMS = ("ModelV2", "__init__", "input_dict", "value_function", "seq_lens")
#: words in a comment that the rewrite makes wrong (comments name local variables freely,
#: and commented-out code is not prose, so only the legacy base class counts)
STALE_COMMENT_TERMS = ("ModelV2",)


def stale_terms(text: str, terms: tuple[str, ...] = STALE_TERMS) -> list[str]:
    """The ``terms`` that occur in ``text``, sorted."""
    return sorted(term for term in terms if term in text)


def converted_methods(a: ModelAnalysis, with_value: bool) -> list[cst.FunctionDef]:
    """The methods the rewrite renames (``__init__``, forward, ``value_function``)."""
    names = {"__init__", a.forward_name} | ({"value_function"} if with_value else set())
    return [m for name, m in a.methods.items() if name in names]


def stale_text(a: ModelAnalysis, with_value: bool) -> list[tuple[cst.CSTNode, list[str]]]:
    """Asserts kept in converted methods whose message names a stale term, and comments
    there that name the legacy base class (one walk of each method)."""
    from rlmigrate.codemod.rules._model_analysis import _walk  # the analysis's cached walk

    found: list[tuple[cst.CSTNode, list[str]]] = []
    for method in converted_methods(a, with_value):
        for node in _walk(method):
            if isinstance(node, cst.Comment):
                terms = stale_terms(node.value, STALE_COMMENT_TERMS)
            elif isinstance(node, cst.Assert) and node not in a.value_guards and node.msg is not None:
                text = " ".join(s.value for s in walk(node.msg)
                                if isinstance(s, (cst.SimpleString, cst.FormattedStringText)))
                terms = stale_terms(text)
            else:
                continue
            if terms:
                found.append((node, terms))
    return found
