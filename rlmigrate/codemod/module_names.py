"""The attribute and method names an RLModule owns, for the codemod (which runs without torch).

A legacy model's ``__init__`` (or a plain ``nn.Module`` base it keeps) may assign attributes
that an RLModule already has: ``self.config``, ``self.catalog``, ``self.inference_only``,
``self.framework``... Once the class becomes an RLModule such an assignment rebinds the
module's own attribute (or fails on a read-only property), so the rewrite renames the legacy
attribute in the converted class and names the clash when it sits in a base it keeps.

The list is the union of rlmigrate's ``TorchRLModule`` and Ray 2.40's ``RLModule`` /
``TorchRLModule`` (minus ``torch.nn.Module``'s own names, which the legacy model had too);
``tests/codemod/test_module_names.py`` keeps it in step with the runtime.

Example:
    >>> "config" in RLMODULE_NAMES, legacy_name("config"), legacy_name("_is_setup")
    (True, 'legacy_config', '_legacy_is_setup')
"""

from __future__ import annotations

__all__ = ["RLMODULE_NAMES", "SAME_MEANING", "CLASHING", "legacy_name"]

#: Instance attributes set by ``RLModule.__init__`` and every method/property of the class.
RLMODULE_NAMES: frozenset[str] = frozenset({
    # instance attributes (rlmigrate and Ray 2.40)
    "observation_space", "action_space", "inference_only", "learner_only", "model_config",
    "catalog", "config", "action_dist_cls", "framework", "_catalog_class",
    "_catalog_ctor_error", "_is_setup", "_mode_sensitive", "_assigned_config",
    # methods and properties
    "setup", "forward_inference", "forward_exploration", "forward_train", "_forward",
    "_forward_inference", "_forward_exploration", "_forward_train", "get_initial_state",
    "is_stateful", "get_state", "set_state", "get_ctor_args_and_kwargs",
    "get_inference_action_dist_cls", "get_exploration_action_dist_cls",
    "get_train_action_dist_cls", "as_multi_agent", "as_multi_rl_module", "unwrapped",
    "save_to_path", "restore_from_path", "from_checkpoint", "always_switch_to_eval",
    "_acting_call", "_needs_mode_switch", "_drop_non_inference_attributes",
    "_act_with_bound_dist", "_own_bound_dist",
    "get_checkpointable_components", "get_metadata", "save_state", "load_state",
    "input_specs_inference", "input_specs_exploration", "input_specs_train",
    "output_specs_inference", "output_specs_exploration", "output_specs_train",
})

#: Names the legacy ModelV2 base already owned with the same meaning (the spaces and the
#: model config): the rewrite maps them itself, they are no clash.
SAME_MEANING: frozenset[str] = frozenset({"action_space", "model_config"})

#: Names a legacy attribute assignment must not rebind on an RLModule.
CLASHING: frozenset[str] = RLMODULE_NAMES - SAME_MEANING


def legacy_name(name: str) -> str:
    """The name a clashing legacy attribute gets: ``config`` → ``legacy_config``,
    ``_is_setup`` → ``_legacy_is_setup`` (privacy kept)."""
    return f"_legacy_{name.lstrip('_')}" if name.startswith("_") else f"legacy_{name}"
