"""What ``shim.ray_compat`` serves for each Ray 2.10 module path, and what it refuses.

* :data:`SOURCES` -- Ray module path -> shim modules holding the *real* implementations of
  names defined there (searched in order). A name re-exported elsewhere in Ray (``from
  ray.rllib.models.catalog import ModelCatalog`` in ``ray/rllib/models/__init__.py``) is
  followed through the inventory to its defining module, so each name is mapped once.
* :data:`UNSERVED` -- path prefixes the shim deliberately does not serve, each with why and
  what to use instead (the short, committed list the inventory test checks).
* :func:`category` -- which placeholder error a name Ray has but the shim does not implement
  gets: TensorFlow (port it), training-side (train with Ray) or other.
"""

from __future__ import annotations

import re

_M = "shim.models"
_P = "shim.policy"
_U = "shim.legacy_utils"

SOURCES: dict[str, list[str]] = {
    "ray.util": ["shim.ray_util"],
    "ray.util.debug": ["shim.ray_util"],
    "ray.util.annotations": ["shim.ray_util"],
    "ray.tune.registry": ["shim.tune_utils", _U],
    "ray.tune.utils": ["shim.tune_utils"],
    "ray.tune.utils.util": ["shim.tune_utils"],
    # models
    "ray.rllib.models.catalog": [f"{_M}.catalog", f"{_M}.model_defaults"],
    "ray.rllib.models.modelv2": [f"{_M}.modelv2", f"{_M}.preprocessors"],
    "ray.rllib.models.action_dist": [f"{_M}.action_dist_base"],
    "ray.rllib.models.preprocessors": [f"{_M}.preprocessors"],
    "ray.rllib.models.repeated_values": [f"{_M}.repeated_values"],
    "ray.rllib.models.utils": [f"{_M}.misc"],
    "ray.rllib.models.torch.torch_modelv2": [f"{_M}.torch_modelv2"],
    "ray.rllib.models.tf.tf_modelv2": [f"{_M}.tf_modelv2"],
    "ray.rllib.models.torch.recurrent_net": [f"{_M}.recurrent_net", f"{_M}.lstm_wrapper"],
    "ray.rllib.models.torch.fcnet": [f"{_M}.fcnet"],
    "ray.rllib.models.torch.visionnet": [f"{_M}.visionnet"],
    "ray.rllib.models.torch.complex_input_net": [f"{_M}.complex_input_net"],
    "ray.rllib.models.torch.misc": [f"{_M}.misc"],
    "ray.rllib.models.torch.noop": [f"{_M}.noop"],
    "ray.rllib.models.torch.torch_action_dist": [f"{_M}.action_dist"],
    "ray.rllib.models.torch.attention_net": [f"{_M}.attention_net"],
    "ray.rllib.models.torch.modules.gru_gate": [f"{_M}.modules.gru_gate"],
    "ray.rllib.models.torch.modules.skip_connection": [f"{_M}.modules.skip_connection"],
    "ray.rllib.models.torch.modules.multi_head_attention": [f"{_M}.modules.attention"],
    "ray.rllib.models.torch.modules.relative_multi_head_attention": [f"{_M}.modules.attention"],
    "ray.rllib.models.torch.modules.noisy_layer": [f"{_M}.modules.noisy_layer"],
    # policy
    "ray.rllib.policy.policy": [f"{_P}.policy"],
    "ray.rllib.policy.torch_policy_v2": [f"{_P}.torch_policy_v2"],
    "ray.rllib.policy.torch_policy": [f"{_P}.torch_policy_v2"],
    "ray.rllib.policy.policy_template": [f"{_P}.policy_template"],
    "ray.rllib.policy.torch_policy_template": [f"{_P}.policy_template"],
    "ray.rllib.policy.sample_batch": [f"{_P}.sample_batch"],
    "ray.rllib.policy.view_requirement": [f"{_P}.view_requirement"],
    "ray.rllib.policy.rnn_sequencing": [f"{_M}.recurrent_net"],
    "ray.rllib.policy.torch_mixins": [f"{_P}.ppo"],
    # algorithms: the legacy torch models and policies user files subclass
    "ray.rllib.algorithms.ppo.ppo": [f"{_P}.ppo"],
    "ray.rllib.algorithms.ppo.ppo_torch_policy": [f"{_P}.ppo"],
    "ray.rllib.algorithms.ppo.ppo_tf_policy": [f"{_P}.ppo_validate"],  # validate_config only
    "ray.rllib.algorithms.dqn.dqn_torch_model": [f"{_M}.dqn_torch_model"],
    "ray.rllib.algorithms.sac.sac_torch_model": [f"{_M}.sac_torch_model"],
    "ray.rllib.algorithms.dqn.dqn_torch_policy": [f"{_P}.dqn"],
    "ray.rllib.algorithms.sac.sac_torch_policy": [f"{_P}.sac"],
    # 2.10's early new-stack module, as legacy policies wrapped one for acting
    "ray.rllib.core.columns": ["rlmigrate.core.columns"],
    "ray.rllib.core.rl_module.rl_module": ["shim.early_rl_module"],
    # offline
    "ray.rllib.offline.json_reader": ["shim.offline"],
    # evaluation
    "ray.rllib.evaluation.postprocessing": [_U],
    # utils
    "ray.rllib.utils": [_U],
    "ray.rllib.utils.annotations": [_U],
    "ray.rllib.utils.framework": [_U, f"{_M}.misc"],
    "ray.rllib.utils.typing": ["shim.legacy_typing"],
    "ray.rllib.utils.torch_utils": ["shim.torch_utils", _U],
    "ray.rllib.utils.numpy": ["shim.numpy_utils", _U],
    "ray.rllib.utils.deprecation": [_U],
    "ray.rllib.utils.debug": ["shim.debug_utils"],
    "ray.rllib.utils.debug.deterministic": ["shim.debug_utils"],
    "ray.rllib.utils.schedules": [f"{_P}.schedules"],
    "ray.rllib.utils.schedules.schedule": [f"{_P}.schedules"],
    "ray.rllib.utils.schedules.constant_schedule": [f"{_P}.schedules"],
    "ray.rllib.utils.schedules.linear_schedule": [f"{_P}.schedules"],
    "ray.rllib.utils.schedules.piecewise_schedule": [f"{_P}.schedules"],
    "ray.rllib.utils.schedules.polynomial_schedule": [f"{_P}.schedules"],
    "ray.rllib.utils.schedules.exponential_schedule": [f"{_P}.schedules"],
    "ray.rllib.utils.exploration": [f"{_P}.exploration"],
    "ray.rllib.utils.exploration.exploration": [f"{_P}.exploration"],
    "ray.rllib.utils.exploration.stochastic_sampling": [f"{_P}.exploration"],
    "ray.rllib.utils.exploration.epsilon_greedy": [f"{_P}.exploration"],
    "ray.rllib.utils.exploration.gaussian_noise": [f"{_P}.exploration"],
    "ray.rllib.utils.exploration.ornstein_uhlenbeck_noise": [f"{_P}.exploration"],
    "ray.rllib.utils.exploration.random": [f"{_P}.exploration"],
    "ray.rllib.utils.spaces.space_utils": ["rlmigrate.core.nest", "shim.space_utils"],
    "ray.rllib.utils.spaces.repeated": ["shim.spaces"],
    "ray.rllib.utils.spaces.simplex": ["shim.spaces"],
    "ray.rllib.utils.spaces.flexdict": ["shim.spaces"],
    "ray.rllib.utils.error": [f"{_M}.catalog", _U],
    "ray.rllib.utils.filter": ["shim.filters"],
}

