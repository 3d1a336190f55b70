"""The usage examples in the docstrings of models, modules and checkpoints run and hold."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import rlmigrate.models
import rlmigrate.modules


def _module_names() -> list[str]:
    names = ["rlmigrate.core.checkpoint"]
    for package in (rlmigrate.models, rlmigrate.modules):
        names += [info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return sorted(names)


@pytest.mark.parametrize("name", _module_names())
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
