"""Model-aware action distributions: legacy ``ActionDistribution`` classes that call the model.

RLlib's legacy stack built a custom action distribution as ``dist_class(inputs, model)``. The
autoregressive idiom (Ray's own ``autoregressive_action_dist`` example, and real projects with
several conditioned heads) uses that ``model`` argument: the distribution's constructor,
``sample()``, ``deterministic_sample()`` and ``logp()`` call the model's sub-networks
(``model.action_model(...)``, ``model.forward_action_model_a2(ctx, a1)``) and sample stage by
stage, each stage conditioned on the previous one. Such a class cannot become a new-stack
``Distribution`` built from logits alone: it needs the network.

After migration the legacy model *is* the module (same attributes, same sub-networks), so the
same class keeps working when it is handed the module where it was handed the model:

* :func:`bind_to_module` makes a new-stack ``Distribution`` class whose ``from_logits(logits)``
  builds ``legacy_class(logits, module)`` and answers ``sample`` / ``logp`` / ``entropy`` /
  ``kl`` / ``to_deterministic`` with the legacy methods. The Learner's loss uses it through
  ``module.get_train_action_dist_cls()`` (logp, entropy and kl of the legacy code, with the
  module's current weights).
* :func:`act_in_module` is the acting side, as RLlib's new stack writes autoregressive modules:
  the module samples inside ``forward_exploration`` / ``forward_inference`` and returns
  ``actions`` and ``action_logp`` with its ``action_dist_inputs``. ``TorchRLModule`` calls it
  for a module whose ``action_dist_cls`` is such a binding, so every caller (``compute_actions``,
  an env runner) gets the actions the legacy policy's ``StochasticSampling`` produced:
  ``sample()`` and ``sampled_action_logp()`` when exploring, ``deterministic_sample()`` and
  the greedy action's ``sampled_action_logp()`` when not.

Example:
    >>> import torch
    >>> class HeadArgmax:  # legacy contract: built as (inputs, model), calls the model's head
    ...     def __init__(self, inputs, model):
    ...         self.inputs, self.model = inputs, model
    ...     def deterministic_sample(self):
    ...         return self.model.head(self.inputs).argmax(-1)
    ...     def sample(self):
    ...         return self.deterministic_sample()
    ...     def logp(self, actions):
    ...         return torch.zeros(actions.shape[0])
    >>> module = torch.nn.Module()
    >>> module.head = torch.nn.Linear(3, 2)
    >>> bound = bind_to_module(HeadArgmax, module)
    >>> bound.from_logits(torch.zeros(4, 3)).to_deterministic().sample().shape
    torch.Size([4])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import gymnasium as gym
import torch

from rlmigrate.core.columns import Columns
from rlmigrate.distributions.base import Distribution, SampleShape
from rlmigrate.distributions.deterministic import TorchDeterministic

__all__ = [
    "ModuleBoundDistribution",
    "act_in_module",
    "bind_to_module",
    "bound_to",
    "is_legacy_contract",
    "is_module_bound",
    "legacy_actions",
]

#: what a legacy ``ActionDistribution`` class offers (RLlib 2.10's contract, not the new stack's)
_LEGACY_METHODS = ("deterministic_sample", "logp", "sample")


def is_legacy_contract(cls: Any) -> bool:
    """Whether ``cls`` is a legacy-contract action distribution class: built as ``cls(inputs,
    model)``, with ``sample()`` / ``deterministic_sample()`` / ``logp(actions)``, and not a
    new-stack :class:`~rlmigrate.distributions.base.Distribution` (which is built from logits)."""
    return (
        isinstance(cls, type)
        and not issubclass(cls, Distribution)
        and all(callable(getattr(cls, name, None)) for name in _LEGACY_METHODS)
    )


class ModuleBoundDistribution(Distribution):
    """A legacy model-aware distribution built with a module in the model's place.

    Subclasses are made by :func:`bind_to_module`; ``legacy_class`` and ``module`` are class
    attributes, so the binding is a *class*, as new-stack callers pass distribution classes.

    Args:
        legacy: the legacy distribution instance, ``legacy_class(logits, module)``.
    """

    legacy_class: ClassVar[Any]  # a legacy ActionDistribution class (its own contract)
    module: ClassVar[Any]
    #: the module acts through :func:`act_in_module` (``TorchRLModule`` reads this flag)
    samples_in_module: ClassVar[bool] = True

    def __init__(self, legacy: Any) -> None:
        self.legacy = legacy

    @classmethod
    def from_logits(cls, logits: torch.Tensor, **kwargs: Any) -> ModuleBoundDistribution:
        """``legacy_class(logits, module)``: what ``dist_class(inputs, model)`` built (shape
        ``(B, W)``, the module's ``action_dist_inputs``)."""
        return cls(cls.legacy_class(logits, cls.module, **kwargs))

    def sample(self, *, sample_shape: SampleShape = None) -> Any:
        """The legacy ``sample()`` (one draw per row; ``sample_shape`` is not supported)."""
        _require_no_sample_shape(sample_shape, "sample")
        return self.legacy.sample()

    def rsample(self, *, sample_shape: SampleShape = None) -> Any:
        """Not defined: the legacy contract has no reparameterised sample."""
        raise NotImplementedError(
            f"{self.legacy_class.__name__} follows the legacy ActionDistribution contract, "
            "which has no rsample"
        )

    def sampled_action_logp(self) -> torch.Tensor:
        """The legacy ``sampled_action_logp()`` (logp of the last ``sample()``), else
        ``logp`` of the legacy ``last_sample``."""
        own = getattr(self.legacy, "sampled_action_logp", None)
        if callable(own):
            return own()
        return self.legacy.logp(self.legacy.last_sample)

    def logp(self, value: Any) -> torch.Tensor:
        """The legacy ``logp`` of ``value``, handed over as the legacy code took it: a Dict/Tuple
        action (the new stack's train batches keep the struct) flattened per row into one
        float vector, leaves in ``tree.flatten`` order (dict keys sorted), as Ray 2.10's
        ``AgentCollector`` stored it, unless the module's ``model_config`` sets
        ``_disable_action_flattening``."""
        return self.legacy.logp(legacy_actions(value, self.module))

    def entropy(self) -> torch.Tensor:
        """The legacy ``entropy()``."""
        return self.legacy.entropy()

    def kl(self, other: Distribution) -> torch.Tensor:
        """The legacy ``kl`` against ``other``'s legacy distribution."""
        return self.legacy.kl(other.legacy if isinstance(other, ModuleBoundDistribution) else other)

    def to_deterministic(self) -> TorchDeterministic:
        """A point mass at the legacy ``deterministic_sample()`` (a tensor; a dict action space's
        greedy action is returned by :func:`act_in_module`, which the module calls)."""
        greedy = self.legacy.deterministic_sample()
        if not isinstance(greedy, torch.Tensor):
            raise TypeError(
                f"{self.legacy_class.__name__}.deterministic_sample() returned "
                f"{type(greedy).__name__}, not a tensor: take the module's own 'actions' output "
                "(forward_inference samples inside the module for this distribution)"
            )
        return TorchDeterministic(loc=greedy)

    @staticmethod
    def required_input_dim(space: gym.Space, **kwargs: Any) -> int:
        """Not known without the legacy class: use :meth:`required_input_dim_bound`."""
        raise NotImplementedError("use the bound class's required_input_dim_bound")

    @classmethod
    def required_input_dim_bound(cls, space: gym.Space, model_config: dict | None = None) -> Any:
        """The legacy ``required_model_output_shape(space, model_config)``."""
        return cls.legacy_class.required_model_output_shape(space, dict(model_config or {}))


def legacy_actions(value: Any, module: Any = None) -> Any:
    """``value`` as a legacy distribution's ``logp`` received it in a train batch
    (:func:`~rlmigrate.models.torch.legacy_inputs.legacy_train_actions`: a Dict/Tuple struct
    flattened per row), unless ``module.model_config`` sets ``_disable_action_flattening``."""
    config = getattr(module, "model_config", None) or {}
    if isinstance(config, Mapping) and config.get("_disable_action_flattening"):
        return value
    from rlmigrate.models.torch.legacy_inputs import legacy_train_actions

    return legacy_train_actions(value)


def _require_no_sample_shape(sample_shape: SampleShape, method: str) -> None:
    if sample_shape not in (None, (), []) and sample_shape != torch.Size():
        raise ValueError(
            f"{method}(sample_shape={sample_shape!r}): a legacy-contract distribution draws one "
            "action per row"
        )


def bind_to_module(legacy_class: type, module: Any) -> type[ModuleBoundDistribution]:
    """A :class:`ModuleBoundDistribution` class building ``legacy_class(logits, module)``.

    Raises:
        TypeError: ``legacy_class`` is not a legacy-contract distribution
            (:func:`is_legacy_contract`).
    """
    if not is_legacy_contract(legacy_class):
        raise TypeError(
            f"bind_to_module expected a legacy ActionDistribution class (built as cls(inputs, "
            f"model), with sample/deterministic_sample/logp); got {legacy_class!r}"
        )
    return type(
        f"{legacy_class.__name__}OnModule",
        (ModuleBoundDistribution,),
        {"legacy_class": legacy_class, "module": module, "__module__": __name__},
    )


def bound_to(dist_cls: Any, module: Any) -> Any:
    """``dist_cls`` bound to ``module``: a :func:`bind_to_module` class bound to another module
    (``module`` is a deep copy: a target network, an inference-only copy; ``deepcopy`` keeps
    classes as they are) is rebound to ``module``; anything else is returned as it is."""
    if is_module_bound(dist_cls) and dist_cls.module is not module:
        return bind_to_module(dist_cls.legacy_class, module)
    return dist_cls


def is_module_bound(dist_cls: Any) -> bool:
    """Whether ``dist_cls`` is a :func:`bind_to_module` class."""
    return isinstance(dist_cls, type) and issubclass(dist_cls, ModuleBoundDistribution)


def act_in_module(
    dist_cls: type[ModuleBoundDistribution], out: dict[str, Any], *, explore: bool
) -> dict[str, Any]:
    """``out`` (a forward pass's output with ``action_dist_inputs`` ``(B, W)``) with the
    module's own ``actions`` and ``action_logp``, as the legacy ``StochasticSampling`` acted:
    ``sample()`` and ``sampled_action_logp()`` when ``explore``, else ``deterministic_sample()``
    and ``sampled_action_logp()`` after it: the greedy action's logp under the very distribution
    (and stage draws) that chose it, which is what the legacy model's distribution rates it
    (Ray 2.10's policy reported zeros there; ``rlmigrate verify`` asks its
    ``compute_log_likelihoods`` instead, see :mod:`rlmigrate.testing.side_module`).

    An output that already holds ``actions`` (the module's own code sampled) is returned as is.
    """
    if Columns.ACTIONS in out or Columns.ACTION_DIST_INPUTS not in out:
        return out
    inputs = out[Columns.ACTION_DIST_INPUTS]
    dist = dist_cls.from_logits(inputs)
    if explore:
        actions = dist.sample()
        logp = dist.sampled_action_logp()
    else:  # the greedy action's logp under the same distribution (what its stages drew)
        actions = dist.legacy.deterministic_sample()
        logp = dist.sampled_action_logp()
    return {**out, Columns.ACTIONS: actions, Columns.ACTION_LOGP: logp}
