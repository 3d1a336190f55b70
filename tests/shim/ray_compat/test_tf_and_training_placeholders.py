"""Names Ray 2.10 has and the shim does not implement: they import, and fail only when used.

The TF-neighbour case: a file defining a TF and a torch model (the way Ray's own example
files do) imports; its torch model builds and runs; its TF model raises the port-it error
(RLM060) only when built. Training-side names (PPO, DQNConfig, DefaultCallbacks, tune) import
and can be subclassed; using them says "train with Ray".
"""

from __future__ import annotations

import copy
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from shim.placeholders import NotInShimError, is_placeholder
from shim.ray_compat import PortToTorchError, TrainingSideError, inventory

OBS = gym.spaces.Box(-1.0, 1.0, (4,), np.float32)
ACT = gym.spaces.Discrete(2)


@pytest.fixture(scope="module")
def neighbour(load_legacy: Any) -> Any:
    module = load_legacy("tf_and_torch_model")
    module.register()
    return module


def _config(custom: str) -> dict:
    from shim.models import MODEL_DEFAULTS

    return dict(copy.deepcopy(MODEL_DEFAULTS), custom_model=custom, fcnet_hiddens=[8])


def test_the_torch_model_next_to_a_tf_model_builds_and_runs(neighbour: Any) -> None:
    from shim.models import ModelCatalog

    model = ModelCatalog.get_model_v2(OBS, ACT, 2, _config("tf_neighbour_torch"))
    logits, state = model({"obs": torch.zeros(3, 4)}, [], None)
    assert logits.shape == (3, 2) and state == [] and model.value_function().shape == (3,)


def test_the_tf_model_raises_the_port_it_error_only_when_built(neighbour: Any) -> None:
    from shim.models import ModelCatalog

    assert issubclass(neighbour.CustomModel, neighbour.TFModelV2)  # defined fine
    with pytest.raises(PortToTorchError, match="RLM060") as err:
        ModelCatalog.get_model_v2(OBS, ACT, 2, _config("tf_neighbour_tf"))
    assert "TFModelV2" in str(err.value) and "port" in str(err.value).lower()
    with pytest.raises(PortToTorchError, match="tf.keras.Model"):
        neighbour.KerasBody()
    from ray.rllib.models.tf.fcnet import FullyConnectedNetwork as TFFullyConnected

    class SubclassOfRaysTFNet(TFFullyConnected):
        pass

    with pytest.raises(PortToTorchError, match="RLM060"):
        ModelCatalog.get_model_v2(OBS, ACT, 2, dict(_config("x"), custom_model=SubclassOfRaysTFNet))


def test_try_import_tf_gives_what_ray_gives_without_tensorflow(ray_aliases: None) -> None:
    from ray.rllib.utils.framework import try_import_tf

    tf1, tf, tfv = try_import_tf()
    assert tf1 is None and tfv is None and not tf
    with pytest.raises(AttributeError):
        tf.float32  # noqa: B018 -- Ray's stub has only keras too


def test_training_side_names_import_subclass_and_say_train_with_ray(ray_aliases: None) -> None:
    from ray import tune
    from ray.rllib.algorithms.algorithm import Algorithm
    from ray.rllib.algorithms.callbacks import DefaultCallbacks
    from ray.rllib.algorithms.dqn import DQN, DQNConfig
    from ray.rllib.algorithms.ppo import PPO, PPOConfig
    from ray.tune.registry import register_env, register_trainable

    class MyCallbacks(DefaultCallbacks):
        def on_episode_end(self, **kwargs: Any) -> None:
            return None

    for name, use in [
        ("DefaultCallbacks", MyCallbacks),
        ("DQNConfig", DQNConfig),
        ("DQN", DQN),
        ("PPO", PPO),
        ("Algorithm", lambda: Algorithm.from_checkpoint("x")),
        ("register_trainable", lambda: register_trainable("x", object)),
        ("run", lambda: tune.run("PPO")),
    ]:
        with pytest.raises(TrainingSideError, match="--target ray") as err:
            use()
        assert name in str(err.value)
    with pytest.raises(TrainingSideError, match="PPOConfig.build"):
        PPOConfig().training(lr=1e-3).build()  # the shim's PPOConfig reads defaults only
    register_env("still-works", lambda cfg: None)  # a real helper, not a placeholder


def test_other_unimplemented_names_import_and_fail_when_used(ray_aliases: None) -> None:
    from ray.rllib.models.torch.mingpt import GPT

    assert is_placeholder(GPT)
    with pytest.raises(NotInShimError, match="not implemented by the shim"):
        GPT({})


_NAMES = sorted(
    (path, name)
    for path, record in inventory.modules().items()
    for name in record["names"]
    if path.startswith("ray.rllib.") and not path.startswith("ray.rllib.examples")
)


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(_NAMES))
def test_any_ray_name_imports_through_the_shim(ray_aliases: None, path_and_name: Any) -> None:
    import importlib

    path, name = path_and_name
    value = getattr(importlib.import_module(path), name)
    if is_placeholder(value):  # named after where Ray defines it (``import x as y`` renames)
        with pytest.raises(NotInShimError, match=value.__qualname__):
            value()
