"""shim: RLlib's legacy model and policy API (2.10) rebuilt on rlmigrate's RLModule runtime.

* ``shim.models`` -- ModelV2, TorchModelV2, RecurrentNetwork, ModelCatalog, MODEL_DEFAULTS, the
  default legacy models, preprocessors and legacy action distributions.
* ``shim.policy`` -- Policy (over any RLModule), TorchPolicyV2 and its hooks, PPOTorchPolicy,
  policy templates, exploration objects, SampleBatch, ViewRequirement, safe checkpoints.
* ``shim.adapters`` -- legacy models and hook functions as RLModules.
* ``shim.spaces``, ``shim.filters``, ``shim.torch_utils``, ``shim.numpy_utils`` -- RLlib's extra
  spaces, observation filters and utility maths that legacy files import.
* ``shim.ray_compat`` -- opt-in: Ray 2.10's ``ray.rllib`` / ``ray.tune`` import surface for
  unmodified legacy files (real implementations, or placeholders that say what to do).

Nothing is imported eagerly here; see ``docs/shim.md``.
"""
