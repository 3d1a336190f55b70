"""compare_values: the isclose rule, NaN handling, size-1 axes, structure and shape errors."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.testing.compare import compare_values

ARRAYS = hnp.arrays(
    np.float32, hnp.array_shapes(max_dims=3, max_side=5), elements=st.floats(-1e3, 1e3, width=32)
)


@settings(max_examples=60, deadline=None)
@given(ARRAYS)
def test_identical_values_have_zero_difference(a):
    result = compare_values("x", a, a.copy(), atol=0.0, rtol=0.0)
    assert result.difference is None and result.max_abs == 0.0


@settings(max_examples=60, deadline=None)
@given(ARRAYS, st.floats(1e-3, 10.0))
def test_a_shift_beyond_tolerance_is_found_where_it_is(a, shift):
    b = a.astype(np.float64).copy()
    index = tuple(s - 1 for s in a.shape)
    b[index] += shift
    result = compare_values("x", a, b, atol=shift / 2, rtol=0.0)
    assert result.difference is not None and result.difference.where == (0, index)
    assert np.isclose(result.difference.max_abs, shift)
    assert compare_values("x", a, b, atol=shift * 2, rtol=0.0).difference is None


def test_nan_equals_nan_only_in_place_and_size_one_axes_are_ignored():
    assert (
        compare_values(
            "v", np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), atol=0, rtol=0
        ).difference
        is None
    )
    assert (
        compare_values(
            "v", np.array([np.nan, 1.0]), np.array([1.0, np.nan]), atol=1, rtol=0
        ).difference
        is not None
    )
    assert compare_values("v", np.zeros((3, 1)), np.zeros(3), atol=0, rtol=0).difference is None


def test_structure_and_shape_mismatches_are_reasons():
    assert (
        "structure mismatch"
        in compare_values("s", [np.zeros(2)], [np.zeros(2)] * 2, atol=0, rtol=0).difference.reason
    )
    reason = compare_values(
        "s", np.zeros((2, 3)), np.zeros((2, 2)), atol=0, rtol=0
    ).difference.reason
    assert "legacy (2, 3) vs migrated (2, 2)" in reason


@settings(max_examples=40, deadline=None)
@given(ARRAYS, st.sampled_from([np.inf, -np.inf, np.nan]), st.floats(0.0, 1e6))
def test_a_non_finite_value_matches_only_itself_whatever_the_tolerance(a, bad, rtol):
    legacy = a.astype(np.float64).copy()
    index = tuple(s - 1 for s in a.shape)
    legacy[index] = bad
    same = compare_values("s", legacy, legacy.copy(), atol=0.0, rtol=0.0)
    assert same.difference is None and same.max_abs == 0.0  # equal infinities: no difference
    for migrated_value in (0.0, 1.0, -bad if np.isinf(bad) else 1e30):
        migrated = legacy.copy()
        migrated[index] = migrated_value
        found = compare_values("s", legacy, migrated, atol=1.0, rtol=rtol).difference
        assert found is not None and found.where == (0, index)
        # and the other way round: a finite legacy value against a non-finite migrated one
        assert compare_values("s", migrated, legacy, atol=1.0, rtol=rtol).difference is not None
