"""tools/corpus/harness.py and raw_obs.py pieces that need neither Ray nor the corpus: raw-observation storage
round trip, config merge, view-requirement windows."""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

import gymnasium as gym
import harness
import numpy as np
import pytest
import raw_obs
from hypothesis import given, settings
from hypothesis import strategies as st

_LEAVES = st.one_of(
    st.builds(lambda n: gym.spaces.Discrete(n), st.integers(1, 5)),
    st.builds(
        lambda shape: gym.spaces.Box(-1.0, 1.0, shape, np.float32),
        st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple),
    ),
    st.builds(lambda nvec: gym.spaces.MultiDiscrete(nvec), st.lists(st.integers(2, 4), min_size=1, max_size=3)),
)
_SPACES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(
        st.dictionaries(st.from_regex(r"[a-z]{1,4}", fullmatch=True), inner, min_size=1, max_size=3).map(gym.spaces.Dict),
        st.lists(inner, min_size=1, max_size=3).map(lambda s: gym.spaces.Tuple(tuple(s))),
    ),
    max_leaves=6,
)


def _same(a, b) -> bool:
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return np.array_equal(np.asarray(a), np.asarray(b))


@settings(max_examples=60, deadline=None)
@given(space=_SPACES, rows=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_raw_samples_survive_storage(space, rows, seed):
    samples = raw_obs.sample_inputs(space, rows, seed)
    stored = raw_obs.flatten_raw(samples)
    assert all(v.shape[0] == rows for v in stored.values())
    back = raw_obs.unflatten_raw(space, stored, rows)
    assert all(_same(a, b) for a, b in zip(samples, back))


def test_variable_length_samples_are_stored_whole():
    samples = [[{"a": np.array([1.5, 2.0], np.float32), "b": np.int64(2)}], []]
    stored = raw_obs.flatten_raw(samples)
    assert set(stored) == {raw_obs.JSON_KEY}
    back = raw_obs.unflatten_raw(None, stored, 2)
    assert back == [[{"a": [1.5, 2.0], "b": 2}], []]


def test_merged_config_is_top_level_merge_with_here_substituted():
    defaults = {"fcnet_hiddens": [256, 256], "custom_model_config": {}, "max_seq_len": 20}
    case = {"model_config": {"fcnet_hiddens": [8], "custom_model_config": {"f": "{here}/x.json"}}}
    merged = harness.merged_config(case, defaults)
    assert merged["fcnet_hiddens"] == [8] and merged["max_seq_len"] == 20
    assert merged["custom_model_config"]["f"] == f"{harness.HERE}/x.json"
    assert defaults["fcnet_hiddens"] == [256, 256]  # the defaults are not mutated


def test_model_defaults_marker_expands_in_kwargs():
    value = harness._with_defaults({"$model_defaults": {"fcnet_hiddens": [4]}}, {"fcnet_hiddens": [1], "a": 1})
    assert value == {"fcnet_hiddens": [4], "a": 1}
    assert harness._with_defaults({"x": 1}, {"a": 1}) == {"x": 1}


def test_view_inputs_build_windows_of_past_rows_zero_padded():
    vr = SimpleNamespace(data_col="obs", shift_arr=np.array([-2, -1, 0]))
    model = SimpleNamespace(view_requirements={"obs": SimpleNamespace(), "prev_n_obs": vr})
    flat = np.arange(8, dtype=np.float32).reshape(4, 2)
    out = harness.view_inputs(model, flat, np.zeros(4), np.zeros(4, np.float32))
    window = out["prev_n_obs"]
    assert window.shape == (4, 3, 2)
    assert np.array_equal(window[0], [[0, 0], [0, 0], [0, 1]])
    assert np.array_equal(window[3], flat[1:4])


def test_case_id_names_repo_module_and_class():
    entry = {"repo": "o/r", "path": "a/b.py"}
    assert harness.case_id(entry, {"name": "C"}) == "o+r__a.b__C"


def test_corpus_deps_go_last_on_the_path_once_and_only_when_installed(tmp_path, monkeypatch):
    import judge_codemod

    monkeypatch.setattr(harness, "CORPUS_DEPS", [])
    monkeypatch.setattr(judge_codemod, "CORPUS_DEPS", harness.CORPUS_DEPS)
    monkeypatch.setattr(sys, "path", list(sys.path))
    harness.use_corpus_deps(tmp_path)  # no deps folder: nothing changes
    assert harness.CORPUS_DEPS == []
    (tmp_path / "deps").mkdir()
    harness.use_corpus_deps(tmp_path)
    harness.use_corpus_deps(tmp_path)
    deps = str((tmp_path / "deps").resolve())
    assert sys.path[-1] == deps and sys.path.count(deps) == 1
    parts = judge_codemod._env(tmp_path / "checkout")["PYTHONPATH"].split(os.pathsep)
    assert parts[0] == str(tmp_path / "checkout") and parts[-1] == deps


def test_import_module_puts_the_repositorys_installed_packages_on_the_path(tmp_path):
    repo = tmp_path / "o+n"
    (repo / "pkg-dist" / "own_pkg").mkdir(parents=True)
    (repo / "pkg-dist" / "own_pkg" / "__init__.py").write_text("VALUE = 7\n")
    (repo / "uses_pkg.py").write_text("from own_pkg import VALUE\n")
    entry = {"repo": "o/n", "path": "uses_pkg.py", "import_root": "", "module": "uses_pkg",
             "package_roots": ["pkg-dist"]}
    assert harness.package_paths(tmp_path, entry) == [repo / "pkg-dist"]
    before = list(sys.path)
    try:
        assert harness.import_module(tmp_path, entry).VALUE == 7
    finally:
        for name in ("uses_pkg", "own_pkg"):
            sys.modules.pop(name, None)
    assert sys.path == before
    assert harness.package_paths(tmp_path, {"repo": "o/n"}) == []


def test_under_the_shim_a_file_gets_rays_example_modules_from_the_corpus_copies(tmp_path):
    """``ray.rllib.examples`` imports (the shim ships none) load the cached copies of Ray's
    files under their own names, their own example imports first; the copies leave
    ``sys.modules`` with the corpus."""
    from shim import ray_compat

    examples = tmp_path / "ray-project+ray" / "rllib" / "examples"
    (examples / "policy").mkdir(parents=True)
    (examples / "policy" / "random_policy.py").write_text("BASE = 1\n")
    (examples / "policy" / "memory_leaking_policy.py").write_text(
        "from ray.rllib.examples.policy.random_policy import BASE\nTOP = BASE + 1\n")
    repo = tmp_path / "o+n"
    repo.mkdir()
    (repo / "user_file.py").write_text("from ray.rllib.examples.policy.memory_leaking_policy import TOP\nVALUE = TOP * 10\n")
    entry = {"repo": "o/n", "path": "user_file.py", "import_root": "", "module": "user_file"}
    assert harness.ray_example_imports((repo / "user_file.py").read_text()) == [
        "ray.rllib.examples.policy.memory_leaking_policy"]
    ray_compat.install()
    try:
        assert harness.import_module(tmp_path, entry).VALUE == 20
        assert sys.modules["ray.rllib.examples.policy.random_policy"].__file__ == str(examples / "policy" / "random_policy.py")
        harness.purge_corpus_modules(tmp_path)
        assert "ray.rllib.examples.policy.memory_leaking_policy" not in sys.modules
    finally:
        sys.modules.pop("user_file", None)
        ray_compat.uninstall()


def test_a_module_a_method_imports_when_it_runs_is_found_inside_repository_on_path(tmp_path):
    """A policy's ``make_model`` that imports a sibling module when it is called (not when its
    file is imported) finds it while the recorder/judge build the policy, as the repository's
    scripts (run from its root) did; the path is restored afterwards."""
    repo = tmp_path / "o+lazy"
    repo.mkdir()
    (repo / "lazy_factory.py").write_text("def make():\n    return 'built'\n")
    (repo / "lazy_policy.py").write_text(
        "def make_model():\n    from lazy_factory import make\n    return make()\n")
    entry = {"repo": "o/lazy", "path": "lazy_policy.py", "import_root": "", "module": "lazy_policy"}
    before = list(sys.path)
    try:
        module = harness.import_module(tmp_path, entry)
        assert sys.path == before
        with pytest.raises(ModuleNotFoundError):
            module.make_model()
        with harness.repository_on_path(tmp_path, entry):
            assert module.make_model() == "built"
        assert sys.path == before
    finally:
        for name in ("lazy_policy", "lazy_factory"):
            sys.modules.pop(name, None)


def test_simplex_text_is_the_running_sides_simplex():
    """``Simplex(shape)`` resolves through the running side's ``ray.rllib.utils.spaces``
    (real Ray's in the recorder, the shim's aliases in the judge)."""
    from shim import ray_compat
    from shim.spaces import Simplex

    ray_compat.install()
    try:
        space = harness.parse_space("Simplex((13,))")
        assert isinstance(space, Simplex) and space.shape == (13,)
        assert harness.parse_space("Simplex(3)").shape == (3,)
    finally:
        ray_compat.uninstall()
