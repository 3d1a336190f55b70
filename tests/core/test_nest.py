"""rlmigrate.core.nest: the one nested-structure helper (dm-tree's key order), proved on
generated structures against dm-tree itself."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType

import gymnasium as gym
import pytest
import tree
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate.core import nest
from rlmigrate.core.nest import map_struct

_leaves = st.integers(-5, 5)
_structs = st.recursive(
    _leaves,
    lambda children: st.one_of(
        st.dictionaries(st.text("abc", min_size=1, max_size=2), children, max_size=3),
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
    ),
    max_leaves=12,
)


def _leaves_in_order(value):
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves_in_order(item)]
    if isinstance(value, (tuple, list)):
        return [leaf for item in value for leaf in _leaves_in_order(item)]
    return [value]


def _shape(value):
    """The nesting with every leaf replaced by None (container types and key order kept)."""
    if isinstance(value, dict):
        return ("dict", [(key, _shape(item)) for key, item in value.items()])
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, [_shape(item) for item in value])
    return None


@settings(max_examples=60, deadline=None)
@given(_structs)
def test_keeps_nesting_and_maps_every_leaf(struct):
    mapped = map_struct(lambda x: x + 100, struct)
    assert _shape(mapped) == _shape(struct)
    assert _leaves_in_order(mapped) == [x + 100 for x in _leaves_in_order(struct)]


@settings(max_examples=60, deadline=None)
@given(_structs)
def test_visits_leaves_in_the_order_they_stand(struct):
    seen = []
    map_struct(seen.append, struct)
    assert seen == _leaves_in_order(struct)


def test_any_mapping_nests_and_comes_back_as_plain_dict():
    for mapping in (OrderedDict(b=1, a=2), MappingProxyType({"b": 1, "a": 2})):
        mapped = map_struct(lambda x: -x, mapping)
        assert type(mapped) is dict
        assert list(mapped.items()) == [("b", -1), ("a", -2)]


def test_none_and_strings_are_leaves():
    assert map_struct(repr, {"x": None, "y": ("ab",)}) == {"x": "None", "y": ("'ab'",)}


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
    leaves = nest.flatten(struct)
    assert leaves == _sorted_leaves(struct) == tree.flatten(struct)
    rebuilt = nest.unflatten_as(struct, leaves)
    assert rebuilt == struct and nest.same_structure(rebuilt, struct)
    assert nest.map_structure(lambda x: x, struct) == struct


def test_ordered_dicts_flatten_sorted_but_rebuild_in_their_own_order():
    struct = OrderedDict([("b", 1), ("a", 2)])
    assert nest.flatten(struct) == [2, 1]
    rebuilt = nest.unflatten_as(struct, [20, 10])
    assert list(rebuilt.items()) == [("b", 10), ("a", 20)]


def test_errors_name_the_mismatch():
    with pytest.raises(ValueError, match="2 leaves but 3 values"):
        nest.unflatten_as((1, 2), [1, 2, 3])
    with pytest.raises(TypeError, match="cannot order the keys"):
        nest.flatten({1: 0, "a": 0})
    assert not nest.same_structure({"a": 1}, (1,))
    assert nest.describe({"a": (1,), "b": [2, 3]}) == "{'a': (_,), 'b': [_, _]}"


@given(structures, st.integers(1, 5))
@settings(max_examples=40, deadline=None)
def test_map_structure_over_several_structs_matches_dm_tree(struct, shift):
    other = nest.map_structure(lambda x: x + shift, struct)
    ours = nest.map_structure(lambda x, y: x * 100 + y, struct, other)
    theirs = tree.map_structure(lambda x, y: x * 100 + y, struct, other)
    assert nest.flatten(ours) == tree.flatten(theirs)
    assert nest.same_structure(ours, struct) and ours == theirs


def test_map_structure_refuses_mismatched_structures():
    with pytest.raises(ValueError, match="structures differ"):
        nest.map_structure(lambda x, y: x, {"a": 1}, {"b": 1})


def test_space_leaves_follow_the_same_order_as_values():
    space = gym.spaces.Dict(
        {"z": gym.spaces.Discrete(2), "a": gym.spaces.Tuple([gym.spaces.Box(0, 1, (2,))] * 2)}
    )
    sample = space.sample()
    leaves = nest.flatten_space(space)
    assert [type(s).__name__ for s in leaves] == ["Box", "Box", "Discrete"]
    assert nest.flatten(nest.get_base_struct_from_space(space)) == leaves
    for leaf_space, leaf in zip(leaves, nest.flatten(dict(sample))):
        assert leaf_space.contains(leaf)
