"""Beyond RLlib: encoder configs for observations that are not a plain Box.

RLlib's new stack raises "no default encoder" for Discrete, MultiDiscrete, MultiBinary,
Dict and Tuple observations. Here each leaf of such a space gets its own small encoder
(one-hot for discrete leaves, flatten for vectors, a CNN for images); their outputs are
concatenated and fed through an MLP built from the ``fcnet_*`` keys.

Example:
    >>> import gymnasium as gym
    >>> cfg = OneHotEncoderConfig(input_dims=(), nvec=[3])
    >>> cfg.output_dims
    (3,)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import gymnasium as gym
import torch.nn as nn

from rlmigrate.models.configs import ModelConfig, _check_framework, _MLPConfig
from rlmigrate.models.space_utils import leaf_spaces, path_name


@dataclasses.dataclass
class OneHotEncoderConfig(ModelConfig):
    """One-hot a Discrete ``(B,)`` or MultiDiscrete ``(B, *shape)`` integer observation.

    Attributes:
        input_dims: per-sample shape: ``()`` for Discrete, ``nvec.shape`` for MultiDiscrete.
        nvec: number of values of each flattened component.
        starts: smallest value of each component (gymnasium's ``start``); zeros if None.
    """

    nvec: Sequence[int] = ()
    starts: Sequence[int] | None = None

    @property
    def output_dims(self) -> tuple[int, ...]:
        if not self.nvec:
            raise ValueError("OneHotEncoderConfig.nvec is empty: give the number of values per component")
        return (int(sum(int(n) for n in self.nvec)),)

    def build(self, framework: str = "torch") -> nn.Module:
        _check_framework(self, framework)
        _ = self.output_dims
        from rlmigrate.models.torch.input_encoders import TorchOneHotEncoder

        return TorchOneHotEncoder(self)


@dataclasses.dataclass
class FlattenEncoderConfig(ModelConfig):
    """Flatten a ``(B, *input_dims)`` Box or MultiBinary observation to float ``(B, prod)``."""

    @property
    def output_dims(self) -> tuple[int, ...]:
        if self.input_dims is None:
            raise ValueError("FlattenEncoderConfig.input_dims is not set")
        return (int(math.prod(self.input_dims)),)

    def build(self, framework: str = "torch") -> nn.Module:
        _check_framework(self, framework)
        _ = self.output_dims
        from rlmigrate.models.torch.input_encoders import TorchFlattenEncoder

        return TorchFlattenEncoder(self)


@dataclasses.dataclass
class MultiInputEncoderConfig(_MLPConfig):
    """A sub-encoder per leaf of ``observation_space``, concatenated, then an MLP.

    The MLP fields are those of every MLP config; ``input_dims`` is computed (the sum of
    the leaves' output sizes). Empty ``hidden_layer_dims`` and no ``output_layer_dim``
    means no MLP: the concatenation is the output.

    Attributes:
        observation_space: the (possibly nested) space; fixes the leaf order.
        leaf_configs: ``{path_name(path): config}`` for every leaf, each with 1-D output.
    """

    observation_space: gym.Space | None = None
    leaf_configs: dict[str, ModelConfig] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.observation_space is not None and self.leaf_configs:
            self.input_dims = [self.concat_dim]

    def _validate_leaves(self) -> None:
        if self.observation_space is None:
            raise ValueError("MultiInputEncoderConfig.observation_space is not set")
        names = [path_name(path) for path, _ in leaf_spaces(self.observation_space)]
        if len(set(names)) != len(names):
            raise ValueError(
                f"observation space leaves have clashing names {names}; rename Dict keys that "
                f"differ only by '.' vs '_'"
            )
        missing = [name for name in names if name not in self.leaf_configs]
        if missing:
            raise ValueError(f"MultiInputEncoderConfig.leaf_configs lacks entries for leaves {missing}")
        for name in names:
            dims = self.leaf_configs[name].output_dims
            if len(dims) != 1:
                raise ValueError(
                    f"leaf {name!r} encoder must output 1-D features, got {dims}; set "
                    f"flatten_at_end=True on its CNN config"
                )

    @property
    def concat_dim(self) -> int:
        """Size of the concatenated leaf features."""
        self._validate_leaves()
        return sum(config.output_dims[0] for config in self.leaf_configs.values())

    @property
    def has_mlp(self) -> bool:
        return bool(self.hidden_layer_dims) or bool(self.output_layer_dim)

    @property
    def output_dims(self) -> tuple[int, ...]:
        if not self.has_mlp:
            return (self.concat_dim,)
        return super().output_dims

    def build(self, framework: str = "torch") -> nn.Module:
        _check_framework(self, framework)
        self.input_dims = [self.concat_dim]
        _ = self.output_dims
        from rlmigrate.models.torch.input_encoders import TorchMultiInputEncoder

        return TorchMultiInputEncoder(self)
