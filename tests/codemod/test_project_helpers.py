"""project_helpers: what the run's top-level functions read from a parameter, followed through
the helpers they pass it on to (in the same file or another), and every use it cannot follow."""

from __future__ import annotations

import ast
import keyword

from hypothesis import given
from hypothesis import strategies as st

from rlmigrate.codemod.project_helpers import scan_helpers
from rlmigrate.codemod.project_index import build_index


def reads(source: str, function: str, param: str):
    return dict(scan_helpers(ast.parse(source))[function].uses)[param]


def test_attribute_reads_are_first_components():
    use = reads("def f(policy, batch):\n    return policy.config.get('x'), policy.model.side(batch)\n", "f", "policy")
    assert use.attrs == {"config", "model"} and use.opaque is None and use.passes == ()


def test_passing_on_records_the_callee_and_the_position_or_keyword():
    use = reads("def f(policy):\n    g(policy)\n    h(1, p=policy)\n", "f", "policy")
    assert use.passes == (("g", 0), ("h", "p"))


def test_uses_that_cannot_be_followed_are_opaque():
    assert reads("def f(p):\n    p.x = 1\n", "f", "p").opaque == "sets p.x"
    assert reads("def f(p):\n    return p\n", "f", "p").opaque.startswith("uses p as a value")
    assert reads("def f(p):\n    obj.m(p)\n", "f", "p").opaque == "passes p to obj.m()"
    assert reads("def f(p):\n    p = 2\n", "f", "p").opaque == "rebinds p"


_NAMES = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(lambda n: not keyword.iskeyword(n))


@given(st.sets(_NAMES, max_size=5))
def test_the_attributes_read_are_exactly_those_written(attributes):
    body = "".join(f"    _ = policy.{a}.inner\n" for a in sorted(attributes)) or "    pass\n"
    assert reads(f"def f(policy):\n{body}", "f", "policy").attrs == attributes


def test_reads_follow_helpers_across_files(tmp_path):
    (tmp_path / "helpers.py").write_text(
        "def inner(pol, batch):\n    return pol.model.side, pol.config\n\n"
        "def outer(policy, batch):\n    return inner(policy, batch)\n\n"
        "def writer(policy):\n    policy.counter = 1\n")
    (tmp_path / "policy.py").write_text(
        "from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2\nfrom helpers import outer, writer\n\n"
        "def local(policy):\n    return outer(policy, None), policy.observation_space\n\n"
        "class P(TorchPolicyV2):\n    pass\n")
    index = build_index([(p, tmp_path) for p in sorted(tmp_path.glob("*.py"))])
    helpers = index.policy_view(str(tmp_path / "policy.py")).helpers
    assert helpers["outer"].for_argument(0) == (frozenset({"model", "config"}), None)
    assert helpers["local"].for_argument("policy") == (frozenset({"model", "config", "observation_space"}), None)
    assert helpers["writer"].for_argument(0)[1] == "writer() sets policy.counter"
    assert helpers["outer"].where == "helpers.py:4"
