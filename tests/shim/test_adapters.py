"""Adapters: legacy ModelV2 / hook code as RLModules (values, state dicts, sequences, dists)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rlmigrate import RLModule, ValueFunctionAPI
from rlmigrate.distributions.categorical import TorchCategorical as NewCategorical
from rlmigrate.distributions.diag_gaussian import TorchDiagGaussian as NewDiagGaussian
from rlmigrate.testing.strategies import action_spaces
from shim.adapters import (
    ModelV2RLModule,
    module_from_action_distribution_fn,
    module_from_make_model_and_action_dist,
)
from shim.dist_bridge import LegacyDistribution, legacy_to_new_stack
from shim.models import action_dist as legacy
from shim.models.catalog import ModelCatalog
from shim.models.model_defaults import merge_model_config

BOX = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
ACT = gym.spaces.Discrete(2)


def lstm_module(**extra: Any) -> ModelV2RLModule:
    torch.manual_seed(0)
    return ModelV2RLModule(
        observation_space=BOX,
        action_space=ACT,
        model_config={"fcnet_hiddens": [8], "use_lstm": True, "lstm_cell_size": 4, **extra},
    )


def test_module_outputs_values_and_legacy_weight_keys() -> None:
    module = ModelV2RLModule(
        observation_space=BOX,
        action_space=ACT,
        model_config={"fcnet_hiddens": [8], "vf_share_layers": False},
    )
    assert isinstance(module, RLModule) and isinstance(module, ValueFunctionAPI)
    assert list(module.get_state())[0] == "_logits._model.0.weight"
    batch = {"obs": torch.zeros(5, 3)}
    out = module.forward_inference(batch)
    assert out["action_dist_inputs"].shape == (5, 2)
    assert module.compute_values(batch).shape == (5,)
    torch.testing.assert_close(
        module.compute_values({"obs": torch.ones(5, 3)}), module.legacy_model.value_function()
    )
    assert module.get_inference_action_dist_cls() is NewCategorical


def test_recurrent_module_uses_sequences_and_a_state_dict() -> None:
    module = lstm_module()
    assert module.is_stateful() and sorted(module.get_initial_state()) == ["0", "1"]
    b, t = 2, 3
    state = {k: v.expand(b, -1) for k, v in module.get_initial_state().items()}
    obs = torch.randn(b, t, 3)
    out = module.forward_train({"obs": obs, "state_in": state})
    assert out["action_dist_inputs"].shape == (b, t, 2)
    assert {k: tuple(v.shape) for k, v in out["state_out"].items()} == {"0": (b, 4), "1": (b, 4)}
    assert module.compute_values({"obs": obs, "state_in": state}).shape == (b, t)
    # Stepping one timestep at a time threads the same state as one T=3 sequence.
    step_state = state
    for i in range(t):
        step = module.forward_inference({"obs": obs[:, i : i + 1], "state_in": step_state})
        torch.testing.assert_close(
            step["action_dist_inputs"][:, 0], out["action_dist_inputs"][:, i], atol=1e-5, rtol=1e-5
        )
        step_state = step["state_out"]
    torch.testing.assert_close(step_state["0"], out["state_out"]["0"], atol=1e-5, rtol=1e-5)


def test_config_built_module_checkpoints_and_restores(tmp_path: Path) -> None:
    module = lstm_module()
    path = module.save_to_path(str(tmp_path / "m"))
    restored = RLModule.from_checkpoint(path, module_class=ModelV2RLModule)
    for key, value in module.get_state().items():
        np.testing.assert_array_equal(restored.get_state()[key], value)


def test_from_model_wraps_an_instance_and_refuses_to_checkpoint_it(tmp_path: Path) -> None:
    cfg = merge_model_config({"fcnet_hiddens": [4]})
    model = ModelCatalog.get_model_v2(BOX, ACT, 2, cfg)
    module = ModelV2RLModule.from_model(model)
    assert module.legacy_model is model
    with pytest.raises(ValueError, match="from_model"):
        module.save_to_path(str(tmp_path / "x"))


def test_dict_observations_are_flattened_for_the_model() -> None:
    space = gym.spaces.Dict({"k": gym.spaces.Discrete(3), "v": BOX})
    module = ModelV2RLModule(
        observation_space=space, action_space=ACT, model_config={"fcnet_hiddens": [4]}
    )
    assert module.legacy_model.obs_space.shape == (6,)
    out = module.forward_exploration({"obs": {"k": torch.tensor([0, 2]), "v": torch.zeros(2, 3)}})
    assert out["action_dist_inputs"].shape == (2, 2)


@settings(max_examples=25, deadline=None)
@given(space=action_spaces(max_depth=1), seed=st.integers(0, 100))
def test_legacy_dist_maps_to_an_equivalent_new_stack_class(space: gym.Space, seed: int) -> None:
    legacy_cls, width = ModelCatalog.get_action_dist(space, merge_model_config({}))
    new_cls = legacy_to_new_stack(legacy_cls, space, width)
    torch.manual_seed(seed)
    logits = torch.randn(4, width)
    legacy_dist = legacy_cls(logits, None)
    new_dist = new_cls.from_logits(logits)
    actions = legacy_dist.sample()
    torch.testing.assert_close(
        new_dist.logp(actions), legacy_dist.logp(actions), atol=1e-5, rtol=1e-5
    )
    greedy = new_dist.to_deterministic().sample()
    legacy_greedy = legacy_dist.deterministic_sample()
    for got, want in zip(_leaves(greedy), _leaves(legacy_greedy)):
        torch.testing.assert_close(torch.as_tensor(got).float(), torch.as_tensor(want).float())
    assert new_cls.required_input_dim(space) == width


def _leaves(value: Any) -> list:
    from rlmigrate.core.nest import flatten

    return flatten(value)


def test_unmappable_legacy_dist_is_wrapped() -> None:
    wrapped = legacy_to_new_stack(legacy.TorchBeta, gym.spaces.Box(0, 1, (2,)), 4)
    assert issubclass(wrapped, LegacyDistribution) and wrapped.required_input_dim() == 4
    dist = wrapped.from_logits(torch.zeros(3, 4))
    sample = dist.sample()
    assert sample.shape == (3, 2) and dist.logp(sample).shape == (3,)
    torch.testing.assert_close(dist.to_deterministic().sample(), torch.full((3, 2), 0.5))
    assert torch.all(dist.to_deterministic().logp(sample) == 0)
    assert legacy_to_new_stack(legacy.TorchCategorical, ACT) is NewCategorical
    assert legacy_to_new_stack(legacy.TorchDiagGaussian, BOX) is NewDiagGaussian


def test_hook_constructors() -> None:
    def make_both(policy: Any, obs_space: gym.Space, action_space: gym.Space, config: dict) -> Any:
        model = ModelCatalog.get_model_v2(
            obs_space, action_space, 2, merge_model_config({"fcnet_hiddens": [4]})
        )
        return model, legacy.TorchCategorical

    module = module_from_make_model_and_action_dist(make_both, BOX, ACT)
    assert module.forward_inference({"obs": torch.zeros(2, 3)})["action_dist_inputs"].shape == (
        2,
        2,
    )

    def dist_fn(policy: Any, model: Any, obs_batch: Any, state_batches: Any, **kwargs: Any) -> Any:
        logits, state = model(obs_batch, state_batches, kwargs.get("seq_lens"))
        return logits, legacy.TorchCategorical, state

    from_dist_fn = module_from_action_distribution_fn(
        dist_fn, BOX, ACT, {"model": {"fcnet_hiddens": [4]}}
    )
    out = from_dist_fn.forward_exploration({"obs": torch.zeros(2, 3)})
    assert (
        set(out) == {"action_dist_inputs"}
        and from_dist_fn.get_exploration_action_dist_cls().legacy_cls is legacy.TorchCategorical
    )
    assert from_dist_fn.compute_values({"obs": torch.zeros(2, 3)}).shape == (2,)
