"""The default modules pick their catalog, re-raise why it failed, and name what to pass."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest

from rlmigrate.core.rl_module import RLModuleConfig
from rlmigrate.models.catalog import Catalog
from rlmigrate.models.ppo_catalog import PPOCatalog
from rlmigrate.modules.bc import BCTorchRLModule
from rlmigrate.modules.ppo import PPOTorchRLModule

OBS = gym.spaces.Box(-1, 1, (3,))
ACT = gym.spaces.Discrete(2)
CASES = [(BCTorchRLModule, Catalog, "catalog_class=Catalog"), (PPOTorchRLModule, PPOCatalog, "catalog_class=PPOCatalog")]


class _BrokenCatalog:
    def __init__(self, **kwargs):
        raise KeyError("no encoder for this space")


@pytest.mark.parametrize(("module_cls", "catalog_cls", "_hint"), CASES)
def test_keyword_construction_defaults_the_catalog(module_cls, catalog_cls, _hint):
    module = module_cls(observation_space=OBS, action_space=ACT, model_config={"fcnet_hiddens": [4]})
    assert type(module.catalog) is catalog_cls


@pytest.mark.parametrize(("module_cls", "_catalog_cls", "_hint"), CASES)
def test_the_catalog_constructor_error_surfaces_in_setup(module_cls, _catalog_cls, _hint):
    with pytest.raises(KeyError, match="no encoder for this space"):
        module_cls(observation_space=OBS, action_space=ACT, catalog_class=_BrokenCatalog)


@pytest.mark.parametrize(("module_cls", "_catalog_cls", "hint"), CASES)
def test_a_positional_config_without_catalog_names_what_to_pass(module_cls, _catalog_cls, hint):
    config = RLModuleConfig(observation_space=OBS, action_space=ACT, model_config_dict={})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ValueError, match=f"{module_cls.__name__} needs a catalog: pass {hint}"):
            module_cls(config)
