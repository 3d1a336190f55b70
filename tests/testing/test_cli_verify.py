"""``rlmigrate verify``: verdicts and exit codes, spaces from flags / cases file / the legacy
file's own config, and usage errors that say what was expected."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rlmigrate.cli import main

PAIRS = Path(__file__).parent / "pairs"
LEGACY = f"{PAIRS / 'legacy_mlp.py'}:LegacyMLP"
MIGRATED = f"{PAIRS / 'migrated_mlp.py'}:MigratedMLP"
SPACES = ["--obs-space", "Box(-1, 1, (5,))", "--action-space", "Discrete(3)"]


def test_equivalent_pair_exits_0_with_a_verdict_table(capsys):
    assert main(["verify", LEGACY, MIGRATED, *SPACES, "--examples", "50"]) == 0
    out = capsys.readouterr().out
    assert (
        "EQUIVALENT over 50 examples" in out
        and "action_dist_inputs" in out
        and "absent on both sides" in out
    )


def test_json_output_and_explore(capsys):
    assert main(["verify", LEGACY, MIGRATED, *SPACES, "--explore", "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "equivalent" and result["report"]["explore"] is True
    assert result["report"]["examples"] == 100 and set(result["report"]["compared"]) >= {
        "actions",
        "logp",
    }


def test_a_model_built_lazily_is_warmed_up_and_the_output_says_so(capsys):
    fixtures = Path(__file__).resolve().parents[2] / "fixtures"
    pair = [f"{fixtures / side / 'lazy_submodule.py'}:LazyCellModel" for side in ("legacy", "expected")]
    spaces = ["--obs-space", "Box(-1, 1, (4,))", "--action-space", "Discrete(3)", "--examples", "10"]
    assert main(["verify", *pair, *spaces]) == 0
    assert "warm-up: the first forward pass builds submodules lazily (legacy cell; migrated cell)" in " ".join(
        capsys.readouterr().out.split()
    )
    assert main(["verify", *pair, *spaces, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)["report"]
    assert report["lazily_built"] == {"legacy": ["cell"], "migrated": ["cell"]}


def test_a_wrong_migration_exits_1_and_shows_the_difference(tmp_path, capsys):
    mutant = tmp_path / "mutant.py"
    mutant.write_text(
        (PAIRS / "migrated_mlp.py")
        .read_text()
        .replace("nn.Tanh(), nn.Linear(hidden, hidden)", "nn.ReLU(), nn.Linear(hidden, hidden)")
    )
    assert main(["verify", LEGACY, f"{mutant}:MigratedMLP", *SPACES]) == 1
    out = capsys.readouterr().out
    assert "DIFFERENT" in out and "DIFFERS" in out and "smallest input found" in out
    assert main(["verify", LEGACY, f"{mutant}:MigratedMLP", *SPACES, "--format", "json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (
        result["verdict"] == "different"
        and result["difference"]["quantity"] == "action_dist_inputs"
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["nope.py:A", MIGRATED, *SPACES], "no such file 'nope.py'"),
        (
            [LEGACY.replace("LegacyMLP", "Missing"), MIGRATED, *SPACES],
            "has no 'Missing'; it defines \\['LegacyMLP'\\]",
        ),
        (
            [LEGACY, MIGRATED, "--obs-space", "Box(-1, 1", "--action-space", "Discrete(3)"],
            "--obs-space: cannot read space",
        ),
        (
            [LEGACY, MIGRATED, *SPACES, "--model-config", "{hidden: 3}"],
            "--model-config: not valid JSON",
        ),
        ([LEGACY, MIGRATED], "no --observation-space or --action-space given"),
        ([LEGACY, MIGRATED, *SPACES, "--examples", "0"], "--examples must be >= 1"),
        (
            [
                LEGACY,
                MIGRATED,
                "--obs-space",
                "Dict(a=Discrete(2))",
                "--action-space",
                "Discrete(3)",
            ],
            "cannot build or compare",
        ),
    ],
)
def test_usage_errors_exit_2_and_say_what_was_expected(argv, message, capsys):
    assert main(["verify", *argv]) == 2
    assert pytest.importorskip("re").search(message, capsys.readouterr().err), message


def test_spaces_and_config_come_from_the_legacy_files_config(tmp_path, capsys):
    legacy = tmp_path / "legacy_cartpole.py"
    legacy.write_text(
        (PAIRS / "legacy_mlp.py").read_text()
        + '\nconfig = {"env": "CartPole-v1", "model": {"custom_model": "mlp", "custom_model_config": {"hidden": 8}}}\n'
    )
    assert main(["verify", f"{legacy}:LegacyMLP", MIGRATED, "--examples", "20"]) == 0
    out = capsys.readouterr().out
    assert "EQUIVALENT" in out and "obs Box([-4.8" in out and "Discrete(2)" in out  # CartPole-v1
    # hidden=8 reached both sides: a mismatch would be a shape error in the weight transfer


def test_spaces_and_configs_from_a_cases_file(tmp_path, capsys):
    shutil.copy(PAIRS / "legacy_mlp.py", tmp_path / "mlp.py")
    cases = {
        "mlp.py": {
            "status": "converted",
            "classes": [
                {
                    "legacy": "LegacyMLP",
                    "migrated": "MigratedMLP",
                    "observation_space": {
                        "space": "box",
                        "low": -2.0,
                        "high": 2.0,
                        "shape": [7],
                        "dtype": "float32",
                    },
                    "action_space": {"space": "discrete", "n": 4},
                    "model_config": {},
                    "custom_model_config": {"hidden": 6},
                    "migrated_model_config": {"hidden": 6},
                }
            ],
        }
    }
    (tmp_path / "CASES.json").write_text(json.dumps(cases))
    argv = [
        "verify",
        f"{tmp_path / 'mlp.py'}:LegacyMLP",
        MIGRATED,
        "--cases",
        str(tmp_path / "CASES.json"),
        "--format",
        "json",
    ]
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "equivalent"
    assert main([*argv[:-2], "--action-space", "Discrete(2)"]) == 0  # a flag beats the cases file
    capsys.readouterr()
    argv[2] = f"{tmp_path / 'mlp.py'}:Other"
    assert main(argv) == 2


def test_the_installed_command_runs():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rlmigrate.cli",
            "verify",
            LEGACY,
            MIGRATED,
            *SPACES,
            "--examples",
            "10",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verdict"] == "equivalent"


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_config_builds_the_legacy_policy_with_it_and_the_module_with_its_model(capsys):
    legacy = f"{FIXTURES / 'legacy' / 'policy_ppo_subclass.py'}:ClippedAdvantagePPOPolicy"
    migrated = f"{FIXTURES / 'expected' / 'policy_ppo_subclass.py'}:ClippedAdvantagePPOPolicyRLModule"
    config = json.dumps({"model": {"fcnet_hiddens": [6]}, "advantage_clip": 2.0})
    assert main(["verify", legacy, migrated, *SPACES, "--config", config, "--examples", "20"]) == 0
    assert "EQUIVALENT over 20 examples" in capsys.readouterr().out


def test_config_for_a_model_class_is_a_usage_error(capsys):
    assert main(["verify", LEGACY, MIGRATED, *SPACES, "--config", "{}"]) == 2
    assert "is not a Policy class" in capsys.readouterr().err


def test_config_builds_a_copy_of_ppos_constructor_that_reaches_ray_at_build_time(capsys):
    """The policy reads ``ray.rllib.algorithms.ppo.ppo.PPOConfig`` in ``__init__`` (after the
    aliases are gone again) and ``config["model"]["max_seq_len"]``: the full model config an
    Algorithm hands PPO's policies (MODEL_DEFAULTS with PPO's separate value layers)."""
    from rlmigrate.core.legacy_config import merge_model_config

    legacy = f"{FIXTURES / 'legacy' / 'policy_ppo_constructor_copy.py'}:BudgetedPPOPolicy"
    migrated = f"{FIXTURES / 'expected' / 'policy_ppo_constructor_copy.py'}:BudgetedPPOPolicyRLModule"
    model = merge_model_config({"fcnet_hiddens": [6], "vf_share_layers": False})
    config = json.dumps({"model": model, "budget": 0.5})
    assert main(["verify", legacy, migrated, *SPACES, "--config", config, "--examples", "20"]) == 0
    assert "EQUIVALENT over 20 examples" in capsys.readouterr().out


DICT_SPACES = ["--obs-space", "Dict(action_mask=Box(0, 1, (4,), int8), board=Box(0, 2, (2, 3), int8), "
               "turn=Discrete(2))", "--action-space", "Discrete(5)"]


@pytest.mark.parametrize("config, verdict", [
    ("{}", 0),  # preprocessed rows and space on both sides (the 2.10 default)
    # the legacy policy told to take raw observations cannot slice them; the module, given the
    # config's top-level key in its model_config, fails the same way: nothing proven
    ('{"_disable_preprocessor_api": true}', 2),
])
def test_config_builds_a_hand_written_policy_with_the_space_a_worker_gave_it(config, verdict, capsys):
    legacy = f"{FIXTURES / 'legacy' / 'heuristic_masked_dict.py'}:LegalMovePolicy"
    migrated = f"{FIXTURES / 'expected' / 'heuristic_masked_dict.py'}:LegalMovePolicyRLModule"
    assert main(["verify", legacy, migrated, *DICT_SPACES, "--config", config, "--examples", "10"]) == verdict
    if verdict:
        assert "original_space" in capsys.readouterr().err


def test_config_keys_a_hand_written_policy_reads_reach_its_modules_model_config(capsys):
    legacy = f"{FIXTURES / 'legacy' / 'heuristic_constant.py'}:ConstantMovePolicy"
    migrated = f"{FIXTURES / 'expected' / 'heuristic_constant.py'}:ConstantMovePolicyRLModule"
    spaces = ["--obs-space", "Box(-1, 1, (3,))", "--action-space", "Discrete(4)"]
    # the policy plays config["move"]; the module reads the same key from its model_config
    assert main(["verify", legacy, migrated, *spaces, "--config", '{"move": 3}', "--examples", "10"]) == 0
    # told another move than the policy got, the module is caught
    assert main(["verify", legacy, migrated, *spaces, "--config", '{"move": 3}', "--examples", "10",
                 "--migrated-model-config", '{"move": 2}']) == 1


def test_config_builds_a_policy_whose_make_model_imports_ray_rllib_when_it_runs(monkeypatch, capsys):
    """``make_model`` imports the project's model factory when the policy is built, and that
    module imports ``ray.rllib``: verify keeps the aliases on for its whole run, as Ray was
    there for the whole run of the legacy code."""
    monkeypatch.syspath_prepend(str(FIXTURES / "legacy"))  # the project's folder, as its scripts ran
    monkeypatch.delitem(sys.modules, "policy_factory_models", raising=False)  # imported afresh
    legacy = f"{FIXTURES / 'legacy' / 'policy_lazy_factory.py'}:LateGatedPolicy"
    migrated = f"{FIXTURES / 'expected' / 'policy_lazy_factory.py'}:LateGatedPolicyRLModule"
    config = json.dumps({"model": {}})
    try:
        assert main(["verify", legacy, migrated, *SPACES, "--config", config, "--examples", "20"]) == 0
        assert "EQUIVALENT over 20 examples" in capsys.readouterr().out
    finally:
        sys.modules.pop("policy_factory_models", None)


UNGUARDED = [f"{FIXTURES / side / 'heuristic_unguarded_choice.py'}:TrustingMovePolicy{suffix}"
             for side, suffix in (("legacy", ""), ("expected", "RLModule"))]
UNGUARDED_SPACES = ["--obs-space", "Dict(legal=Box(0, 1, (4,), int8), to_move=Discrete(2))",
                    "--action-space", "Discrete(5)", "--config", "{}", "--examples", "20"]


def test_a_port_that_raises_where_the_legacy_policy_raises_is_equivalent_and_counted(capsys):
    assert main(["verify", *UNGUARDED, *UNGUARDED_SPACES, "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "equivalent" and result["report"]["examples"] == 20
    raised = result["report"]["raised"]
    assert set(raised) == {"IndexError"} and raised["IndexError"] > 0
    assert f"acted on 20 of {20 + raised['IndexError']} generated examples" in result["message"]
    assert main(["verify", *UNGUARDED, *UNGUARDED_SPACES]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "EQUIVALENT over 20 examples" in out and "raised the same exception there: IndexError" in out


def test_strict_legacy_failures_end_the_check_with_exit_2(capsys):
    assert main(["verify", *UNGUARDED, *UNGUARDED_SPACES, "--legacy-failures", "strict"]) == 2
    assert "itself raises" in capsys.readouterr().err


RARE_STATE = '''
import zlib

import numpy as np
from ray.rllib.policy.policy import Policy


def handled(obs):
    return zlib.crc32(np.ascontiguousarray(obs, dtype=np.float32).tobytes()) % 300 == 0


class RareStatePolicy(Policy):
    def compute_actions(self, obs_batch, state_batches=None, **kwargs):
        if not handled(obs_batch):
            raise KeyError("state")
        return np.zeros(len(obs_batch), np.int64), [], {}

    def get_weights(self):
        return {}
'''

RARE_STATE_MODULE = '''
import numpy as np

from legacy_rare import handled
from rlmigrate import Columns, RLModule
from rlmigrate.core.numpy_utils import convert_to_numpy


class RareStateModule(RLModule):
    def _forward(self, batch, **kwargs):
        obs = convert_to_numpy(batch[Columns.OBS])
        if not handled(obs):
            raise KeyError("state")
        return {Columns.ACTIONS: np.zeros(len(obs), np.int64)}
'''


def test_a_legacy_policy_acting_on_too_few_inputs_is_inconclusive_with_exit_2(tmp_path, capsys, monkeypatch):
    (tmp_path / "legacy_rare.py").write_text(RARE_STATE)
    (tmp_path / "migrated_rare.py").write_text(RARE_STATE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    argv = ["verify", f"{tmp_path / 'legacy_rare.py'}:RareStatePolicy",
            f"{tmp_path / 'migrated_rare.py'}:RareStateModule",
            "--obs-space", "Box(0, 1, (4,), int64)", "--action-space", "Discrete(2)", "--examples", "20"]
    assert main([*argv, "--format", "json"]) == 2
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "inconclusive" and result["acted"] < 20
    assert result["message"].startswith("inconclusive: legacy (Policy RareStatePolicy) acts on only ")
    assert "KeyError on" in result["message"]
    assert main(argv) == 2
    assert "INCONCLUSIVE" in capsys.readouterr().out
