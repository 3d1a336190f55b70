"""Where migrated code imports the new-stack names from, per ``--target``.

``rlmigrate`` (default) imports everything from the flat ``rlmigrate`` package; ``ray``
imports from Ray RLlib 2.40's module paths so the result trains on Ray's new stack.
"""

from __future__ import annotations

from dataclasses import dataclass

TARGETS = ("rlmigrate", "ray")

_RAY_DISTS = "ray.rllib.models.torch.torch_distributions"

_RAY_MODULES = {
    "TorchRLModule": "ray.rllib.core.rl_module.torch.torch_rl_module",
    "Columns": "ray.rllib.core.columns",
    "ValueFunctionAPI": "ray.rllib.core.rl_module.apis",
    "RLModuleSpec": "ray.rllib.core.rl_module.rl_module",
    "MultiRLModuleSpec": "ray.rllib.core.rl_module.multi_rl_module",
    "TorchCategorical": _RAY_DISTS,
    "TorchDiagGaussian": _RAY_DISTS,
    "TorchSquashedGaussian": _RAY_DISTS,
    "TorchDeterministic": _RAY_DISTS,
    "TorchMultiCategorical": _RAY_DISTS,
    "TorchMultiDistribution": _RAY_DISTS,
    "TorchDistribution": _RAY_DISTS,
    "Distribution": "ray.rllib.models.distributions",
}

_RAY_MODULES["TorchLearner"] = "ray.rllib.core.learner.torch.torch_learner"
# Heuristic policies (RLM038) become framework-free RLModules acting on numpy.
_RAY_MODULES["RLModule"] = "ray.rllib.core.rl_module.rl_module"
_RAY_MODULES["convert_to_numpy"] = "ray.rllib.utils.numpy"
# the default module a policy on RLlib's default model acts with (see algorithm_policies.py)
_RAY_MODULES["PPOTorchRLModule"] = "ray.rllib.algorithms.ppo.torch.ppo_torch_rl_module"
# Names the flat ``rlmigrate`` package does not carry (they live in a sub-package).
_RLMIGRATE_MODULES = {
    "TorchLearner": "rlmigrate.learner",
    "convert_to_numpy": "rlmigrate.core.numpy_utils",
}
# RLM011's legacy-call adapter (rlmigrate only, except add_time_dimension, which Ray 2.40
# still ships with the same semantics)
_LEGACY_INPUTS = "rlmigrate.models.torch.legacy_inputs"
for _name in ("legacy_forward_args", "legacy_forward_outputs", "legacy_observation_space", "legacy_train_obs", "legacy_obs",
              "recurrent_network_forward", "add_time_dimension"):
    _RLMIGRATE_MODULES[_name] = _LEGACY_INPUTS
_RAY_MODULES["add_time_dimension"] = "ray.rllib.policy.rnn_sequencing"
# RLM038's view of the observations a 2.10 worker gave a hand-written policy (rlmigrate only:
# with --target ray the module acts on raw observations and the finding says so)
for _name in ("legacy_policy_observations", "legacy_policy_observation_space"):
    _RLMIGRATE_MODULES[_name] = "rlmigrate.models.torch.legacy_policy_obs"
# the module a subclass of Ray's example RandomPolicy acts on (see example_policies.py);
# Ray 2.40's own random module lives among its examples, not in its API: no --target ray home
_RLMIGRATE_MODULES["RandomRLModule"] = "rlmigrate.modules.random_actions"

# rlmigrate's DQN / SAC modules keep RLlib 2.10's head layout (so legacy weights load): Ray's
# new-stack DQN/SAC modules are built differently, so these have no --target ray home.
KNOWN_NAMES = (frozenset(_RAY_MODULES) | {"get_default_dist_cls", "DQNTorchRLModule", "SACTorchRLModule"}
               | frozenset(_RLMIGRATE_MODULES))


@dataclass(frozen=True)
class Target:
    """An import target: the module that provides each new-stack name."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in TARGETS:
            raise ValueError(f"target must be one of {TARGETS}; got {self.name!r}")

    def module_for(self, symbol: str) -> str:
        """The module to import ``symbol`` from.

        Raises:
            KeyError: ``symbol`` is not a new-stack name the codemod emits, or has no home on
                this target (``get_default_dist_cls``, ``DQNTorchRLModule`` and
                ``SACTorchRLModule`` exist only in rlmigrate).
        """
        if symbol not in KNOWN_NAMES:
            raise KeyError(f"unknown new-stack name {symbol!r}; known: {sorted(KNOWN_NAMES)}")
        if self.name == "rlmigrate":
            return _RLMIGRATE_MODULES.get(symbol, "rlmigrate")
        if symbol not in _RAY_MODULES:
            raise KeyError(f"{symbol!r} has no Ray RLlib counterpart for --target ray")
        return _RAY_MODULES[symbol]

    @property
    def legacy_defaults_module(self) -> str:
        """Where RLlib 2.10's ``MODEL_DEFAULTS`` table is imported from (torch-free on rlmigrate)."""
        return "rlmigrate.core.legacy_config" if self.name == "rlmigrate" else "ray.rllib.models.catalog"

    @property
    def has_default_dist_helper(self) -> bool:
        """Whether ``get_default_dist_cls`` can be imported (rlmigrate only)."""
        return self.name == "rlmigrate"
