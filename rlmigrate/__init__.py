"""rlmigrate: a standalone RLModule runtime, a codemod from RLlib's legacy API, and proof kits.

The public API is flat (``from rlmigrate import TorchRLModule, Columns, RLModuleSpec``) and
follows RLlib's new stack (2.40+) names, so code written against it ports to Ray unchanged.
Names are resolved lazily: ``import rlmigrate`` stays cheap (the codemod CLI never pays for
importing torch), and each name is imported from its home module on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what mypy and editors see; at run time __getattr__ imports lazily
    from rlmigrate.acting import compute_actions, rollout
    from rlmigrate.core.apis import (
        InferenceOnlyAPI,
        QNetAPI,
        SelfSupervisedLossAPI,
        TargetNetworkAPI,
        ValueFunctionAPI,
    )
    from rlmigrate.core.columns import Columns
    from rlmigrate.core.constants import (
        COMPONENT_RL_MODULE,
        DEFAULT_AGENT_ID,
        DEFAULT_MODULE_ID,
        DEFAULT_POLICY_ID,
        validate_module_id,
    )
    from rlmigrate.core.multi_rl_module import MultiAgentRLModule, MultiRLModule
    from rlmigrate.core.rl_module import RLModule, RLModuleConfig
    from rlmigrate.core.spaces import space_from_dict, space_to_dict
    from rlmigrate.core.spec import (
        MultiAgentRLModuleSpec,
        MultiRLModuleSpec,
        RLModuleSpec,
        SingleAgentRLModuleSpec,
    )
    from rlmigrate.core.torch_rl_module import TorchCompileConfig, TorchRLModule
    from rlmigrate.distributions.base import Distribution, TorchDistribution
    from rlmigrate.distributions.categorical import TorchCategorical
    from rlmigrate.distributions.defaults import get_default_dist_cls
    from rlmigrate.distributions.deterministic import TorchDeterministic
    from rlmigrate.distributions.diag_gaussian import TorchDiagGaussian
    from rlmigrate.distributions.multi_categorical import TorchMultiCategorical
    from rlmigrate.distributions.multi_distribution import TorchMultiDistribution
    from rlmigrate.distributions.squashed_gaussian import TorchSquashedGaussian
    from rlmigrate.models.catalog import Catalog
    from rlmigrate.models.default_model_config import DefaultModelConfig
    from rlmigrate.models.ppo_catalog import PPOCatalog
    from rlmigrate.modules.appo import APPOTorchRLModule
    from rlmigrate.modules.bc import BCTorchRLModule
    from rlmigrate.modules.dqn import (
        DefaultDQNTorchRLModule,
        DQNRainbowTorchRLModule,
        DQNTorchRLModule,
    )
    from rlmigrate.modules.ppo import DefaultPPOTorchRLModule, PPOTorchRLModule
    from rlmigrate.modules.sac import DefaultSACTorchRLModule, SACTorchRLModule


__version__ = "0.1.0"

# name -> module that defines it
_EXPORTS: dict[str, str] = {
    # core
    "Columns": "rlmigrate.core.columns",
    "DEFAULT_AGENT_ID": "rlmigrate.core.constants",
    "DEFAULT_MODULE_ID": "rlmigrate.core.constants",
    "DEFAULT_POLICY_ID": "rlmigrate.core.constants",
    "COMPONENT_RL_MODULE": "rlmigrate.core.constants",
    "validate_module_id": "rlmigrate.core.constants",
    "RLModule": "rlmigrate.core.rl_module",
    "RLModuleConfig": "rlmigrate.core.rl_module",
    "TorchRLModule": "rlmigrate.core.torch_rl_module",
    "TorchCompileConfig": "rlmigrate.core.torch_rl_module",
    "ValueFunctionAPI": "rlmigrate.core.apis",
    "InferenceOnlyAPI": "rlmigrate.core.apis",
    "TargetNetworkAPI": "rlmigrate.core.apis",
    "SelfSupervisedLossAPI": "rlmigrate.core.apis",
    "QNetAPI": "rlmigrate.core.apis",
    "RLModuleSpec": "rlmigrate.core.spec",
    "SingleAgentRLModuleSpec": "rlmigrate.core.spec",
    "MultiRLModuleSpec": "rlmigrate.core.spec",
    "MultiAgentRLModuleSpec": "rlmigrate.core.spec",
    "MultiRLModule": "rlmigrate.core.multi_rl_module",
    "MultiAgentRLModule": "rlmigrate.core.multi_rl_module",
    "space_to_dict": "rlmigrate.core.spaces",
    "space_from_dict": "rlmigrate.core.spaces",
    # distributions
    "Distribution": "rlmigrate.distributions.base",
    "TorchDistribution": "rlmigrate.distributions.base",
    "TorchCategorical": "rlmigrate.distributions.categorical",
    "TorchDiagGaussian": "rlmigrate.distributions.diag_gaussian",
    "TorchSquashedGaussian": "rlmigrate.distributions.squashed_gaussian",
    "TorchDeterministic": "rlmigrate.distributions.deterministic",
    "TorchMultiCategorical": "rlmigrate.distributions.multi_categorical",
    "TorchMultiDistribution": "rlmigrate.distributions.multi_distribution",
    "get_default_dist_cls": "rlmigrate.distributions.defaults",
    # models, catalog, default modules, checkpoints
    "DefaultModelConfig": "rlmigrate.models.default_model_config",
    "Catalog": "rlmigrate.models.catalog",
    "PPOCatalog": "rlmigrate.models.ppo_catalog",
    "PPOTorchRLModule": "rlmigrate.modules.ppo",
    "DefaultPPOTorchRLModule": "rlmigrate.modules.ppo",
    "APPOTorchRLModule": "rlmigrate.modules.appo",
    "BCTorchRLModule": "rlmigrate.modules.bc",
    "DQNRainbowTorchRLModule": "rlmigrate.modules.dqn",
    "DefaultDQNTorchRLModule": "rlmigrate.modules.dqn",
    "DQNTorchRLModule": "rlmigrate.modules.dqn",
    "SACTorchRLModule": "rlmigrate.modules.sac",
    "DefaultSACTorchRLModule": "rlmigrate.modules.sac",
    # acting
    "compute_actions": "rlmigrate.acting",
    "rollout": "rlmigrate.acting",
}

# A literal list, so that linters and type checkers see the exports without running code.
__all__ = [
    "APPOTorchRLModule",
    "BCTorchRLModule",
    "COMPONENT_RL_MODULE",
    "Catalog",
    "Columns",
    "DEFAULT_AGENT_ID",
    "DEFAULT_MODULE_ID",
    "DEFAULT_POLICY_ID",
    "DQNRainbowTorchRLModule",
    "DQNTorchRLModule",
    "DefaultDQNTorchRLModule",
    "DefaultModelConfig",
    "DefaultPPOTorchRLModule",
    "DefaultSACTorchRLModule",
    "Distribution",
    "InferenceOnlyAPI",
    "MultiAgentRLModule",
    "MultiAgentRLModuleSpec",
    "MultiRLModule",
    "MultiRLModuleSpec",
    "PPOCatalog",
    "PPOTorchRLModule",
    "QNetAPI",
    "RLModule",
    "RLModuleConfig",
    "RLModuleSpec",
    "SACTorchRLModule",
    "SelfSupervisedLossAPI",
    "SingleAgentRLModuleSpec",
    "TargetNetworkAPI",
    "TorchCategorical",
    "TorchCompileConfig",
    "TorchDeterministic",
    "TorchDiagGaussian",
    "TorchDistribution",
    "TorchMultiCategorical",
    "TorchMultiDistribution",
    "TorchRLModule",
    "TorchSquashedGaussian",
    "ValueFunctionAPI",
    "compute_actions",
    "get_default_dist_cls",
    "rollout",
    "space_from_dict",
    "space_to_dict",
    "validate_module_id",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module_path = _EXPORTS.get(name)
    if module_path is None:
        raise AttributeError(f"module 'rlmigrate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_path), name)
    globals()[name] = value  # cache: the next lookup is a plain dict hit
    return value


def __dir__() -> list[str]:
    return __all__
