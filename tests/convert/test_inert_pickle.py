"""The inert unpickler: numpy arrays come out, nothing named in the pickle is imported or called."""

from __future__ import annotations

import os
import pickle
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.convert.inert_pickle import (
    InertObject,
    InertPickleError,
    iter_inert,
    load_inert,
    load_inert_with_globals,
)


class _System:
    """Pickles as ``os.system(command)``: what a hostile checkpoint plants."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_os_system_in_a_reduce_is_never_called(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    blob = pickle.dumps({"weights": {"w": np.ones(3, np.float32)}, "x": _System(f"touch {marker}")})
    state = load_inert(blob)
    assert not marker.exists()
    assert isinstance(state["x"], InertObject)
    assert state["x"].inert_global in ("posix.system", "os.system")
    assert state["x"].args == (f"touch {marker}",)
    np.testing.assert_array_equal(state["weights"]["w"], np.ones(3, np.float32))


def test_a_module_that_runs_code_on_import_is_never_imported(tmp_path: Path, monkeypatch) -> None:
    marker = tmp_path / "imported"
    (tmp_path / "planted_on_import.py").write_text(
        textwrap.dedent(
            f"""
            open({str(marker)!r}, "w").write("ran")
            def hook(*args):
                open({str(marker)!r}, "w").write("called")
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    # GLOBAL 'planted_on_import hook', then REDUCE with an empty tuple: a pickle that imports
    # the module and calls a function from it under a normal pickle.load.
    blob = b"\x80\x02cplanted_on_import\nhook\n)R."
    result, named = load_inert_with_globals(blob)
    assert named == ["planted_on_import.hook"]
    assert isinstance(result, InertObject)
    assert not marker.exists()
    assert "planted_on_import" not in sys.modules


class _Eval:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


def test_builtins_eval_and_calls_on_its_result_stay_inert() -> None:
    result = load_inert(pickle.dumps({"a": _Eval()}))["a"]
    assert isinstance(result, InertObject) and result.inert_global == "builtins.eval"
    assert isinstance(result("more"), InertObject)  # calling the stand-in records, never runs
    assert [o.inert_global for o in iter_inert(result)] == ["builtins.eval"]


def test_dict_subclasses_keep_their_items_for_reading() -> None:
    from collections import OrderedDict, defaultdict

    counts = defaultdict(int, {"a": 1})
    ordered = OrderedDict(b=np.zeros(2))
    state = load_inert(pickle.dumps({"counts": counts, "ordered": ordered}))
    assert state["counts"].items == {"a": 1}
    np.testing.assert_array_equal(state["ordered"].items["b"], np.zeros(2))


@pytest.mark.parametrize("blob", [b"", b"\x80\x05", b"not a pickle", pickle.dumps([1, 2])[:-3]])
def test_truncated_or_garbage_bytes_raise_a_named_error(blob: bytes) -> None:
    with pytest.raises(InertPickleError, match="state.pkl"):
        load_inert(blob, where="state.pkl")


def test_deep_nesting_is_read_without_recursion() -> None:
    depth = 100_000
    blob = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
    value, leaves = load_inert(blob, where="deep.pkl"), 0
    while value:
        value, leaves = value[0], leaves + 1
    assert leaves == depth - 1


_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.bool_, np.uint8]),
    shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
)
_trees = st.recursive(
    st.one_of(_arrays, st.integers(), st.floats(allow_nan=False), st.text(max_size=5), st.none()),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=4), children, max_size=3),
    ),
    max_leaves=12,
)


def _assert_same(left, right) -> None:
    if isinstance(left, np.ndarray):
        assert isinstance(right, np.ndarray) and left.dtype == right.dtype
        np.testing.assert_array_equal(left, right)
    elif isinstance(left, dict):
        assert left.keys() == right.keys()
        for key in left:
            _assert_same(left[key], right[key])
    elif isinstance(left, list):
        assert len(left) == len(right)
        for a, b in zip(left, right):
            _assert_same(a, b)
    else:
        assert left == right


@settings(max_examples=60, deadline=None)
@given(tree=_trees, protocol=st.integers(2, 5))
def test_plain_data_and_numpy_arrays_round_trip_exactly(tree, protocol) -> None:
    _assert_same(tree, load_inert(pickle.dumps(tree, protocol=protocol)))
