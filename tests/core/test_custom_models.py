"""rlmigrate.core.custom_models: a module built from a model config that names a custom_model."""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlmigrate import Columns, TorchCategorical, TorchRLModule
from rlmigrate.core import custom_models
from rlmigrate.core.legacy_config import migrated_model_config, policy_module_model_config
from rlmigrate.modules.ppo import PPOTorchRLModule

OBS, ACT = gym.spaces.Box(-1.0, 1.0, (4,), np.float32), gym.spaces.Discrete(3)


class TinyModule(TorchRLModule):
    def setup(self):
        self.logits = torch.nn.Linear(4, 3)

    def _forward(self, batch, **kwargs):
        return {Columns.ACTION_DIST_INPUTS: self.logits(batch[Columns.OBS])}


class HotCategorical(TorchCategorical):
    pass


@pytest.fixture(autouse=True)
def empty_registry(monkeypatch):
    monkeypatch.setattr(custom_models, "_MODULES", {})
    monkeypatch.setattr(custom_models, "_ACTION_DISTS", {})


def build(model_config, **options):
    kwargs = {"observation_space": OBS, "action_space": ACT, "model_config": model_config}
    return custom_models.custom_model_module((), kwargs, **options)


def test_no_custom_model_means_no_module_so_the_caller_builds_its_default():
    assert build({"fcnet_hiddens": [8]}) is None
    assert build({"custom_model": None}) is None
    assert build(None) is None


def test_a_registered_name_builds_the_registered_module():
    custom_models.register_custom_module("tiny", TinyModule)
    module = build({"custom_model": "tiny"})
    assert type(module) is TinyModule
    assert module.observation_space == OBS and module.action_space == ACT


def test_a_dotted_name_is_imported_as_modelcatalog_imported_one():
    module = build({"custom_model": f"{__name__}.TinyModule"})
    assert type(module) is TinyModule


def test_an_unregistered_name_says_which_registration_is_missing():
    with pytest.raises(ValueError, match=r"register_custom_module\('legacy_net', <module class>\)"):
        build({"custom_model": "legacy_net"})


@pytest.mark.parametrize("wrapper, legacy", [("use_lstm", "LSTMWrapper"), ("use_attention", "AttentionWrapper")])
def test_a_custom_model_the_legacy_catalog_wrapped_is_an_error_not_the_bare_module(wrapper, legacy):
    """use_lstm/use_attention ran the legacy model inside a recurrent wrapper: the bare migrated
    module would act differently, silently; a config that turns the wrapper off builds it."""
    custom_models.register_custom_module("tiny", TinyModule)
    with pytest.raises(ValueError, match=rf"custom_model 'tiny' with {wrapper}=True: .*{legacy}.*drop {wrapper}"):
        build({"custom_model": "tiny", wrapper: True})
    assert type(build({"custom_model": "tiny", wrapper: False})) is TinyModule


def test_a_registered_distribution_is_the_modules_action_distribution():
    custom_models.register_custom_module("tiny", TinyModule)
    custom_models.register_custom_action_dist("hot", HotCategorical)
    module = build({"custom_model": "tiny", "custom_action_dist": "hot"})
    assert module.get_inference_action_dist_cls() is HotCategorical
    assert module.get_exploration_action_dist_cls() is HotCategorical


def test_an_unregistered_distribution_is_an_error_not_the_default_distribution():
    custom_models.register_custom_module("tiny", TinyModule)
    with pytest.raises(ValueError, match=r"register_custom_action_dist\('autoregressive'"):
        build({"custom_model": "tiny", "custom_action_dist": "autoregressive"})


@pytest.mark.parametrize("register, value", [
    (custom_models.register_custom_module, TorchCategorical),
    (custom_models.register_custom_module, object()),
    (custom_models.register_custom_action_dist, TinyModule),
])
def test_registering_something_else_is_a_type_error(register, value):
    with pytest.raises(TypeError, match="expected"):
        register("x", value)


def test_registries_are_copies():
    custom_models.register_custom_module("tiny", TinyModule)
    custom_models.registered_modules().clear()
    custom_models.registered_action_dists()["x"] = HotCategorical
    assert custom_models.registered_modules() == {"tiny": TinyModule}
    assert custom_models.registered_action_dists() == {}


legacy_model_configs = st.fixed_dictionaries(
    {"custom_model": st.just("tiny")},
    optional={
        "fcnet_hiddens": st.lists(st.integers(1, 8), max_size=2),
        "vf_share_layers": st.booleans(),
        "custom_model_config": st.dictionaries(st.sampled_from(["width", "depth", "gain"]), st.integers(0, 9)),
    },
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model_config=legacy_model_configs)
def test_the_module_gets_the_config_a_spec_of_its_class_carries_over_the_legacy_defaults(model_config):
    """What RLModuleSpec(module_class=<the class>) carries for the same legacy dict (custom_model_config
    lifted, spec keys gone), over the algorithm's legacy model defaults, however the config arrives."""
    custom_models.register_custom_module("tiny", TinyModule)
    defaults = {"vf_share_layers": False}
    for given_config in (model_config, policy_module_model_config(model_config)):
        module = build(dict(given_config), model_defaults=defaults)
        assert module.model_config == {**defaults, **migrated_model_config(model_config)}


def test_a_generated_policy_module_is_its_default_model_without_a_custom_model():
    class PolicyModule(PPOTorchRLModule):
        def __new__(cls, *args, **kwargs):
            module = custom_models.custom_model_module(args, kwargs)
            return module if module is not None else super().__new__(cls)

    custom_models.register_custom_module("tiny", TinyModule)
    default = PolicyModule(observation_space=OBS, action_space=ACT, model_config={})
    assert type(default) is PolicyModule
    assert type(copy.deepcopy(default)) is PolicyModule  # __new__ without arguments: the class itself
    assert type(PolicyModule(observation_space=OBS, action_space=ACT, model_config={"custom_model": "tiny"})) is TinyModule


@pytest.mark.parametrize("module", [custom_models, "rlmigrate.core.legacy_config"])
def test_docstring_examples_hold(module):
    import doctest
    import importlib

    module = importlib.import_module(module) if isinstance(module, str) else module
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted and result.failed == 0
