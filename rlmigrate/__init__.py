"""rlmigrate: a standalone RLModule runtime, a codemod from RLlib's legacy API, and proof kits.

The public API is flat (``from rlmigrate import TorchRLModule, Columns, RLModuleSpec``) and
follows RLlib's new stack (2.40+) names, so code written against it ports to Ray unchanged.
Names are resolved lazily: ``import rlmigrate`` stays cheap (the codemod CLI never pays for
importing torch), and each name is imported from its home module on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

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
    # acting
    "compute_actions": "rlmigrate.acting",
    "rollout": "rlmigrate.acting",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module_path = _EXPORTS.get(name)
    if module_path is None:
        raise AttributeError(f"module 'rlmigrate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_path), name)
    globals()[name] = value  # cache: the next lookup is a plain dict hit
    return value


def __dir__() -> list[str]:
    return __all__
