"""A MultiRLModule whose sub-modules share one encoder (one set of weights, one optimizer).

RLlib has no built-in shared-network API (its example wires a shared encoder by hand). This
class covers the common case: several policies of the same observation space whose default
modules each have an ``encoder`` attribute. After building the sub-modules from their specs,
every sub-module's ``encoder`` is replaced by the first one's, so ``parameters()`` lists the
encoder once and a gradient step through any policy moves the shared weights.

Example:
    >>> import gymnasium as gym, torch
    >>> from rlmigrate import RLModuleSpec, PPOTorchRLModule
    >>> spec = RLModuleSpec(module_class=PPOTorchRLModule, observation_space=gym.spaces.Box(-1, 1, (4,)),
    ...                     action_space=gym.spaces.Discrete(2), model_config={"fcnet_hiddens": [8]})
    >>> multi = SharedEncoderMultiRLModule(rl_module_specs={"red": spec, "blue": spec})
    >>> multi["red"].encoder is multi["blue"].encoder
    True
"""

from __future__ import annotations

from rlmigrate.core.multi_rl_module import MultiRLModule

__all__ = ["SharedEncoderMultiRLModule"]


class SharedEncoderMultiRLModule(MultiRLModule):
    """Builds its sub-modules from specs, then makes them share one encoder.

    The shared attribute is ``model_config["shared_attribute"]`` (default ``"encoder"``).

    Raises:
        ValueError: if a sub-module lacks the attribute, or its shared sub-network has
            parameters of different names/shapes than the first sub-module's.
    """

    def setup(self) -> None:
        super().setup()
        name = (self.model_config or {}).get("shared_attribute", "encoder")
        modules = list(self._rl_modules.items())
        if not modules:
            return
        first_id, first = modules[0]
        shared = getattr(first, name, None)
        if shared is None:
            raise ValueError(f"sub-module {first_id!r} has no attribute {name!r} to share")
        reference = {k: tuple(v.shape) for k, v in shared.state_dict().items()}
        for module_id, module in modules[1:]:
            own = getattr(module, name, None)
            if own is None:
                raise ValueError(f"sub-module {module_id!r} has no attribute {name!r} to share")
            shapes = {k: tuple(v.shape) for k, v in own.state_dict().items()}
            if shapes != reference:
                raise ValueError(
                    f"cannot share {name!r}: sub-module {module_id!r} has {shapes}, "
                    f"{first_id!r} has {reference} (give them the same observation space and model config)"
                )
            setattr(module, name, shared)
