"""The fuzz of ``tools/fuzz_codemod.py`` in small: generated sources through the codemod with
no crash, no lost comment, no change to unrelated modules, idempotent (issue 11, "Must show").
The full run (1,200 sources) is ``python tools/fuzz_codemod.py``."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.codemod.rules import ALL_RULES, select_codes
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source
from tools.fuzz_codemod import fuzz, generated_module, legacy_with_tail, lost_markers

SEEDS = st.integers(0, 2**32 - 1)


def rewrite(text: str) -> tuple[str, list]:
    outcome = rewrite_source(text, path="gen.py", target=Target("rlmigrate"),
                             selected=select_codes(), rule_classes=ALL_RULES)
    return outcome.text, outcome.findings


@settings(max_examples=30, deadline=None)
@given(SEEDS)
def test_a_generated_module_without_legacy_api_is_parsed_and_left_alone(seed):
    source = generated_module(random.Random(seed))
    out, findings = rewrite(source.text)
    assert out == source.text
    assert [f for f in findings if f.status == "error"] == []


@settings(max_examples=25, deadline=None)
@given(SEEDS)
def test_a_legacy_fixture_with_generated_trivia_rewrites_losslessly_and_idempotently(seed):
    source = legacy_with_tail(random.Random(seed))
    out, findings = rewrite(source.text)
    assert [f for f in findings if f.status == "error"] == []
    assert lost_markers(source, out) == [] and out.endswith(source.eof_tail)
    compile(out, "gen.py", "exec")
    assert rewrite(out)[0] == out


def test_a_small_fuzz_run_through_the_worker_pool_finds_nothing():
    figures = fuzz(legacy=24, modules=16, seed=11, jobs=2)
    assert figures.files == 40
    assert (figures.crashes, figures.lost_comments, figures.lost_tails, figures.changed_unrelated,
            figures.not_idempotent, figures.not_compiling) == (0, 0, 0, 0, 0, 0), figures.problems
