"""MetricsLogger: reductions, windows, nesting, errors."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from rlmigrate.learner import MetricsLogger

floats = st.floats(-1e6, 1e6, allow_nan=False)


@given(st.lists(floats, min_size=1, max_size=20))
def test_reductions_match_python(values: list[float]) -> None:
    m = MetricsLogger()
    for v in values:
        m.log_value("mean", v)
        m.log_value("sum", v, reduce="sum")
        m.log_value("min", v, reduce="min")
        m.log_value("max", v, reduce="max")
        m.log_value("all", v, reduce=None)
    out = m.reduce()
    assert out["mean"] == pytest.approx(sum(values) / len(values))
    assert out["sum"] == pytest.approx(sum(values))
    assert out["min"] == min(values) and out["max"] == max(values)
    assert out["all"] == values


@given(st.lists(floats, min_size=1, max_size=20), st.integers(1, 5))
def test_window_keeps_last_values(values: list[float], window: int) -> None:
    m = MetricsLogger()
    for v in values:
        m.log_value("x", v, window=window)
    tail = values[-window:]
    assert m.peek("x") == pytest.approx(sum(tail) / len(tail))


def test_tensors_become_floats_and_keys_nest() -> None:
    m = MetricsLogger()
    m.log_value(("p0", "loss"), torch.tensor(2.0, requires_grad=True))
    m.log_dict({"a": 1.0, "b": {"c": 3.0}}, key="p1")
    out = m.reduce()
    assert out == {"p0": {"loss": 2.0}, "p1": {"a": 1.0, "b": {"c": 3.0}}}
    assert isinstance(out["p0"]["loss"], float)
    assert m.peek("p1") == {"a": 1.0, "b": {"c": 3.0}}
    assert m.peek("missing", default=-1) == -1


def test_ema_and_clear_on_reduce() -> None:
    m = MetricsLogger()
    m.log_value("e", 0.0, ema_coeff=0.5)
    m.log_value("e", 1.0, ema_coeff=0.5)
    assert m.peek("e") == pytest.approx(0.5)
    m.log_value("c", 4.0, clear_on_reduce=True)
    assert m.reduce()["c"] == 4.0
    assert m.reduce()["c"] is None


@pytest.mark.parametrize(
    "kwargs, match",
    [({"reduce": "median"}, "reduce must be"), ({"window": 2, "ema_coeff": 0.1}, "not both")],
)
def test_bad_arguments_are_named(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        MetricsLogger().log_value("x", 1.0, **kwargs)


def test_key_collisions_and_bad_keys_raise() -> None:
    m = MetricsLogger()
    m.log_value(("a", "b"), 1.0)
    with pytest.raises(ValueError, match="collides"):
        m.log_value("a", 1.0)
    with pytest.raises(ValueError, match="non-empty"):
        m.log_value((), 1.0)
