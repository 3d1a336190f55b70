"""Pick the default action-distribution class for an action space (the catalog's rule).

Example:
    >>> import gymnasium as gym
    >>> get_default_dist_cls(gym.spaces.Discrete(4)).__name__
    'TorchCategorical'
    >>> required_input_dim_for_space(gym.spaces.MultiDiscrete([3, 2]))
    5
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

from rlmigrate.core import nest as _struct
from rlmigrate.distributions.base import Distribution
from rlmigrate.distributions.categorical import TorchCategorical
from rlmigrate.distributions.diag_gaussian import TorchDiagGaussian
from rlmigrate.distributions.dirichlet import TorchDirichlet, is_simplex_space
from rlmigrate.distributions.multi_categorical import TorchMultiCategorical
from rlmigrate.distributions.multi_distribution import TorchMultiDistribution

_SUPPORTED = (
    "Discrete, 1-D float Box, 1-D MultiDiscrete, RLlib's Simplex, and Dict/Tuple nesting only these"
)


class UnsupportedActionSpaceError(ValueError, NotImplementedError):
    """No default distribution exists for this action space.

    Subclasses both ``ValueError`` and ``NotImplementedError`` because RLlib raises either,
    depending on the space, and callers may catch either.
    """


def get_default_dist_cls(action_space: gym.Space) -> type[Distribution]:
    """The distribution class RLlib's catalog would choose for ``action_space``.

    * ``Discrete`` → :class:`TorchCategorical` (actions ``0..n-1``; ``start`` is not added).
    * float ``Box`` of shape ``(A,)`` (or ``()``) → :class:`TorchDiagGaussian`.
    * 1-D ``MultiDiscrete`` → partial :class:`TorchMultiCategorical` with
      ``input_lens=list(nvec)``.
    * ``Dict``/``Tuple`` → partial :class:`TorchMultiDistribution` with the children chosen by
      this same rule, their ``input_lens`` and the ``space`` fixed.
    * RLlib's ``Simplex`` → :class:`TorchDirichlet` (beyond RLlib's new stack, which has no
      default for it: the legacy catalog's choice, kept so allocation policies migrate).

    The result builds from logits alone: ``get_default_dist_cls(space).from_logits(logits)``.

    Raises:
        UnsupportedActionSpaceError: an integer or >1-D ``Box``, ``MultiBinary``, a >1-D
            ``MultiDiscrete``, an empty ``Dict``/``Tuple`` or any other space; the message names
            the space and what is supported.
    """
    return _dist_cls_for(action_space, path="")


def required_input_dim_for_space(action_space: gym.Space) -> int:
    """Logits width ``W`` the default distribution of ``action_space`` needs (``(B, W)``)."""
    return int(get_default_dist_cls(action_space).required_input_dim(action_space))


def _unsupported(space: gym.Space, path: str, why: str) -> UnsupportedActionSpaceError:
    where = f" at {path}" if path else ""
    return UnsupportedActionSpaceError(
        f"no default action distribution for {space!r}{where}: {why}. Supported: {_SUPPORTED}; "
        "for anything else return your own distribution class from the module's "
        "get_*_action_dist_cls()"
    )


def _dist_cls_for(space: gym.Space, path: str) -> type[Distribution]:
    if isinstance(space, gym.spaces.Discrete):
        return TorchCategorical
    if isinstance(space, gym.spaces.Box):
        if not np.issubdtype(space.dtype, np.floating):
            raise _unsupported(space, path, f"a Box of dtype {space.dtype} is not continuous")
        if len(space.shape) > 1:
            raise _unsupported(
                space, path, f"a Box of shape {space.shape} has more than one dim (flatten it)"
            )
        return TorchDiagGaussian
    if isinstance(space, gym.spaces.MultiDiscrete):
        if np.asarray(space.nvec).ndim != 1:
            raise _unsupported(
                space, path, f"a MultiDiscrete with nvec of shape {space.nvec.shape} is not 1-D"
            )
        return TorchMultiCategorical.get_partial_dist_cls(input_lens=[int(n) for n in space.nvec])
    if isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple)):
        return _multi_dist_cls_for(space, path)
    if is_simplex_space(space):
        return TorchDirichlet
    raise _unsupported(space, path, f"{type(space).__name__} spaces have no default")


def _multi_dist_cls_for(space: gym.Space, path: str) -> type[Distribution]:
    # Like RLlib: the class struct is nested all the way down (leaves are leaf-space classes)
    # and input_lens is one flat list in flattening order (dict keys sorted).
    classes = _leaf_classes(space, path)
    leaf_spaces = _struct.flatten(_struct.space_to_struct(space))
    leaf_classes = _struct.flatten(classes)
    flat_lens = [int(cls.required_input_dim(leaf)) for cls, leaf in zip(leaf_classes, leaf_spaces)]
    return TorchMultiDistribution.get_partial_dist_cls(
        child_distribution_cls_struct=classes, input_lens=flat_lens, space=space
    )


def _leaf_classes(space: gym.Space, path: str) -> object:
    if isinstance(space, gym.spaces.Dict):
        if not space.spaces:
            raise _unsupported(space, path, "the Dict is empty")
        return {
            key: _leaf_classes(child, f"{path}[{key!r}]") for key, child in space.spaces.items()
        }
    if isinstance(space, gym.spaces.Tuple):
        if not space.spaces:
            raise _unsupported(space, path, "the Tuple is empty")
        return tuple(
            _leaf_classes(child, f"{path}[{index}]") for index, child in enumerate(space.spaces)
        )
    return _dist_cls_for(space, path)
