"""The codemod's list of names an RLModule owns stays in step with the runtime it targets."""

from __future__ import annotations

import gymnasium as gym
import torch.nn as nn

from rlmigrate import TorchRLModule
from rlmigrate.codemod.module_names import CLASHING, RLMODULE_NAMES, SAME_MEANING, legacy_name


class _Bare(TorchRLModule):
    pass


def test_every_name_the_runtime_module_owns_is_listed():
    module = _Bare(observation_space=gym.spaces.Box(-1, 1, (2,)), action_space=gym.spaces.Discrete(2))
    torch_names = set(dir(nn.Module)) | set(vars(nn.Module()))
    owned = {
        n for n in set(dir(_Bare)) | set(vars(module))
        if n not in torch_names and not n.startswith("__") and n != "_abc_impl"
    }
    assert owned <= RLMODULE_NAMES, sorted(owned - RLMODULE_NAMES)


def test_the_spaces_and_model_config_are_no_clash_and_new_names_keep_privacy():
    assert SAME_MEANING <= RLMODULE_NAMES and not SAME_MEANING & CLASHING
    assert {"config", "catalog", "inference_only", "observation_space"} <= CLASHING
    assert legacy_name("catalog") == "legacy_catalog"
    assert legacy_name("_is_setup") == "_legacy_is_setup"
    assert not {legacy_name(n) for n in CLASHING} & RLMODULE_NAMES
