"""Recorder + shim judge end to end, with the shim standing in for Ray as the recorder.

``record_corpus.record_class`` only uses ``ray.rllib...`` names, so under ``shim.ray_compat``
it records what the shim computes; judging that recording must give "match", and a tampered
recording must give "mismatch" (a numeric difference) or "weights" (a different layout).
"""

from __future__ import annotations

import json

import judge_shim
import numpy as np
import pytest
import record_corpus
from safetensors.numpy import load_file, save_file

LEGACY = '''
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from ray.rllib.utils.framework import try_import_torch

torch, nn = try_import_torch()


class TinyModel(TorchModelV2, nn.Module):
    def __init__(self, obs_space, action_space, num_outputs, model_config, name, width=8):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        self.body = nn.Linear(obs_space.shape[0], width)
        self.logits = nn.Linear(width, num_outputs)
        self.value = nn.Linear(width, 1)

    def forward(self, input_dict, state, seq_lens):
        self._h = torch.tanh(self.body(input_dict["obs_flat"]))
        return self.logits(self._h), state

    def value_function(self):
        return self.value(self._h).squeeze(1)
'''


@pytest.fixture
def corpus(tmp_path):
    from shim import ray_compat

    (tmp_path / "me+tiny" / "pkg").mkdir(parents=True)
    (tmp_path / "me+tiny" / "pkg" / "__init__.py").write_text("")
    (tmp_path / "me+tiny" / "pkg" / "tiny.py").write_text(LEGACY)
    entry = {"id": "me+tiny/pkg/tiny.py", "repo": "me/tiny", "path": "pkg/tiny.py",
             "import_root": "", "module": "pkg.tiny"}
    cls = {"name": "TinyModel", "case": {
        "obs_space": "Dict(a=Box(-1, 1, (3,)), b=Discrete(2))", "action_space": "Discrete(3)",
        "model_config": {"custom_model_config": {"width": 5}}, "source": "test"}}
    ray_compat.install()
    yield tmp_path, entry, cls
    ray_compat.uninstall()


def test_a_recording_judged_by_the_same_side_matches(corpus):
    cache, entry, cls = corpus
    meta = record_corpus.record_class(cache, entry, cls)
    assert meta["ray_buildable"], meta
    assert meta["outputs"]["out"] == [4, 3] and meta["has_value"]
    result = judge_shim.judge_class(cache, entry, cls)
    assert result.status == "match", result
    assert {"out", "value", "obs_flat"} <= set(result.compared)


def test_a_changed_output_is_a_mismatch_and_a_changed_layout_a_weights_failure(corpus):
    cache, entry, cls = corpus
    record_corpus.record_class(cache, entry, cls)
    path = next((cache / "oracle").glob("*.safetensors"))
    arrays = load_file(str(path))
    tampered = dict(arrays)
    tampered["out/value"] = arrays["out/value"] + np.float32(1e-3)
    save_file(tampered, str(path))
    result = judge_shim.judge_class(cache, entry, cls)
    assert result.status == "mismatch" and "value" in result.error
    renamed = {("w/renamed" if k == "w/body.weight" else k): v for k, v in arrays.items()}
    save_file(renamed, str(path))
    assert judge_shim.judge_class(cache, entry, cls).status == "weights"


def test_a_class_the_recorder_could_not_build_is_not_judged(corpus):
    cache, entry, cls = corpus
    cls = {**cls, "name": "Missing"}
    meta = record_corpus.record_class(cache, entry, cls)
    assert not meta["ray_buildable"] and meta["stage"] == "import"
    assert "Missing" in meta["error"]
    saved = json.loads(next((cache / "oracle").glob("*Missing.json")).read_text())
    assert saved["error"] == meta["error"]
    assert judge_shim.judge_class(cache, entry, cls).status == "ray-unbuildable"


def test_policy_files_are_recorded_importable_or_with_their_error(corpus):
    cache, entry, _ = corpus
    (cache / "me+tiny" / "pkg" / "pol.py").write_text(
        "from ray.rllib.policy.policy import Policy\n\nclass MyPolicy(Policy):\n    pass\n")
    (cache / "me+tiny" / "pkg" / "bad.py").write_text("import not_a_real_package_xyz\n")
    manifest = {"files": [
        {**entry, "id": "me+tiny/pkg/pol.py", "path": "pkg/pol.py", "module": "pkg.pol",
         "policies": [{"name": "MyPolicy", "kind": "subclass"}, {"name": "Gone", "kind": "subclass"}]},
        {**entry, "id": "me+tiny/pkg/bad.py", "path": "pkg/bad.py", "module": "pkg.bad",
         "policies": [{"name": "X", "kind": "builder"}]},
        {**entry, "policies": []},
    ]}
    out = record_corpus.record_policy_files(cache, manifest)
    assert out["me+tiny/pkg/pol.py"] == {"ray_importable": True, "missing": ["Gone"]}
    assert out["me+tiny/pkg/bad.py"]["ray_importable"] is False
    assert "not_a_real_package_xyz" in out["me+tiny/pkg/bad.py"]["error"]
    assert set(out) == {"me+tiny/pkg/pol.py", "me+tiny/pkg/bad.py"}
    assert json.loads((cache / "oracle" / "policies.json").read_text()) == out
