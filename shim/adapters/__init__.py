"""Adapters: legacy model/policy code as RLModules, so call sites can move first.

* :class:`ModelV2RLModule` wraps a legacy ``ModelV2`` (a class via the model config, or an
  instance via :meth:`ModelV2RLModule.from_model`): ``forward`` -> ``action_dist_inputs``,
  ``value_function()`` -> ``compute_values``, the state list <-> a state dict keyed
  ``"0", "1", ...``, ``(B, T, ...)`` sequences for recurrent models, and the legacy
  distribution class mapped to its new-stack twin (or wrapped when there is none).
  ``get_state()`` keys are the legacy ``get_weights()`` keys.
* :class:`LegacyHooksRLModule` runs ``action_distribution_fn`` / ``action_sampler_fn`` code;
  when the legacy code samples itself, ``forward_exploration`` returns ``actions`` and
  ``action_logp``.
* ``module_from_make_model``, ``module_from_make_model_and_action_dist``,
  ``module_from_action_distribution_fn``, ``module_from_action_sampler_fn`` and
  ``module_from_policy`` build those from legacy functions or a ``TorchPolicyV2``.

Layers (each imports only the ones above it): ``plumbing`` (batch folding) -> ``model``
(ModelV2RLModule) and ``hooks`` (LegacyHooksRLModule) -> ``constructors`` (module_from_*);
this package re-exports them all. ``shim.adapter_hooks`` / ``shim.adapter_constructors`` are
kept as aliases of the old paths.

Example:
    >>> module = ModelV2RLModule(observation_space=obs_space, action_space=act_space,
    ...                          model_config={"custom_model": "my_model"})   # doctest: +SKIP
    >>> out = module.forward_inference({"obs": obs})     # {"action_dist_inputs": (B, W)}
"""

from shim.adapters.constructors import (
    module_from_action_distribution_fn,
    module_from_action_sampler_fn,
    module_from_make_model,
    module_from_make_model_and_action_dist,
    module_from_policy,
)
from shim.adapters.hooks import LegacyHooksRLModule
from shim.adapters.model import ModelV2RLModule

__all__ = [
    "ModelV2RLModule",
    "LegacyHooksRLModule",
    "module_from_make_model",
    "module_from_make_model_and_action_dist",
    "module_from_action_distribution_fn",
    "module_from_action_sampler_fn",
    "module_from_policy",
]
