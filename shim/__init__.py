"""shim: RLlib's legacy model and policy API (2.10) rebuilt on rlmigrate's RLModule runtime.

* ``shim.models`` -- ModelV2, TorchModelV2, RecurrentNetwork, ModelCatalog, MODEL_DEFAULTS, the
  default legacy models, preprocessors and legacy action distributions.
* ``shim.policy`` -- Policy (over any RLModule), TorchPolicyV2 and its hooks, PPOTorchPolicy,
  policy templates, exploration objects, SampleBatch, ViewRequirement, safe checkpoints.
* ``shim.adapters`` -- legacy models and hook functions as RLModules.
* ``shim.ray_compat`` -- opt-in ``ray.rllib.*`` import aliases for unmodified legacy files.

Nothing is imported eagerly here; see ``docs/shim.md``.
"""
