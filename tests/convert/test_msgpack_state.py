"""Ray's msgpack states decode to numpy without msgpack_numpy (which would unpickle object arrays)."""

from __future__ import annotations

import msgpack
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlmigrate.convert.msgpack_state import MsgpackStateError, load_msgpack


def _record(array: np.ndarray) -> dict:
    """What msgpack_numpy writes for an array (the layout Ray's msgpack checkpoints hold)."""
    return {b"nd": True, b"type": array.dtype.str, b"kind": b"", b"shape": list(array.shape),
            b"data": array.tobytes()}


@settings(max_examples=60, deadline=None)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from(["<f4", "<f8", "<i8", "|u1", "|b1", "<i4"]),
        shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=5),
    )
)
def test_arrays_decode_bit_for_bit(array: np.ndarray) -> None:
    decoded = load_msgpack(msgpack.packb({"weights": {"w": _record(array)}}))["weights"]["w"]
    assert decoded.dtype == array.dtype and decoded.shape == array.shape
    np.testing.assert_array_equal(decoded, array)


def test_numpy_scalars_decode() -> None:
    scalar = np.float32(2.5)
    blob = msgpack.packb({"kl": {b"nd": False, b"type": "<f4", b"data": scalar.tobytes()}})
    assert load_msgpack(blob)["kl"] == np.float32(2.5)


def test_object_arrays_are_refused_not_unpickled() -> None:
    record = {b"nd": True, b"type": "|O", b"kind": b"", b"shape": [1], b"data": b"\x80\x04N."}
    with pytest.raises(MsgpackStateError, match="refused"):
        load_msgpack(msgpack.packb({"w": record}), where="policy_state.msgpck")


@pytest.mark.parametrize(
    "record",
    [
        {b"nd": True, b"type": "<f4", b"kind": b"", b"shape": [3], b"data": b"\x00" * 8},
        {b"nd": True, b"type": "<f4", b"kind": b"", b"shape": [-1], b"data": b""},
        {b"nd": True, b"type": "not-a-dtype", b"kind": b"", b"shape": [1], b"data": b"\x00" * 4},
        {b"nd": True, b"kind": b"", b"shape": [1], b"data": b"\x00" * 4},
    ],
)
def test_malformed_array_records_name_the_file(record: dict) -> None:
    with pytest.raises(MsgpackStateError, match="policy_state.msgpck"):
        load_msgpack(msgpack.packb({"w": record}), where="policy_state.msgpck")


def test_garbage_bytes_raise_a_named_error() -> None:
    with pytest.raises(MsgpackStateError, match="x.msgpck"):
        load_msgpack(b"\xc1\xc1\xc1", where="x.msgpck")
