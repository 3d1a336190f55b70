"""RLM059 (--target ray): imports Ray 2.40 removed are guarded, and the file then imports there."""

from __future__ import annotations

import importlib.abc
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.codemod.ray_removed import module_exists, name_exists
from rlmigrate.codemod.rules import ALL_RULES
from rlmigrate.codemod.targets import Target
from rlmigrate.codemod.transform import rewrite_source

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "rules" / "RLM059"


def _rewrite(text: str, target: str = "ray"):
    return rewrite_source(text, path="x.py", target=Target(target),
                          selected=frozenset({"RLM059", "RLM050"}), rule_classes=ALL_RULES)


class _Ray240(importlib.abc.MetaPathFinder):
    """Stands in for an installed Ray 2.40: modules of its inventory import (empty stubs that
    answer any attribute with a placeholder class), every other ``ray.*`` raises ImportError."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "ray" and not fullname.startswith("ray."):
            return None
        if fullname != "ray" and not module_exists(fullname) and fullname not in ("ray.rllib", "ray.tune"):
            raise ImportError(f"No module named {fullname!r}")
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = lambda name: _attr(spec.name, name)
        return module

    def exec_module(self, module):
        pass


def _attr(module: str, name: str):
    if not name_exists(module, name):
        raise ImportError(f"cannot import name {name!r} from {module!r}")
    return type(name, (), {"OBS": "obs", "__call__": lambda self, *a, **k: None})


@pytest.fixture
def ray_2_40(monkeypatch):
    for name in [n for n in sys.modules if n == "ray" or n.startswith("ray.")]:
        monkeypatch.delitem(sys.modules, name)
    finder = _Ray240()
    monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
    yield
    for name in [n for n in sys.modules if n == "ray" or n.startswith("ray.")]:
        sys.modules.pop(name, None)


def test_the_before_fixture_fails_to_import_on_ray_2_40_and_the_after_fixture_imports(ray_2_40):
    with pytest.raises(ImportError, match="ray.rllib.agents"):
        exec(compile((FIXTURES / "before.py").read_text(), "before.py", "exec"), {})
    namespace: dict = {}
    exec(compile((FIXTURES / "after.py").read_text(), "after.py", "exec"), namespace)
    assert namespace["PPOTrainer"] is None and namespace["build_torch_policy"] is None
    assert "MyPolicy" not in namespace and "MyTrainer" not in namespace


def test_the_rule_never_acts_for_the_rlmigrate_target():
    text = (FIXTURES / "before.py").read_text()
    assert _rewrite(text, "rlmigrate").text == text


def test_names_ray_2_40_still_has_stay_in_a_plain_import():
    text = "from ray.rllib.policy.policy_template import build_policy_class, no_such_name\n"
    out = _rewrite(text).text
    if name_exists("ray.rllib.policy.policy_template", "build_policy_class"):
        assert out.startswith("from ray.rllib.policy.policy_template import build_policy_class\ntry:\n")
    assert "    from ray.rllib.policy.policy_template import no_such_name\n" in out
    assert "    no_such_name = None\n" in out


_REMOVED = [("ray.rllib.agents.ppo", "PPOTrainer"), ("ray.rllib.policy.torch_policy_template",
            "build_torch_policy"), ("ray.rllib.agents.dqn", "DQNTrainer"),
            ("ray.rllib.policy.sample_batch", "NoSuchName")]
_KEPT = [("ray.rllib.policy.sample_batch", "SampleBatch"), ("ray.rllib.core.columns", "Columns")]


@settings(max_examples=40, deadline=None)
@given(
    modules=st.lists(st.sampled_from(_REMOVED + _KEPT), min_size=1, max_size=4, unique=True),
    uses=st.lists(st.integers(0, 3), max_size=4),
)
def test_guarded_output_compiles_and_is_idempotent(modules, uses):
    lines = [f"from {m} import {n} as name{i}" for i, (m, n) in enumerate(modules)]
    lines += [f"value{j} = name{k % len(modules)}()" for j, k in enumerate(uses)]
    lines += [f"chained{j} = [value{j}]" for j in range(len(uses))]
    text = "\n".join(lines) + "\n"
    first = _rewrite(text)
    compile(first.text, "x.py", "exec")
    assert _rewrite(first.text).text == first.text
    removed = [m for m in modules if m in _REMOVED]
    assert len([f for f in first.findings if f.code == "RLM059"]) == len(removed)
