"""RLM053: standard-library names Python removed are reported where used, by qualified name."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.rules.rlm053_python_removed_names import REMOVED
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "rules" / "RLM053"
HEADER = "from ray.rllib.policy.policy import Policy  # noqa: F401\n"


def findings(text: str):
    outcome = rewrite_source(text, path="m.py", target=Target("rlmigrate"),
                             selected=frozenset({"RLM053"}), rule_classes=ALL_RULES)
    assert outcome.text == text  # reported, never rewritten
    return [(f.line, f.status, f.message) for f in outcome.findings if f.code == "RLM053"]


def test_each_use_is_reported_once_with_the_version_and_the_successor():
    found = findings((FIXTURE / "before.py").read_text())
    assert [line for line, _, _ in found] == [12, 13, 15, 19]
    assert all(status == "manual" for _, status, _ in found)
    clock = found[0][2]
    assert clock.startswith("time.clock was removed in Python 3.8")
    assert "time.perf_counter()" in clock and "time.process_time()" in clock and "3.8-3.11" in clock
    assert found[2][2].startswith("fractions.gcd was removed in Python 3.9: ")
    assert "collections.abc.Mapping" in found[3][2]


def test_todays_names_and_lookalike_attributes_are_not_reported():
    assert findings((FIXTURE / "unchanged.py").read_text()) == []


@given(st.sampled_from(sorted(REMOVED)), st.sampled_from(["attribute", "from-import", "alias"]))
def test_every_removed_name_is_found_however_it_is_imported(qualified, how):
    module, _, name = qualified.rpartition(".")
    if how == "attribute":
        text = f"import {module}\n{HEADER}\nvalue = {module}.{name}\n"
    elif how == "from-import":
        text = f"from {module} import {name}\n{HEADER}\nvalue = {name}\n"
    else:
        text = f"import {module} as renamed\n{HEADER}\nvalue = renamed.{name}\n"
    found = findings(text)
    assert len(found) == 1 and found[0][0] == 4
    assert found[0][2].startswith(f"{qualified} was removed in Python {REMOVED[qualified][0]}")
