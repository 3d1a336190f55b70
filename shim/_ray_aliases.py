"""The ``ray...`` module names ``shim.ray_compat`` serves, and where their attributes live.

Each entry: ``alias name -> (source modules searched in order, extra attributes)``.
"""

from __future__ import annotations

from typing import Any

_M = "shim.models"
_P = "shim.policy"
_U = "shim.legacy_utils"

ALIASES: dict[str, tuple[list[str], dict[str, Any]]] = {
    "ray": ([], {}),
    "ray.tune": ([_U], {}),
    "ray.tune.registry": ([_U], {}),
    "ray.rllib": ([], {}),
    # models
    "ray.rllib.models": (
        [
            f"{_M}.catalog",
            f"{_M}.modelv2",
            f"{_M}.action_dist_base",
            f"{_M}.preprocessors",
            f"{_M}.model_defaults",
        ],
        {},
    ),
    "ray.rllib.models.catalog": (
        [f"{_M}.catalog", f"{_M}.model_defaults", f"{_M}.preprocessors"],
        {},
    ),
    "ray.rllib.models.modelv2": ([f"{_M}.modelv2", f"{_M}.preprocessors"], {}),
    "ray.rllib.models.action_dist": ([f"{_M}.action_dist_base"], {}),
    "ray.rllib.models.preprocessors": ([f"{_M}.preprocessors"], {}),
    "ray.rllib.models.utils": ([f"{_M}.misc"], {}),
    "ray.rllib.models.torch": ([], {}),
    "ray.rllib.models.torch.torch_modelv2": ([f"{_M}.torch_modelv2"], {}),
    "ray.rllib.models.torch.recurrent_net": ([f"{_M}.recurrent_net", f"{_M}.lstm_wrapper"], {}),
    "ray.rllib.models.torch.fcnet": ([f"{_M}.fcnet"], {}),
    "ray.rllib.models.torch.visionnet": ([f"{_M}.visionnet"], {}),
    "ray.rllib.models.torch.complex_input_net": ([f"{_M}.complex_input_net"], {}),
    "ray.rllib.models.torch.misc": ([f"{_M}.misc"], {}),
    "ray.rllib.models.torch.torch_action_dist": ([f"{_M}.action_dist"], {}),
    # policy
    "ray.rllib.policy": (
        [f"{_P}.policy", f"{_P}.torch_policy_v2", f"{_P}.policy_template", f"{_P}.sample_batch"],
        {},
    ),
    "ray.rllib.policy.policy": ([f"{_P}.policy"], {}),
    "ray.rllib.policy.torch_policy_v2": ([f"{_P}.torch_policy_v2"], {}),
    "ray.rllib.policy.torch_policy": ([f"{_P}.torch_policy_v2"], {}),
    "ray.rllib.policy.policy_template": ([f"{_P}.policy_template"], {}),
    "ray.rllib.policy.torch_policy_template": ([f"{_P}.policy_template"], {}),
    "ray.rllib.policy.sample_batch": ([f"{_P}.sample_batch"], {}),
    "ray.rllib.policy.view_requirement": ([f"{_P}.view_requirement"], {}),
    "ray.rllib.policy.rnn_sequencing": ([f"{_M}.recurrent_net"], {}),
    "ray.rllib.policy.torch_mixins": ([f"{_P}.ppo"], {}),
    # algorithms (only PPO's legacy policy and config defaults)
    "ray.rllib.algorithms": ([], {}),
    "ray.rllib.algorithms.ppo": ([f"{_P}.ppo"], {}),
    "ray.rllib.algorithms.ppo.ppo": ([f"{_P}.ppo"], {}),
    "ray.rllib.algorithms.ppo.ppo_torch_policy": ([f"{_P}.ppo"], {}),
    # evaluation
    "ray.rllib.evaluation": ([], {}),
    "ray.rllib.evaluation.postprocessing": ([_U], {}),
    # utils
    "ray.rllib.utils": ([_U], {}),
    "ray.rllib.utils.annotations": ([_U], {}),
    "ray.rllib.utils.framework": ([_U, f"{_M}.misc"], {}),
    "ray.rllib.utils.typing": (["shim.legacy_typing"], {}),
    "ray.rllib.utils.torch_utils": ([_U], {}),
    "ray.rllib.utils.numpy": ([_U], {}),
    "ray.rllib.utils.deprecation": ([_U], {}),
    "ray.rllib.utils.schedules": ([f"{_P}.schedules"], {}),
    "ray.rllib.utils.exploration": ([f"{_P}.exploration"], {}),
    "ray.rllib.utils.spaces": ([], {}),
    "ray.rllib.utils.spaces.space_utils": (["shim._tree"], {}),
}
