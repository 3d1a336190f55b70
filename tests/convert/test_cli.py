"""``rlmigrate convert-checkpoint`` end to end on the recorded Ray 2.10 checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rlmigrate.cli import main
from rlmigrate.convert.inert_pickle import load_inert_with_globals
from rlmigrate.core.rl_module import RLModule
from tests.convert.conftest import RECORDED

ORACLE_MODEL = Path(__file__).resolve().parents[2] / "tools" / "oracle" / "custom_model.py"


@pytest.mark.parametrize("case", ["fc_discrete", "fc_box", "lstm_discrete", "multi_agent"])
def test_convert_and_verify_default_models(case, checkpoint_format, tmp_path, capsys) -> None:
    dst = tmp_path / "out"
    code = main(["convert-checkpoint", str(RECORDED / case / checkpoint_format), str(dst),
                 "--verify", "--examples", "20"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("equivalent to the legacy policy") == (2 if case == "multi_agent" else 1)
    restored = RLModule.from_checkpoint(str(dst))
    if case == "multi_agent":
        assert sorted(restored.keys()) == ["p0", "p1"]


def test_convert_a_custom_model_with_its_migrated_class(tmp_path, capsys) -> None:
    migrated = tmp_path / "migrated"
    assert main(["rewrite", str(ORACLE_MODEL), "--out", str(migrated)]) == 0
    dst = tmp_path / "out"
    code = main([
        "convert-checkpoint", str(RECORDED / "custom_discrete" / "cloudpickle"), str(dst),
        "--module-class", f"{migrated / ORACLE_MODEL.name}:ValueBranchMLP",
        "--legacy-model", f"{ORACLE_MODEL}:ValueBranchMLP", "--verify", "--examples", "20",
    ])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "module-class ValueBranchMLP, 10 tensors" in out and "equivalent" in out


def test_verify_of_a_custom_model_without_its_legacy_class_is_a_usage_error(tmp_path, capsys):
    migrated = tmp_path / "migrated"
    assert main(["rewrite", str(ORACLE_MODEL), "--out", str(migrated)]) == 0
    code = main([
        "convert-checkpoint", str(RECORDED / "custom_discrete" / "msgpack"), str(tmp_path / "o"),
        "--module-class", f"{migrated / ORACLE_MODEL.name}:ValueBranchMLP", "--verify",
    ])
    assert code == 2
    assert "--legacy-model" in capsys.readouterr().err


def test_unconvertible_input_exits_2_and_writes_nothing(tmp_path, capsys) -> None:
    dst = tmp_path / "out"
    code = main(["convert-checkpoint", str(RECORDED / "custom_discrete" / "msgpack"), str(dst)])
    assert code == 2
    assert "custom_model" in capsys.readouterr().err
    assert not dst.exists()


@pytest.mark.parametrize("case", ["fc_box", "lstm_discrete", "multi_agent"])
def test_to_ray_writes_only_data_and_class_references(case, tmp_path) -> None:
    """Ray restores it (tools/oracle_ray240 checks that with real Ray); here: what it holds."""
    dst = tmp_path / "ray"
    assert main(["convert-checkpoint", str(RECORDED / case / "msgpack"), str(dst), "--to", "ray"]) == 0
    module_dirs = [dst] if case != "multi_agent" else [dst / "p0", dst / "p1"]
    ours = RLModule.from_checkpoint(str(_to_rlmigrate(case, tmp_path)))
    for directory in module_dirs:
        ctor, names = load_inert_with_globals((directory / "class_and_ctor_args.pkl").read_bytes())
        assert "ray.rllib.algorithms.ppo.torch.ppo_torch_rl_module.PPOTorchRLModule" in names
        assert not [n for n in names if n.split(".")[0] not in ("ray", "gymnasium", "numpy", "builtins", "copyreg", "_codecs")]
        state, state_names = load_inert_with_globals((directory / "module_state.pt").read_bytes())
        assert {n.split(".")[0] for n in state_names} <= {"numpy", "_codecs"}
        reference = ours if case != "multi_agent" else ours[directory.name]
        own = {k: v.detach().numpy() for k, v in reference.state_dict().items()}
        assert state.keys() == own.keys()
        for key, value in own.items():
            np.testing.assert_array_equal(state[key], value)


def _to_rlmigrate(case: str, tmp_path: Path) -> Path:
    dst = tmp_path / "rlmigrate"
    assert main(["convert-checkpoint", str(RECORDED / case / "msgpack"), str(dst)]) == 0
    return dst
