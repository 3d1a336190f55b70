"""Ray 2.10's import surface, walked: every module path imports through the shim or raises the
documented UnservedPathError; every name Ray binds there resolves; the unserved list is short.

The inventory (``shim/data/ray_2_10_inventory.json``) is written statically from the Ray 2.10
wheel by ``tools/ray_inventory.py``; when the oracle venv is present the committed file is
checked against it.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from shim import ray_compat
from shim.placeholders import NotInShimError, is_placeholder
from shim.ray_compat import inventory, served
from shim.ray_compat.coverage import walk

ROOT = Path(__file__).resolve().parents[3]
ORACLE_SITE = ROOT / "tools" / "oracle" / ".venv" / "lib" / "python3.11" / "site-packages"

#: The paths legacy torch user files import (issue 15's list); each must give real objects.
REAL = {
    "ray.rllib": ["SampleBatch", "Policy"],
    "ray.rllib.models": ["ModelCatalog", "MODEL_DEFAULTS", "ModelV2", "ActionDistribution"],
    "ray.rllib.models.torch.modules": [
        "GRUGate",
        "MultiHeadAttention",
        "SkipConnection",
        "RelativeMultiHeadAttention",
    ],
    "ray.rllib.models.torch.modules.noisy_layer": ["NoisyLayer"],
    "ray.rllib.models.torch.attention_net": ["GTrXLNet", "AttentionWrapper"],
    "ray.rllib.models.torch.recurrent_net": ["LSTMWrapper", "RecurrentNetwork"],
    "ray.rllib.models.torch.torch_modelv2": ["TorchModelV2"],
    "ray.rllib.models.torch.misc": ["SlimFC", "normc_initializer", "SlimConv2d"],
    "ray.rllib.models.repeated_values": ["RepeatedValues"],
    "ray.rllib.models.tf.tf_modelv2": ["TFModelV2"],
    "ray.rllib.utils.annotations": ["override", "PublicAPI", "DeveloperAPI"],
    "ray.rllib.utils.framework": ["try_import_torch", "try_import_tf", "TensorType"],
    "ray.rllib.utils.typing": ["Dict", "List", "ModelConfigDict", "TensorType"],
    "ray.rllib.utils.torch_utils": ["flatten_inputs_to_1d_tensor", "FLOAT_MIN", "one_hot"],
    "ray.rllib.utils.numpy": ["one_hot", "softmax", "SMALL_NUMBER", "LARGE_INTEGER"],
    "ray.rllib.utils.spaces.repeated": ["Repeated"],
    "ray.rllib.utils.spaces.simplex": ["Simplex"],
    "ray.rllib.utils.spaces.space_utils": ["flatten_space", "get_base_struct_from_space"],
    "ray.rllib.utils.schedules": ["PiecewiseSchedule", "LinearSchedule"],
    "ray.rllib.utils": [
        "force_list",
        "override",
        "merge_dicts",
        "add_mixins",
        "NullContextManager",
    ],
    "ray.rllib.utils.error": ["UnsupportedSpaceException", "EnvError"],
    "ray.rllib.models.utils": ["get_activation_fn", "get_filter_config", "get_initializer"],
    "ray.rllib.offline": ["JsonReader"],
    "ray.rllib.utils.filter": ["MeanStdFilter", "NoFilter", "get_filter", "RunningStat"],
    "ray.util": ["log_once"],
    "ray.util.annotations": ["PublicAPI", "DeveloperAPI"],
    "ray.rllib.policy.sample_batch": ["SampleBatch", "DEFAULT_POLICY_ID", "concat_samples"],
    "ray.rllib.policy.torch_policy_v2": ["TorchPolicyV2"],
    "ray.rllib.policy.view_requirement": ["ViewRequirement"],
    "ray.rllib.evaluation.postprocessing": ["Postprocessing", "compute_advantages"],
    "ray.rllib.algorithms.dqn.dqn_torch_model": ["DQNTorchModel"],
    "ray.rllib.algorithms.sac.sac_torch_model": ["SACTorchModel"],
    "ray.rllib.algorithms.ppo.ppo_torch_policy": ["PPOTorchPolicy"],
    "ray.tune.registry": ["register_env"],
}


def test_every_path_imports_or_gives_the_documented_error(ray_aliases: None) -> None:
    counts, failures = walk()
    assert failures == []
    assert counts["served paths"] + counts["unserved paths"] == counts["paths"]
    assert counts["paths"] == len(inventory.modules()) > 800
    assert counts["unserved paths"] < 20 and counts["paths with shim implementations"] > 60
    placeholders = sum(v for k, v in counts.items() if k.startswith("placeholders"))
    assert counts["real names"] + placeholders == counts["names"]


def test_the_unserved_list_is_short_and_says_why_and_what_instead() -> None:
    assert sorted(served.UNSERVED) == ["ray.rllib.tuned_examples"]
    for why, instead in served.UNSERVED.values():
        assert len(why) > 20 and len(instead) > 10
    unserved = ray_compat.unserved_modules()
    assert unserved and all(p.startswith("ray.rllib.tuned_examples") for p in unserved)


def test_the_paths_user_files_import_give_real_objects(ray_aliases: None) -> None:
    for path, names in REAL.items():
        module = importlib.import_module(path)
        for name in names:
            value = getattr(module, name)
            assert not is_placeholder(value), f"{path}.{name} is a placeholder"


def test_re_exports_are_the_same_object_as_their_source(ray_aliases: None) -> None:
    import ray.rllib
    from ray.rllib.models.torch.attention_net import GRUGate
    from ray.rllib.models.torch.modules.gru_gate import GRUGate as Defined
    from ray.rllib.policy.sample_batch import SampleBatch

    assert ray.rllib.SampleBatch is SampleBatch and GRUGate is Defined


def test_star_imports_bind_rays_all(ray_aliases: None) -> None:
    namespace: dict = {}
    exec("from ray.rllib.models.torch.modules import *", namespace)  # noqa: S102
    assert {"GRUGate", "SkipConnection", "MultiHeadAttention"} <= set(namespace)


def test_paths_ray_2_10_lacks_name_the_path_and_the_neighbours(ray_aliases: None) -> None:
    with pytest.raises(ray_compat.UnservedPathError, match="ray.rllib.models.torch.nope") as err:
        importlib.import_module("ray.rllib.models.torch.nope")
    assert "ray.rllib.models.torch.attention_net" in str(err.value)
    with pytest.raises(ray_compat.UnservedPathError, match="run them on Ray itself"):
        importlib.import_module("ray.rllib.tuned_examples.ppo.cartpole_ppo")


def test_ray_example_files_import_and_say_copy_the_file_when_used(ray_aliases: None) -> None:
    from ray.rllib.examples.env.random_env import RandomEnv
    from ray.rllib.examples.models.rnn_model import TorchRNNModel

    for name, placeholder in (("RandomEnv", RandomEnv), ("TorchRNNModel", TorchRNNModel)):
        with pytest.raises(NotInShimError, match="Copy that example file") as err:
            placeholder()
        assert name in str(err.value)


def test_tune_helpers_legacy_model_files_use_are_real(ray_aliases: None) -> None:
    from ray.rllib.models import ModelCatalog
    from ray.rllib.utils import merge_dicts
    from ray.tune.registry import RLLIB_MODEL, _global_registry
    from ray.tune.utils import deep_update

    assert merge_dicts({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}}) == {"a": {"b": 3, "c": 2}}
    with pytest.raises(Exception, match="Unknown config parameter `z`"):
        deep_update({"a": 1}, {"z": 2})

    class Marker:
        pass

    ModelCatalog.register_custom_model("inventory_marker", Marker)
    assert _global_registry.get(RLLIB_MODEL, "inventory_marker") is Marker
    assert _global_registry.contains(RLLIB_MODEL, "inventory_marker")


def test_kept_pre_2_10_paths_are_listed_and_served(ray_aliases: None) -> None:
    from ray.rllib.policy.torch_policy_template import build_torch_policy

    assert callable(build_torch_policy)
    assert set(inventory.PRE_2_10_MODULES) <= set(served.SOURCES)


@pytest.mark.skipif(not (ORACLE_SITE / "ray" / "rllib").is_dir(), reason="needs tools/oracle/.venv")
def test_committed_inventory_matches_the_installed_ray_wheel() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "ray_inventory.py"),
            "--check",
            "--site-packages",
            str(ORACLE_SITE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
