"""Observation filters: running mean/std as Ray 2.10 computes them (Welford, merged buffers)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from shim.filters import MeanStdFilter, NoFilter, RunningStat, get_filter


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(2, 20), st.just(3)), elements=st.floats(-50, 50))
)
def test_running_stats_equal_numpy_and_merge_exactly(rows: np.ndarray) -> None:
    whole, left, right = RunningStat((3,)), RunningStat((3,)), RunningStat((3,))
    for i, row in enumerate(rows):
        whole.push(row)
        (left if i % 2 else right).push(row)
    left.update(right)
    np.testing.assert_allclose(whole.mean, rows.mean(0), atol=1e-9)
    np.testing.assert_allclose(
        whole.var, rows.var(0, ddof=1).astype(np.float32), rtol=1e-4, atol=1e-4
    )
    np.testing.assert_allclose(left.mean, whole.mean, atol=1e-9)
    np.testing.assert_allclose(left.var, whole.var, rtol=1e-4, atol=1e-4)


def test_mean_std_filter_normalises_clips_and_keeps_dtype() -> None:
    filt = MeanStdFilter((2,), clip=1.0)
    out = filt(np.array([[0.0, 10.0], [2.0, 30.0]], np.float32))
    assert out.dtype == np.float32 and filt.running_stats.n == 2 and filt.buffer.n == 2
    assert np.all(np.abs(out) <= 1.0)
    filt.reset_buffer()
    assert filt.buffer.n == 0 and filt(np.zeros(2), update=False).shape == (2,)
    a, b = MeanStdFilter(()), MeanStdFilter(())
    a(1.0), a(2.0), b(10.0)
    a.apply_changes(b, with_buffer=False)
    assert a.running_stats.n == 3 and np.isclose(a.running_stats.mean, 13.0 / 3)


def test_get_filter_and_no_filter() -> None:
    assert isinstance(get_filter("NoFilter", (2,)), NoFilter)
    assert get_filter("MeanStdFilter", (2,)).clip is None
    with pytest.raises(ValueError, match="Unknown observation_filter"):
        get_filter("Bogus", (2,))
    x = np.ones(2)
    assert NoFilter()(x) is x
    with pytest.raises(ValueError, match="expected"):
        RunningStat((2,)).push(np.ones(3))
