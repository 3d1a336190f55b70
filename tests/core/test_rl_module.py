"""RLModule construction, hook dispatch, guards and the deprecated 2.10 spellings."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest
import torch

from rlmigrate import RLModule, RLModuleConfig, TorchRLModule
from rlmigrate.core.columns import Columns
from tests.core.conftest import ACT_SPACE, OBS_SPACE, ModernModule, OldStyleModule


class Recorder(RLModule):
    def setup(self):
        self.calls = []
        self.setup_count = getattr(self, "setup_count", 0) + 1

    def _forward(self, batch, **kwargs):
        self.calls.append(("_forward", kwargs))
        return {"which": "generic"}

    def _forward_exploration(self, batch, **kwargs):
        self.calls.append(("_forward_exploration", kwargs))
        return {"which": "exploration"}


def test_keyword_constructor_stores_arguments_and_runs_setup_once():
    module = Recorder(observation_space=OBS_SPACE, action_space=ACT_SPACE, model_config={"a": 1})
    assert module.observation_space is OBS_SPACE and module.action_space is ACT_SPACE
    assert module.model_config == {"a": 1}
    assert module.inference_only is None  # RLlib: "not said", not False
    assert module.setup_count == 1


def test_model_config_none_becomes_empty_dict():
    assert Recorder(observation_space=OBS_SPACE, action_space=ACT_SPACE).model_config == {}


def test_public_methods_dispatch_to_hooks_with_forward_fallback():
    module = Recorder(observation_space=OBS_SPACE, action_space=ACT_SPACE)
    assert module.forward_inference({}, t=3) == {"which": "generic"}
    assert module.forward_exploration({}, t=4) == {"which": "exploration"}
    assert module.forward_train({}) == {"which": "generic"}
    assert module.calls == [("_forward", {"t": 3}), ("_forward_exploration", {"t": 4}), ("_forward", {})]


def test_forward_train_refused_when_inference_only():
    module = Recorder(observation_space=OBS_SPACE, action_space=ACT_SPACE, inference_only=True)
    with pytest.raises(RuntimeError, match="inference_only=True"):
        module.forward_train({})


def test_base_dist_getters_raise_not_implemented():
    module = Recorder(observation_space=OBS_SPACE, action_space=ACT_SPACE)
    with pytest.raises(NotImplementedError, match="Recorder"):
        module.get_inference_action_dist_cls()


def test_is_stateful_requires_a_dict():
    class Bad(Recorder):
        def get_initial_state(self):
            return [torch.zeros(3)]

    with pytest.raises(TypeError, match="must return a dict"):
        Bad(observation_space=OBS_SPACE, action_space=ACT_SPACE).is_stateful()


def test_positional_rl_module_config_builds_with_deprecation_warning():
    config = RLModuleConfig(OBS_SPACE, ACT_SPACE, model_config_dict={"hidden": 5})
    with pytest.warns(DeprecationWarning):
        module = OldStyleModule(config)
    assert module.net[0].out_features == 5
    assert module.model_config == {"hidden": 5}


def test_config_view_warns_and_reads_live_values(modern_module):
    with pytest.warns(DeprecationWarning, match="model_config_dict"):
        assert modern_module.config.model_config_dict is modern_module.model_config
    with pytest.warns(DeprecationWarning):
        assert modern_module.config.observation_space is OBS_SPACE


def test_positional_non_config_is_a_type_error():
    with pytest.raises(TypeError, match="keyword arguments"):
        ModernModule({"hidden": 3})


def test_catalog_is_built_and_its_dist_class_used():
    class FakeCatalog:
        def __init__(self, observation_space, action_space, model_config_dict):
            self.seen = (observation_space, action_space, model_config_dict)

        def get_action_dist_cls(self, framework):
            return ("dist-for", framework)

    module = ModernModule(observation_space=OBS_SPACE, action_space=ACT_SPACE, catalog_class=FakeCatalog)
    assert module.catalog.seen == (OBS_SPACE, ACT_SPACE, {})
    assert module.action_dist_cls == ("dist-for", "torch")
    assert module.get_exploration_action_dist_cls() == ("dist-for", "torch")
    assert module.get_ctor_args_and_kwargs()[1]["catalog_class"] is FakeCatalog


def test_catalog_error_is_kept_not_raised():
    class Broken:
        def __init__(self, **kwargs):
            raise KeyError("no encoder for this space")

    module = ModernModule(observation_space=OBS_SPACE, action_space=ACT_SPACE, catalog_class=Broken)
    assert module.catalog is None
    assert isinstance(module._catalog_ctor_error, KeyError)


def test_setup_twice_is_refused():
    class Twice(TorchRLModule):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            RLModule.__init__(self, **kwargs)

    with pytest.raises(RuntimeError, match="setup\\(\\) would run twice"):
        Twice(observation_space=OBS_SPACE, action_space=ACT_SPACE)


def test_as_multi_rl_module_wraps_self_with_same_weights(modern_module):
    multi = modern_module.as_multi_rl_module()
    assert multi["default_policy"] is modern_module
    with pytest.warns(DeprecationWarning):
        assert modern_module.as_multi_agent()["default_policy"] is modern_module


def test_unknown_kwargs_are_ignored_for_forward_compatibility():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = ModernModule(observation_space=OBS_SPACE, action_space=ACT_SPACE, future_option=1)
    assert module.unwrapped() is module


def test_get_state_of_base_module_refuses_components():
    module = Recorder(observation_space=OBS_SPACE, action_space=gym.spaces.Discrete(2))
    assert module.get_state() == {}
    with pytest.raises(ValueError):
        module.get_state(components="x")
    assert Columns.OBS == "obs"


def test_config_without_spaces_round_trips_through_its_dict():
    # A 2.10-style config may leave the spaces unset; to_dict/from_dict keep them None.
    config = RLModuleConfig(model_config_dict={"hidden": 4})
    data = config.to_dict()
    assert data["observation_space"] is None and data["action_space"] is None
    back = RLModuleConfig.from_dict(data)
    assert back.observation_space is None and back.action_space is None
    assert back.model_config_dict == {"hidden": 4}
    spaced = RLModuleConfig.from_dict(RLModuleConfig(OBS_SPACE, ACT_SPACE).to_dict())
    assert (spaced.observation_space, spaced.action_space) == (OBS_SPACE, ACT_SPACE)


def test_default_dist_cls_without_action_space_names_the_missing_space():
    class NoSpaces(TorchRLModule):
        def setup(self):
            pass

        def _forward(self, batch, **kwargs):
            return {}

    module = NoSpaces(observation_space=OBS_SPACE)
    with pytest.raises(ValueError, match="NoSpaces has no action_space"):
        module.get_inference_action_dist_cls()
