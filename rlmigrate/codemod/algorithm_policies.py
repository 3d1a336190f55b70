"""RLlib's legacy algorithm policies, by class name, and how each one acts (RLM034).

A user policy that subclasses ``PPOTorchPolicy`` (or ``.with_updates(...)`` of it) acts the way
PPO's policy acts: the model the policy builds (a custom model, or RLlib's default model for
``config["model"]``) gives the action-distribution inputs, the catalog's distribution for the
action space samples them (``explore=True``) or takes ``deterministic_sample()`` (``explore=False``).
On the new stack that is the algorithm's default module (or the migrated custom model) acting
through ``forward_exploration`` / ``forward_inference``.

Names are matched on the last component of the qualified name, for both the 2.x paths
(``ray.rllib.algorithms.ppo.ppo_torch_policy``) and the pre-2.0 ones
(``ray.rllib.agents.ppo.ppo_torch_policy``, ``AsyncPPOTorchPolicy``, ``VTraceTorchPolicy``).
Q-learning and SAC-style policies are not listed here (their module has Q heads).
This module has no libcst or torch dependency: the project index (``ast``) uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlgorithmPolicy:
    """How one legacy algorithm policy acts, and the module that acts the same.

    Attributes:
        family: the algorithm (``"PPO"``), as named in findings.
        module: the new-stack default module class that computes what the legacy default
            model computed (``None``: there is none; ``why_not`` says what to do).
        acting: one line on the acting semantics, quoted in findings.
        why_not: for ``module is None``: what blocks a generated module and what replaces it.
        separate_value_layers: the default model's value branch is apart from the policy
            layers (``vf_share_layers=False``): PPOConfig sets it; every other algorithm keeps
            ``MODEL_DEFAULTS`` (shared, as the new stack's default).
    """

    family: str
    module: str | None
    acting: str
    why_not: str = ""
    separate_value_layers: bool = False


_SAMPLING = ("samples the catalog's action distribution on the model's outputs (explore=True) "
             "or takes its deterministic_sample() (explore=False)")
_PPO = AlgorithmPolicy("PPO", "PPOTorchRLModule", _SAMPLING, separate_value_layers=True)
_APPO = AlgorithmPolicy("APPO", "PPOTorchRLModule", _SAMPLING)
_IMPALA = AlgorithmPolicy("IMPALA", "PPOTorchRLModule", _SAMPLING)
_PG = AlgorithmPolicy("PG", "PPOTorchRLModule", _SAMPLING)
_A3C = AlgorithmPolicy("A3C", "PPOTorchRLModule", _SAMPLING)
_MARWIL = AlgorithmPolicy("MARWIL", "PPOTorchRLModule", _SAMPLING)
_TORCH_POLICY = AlgorithmPolicy("TorchPolicyV2", "PPOTorchRLModule", _SAMPLING)
_DDPG = AlgorithmPolicy(
    "DDPG", None, "acts with the deterministic policy head of DDPGTorchModel plus exploration noise",
    why_not=("DDPG's default model (DDPGTorchModel: a policy head and twin Q heads) has no default "
             "module in rlmigrate; write a TorchRLModule whose _forward_inference returns the policy "
             "head's actions (Columns.ACTIONS) and port the Q heads to the Learner side"),
)

#: legacy class name -> how it acts. Torch only: TF policies are reported by RLM060/RLM090.
ALGORITHM_POLICIES: dict[str, AlgorithmPolicy] = {
    "PPOTorchPolicy": _PPO,
    "APPOTorchPolicy": _APPO,
    "AsyncPPOTorchPolicy": _APPO,  # pre-2.0 name (ray.rllib.agents.ppo.appo_torch_policy)
    "ImpalaTorchPolicy": _IMPALA,
    "VTraceTorchPolicy": _IMPALA,  # pre-2.0 name (ray.rllib.agents.impala.vtrace_torch_policy)
    "PGTorchPolicy": _PG,
    "A3CTorchPolicy": _A3C,
    "MARWILTorchPolicy": _MARWIL,
    "DDPGTorchPolicy": _DDPG,
    "TorchPolicyV2": _TORCH_POLICY,
    "TorchPolicy": _TORCH_POLICY,
}

#: Policy methods that decide the actions themselves: overriding one (with more than a call to
#: ``super()``) means the module cannot be proven to act like the policy from the model alone.
ACTING_OVERRIDES = (
    "compute_actions",
    "compute_actions_from_input_dict",
    "compute_single_action",
    "_compute_action_helper",
)

#: The parameters Ray 2.10's torch policies (``TorchPolicyV2``, ``TorchPolicy`` and every policy
#: of :data:`ALGORITHM_POLICIES`) take by position in the acting methods, after ``self``. An
#: override that forwards more positional arguments to ``super()`` raises ``TypeError`` there:
#: ``Policy.compute_actions_from_input_dict`` and the TF policies' also take ``episodes`` by
#: position, the torch ones take it only as a keyword (through ``**kwargs``).
TORCH_POSITIONAL: dict[str, tuple[str, ...]] = {
    "compute_actions": ("obs_batch", "state_batches", "prev_action_batch", "prev_reward_batch",
                        "info_batch", "episodes", "explore", "timestep"),
    "compute_actions_from_input_dict": ("input_dict", "explore", "timestep"),
    "compute_single_action": ("obs", "state"),
    "_compute_action_helper": ("input_dict", "state_batches", "seq_lens", "explore", "timestep"),
}

#: ``Policy.compute_actions_from_input_dict``'s positional parameters (the base class every
#: policy shares, and the TF policies'): what a fourth positional argument was meant for.
POLICY_POSITIONAL: dict[str, tuple[str, ...]] = {
    "compute_actions_from_input_dict": ("input_dict", "explore", "timestep", "episodes"),
}


def algorithm_policy(symbol: str) -> AlgorithmPolicy | None:
    """The entry for a legacy class name (``"PPOTorchPolicy"``), or None."""
    return ALGORITHM_POLICIES.get(symbol)
