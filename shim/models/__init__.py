"""Legacy model API (``ray.rllib.models``): ModelV2, TorchModelV2, ModelCatalog, default models,
preprocessors and legacy action distributions, rebuilt on torch + gymnasium.
"""

from shim.models.action_dist import (
    ActionDistribution,
    TorchBeta,
    TorchCategorical,
    TorchDeterministic,
    TorchDiagGaussian,
    TorchDirichlet,
    TorchDistributionWrapper,
    TorchMultiActionDistribution,
    TorchMultiCategorical,
    TorchSquashedGaussian,
)
from shim.models.catalog import ModelCatalog, UnsupportedSpaceException
from shim.models.model_defaults import MODEL_DEFAULTS
from shim.models.modelv2 import ModelV2
from shim.models.preprocessors import Preprocessor, get_preprocessor, restore_original_dimensions
from shim.models.recurrent_net import RecurrentNetwork, add_time_dimension
from shim.models.torch_modelv2 import TorchModelV2

__all__ = [
    "ActionDistribution",
    "MODEL_DEFAULTS",
    "ModelCatalog",
    "ModelV2",
    "Preprocessor",
    "RecurrentNetwork",
    "TorchBeta",
    "TorchCategorical",
    "TorchDeterministic",
    "TorchDiagGaussian",
    "TorchDirichlet",
    "TorchDistributionWrapper",
    "TorchModelV2",
    "TorchMultiActionDistribution",
    "TorchMultiCategorical",
    "TorchSquashedGaussian",
    "UnsupportedSpaceException",
    "add_time_dimension",
    "get_preprocessor",
    "restore_original_dimensions",
]
