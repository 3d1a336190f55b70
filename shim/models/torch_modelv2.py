"""``TorchModelV2``: the torch flavour of ``ModelV2``.

Legacy models write ``class M(TorchModelV2, nn.Module)`` and call both ``__init__`` methods,
in either order: ``TorchModelV2.__init__`` only sets plain attributes (which ``nn.Module``
allows before its own ``__init__``) and never registers sub-modules, so nothing is lost.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from torch import nn

from shim.models.modelv2 import ModelV2


class TorchModelV2(ModelV2):
    """Base for torch legacy models (the subclass must also inherit ``torch.nn.Module``).

    Args:
        obs_space, action_space, num_outputs, model_config, name: see ``ModelV2``.

    Raises:
        ValueError: when the subclass is not an ``nn.Module``.
    """

    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int | None,
        model_config: dict,
        name: str,
    ) -> None:
        if not isinstance(self, nn.Module):
            raise ValueError(
                f"{type(self).__name__} subclasses TorchModelV2 but not torch.nn.Module; declare "
                f"it as `class {type(self).__name__}(TorchModelV2, nn.Module)` and call "
                "nn.Module.__init__(self) in its constructor"
            )
        ModelV2.__init__(
            self, obs_space, action_space, num_outputs, model_config, name, framework="torch"
        )
        self.tower_stats: dict[str, Any] = {}

    def variables(self, as_dict: bool = False) -> Any:
        """All parameters: a list, or a dict keyed by parameter name when ``as_dict``.

        (RLlib zipped parameters with ``state_dict`` keys, which mislabels models with
        buffers; the shim uses ``named_parameters`` instead.)
        """
        if as_dict:
            return dict(self.named_parameters())  # type: ignore[attr-defined]
        return list(self.parameters())  # type: ignore[attr-defined]

    def trainable_variables(self, as_dict: bool = False) -> Any:
        """Parameters with ``requires_grad``: a list, or a dict when ``as_dict``."""
        if as_dict:
            return {k: v for k, v in self.variables(as_dict=True).items() if v.requires_grad}
        return [v for v in self.variables() if v.requires_grad]
