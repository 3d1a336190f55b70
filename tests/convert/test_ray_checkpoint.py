"""Real Ray 2.10 checkpoints read without Ray, and hostile ones refused with a named error."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from rlmigrate import Columns, compute_actions
from rlmigrate.convert.convert import ConversionError, convert_policy
from rlmigrate.convert.ray_checkpoint import LegacyCheckpointError, read_ray_checkpoint
from tests.convert.conftest import CASES, RECORDED, array, expected


@pytest.mark.parametrize("case", CASES)
def test_recorded_checkpoints_read_identically_from_both_formats(case: str) -> None:
    pickled = read_ray_checkpoint(RECORDED / case / "cloudpickle")
    packed = read_ray_checkpoint(RECORDED / case / "msgpack")
    assert sorted(pickled) == sorted(packed) == sorted(expected(case))
    for pid, state in pickled.items():
        other = packed[pid]
        assert state.weights.keys() == other.weights.keys()
        for key, value in state.weights.items():
            assert value.dtype == other.weights[key].dtype
            np.testing.assert_array_equal(value, other.weights[key])
        assert state.observation_space == other.observation_space
        assert state.action_space == other.action_space
        assert state.model_config == other.model_config
        assert state.policy_class == "PPOTorchPolicy"


@pytest.mark.parametrize("case", ["fc_discrete", "fc_box", "lstm_discrete", "multi_agent"])
def test_default_models_convert_to_modules_that_act_like_ray_2_10_to_float32_rounding(case, checkpoint_format):
    states = read_ray_checkpoint(RECORDED / case / checkpoint_format)
    for pid, record in expected(case).items():
        module = convert_policy(states[pid]).module
        obs = array(record["obs"])
        state_in = [array(s) for s in record["state_in"]]
        state = {"h": state_in[0][:, None], "c": state_in[1][:, None]} if state_in else None
        out = compute_actions(module, obs, explore=False, state=state)
        # Float32 rounding only: Ray recorded on another CPU, whose BLAS sums in another order
        # (ULP-level differences, ~1e-9 here); a wrong weight map is off by 1e-3 or more.
        np.testing.assert_allclose(
            np.asarray(out[Columns.ACTION_DIST_INPUTS]).reshape(len(obs), -1),
            array(record["action_dist_inputs"]), rtol=1e-5, atol=1e-7,
        )
        actions = np.asarray(out[Columns.ACTIONS]).reshape(array(record["actions"]).shape)
        np.testing.assert_allclose(actions, array(record["actions"]), rtol=1e-5, atol=1e-7)
        if "vf_preds" in record:
            batch = {Columns.OBS: torch.as_tensor(obs)}
            if state:
                batch = {
                    Columns.OBS: torch.as_tensor(obs)[:, None],
                    Columns.STATE_IN: {k: torch.as_tensor(v) for k, v in state.items()},
                }
            values = module.compute_values(batch).detach().numpy().reshape(len(obs))
            np.testing.assert_allclose(values, array(record["vf_preds"]), atol=1e-6)
        if state_in:
            for i, key in enumerate(("h", "c")):
                got = np.asarray(out[Columns.STATE_OUT][key])[:, 0]
                np.testing.assert_allclose(got, array(record["state_out"][i]), rtol=1e-5, atol=1e-7)


def test_custom_models_need_their_migrated_class() -> None:
    state = read_ray_checkpoint(RECORDED / "custom_discrete" / "msgpack")["default_policy"]
    with pytest.raises(ConversionError, match="custom_model='oracle_value_branch_mlp'.*--module-class"):
        convert_policy(state)


def test_weights_that_do_not_fit_the_class_list_every_problem() -> None:
    from rlmigrate.modules.ppo import PPOTorchRLModule

    state = read_ray_checkpoint(RECORDED / "fc_discrete" / "msgpack")["default_policy"]
    with pytest.raises(ConversionError) as err:
        convert_policy(state, PPOTorchRLModule)  # legacy names are not the PPO module's
    text = str(err.value)
    assert "'pi.net.mlp.0.weight' gets no legacy weight" in text
    assert "'_logits._model.0.weight' has no place in the module" in text


# ------------------------------------------------------------------------- hostile inputs
def _copy(case: str, fmt: str, tmp_path: Path) -> Path:
    target = tmp_path / case
    shutil.copytree(RECORDED / case / fmt, target)
    return target


def _rewrite_state(directory: Path, edit) -> None:
    """Loads the pickled state with the real pickle *of our own test data*, edits, re-dumps.

    (The recorded state names Ray classes; the inert reader gives plain data we can re-pickle
    after dropping the inert parts.)
    """
    from rlmigrate.convert.inert_pickle import load_inert

    state = load_inert((directory / "policy_state.pkl").read_bytes())
    clean = {
        "weights": state["weights"],
        "policy_spec": {
            "policy_class": "PPOTorchPolicy",
            "observation_space": state["policy_spec"]["observation_space"],
            "action_space": state["policy_spec"]["action_space"],
            "config": {"model": state["policy_spec"]["config"]["model"]},
        },
    }
    edit(clean)
    (directory / "policy_state.pkl").write_bytes(pickle.dumps(clean))


class _System:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_planted_globals_convert_with_nothing_run(tmp_path: Path) -> None:
    directory = _copy("fc_discrete", "cloudpickle", tmp_path)
    marker = tmp_path / "pwned"
    _rewrite_state(directory, lambda s: s["policy_spec"]["config"].update(
        callbacks=_System(f"touch {marker}"), env_config={"hook": _System(f"touch {marker}")}
    ))
    state = read_ray_checkpoint(directory)["default_policy"]
    convert_policy(state)
    assert not marker.exists()
    assert state.config["callbacks"] in ("<posix.system>", "<os.system>")


def test_state_file_is_taken_by_base_name_inside_the_checkpoint(tmp_path: Path) -> None:
    directory = _copy("fc_discrete", "cloudpickle", tmp_path)
    record = json.loads((directory / "rllib_checkpoint.json").read_text())
    record["state_file"] = "../../../../etc/passwd"
    (directory / "rllib_checkpoint.json").write_text(json.dumps(record))
    with pytest.raises(LegacyCheckpointError, match="passwd' is missing"):
        read_ray_checkpoint(directory)


def test_a_symlinked_state_file_is_refused(tmp_path: Path) -> None:
    directory = _copy("fc_discrete", "cloudpickle", tmp_path)
    outside = tmp_path / "outside.pkl"
    (directory / "policy_state.pkl").rename(outside)
    (directory / "policy_state.pkl").symlink_to(outside)
    with pytest.raises(LegacyCheckpointError, match="not a regular file"):
        read_ray_checkpoint(directory)


def test_nan_weights_are_refused(tmp_path: Path) -> None:
    directory = _copy("fc_discrete", "cloudpickle", tmp_path)
    _rewrite_state(directory, lambda s: s["weights"]["_logits._model.0.bias"].__setitem__(0, np.nan))
    with pytest.raises(LegacyCheckpointError, match=r"weights\['_logits._model.0.bias'\] holds NaN"):
        read_ray_checkpoint(directory)


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON"),
        ('{"type": "Trainer"}', "field 'type'"),
        ('{"type": "Policy", "format": "yaml"}', "field 'format'"),
        ('{"type": "Algorithm"}', "field 'policy_ids'"),
        ('{"type": "Algorithm", "policy_ids": ["../../x"]}', "has no directory inside"),
    ],
)
def test_malformed_checkpoint_json_names_the_field(tmp_path: Path, text: str, message: str) -> None:
    directory = _copy("fc_discrete", "cloudpickle", tmp_path)
    (directory / "rllib_checkpoint.json").write_text(text)
    with pytest.raises(LegacyCheckpointError, match=message):
        read_ray_checkpoint(directory)


def test_truncated_state_names_the_file(tmp_path: Path, checkpoint_format: str) -> None:
    directory = _copy("fc_box", checkpoint_format, tmp_path)
    state_file = next(directory.glob("policy_state.*"))
    state_file.write_bytes(state_file.read_bytes()[:500])
    with pytest.raises(LegacyCheckpointError, match=state_file.name):
        read_ray_checkpoint(directory)


def test_missing_weights_name_the_field(tmp_path: Path) -> None:
    directory = _copy("fc_discrete", "cloudpickle", tmp_path)
    _rewrite_state(directory, lambda s: s.pop("weights"))
    with pytest.raises(LegacyCheckpointError, match="field 'weights'"):
        read_ray_checkpoint(directory)
