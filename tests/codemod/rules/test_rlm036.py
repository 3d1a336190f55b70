"""RLM036: build_torch_policy(...) becomes build_policy_class(..., framework="torch") only when
every use is a call whose arguments Ray 2.10's build_policy_class takes."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.codemod import ray_renames as rn
from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

ROOT = Path(__file__).resolve().parents[3]
# the oracle venv's Ray 2.10 (tools/oracle/setup.sh), or RAY_2_10_SITE=<its site-packages>
SITE = Path(os.environ.get("RAY_2_10_SITE") or ROOT / "tools/oracle/.venv/lib/python3.11/site-packages")
ORACLE_TEMPLATE = SITE / "ray" / "rllib" / "policy" / "policy_template.py"


def modernize(text: str, codes: frozenset[str] = frozenset({"RLM036"})):
    outcome = rewrite_source(text, path="p.py", target=Target("rlmigrate"), selected=codes,
                             rule_classes=ALL_RULES)
    return outcome.text, [(f.line, f.status, f.message) for f in outcome.findings if f.code == "RLM036"]


def _call_of(text: str, name: str) -> ast.Call:
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            return node
    raise AssertionError(f"no call of {name}")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(sorted(rn.BUILD_POLICY_CLASS_KEYWORDS)), max_size=5, unique=True),
       st.booleans(), st.sampled_from(["ray.rllib.policy.torch_policy_template", "ray.rllib.policy"]),
       st.booleans())
def test_a_call_with_keywords_ray_2_10_takes_becomes_build_policy_class(keywords, positional, module, multiline):
    name = '"P"' if positional else 'name="P"'
    sep = ",\n    " if multiline else ", "
    args = sep.join([name, *(f"{k}=f{i}" for i, k in enumerate(keywords))])
    head = f"from {module} import build_torch_policy\n\n"
    text = head + f"P = build_torch_policy({args})\n"
    out, found = modernize(text)
    new_module = rn.BUILD_POLICY_CLASS_FROM[module]
    assert out.startswith(f"from {new_module} import build_policy_class\n")
    call = _call_of(out, "build_policy_class")
    before = _call_of(text, "build_torch_policy")
    assert [ast.dump(a) for a in call.args] == [ast.dump(a) for a in before.args]
    got = [(k.arg, ast.dump(k.value)) for k in call.keywords]
    want = [(k.arg, ast.dump(k.value)) for k in before.keywords]
    at = 0 if positional else 1
    assert got == [*want[:at], ("framework", ast.dump(ast.Constant("torch"))), *want[at:]]
    assert all(status == "converted" for _, status, _ in found) and len(found) == 2
    assert modernize(out) == (out, [])  # a second run changes nothing


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[a-z_]{3,20}", fullmatch=True))
def test_a_keyword_ray_2_10_does_not_take_blocks_the_whole_file(keyword):
    if keyword in rn.BUILD_POLICY_CLASS_KEYWORDS or keyword in ("name", "framework"):
        return
    text = ("from ray.rllib.policy.torch_policy_template import build_torch_policy\n\n"
            f"A = build_torch_policy(name=\"A\", loss_fn=f)\nB = build_torch_policy(name=\"B\", {keyword}=g)\n")
    out, found = modernize(text)
    assert out == text
    assert [(line, status) for line, status, _ in found] == [(4, "manual")]
    assert f"is called with {keyword}, which Ray 2.10's build_policy_class does not take" in found[0][2]


@pytest.mark.parametrize("use, problem", [
    ("X = build_torch_policy", "is used other than called"),
    ("X = build_torch_policy(**options)", "*args/**kwargs"),
    ('X = build_torch_policy("X", my_loss)', "positional arguments after the name"),
    ('X = build_torch_policy(name="X", framework="torch")', "framework="),
])
def test_uses_that_cannot_be_respelled_are_reported_and_nothing_changes(use, problem):
    text = f"from ray.rllib.policy.torch_policy_template import build_torch_policy\n\n{use}\n"
    out, found = modernize(text)
    assert out == text
    assert len(found) == 1 and found[0][1] == "manual" and problem in found[0][2]


def test_an_alias_keeps_its_local_name():
    text = ("from ray.rllib.policy.torch_policy_template import build_torch_policy as make\n\n"
            'P = make(name="P", loss_fn=f)\n')
    out, _ = modernize(text)
    assert out == ("from ray.rllib.policy.policy_template import build_policy_class as make\n\n"
                   'P = make(name="P", framework="torch", loss_fn=f)\n')


def test_together_with_rlm035_the_file_imports_only_ray_2_10_names():
    text = ("from ray.rllib.policy import Policy, build_torch_policy\n"
            "from ray.rllib.utils.typing import TrainerConfigDict\n\n\n"
            "def opt(policy: Policy, config: TrainerConfigDict):\n    return None\n\n\n"
            'P = build_torch_policy(name="P", loss_fn=f, optimizer_fn=opt)\n')
    out, _ = modernize(text, frozenset({"RLM035", "RLM036"}))
    assert out == ("from ray.rllib.policy import Policy, build_policy_class\n"
                   "from ray.rllib.utils.typing import AlgorithmConfigDict\n\n\n"
                   "def opt(policy: Policy, config: AlgorithmConfigDict):\n    return None\n\n\n"
                   'P = build_policy_class(name="P", framework="torch", loss_fn=f, optimizer_fn=opt)\n')
    for node in ast.walk(ast.parse(out)):
        if isinstance(node, ast.ImportFrom):
            assert all(rn.name_in_2_10(node.module, a.name) for a in node.names)


@pytest.mark.skipif(not ORACLE_TEMPLATE.is_file(), reason="the Ray 2.10 oracle venv is not built here")
def test_the_keyword_list_is_ray_2_10s():
    tree = ast.parse(ORACLE_TEMPLATE.read_text())
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "build_policy_class")
    assert [a.arg for a in func.args.args] == ["name", "framework"]
    assert {a.arg for a in func.args.kwonlyargs} == rn.BUILD_POLICY_CLASS_KEYWORDS


@pytest.mark.parametrize("call, expected", [
    ('P = build_torch_policy(\n    name="P",\n)\n', 'P = build_policy_class(\n    name="P",\n    framework="torch",\n)\n'),
    ('P = build_torch_policy("P")\n', 'P = build_policy_class("P", framework="torch")\n'),
    ('P = build_torch_policy(\n    "P",\n    loss_fn=f,\n)\n',
     'P = build_policy_class(\n    "P",\n    framework="torch",\n    loss_fn=f,\n)\n'),
    ('P = build_torch_policy(loss_fn=f, name="P")\n', 'P = build_policy_class(framework="torch", loss_fn=f, name="P")\n'),
])
def test_the_framework_keyword_follows_the_calls_own_layout(call, expected):
    head = "from ray.rllib.policy.torch_policy_template import build_torch_policy\n\n"
    out, _ = modernize(head + call)
    assert out == head.replace("torch_policy_template import build_torch_policy",
                               "policy_template import build_policy_class") + expected
