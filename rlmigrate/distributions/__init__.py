"""Action distributions of the new stack (torch): build them with ``cls.from_logits(logits)``.

One family per module; :func:`get_default_dist_cls` picks the class for an action space the way
RLlib's catalog does.
"""

from rlmigrate.distributions.base import Distribution, TorchDistribution
from rlmigrate.distributions.categorical import TorchCategorical
from rlmigrate.distributions.constants import MAX_LOG_NN_OUTPUT, MIN_LOG_NN_OUTPUT, SMALL_NUMBER
from rlmigrate.distributions.defaults import (
    UnsupportedActionSpaceError,
    get_default_dist_cls,
    required_input_dim_for_space,
)
from rlmigrate.distributions.deterministic import TorchDeterministic
from rlmigrate.distributions.diag_gaussian import TorchDiagGaussian
from rlmigrate.distributions.dirichlet import TorchDirichlet
from rlmigrate.distributions.multi_categorical import TorchMultiCategorical
from rlmigrate.distributions.multi_distribution import TorchMultiDistribution
from rlmigrate.distributions.squashed_gaussian import TorchSquashedGaussian

__all__ = [
    "MAX_LOG_NN_OUTPUT",
    "MIN_LOG_NN_OUTPUT",
    "SMALL_NUMBER",
    "Distribution",
    "TorchCategorical",
    "TorchDeterministic",
    "TorchDiagGaussian",
    "TorchDirichlet",
    "TorchDistribution",
    "TorchMultiCategorical",
    "TorchMultiDistribution",
    "TorchSquashedGaussian",
    "UnsupportedActionSpaceError",
    "get_default_dist_cls",
    "required_input_dim_for_space",
]