#: Path prefix -> (why it is not served, what to use instead).
UNSERVED: dict[str, tuple[str, str]] = {
    "ray.rllib.tuned_examples": (
        "Ray's tuned-example experiment scripts (training runs and their configs), not library "
        "API: nothing in them is a model or policy to import",
        "run them on Ray itself, or copy the config you need",
    ),
}

#: Ray's example files (``ray.rllib.examples.*``): their paths and names import (user files
#: import e.g. ``RandomEnv`` or ``TorchRNNModel`` from them), but the shim does not ship
#: Ray's example code, so using a name says to copy the example file.
EXAMPLES = "ray.rllib.examples"

#: Values for module-level variables that are framework handles in Ray's source
#: (``torch, nn = try_import_torch()``; ``tf1, tf, tfv = try_import_tf()``).
FRAMEWORK_VARS = ("torch", "nn", "tf", "tf1", "tfv", "tfp", "F")

_TF_PATH = re.compile(r"(^|[._])(tf|tf1|tf2|tfp|keras|eager)($|[._])|_tf_|tf_policy")
_TF_NAME = re.compile(r"^(TF|Tf|Keras|tf_|Eager|eager_tf)|TF(Policy|Model)|_tf($|_)")
_TRAINING = (
    "ray.rllib.algorithms",
    "ray.rllib.evaluation",
    "ray.rllib.execution",
    "ray.rllib.env",
    "ray.rllib.offline",
    "ray.rllib.connectors",
    "ray.rllib.core",
    "ray.rllib.utils.replay_buffers",
    "ray.rllib.utils.actor_manager",
    "ray.rllib.utils.metrics",
    "ray.rllib.common",
    "ray.rllib.train",
    "ray.rllib.evaluate",
    "ray.rllib.scripts",
    "ray.tune",
    "ray.train",
    "ray.air",
)
_TRAINING_NAMES = re.compile(
    r"(Config|Callbacks|Trainer|Learner|Algorithm|Worker|Env|Runner|Tuner)$"
    r"|^(register_trainable|run|run_experiments|init|shutdown|get_trainable_cls)$"
)


def unserved_reason(path: str) -> tuple[str, str, str] | None:
    """``(prefix, why, instead)`` when ``path`` is under an unserved prefix, else None."""
    for prefix, (why, instead) in UNSERVED.items():
        if path == prefix or path.startswith(prefix + "."):
            return prefix, why, instead
    return None


def is_tensorflow(module: str, name: str = "") -> bool:
    """TensorFlow module paths (``models.tf.*``, ``*_tf_policy``) and TF names (``TFModelV2``)."""
    tail = module.split(".", 2)[-1] if module.startswith("ray.") else module
    return bool(_TF_PATH.search(tail)) or bool(name and _TF_NAME.search(name))


def is_training_side(module: str, name: str = "") -> bool:
    """Training machinery: algorithms' configs/trainers, rollout workers, tune, offline IO."""
    in_training_path = any(module == p or module.startswith(p + ".") for p in _TRAINING)
    return in_training_path or bool(name and _TRAINING_NAMES.search(name))


def category(module: str, name: str) -> str:
    """``"example"``, ``"tf"``, ``"training"`` or ``"other"``: which placeholder ``module.name`` gets."""
    if module == EXAMPLES or module.startswith(EXAMPLES + "."):
        return "example"
    if is_tensorflow(module, name):
        return "tf"
    if is_training_side(module, name):
        return "training"
    return "other"
