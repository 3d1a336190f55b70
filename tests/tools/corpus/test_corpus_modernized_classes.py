"""ModelV2 classes built from a file's modernized copy (tools/corpus/README.md, "Decided: the
modernize stage"): the recorder imports the copy only when the file itself does not import and
the copy does, the recording says so, and the shim judge, verify and the figures follow it."""

from __future__ import annotations

import json
from pathlib import Path

import harness
import judge
import judge_codemod
import judge_shim
import numpy as np
import pytest
import torch

ENTRY = {"id": "o+n/models/net.py", "repo": "o/n", "path": "models/net.py",
         "module": "models.net", "policies": [], "classes": []}
#: the file as its repository has it: an import the running side does not have
ORIGINAL = "import corpus_test_renamed_module_xyz\n\nVALUE = 'original'\n"
#: the same file after a (pretend) modernize fix
MODERN = "import json\n\nVALUE = 'modernized'\n"


def _cache(tmp_path: Path, modern: str | None = MODERN, codes: list[str] | None = None) -> Path:
    cache = tmp_path / "cache"
    for base, text in [(cache, ORIGINAL), (cache / harness.MODERNIZED, modern)]:
        if text is None:
            continue
        (base / "o+n" / "models").mkdir(parents=True, exist_ok=True)
        (base / "o+n" / "models" / "__init__.py").write_text("")
        (base / "o+n" / "models" / "net.py").write_text(text)
    if modern is not None:
        fixes = {"models/net.py": {"codes": codes or ["RLM035"], "manual": []}}
        (cache / harness.MODERNIZED / "MODERNIZED.json").write_text(
            json.dumps({"codes": ["RLM035", "RLM036"], "repositories": {"o+n": fixes}}))
    return cache


@pytest.fixture
def record_corpus():
    import record_corpus as module

    yield module
    for name in ("models", "models.net"):  # the test packages' modules
        __import__("sys").modules.pop(name, None)


def test_the_recorder_imports_the_modernized_copy_only_when_the_file_itself_does_not_import(
        tmp_path, record_corpus):
    cache = _cache(tmp_path)
    meta: dict = {}
    module = record_corpus.import_class_file(cache, ENTRY, meta)
    assert module.VALUE == "modernized"
    assert meta["modernized"] == {
        "codes": ["RLM035"], "files": {"models/net.py": ["RLM035"]},
        "original_error": "ModuleNotFoundError: No module named 'corpus_test_renamed_module_xyz'"}
    # a file that imports as it is: the copy is never used, the recording says nothing
    (cache / "o+n" / "models" / "net.py").write_text("VALUE = 'as is'\n")
    meta = {}
    assert record_corpus.import_class_file(cache, ENTRY, meta).VALUE == "as is"
    assert meta == {}


def test_without_an_importable_copy_the_original_error_is_recorded_and_where_the_copy_stops(
        tmp_path, record_corpus):
    meta: dict = {}
    with pytest.raises(ModuleNotFoundError, match="corpus_test_renamed_module_xyz"):
        record_corpus.import_class_file(_cache(tmp_path, modern=None), ENTRY, meta)
    assert meta == {}  # no modernized copy at all
    broken = "import corpus_test_other_missing_xyz\n"
    with pytest.raises(ModuleNotFoundError, match="corpus_test_renamed_module_xyz"):
        record_corpus.import_class_file(_cache(tmp_path / "b", modern=broken), ENTRY, meta)
    assert meta == {"modernized_error": "ModuleNotFoundError: No module named 'corpus_test_other_missing_xyz'"}


def test_the_shim_row_runs_the_copy_the_recording_was_built_from(tmp_path):
    assert judge_shim.recorded_class_source(tmp_path, {"ray_buildable": True}) == tmp_path
    meta = {"ray_buildable": True, "modernized": {"codes": ["RLM035"], "files": {}}}
    assert judge_shim.recorded_class_source(tmp_path, meta) == tmp_path / harness.MODERNIZED


def test_a_class_ray_did_not_build_keeps_its_error_and_says_where_the_copy_stops(tmp_path):
    cls = {"name": "Net", "case": {}}
    (tmp_path / "oracle").mkdir()
    meta = {"ray_buildable": False, "stage": "import", "error": "ModuleNotFoundError: No module named 'x'",
            "modernized_error": "ModuleNotFoundError: No module named 'pommerman'"}
    (tmp_path / "oracle" / f"{harness.case_id(ENTRY, cls)}.json").write_text(json.dumps(meta))
    row = judge_shim.judge_class(tmp_path, ENTRY, cls)
    assert (row.status, row.ray_error) == ("ray-unbuildable", "import: ModuleNotFoundError: No module named 'x'")
    assert row.modernized_error == "ModuleNotFoundError: No module named 'pommerman'"
    assert row.modernized == []


