"""Flatten/unflatten of nested action structures: RLlib's (dm-tree's) leaf order."""

from __future__ import annotations

from collections import OrderedDict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.distributions import _nesting

structures = st.recursive(
    st.integers(),
    lambda children: st.one_of(
        st.dictionaries(st.text("abcd", min_size=1, max_size=2), children, min_size=1, max_size=3),
        st.lists(children, min_size=1, max_size=3).map(tuple),
        st.lists(children, min_size=1, max_size=3),
    ),
    max_leaves=8,
)


def _sorted_leaves(struct):
    if isinstance(struct, dict):
        return [leaf for key in sorted(struct) for leaf in _sorted_leaves(struct[key])]
    if isinstance(struct, (tuple, list)):
        return [leaf for item in struct for leaf in _sorted_leaves(item)]
    return [struct]


@given(structures)
@settings(max_examples=60, deadline=None)
def test_flatten_then_unflatten_round_trips(struct):
    leaves = _nesting.flatten(struct)
    assert leaves == _sorted_leaves(struct)
    rebuilt = _nesting.unflatten_as(struct, leaves)
    assert rebuilt == struct and _nesting.same_structure(rebuilt, struct)
    assert _nesting.map_structure(lambda x: x, struct) == struct


def test_ordered_dicts_flatten_sorted_but_rebuild_in_their_own_order():
    struct = OrderedDict([("b", 1), ("a", 2)])
    assert _nesting.flatten(struct) == [2, 1]
    rebuilt = _nesting.unflatten_as(struct, [20, 10])
    assert list(rebuilt.items()) == [("b", 10), ("a", 20)]


def test_errors_name_the_mismatch():
    with pytest.raises(ValueError, match="2 leaves but 3 values"):
        _nesting.unflatten_as((1, 2), [1, 2, 3])
    with pytest.raises(TypeError, match="cannot order the keys"):
        _nesting.flatten({1: 0, "a": 0})
    assert not _nesting.same_structure({"a": 1}, (1,))
    assert _nesting.describe({"a": (1,), "b": [2, 3]}) == "{'a': (_,), 'b': [_, _]}"
