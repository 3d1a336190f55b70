"""map_struct: one walk over nested dict/tuple/list values, keeping the nesting."""

from __future__ import annotations

from collections import OrderedDict
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

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