def test_class_figures_count_modernized_classes_and_show_them_apart():
    rows = [{"status": "match", "ray_buildable": True, "error": "", "ray_error": "", "modernized": ["RLM035"]},
            {"status": "mismatch", "ray_buildable": True, "error": "differs", "ray_error": "",
             "modernized": ["RLM035"]},
            {"status": "match", "ray_buildable": True, "error": "", "ray_error": "", "modernized": []},
            {"status": "ray-unbuildable", "ray_buildable": False, "error": "", "ray_error": "import: E",
             "modernized": []}]
    f = judge.shim_figures(rows)
    assert (f["ray_buildable"], f["shim_match"]) == (3, 2)
    assert (f["ray_buildable_modernized"], f["shim_match_modernized"]) == (2, 1)
    classes = [{"outcome": "rewritten", "status": "converted", "verify": "equivalent", "modernized": ["RLM035"]},
               {"outcome": "rewritten", "status": "review", "verify": "different", "modernized": ["RLM035"]},
               {"outcome": "rewritten", "status": "converted", "verify": "equivalent", "modernized": []}]
    c = judge.codemod_figures(classes, [])
    assert (c["verify_equivalent"], c["rewritten_ray_buildable"]) == (2, 3)
    assert (c["verify_equivalent_modernized"], c["rewritten_ray_buildable_modernized"]) == (1, 2)


def test_verify_message_and_codes_of_a_class_recorded_from_the_modernized_copy(tmp_path):
    assert judge_codemod.recorded_modernize_codes(tmp_path, "cid") == []
    (tmp_path / "oracle").mkdir()
    (tmp_path / "oracle" / "cid.json").write_text('{"ray_buildable": true}')
    assert judge_codemod.recorded_modernize_codes(tmp_path, "cid") == []
    (tmp_path / "oracle" / "cid.json").write_text(
        '{"ray_buildable": true, "modernized": {"codes": ["RLM035", "RLM036"], "files": {}}}')
    codes = judge_codemod.recorded_modernize_codes(tmp_path, "cid")
    assert codes == ["RLM035", "RLM036"]
    assert judge_codemod.modernized_note(codes, "equivalent on 20 inputs") == (
        "legacy side: the file after the modernize fixes only (RLM035, RLM036), which Ray 2.10 "
        "imports; equivalent on 20 inputs")
    assert judge_codemod.modernized_note([], "equivalent on 20 inputs") == "equivalent on 20 inputs"


# --- what the seven classes needed of the harness: structured outputs, a `pass` value head ---
def test_structured_forward_outputs_are_recorded_one_array_per_leaf():
    out = [torch.ones(2, 3), {"b": torch.zeros(2), "a": (torch.full((2, 1), 2.0),)}]
    arrays = harness.numpy_outputs("out", out)
    assert list(arrays) == ["out/0", "out/1/a/0", "out/1/b"]
    assert np.array_equal(arrays["out/1/a/0"], np.full((2, 1), 2.0, np.float32))
    assert list(harness.numpy_outputs("out", torch.ones(2))) == ["out"]


class _PassthroughModel:
    """A SAC-like model: forward hands back the (restored) observation structure, and its
    ``value_function`` is a bare ``pass``."""

    view_requirements: dict = {}

    def eval(self):
        return self

    def __call__(self, batch, state, seq_lens):
        obs = batch["obs"]
        return [obs[:, :2], obs[:, 2:]], state

    def value_function(self):
        return None

    def get_action_model_outputs(self, out):
        return torch.cat(out, 1) * 2, []

    def get_q_values(self, out, actions):
        return (torch.cat(out, 1).sum(1, keepdim=True) + actions.sum(1, keepdim=True),)

    twin_q_net = None


def test_run_model_records_a_structured_output_and_a_none_value_as_no_value_function():
    pytest.importorskip("shim")
    from shim import ray_compat

    ray_compat.install()
    try:
        obs = np.arange(12, dtype=np.float32).reshape(3, 4)
        actions = np.ones((5, 2), np.float32)  # more rows than the batch: cut to the batch
        results = harness.run_model(_PassthroughModel(), obs, np.zeros(3), np.zeros(3, np.float32),
                                    None, None, {"sac": True, "actions": actions})
    finally:
        ray_compat.uninstall()
    assert np.array_equal(results["out/0"], obs[:, :2]) and np.array_equal(results["out/1"], obs[:, 2:])
    assert "value" not in results
    assert bytes(results["value_error"]).decode() == "TypeError: value_function() returned None"
    assert np.array_equal(results["heads/q"], obs.sum(1, keepdims=True) + 2)
