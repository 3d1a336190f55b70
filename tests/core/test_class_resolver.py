"""The allow-list resolver: registry, already-imported modules, allowed prefixes, load scopes."""

from __future__ import annotations

import sys
import uuid

import pytest

from rlmigrate.core.checkpoint_files import CheckpointError
from rlmigrate.core.class_resolver import (
    ClassNotAllowedError,
    active_scope,
    checkpoint_imports,
    resolve_class,
)
from rlmigrate.core.rl_module import RLModule


@pytest.fixture
def plant(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    names = []

    def make(body: str = "class Thing:\n    pass\n") -> str:
        name = f"resolver_planted_{uuid.uuid4().hex[:8]}"
        (tmp_path / f"{name}.py").write_text(body)
        names.append(name)
        return name

    yield make
    for name in names:
        sys.modules.pop(name, None)


def test_registry_names_resolve_before_anything_is_imported():
    sentinel = type("Sentinel", (), {})
    assert resolve_class("anything", base=object, what="x", allowed=(), registry={"anything": sentinel}) is sentinel


def test_unlisted_module_is_refused_without_import(plant):
    name = plant("raise RuntimeError('ran')\n")
    with pytest.raises(ClassNotAllowedError, match=rf"field: {name}\.Thing|{name}\.Thing.*allowed_modules"):
        resolve_class(f"{name}.Thing", base=object, what="field", allowed=())
    assert name not in sys.modules


def test_allowed_prefix_is_imported_and_the_base_is_checked(plant):
    name = plant()
    found = resolve_class(f"{name}.Thing", base=object, what="field", allowed=[name])
    assert found.__name__ == "Thing"
    with pytest.raises(CheckpointError, match="not a subclass of RLModule"):
        resolve_class(f"{name}.Thing", base=RLModule, what="field", allowed=[name])


def test_already_imported_modules_resolve_only_when_trusted(plant):
    name = plant()
    __import__(name)
    assert resolve_class(f"{name}.Thing", base=object, what="f", allowed=()).__name__ == "Thing"
    with pytest.raises(ClassNotAllowedError):
        resolve_class(f"{name}.Thing", base=object, what="f", allowed=(), trust_imported=False)


def test_outside_a_load_a_callers_own_name_is_imported(plant):
    name = plant()
    assert resolve_class(f"{name}.Thing", base=object, what="custom_model").__name__ == "Thing"
    with pytest.raises(ValueError, match="could not be imported"):
        resolve_class("no_such_package_xyz.Thing", base=object, what="custom_model")


def test_a_load_scope_restricts_names_resolved_inside_it_and_names_the_source(plant):
    name = plant("raise RuntimeError('ran')\n")
    with checkpoint_imports((), "ckpt/policy_state.json"):
        assert active_scope().source == "ckpt/policy_state.json"
        with pytest.raises(ClassNotAllowedError, match=r"ckpt/policy_state\.json: custom_model"):
            resolve_class(f"{name}.Thing", base=object, what="custom_model")
    assert active_scope() is None and name not in sys.modules


def test_nested_scopes_never_widen_the_outer_allow_list(plant):
    name = plant("raise RuntimeError('ran')\n")
    with checkpoint_imports((), "outer"), checkpoint_imports([name], "inner"):
        assert name not in active_scope().allowed
        with pytest.raises(ClassNotAllowedError):
            resolve_class(f"{name}.Thing", base=object, what="f")
    assert name not in sys.modules


@pytest.mark.parametrize("path", ["", "no_dot", "a..b", "a.b c", "1abc.D", 5, None])
def test_names_that_are_not_dotted_paths_are_refused(path):
    with pytest.raises(CheckpointError):
        resolve_class(path, base=object, what="f", allowed=())
