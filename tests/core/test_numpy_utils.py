"""convert_to_numpy: tensors anywhere in a nest become numpy, everything else passes through."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.core.numpy_utils import convert_to_numpy

_arrays = hnp.arrays(st.sampled_from([np.float32, np.int64]), hnp.array_shapes(max_dims=3, max_side=3))
_nests = st.recursive(
    _arrays,
    lambda inner: st.one_of(
        st.dictionaries(st.text("abc", min_size=1, max_size=3), inner, max_size=3),
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
    ),
    max_leaves=6,
)


def _as_torch(nest):
    if isinstance(nest, dict):
        return {k: _as_torch(v) for k, v in nest.items()}
    if isinstance(nest, (list, tuple)):
        return type(nest)(_as_torch(v) for v in nest)
    return torch.from_numpy(nest)


def _assert_same(got, want):
    assert type(got) is type(want)
    if isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            _assert_same(got[key], want[key])
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            _assert_same(a, b)
    else:
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@settings(max_examples=40, deadline=None)
@given(_nests)
def test_tensors_in_a_nest_become_the_same_numpy_arrays(nest):
    _assert_same(convert_to_numpy(_as_torch(nest)), nest)


@settings(max_examples=20, deadline=None)
@given(_nests)
def test_numpy_nests_pass_through_unchanged(nest):
    _assert_same(convert_to_numpy(nest), nest)


def test_python_values_and_gradients_are_handled():
    assert convert_to_numpy(3) == 3 and convert_to_numpy(None) is None
    leaf = torch.ones(2, requires_grad=True) * 2
    np.testing.assert_array_equal(convert_to_numpy(leaf), np.full(2, 2.0, np.float32))
