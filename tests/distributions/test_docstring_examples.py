"""The usage examples in the distributions' docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "base",
    "categorical",
    "deterministic",
    "diag_gaussian",
    "squashed_gaussian",
    "multi_categorical",
    "multi_distribution",
    "defaults",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"rlmigrate.distributions.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{module.__name__} has no docstring example"
    assert result.failed == 0
