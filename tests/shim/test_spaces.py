"""RLlib's extra spaces and how a Repeated observation reaches a model (RepeatedValues)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from shim.models.preprocessors import (
    RepeatedValuesPreprocessor,
    get_preprocessor,
    restore_original_dimensions,
)
from shim.models.repeated_values import RepeatedValues
from shim.spaces import FlexDict, Repeated, Simplex

CHILD = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
_items = st.lists(
    st.lists(st.floats(-1, 1, width=32), min_size=3, max_size=3), min_size=0, max_size=4
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_items, min_size=1, max_size=5))
def test_repeated_observations_round_trip_through_the_flat_vector(rows: list) -> None:
    space = Repeated(CHILD, max_len=4)
    prep = get_preprocessor(space)(space)
    assert isinstance(prep, RepeatedValuesPreprocessor) and prep.shape == (1 + 4 * 3,)
    flat = np.stack([prep.transform([np.asarray(i, np.float32) for i in row]) for row in rows])
    restored = restore_original_dimensions(torch.from_numpy(flat).float(), prep.observation_space)
    assert isinstance(restored, RepeatedValues) and restored.max_len == 4
    assert restored.values.shape == (len(rows), 4, 3)
    assert restored.lengths.tolist() == [float(len(row)) for row in rows]
    for got_row, row in zip(restored.unbatch_all(), rows):
        assert len(got_row) == len(row)
        for got, want in zip(got_row, row):
            np.testing.assert_allclose(got.numpy(), np.asarray(want, np.float32))


def test_repeated_rejects_too_long_lists_and_non_lists() -> None:
    space = Repeated(CHILD, max_len=2)
    prep = get_preprocessor(space)(space)
    with pytest.raises(ValueError, match="exceeds max_len 2"):
        prep.transform([np.zeros(3, np.float32)] * 3)
    with pytest.raises(ValueError, match="must be a list"):
        prep.transform(np.float32(1.0))
    assert space.contains([np.zeros(3, np.float32)]) and not space.contains([np.zeros(3)] * 3)
    assert 1 <= len(space.sample()) <= 2 and space == Repeated(CHILD, 2)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 5), st.integers(1, 3))
def test_simplex_samples_lie_on_the_simplex(dim: int, rows: int) -> None:
    space = Simplex((rows, dim))
    sample = space.sample()
    assert sample.shape == (rows, dim) and space.contains(sample)
    assert not space.contains(np.ones((rows, dim), np.float32))
    with pytest.raises(ValueError, match="concentration shape"):
        Simplex((rows, dim), concentration=np.ones(rows + 1))


def test_flexdict_takes_new_keys_after_construction() -> None:
    space = FlexDict({})
    space["pos"] = CHILD
    assert space["pos"] is CHILD and set(space.sample()) == {"pos"}
    with pytest.raises(TypeError, match="gymnasium spaces"):
        space["bad"] = 3


def test_json_reader_resolves_inputs_like_ray_and_reads_sample_batches(tmp_path) -> None:
    import json

    from shim.offline import JsonReader

    with pytest.raises(ValueError, match="No files found"):
        JsonReader(str(tmp_path / "*.json"))
    record = {"type": "SampleBatch", "obs": [[0.0, 1.0], [2.0, 3.0]], "actions": [0, 1]}
    (tmp_path / "a.json").write_text(json.dumps(record) + "\n\n" + json.dumps(record) + "\n")
    reader = JsonReader(str(tmp_path))  # a directory means its *.json files
    batch = reader.next()
    assert batch["obs"].shape == (2, 2) and batch["actions"].tolist() == [0, 1]
    assert len(reader.read_all_files()) == 2
    (tmp_path / "b.json").write_text(json.dumps({"type": "SampleBatch", "obs": "eJw="}) + "\n")
    with pytest.raises(NotImplementedError, match="compressed"):
        JsonReader([str(tmp_path / "b.json")]).next()
