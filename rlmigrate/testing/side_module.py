"""The migrated side (an RLModule) and the policy side (a shim ``Policy``).

RLModule, per step: ``{OBS: (B, ...)}`` (``(B, 1, ...)`` plus ``STATE_IN`` when stateful) →
``forward_exploration`` / ``forward_inference``; actions are the module's own ``actions``
or come from ``get_*_action_dist_cls().from_logits(...)`` (``to_deterministic()`` when not
exploring), exactly as ``rlmigrate.compute_actions`` does; values from
``compute_values(batch)`` (``ValueFunctionAPI``) or the module's ``vf_preds`` output.

Policy, per step: ``compute_actions(obs_batch, state_batches, explore=...)`` →
``(actions, state_outs, extra_fetches)``; dist inputs, logp and values come from the extra
fetches (``explore=False`` logp from ``compute_log_likelihoods``, since the legacy policy
reports 0 there, given the actions as its train batches held them, under the step's seed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.columns import Columns
from rlmigrate.core.nest import map_struct
from rlmigrate.models.torch.legacy_inputs import legacy_train_actions
from rlmigrate.testing.episode_columns import declared_columns, with_time_axis
from rlmigrate.testing.repeated_obs import is_repeated, module_view, require_top_level
from rlmigrate.testing.sides import (
    Side,
    StepOutput,
    as_numpy,
    as_tensors,
    building,
    flatten_leaves,
    held_spaces,
    logp_or_none,
    logp_under,
    require_spaces,
    seeded,
    seeded_spaces,
    state_leaves,
    tiled_state,
    unflatten_like,
)

__all__ = ["ModuleSide", "PolicySide"]


def _drop_time(value: Any) -> Any:
    """``(B, 1, ...)`` → ``(B, ...)`` for tensors and numpy arrays (heuristic modules return numpy)."""
    return map_struct(
        lambda t: t[:, 0]
        if isinstance(t, (torch.Tensor, np.ndarray)) and t.ndim >= 2 and t.shape[1] == 1
        else t,
        value,
    )


class ModuleSide(Side):
    """An RLModule (single-agent) driven like an env runner would drive it."""

    def __init__(self, module: Any, *, label: str) -> None:
        self.module = module
        self.label = label
        self.description = f"RLModule {type(module).__name__}"
        self.observation_space = module.observation_space
        self.action_space = module.action_space
        self.stateful = bool(module.is_stateful())
        if self.observation_space is not None:
            require_top_level(self.observation_space)
            if self.stateful and is_repeated(self.observation_space):
                raise TypeError(
                    f"{label}: a stateful module over {self.observation_space!r} is not supported "
                    "(Repeated observations reach a module without a time axis only)"
                )
        # seeded: a hand-written module may draw its initial state (as its legacy policy did),
        # from numpy or from a space it holds (PolicySide seeds the same way)
        with seeded(0), seeded_spaces(self._spaces(), 0):
            self._template = module.get_initial_state() if self.stateful else {}
        self._last_dist: Any = None
        self._has_values = callable(getattr(module, "compute_values", None))

    @classmethod
    def build(
        cls,
        obj: Any,
        *,
        label: str,
        observation_space: gym.Space | None,
        action_space: gym.Space | None,
        model_config: dict | None,
    ) -> ModuleSide:
        """From an RLModule class (built with the spaces and config) or instance."""
        if isinstance(obj, type):
            require_spaces(f"module {obj.__name__}", observation_space, action_space)
            with building(label, obj.__name__, observation_space, action_space):
                obj = obj(
                    observation_space=observation_space,
                    action_space=action_space,
                    model_config=dict(model_config or {}),
                )
        else:
            for name, given, own in (
                ("observation_space", observation_space, obj.observation_space),
                ("action_space", action_space, obj.action_space),
            ):
                if given is not None and own is not None and given != own:
                    raise ValueError(f"{label}: {name} {given} differs from the module's own {own}")
        return cls(obj, label=label)

    # ------------------------------------------------------------------ protocol
    def weights_owner(self) -> Any:
        return self.module

    def state_template(self) -> Any:
        return self._template

    def initial_state(self, batch_size: int) -> list[np.ndarray]:
        return tiled_state(flatten_leaves(self._template), batch_size)

    def _batch(self, obs: Any, state: list[np.ndarray], *, add_time: bool) -> dict[str, Any]:
        if is_repeated(self.observation_space):  # what the legacy model saw as input_dict["obs"]
            return {Columns.OBS: module_view(self.observation_space, obs)}
        tensors = as_tensors(obs)
        batch: dict[str, Any] = {
            Columns.OBS: map_struct(lambda t: t.unsqueeze(1), tensors) if add_time else tensors
        }
        if self.stateful:
            batch[Columns.STATE_IN] = as_tensors(unflatten_like(self._template, list(state)))
        return batch

    def _values(self, batch: dict[str, Any], out: dict[str, Any]) -> Any:
        if Columns.VF_PREDS in out:
            return out[Columns.VF_PREDS]
        if not self._has_values:
            return None
        with torch.no_grad():
            return self.module.compute_values(batch, embeddings=out.get(Columns.EMBEDDINGS))

    def _spaces(self) -> tuple[Any, ...]:
        """Every space whose RNG a step or the initial state may draw from."""
        return (self.action_space, self.observation_space, *held_spaces(self.module))

    def step(
        self, obs: Any, state: list[np.ndarray], *, explore: bool, seed: int,
        columns: Mapping[str, np.ndarray] | None = None,
    ) -> StepOutput:
        batch = self._batch(obs, state, add_time=self.stateful)
        if columns:  # episode columns a connector would write, with the batch's time axis
            batch.update(with_time_axis(dict(columns)) if self.stateful else dict(columns))
        module = self.module
        with seeded(seed), seeded_spaces(self._spaces(), seed):
            out = dict(
                module.forward_exploration(batch) if explore else module.forward_inference(batch)
            )
            values = self._values(batch, out)
            state_out = out.pop(Columns.STATE_OUT, None)
            if self.stateful:
                out = {k: _drop_time(v) for k, v in out.items()}
                values = None if values is None else _drop_time(values)
            inputs = out.get(Columns.ACTION_DIST_INPUTS)
            dist = None
            if inputs is not None:
                getter = (
                    module.get_exploration_action_dist_cls
                    if explore
                    else module.get_inference_action_dist_cls
                )
                dist_cls = getter()
                dist = dist_cls.from_logits(inputs) if dist_cls is not None else None
            with torch.no_grad():
                if Columns.ACTIONS in out:
                    actions = out[Columns.ACTIONS]
                elif dist is not None:
                    actions = dist.sample() if explore else dist.to_deterministic().sample()
                else:
                    actions = None
                logp = out.get(Columns.ACTION_LOGP)
                if logp is None and dist is not None and actions is not None:
                    logp = logp_or_none(lambda: dist.logp(actions))
        self._last_dist = dist
        return {
            "action_dist_inputs": as_numpy(inputs),
            "actions": as_numpy(actions),
            "logp": as_numpy(logp),
            "values": as_numpy(values),
            "state": state_leaves(state_out),
        }

    def logp_of(self, actions: Any) -> np.ndarray | None:
        return logp_under(self._last_dist, actions)

    def sequence(
        self, obs: Any, state: list[np.ndarray], columns: Mapping[str, np.ndarray] | None = None
    ) -> StepOutput | None:
        if not self.stateful:
            return None
        batch = self._batch(obs, state, add_time=False)
        batch.update(columns or {})  # (B, T): every step's episode columns
        out = dict(self.module.forward_inference(batch))
        values = self._values(batch, out)
        batch_size, steps = np.asarray(flatten_leaves(obs)[0]).shape[:2]
        return {
            "action_dist_inputs": _with_time(
                as_numpy(out.get(Columns.ACTION_DIST_INPUTS)), batch_size, steps
            ),
            "values": _with_time(as_numpy(values), batch_size, steps),
            "state": [as_numpy(s) for s in flatten_leaves(out.get(Columns.STATE_OUT))],
        }


def is_hand_written(policy: Any) -> bool:
    """A shim ``Policy`` subclass that computes its actions itself (a heuristic): it overrides
    an acting method of the shim ``Policy`` and acts through no RLModule or ModelV2."""
    if getattr(policy, "_is_module", False):
        return False
    return is_hand_written_class(type(policy))


def is_hand_written_class(cls: Any) -> bool:
    """:func:`is_hand_written` for a class (before it is built)."""
    try:
        from shim.policy.policy import Policy
    except ImportError:  # pragma: no cover - the shim ships with rlmigrate
        return False
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        return False
    if hasattr(cls, "make_model"):
        return False  # a TorchPolicyV2: it acts through its model
    return any(
        _overrides(cls, name)
        for name in ("compute_actions", "compute_actions_from_input_dict", "compute_single_action")
    )


def legacy_policy_space(cls: Any, raw_space: gym.Space, config: dict | None) -> gym.Space:
    """The observation space a RLlib 2.10 worker built policy class ``cls`` with.

    A hand-written policy got the preprocessor's space (``Discrete`` one-hot, ``Dict``/``Tuple``
    flattened, ``original_space`` attached) unless the config sets ``_disable_preprocessor_api``
    (top level or in ``"model"``); other policies take the raw space (the shim's
    ``TorchPolicyV2`` preprocesses it itself, as the Algorithm did).
    """
    config = config or {}
    model = config.get("model")
    model = model if isinstance(model, dict) else {}
    disabled = config.get("_disable_preprocessor_api") or model.get("_disable_preprocessor_api")
    if disabled or not is_hand_written_class(cls):
        return raw_space
    from shim.models.catalog import ModelCatalog

    return ModelCatalog.get_preprocessor_for_space(raw_space).observation_space


def _overrides(policy: Any, name: str) -> bool:
    """Whether ``policy`` (an instance or a class) overrides the shim ``Policy``'s ``name``."""
    from shim.policy.policy import Policy

    cls = policy if isinstance(policy, type) else type(policy)
    return getattr(cls, name, None) is not getattr(Policy, name, None)


def _user_code(policy: Any, name: str) -> bool:
    """Whether ``policy``'s ``name`` is defined outside the shim (the user's own override)."""
    method = getattr(policy if isinstance(policy, type) else type(policy), name, None)
    module = getattr(method, "__module__", None) or ""
    return method is not None and module.split(".")[0] != "shim"


def _with_time(value: Any, batch_size: int, steps: int) -> Any:
    """``(B*T, ...)`` → ``(B, T, ...)`` (modules that fold time into the batch, as legacy code did)."""
    if (
        value is None
        or value.shape[:2] == (batch_size, steps)
        or value.shape[0] != batch_size * steps
    ):
        return value
    return value.reshape((batch_size, steps) + value.shape[1:])


class PolicySide(Side):
    """A shim (or any legacy-API) Policy, driven through ``compute_actions``."""

    #: a policy reports ``vf_preds`` only with a value mixin (PPO, A3C); without it, values are
    #: not part of its acting, and a module computing them is not compared on them
    optional_quantities = ("values",)

    def __init__(self, policy: Any, *, label: str) -> None:
        self.policy = policy
        self.label = label
        self.description = f"Policy {type(policy).__name__}"
        # a ModelV2-based policy holds the flattened Box; its original_space is the raw one
        self.observation_space = getattr(
            policy.observation_space, "original_space", policy.observation_space
        )
        self.action_space = policy.action_space
        self._last: tuple[Any, list[np.ndarray], int] | None = None
        self.hand_written = is_hand_written(policy)
        # Ray 2.10's env runner called compute_actions_from_input_dict; for a hand-written
        # policy that overrides only compute_actions, Policy's default handed it on with every
        # keyword (prev_action_batch=..., episodes=...), which such signatures require
        self._acts_from_input_dict = self.hand_written and any(
            _overrides(policy, name)
            for name in ("compute_actions", "compute_actions_from_input_dict")
        )
        # a torch policy whose own code overrides compute_actions_from_input_dict acted through
        # it there too (the env runner's call), with Ray 2.10's torch signature behind it
        self._acts_from_input_dict |= not self.hand_written and _user_code(
            policy, "compute_actions_from_input_dict"
        )
        self._acts_single = self.hand_written and not self._acts_from_input_dict
        # the episode columns its view requirements ask for, in the input dict the env runner
        # built, for its own compute_actions_from_input_dict (Policy's default hands
        # compute_actions none): verify feeds both sides the same values (episode_columns)
        own_input_dict = self._acts_from_input_dict and _user_code(policy, "compute_actions_from_input_dict")
        self.episode_columns = declared_columns(policy) if own_input_dict else ()
        # a hand-written policy built with the preprocessor's space got preprocessed rows
        raw = getattr(policy.observation_space, "original_space", None)
        self._preprocessor = None
        if self.hand_written and raw is not None:
            from shim.models.catalog import ModelCatalog

            self._preprocessor = ModelCatalog.get_preprocessor_for_space(raw)

    def weights_owner(self) -> Any:
        if self.hand_written and self.policy.get_weights() is None:
            return {}  # a heuristic whose get_weights() is a bare ``pass``: no weights
        return self.policy

    def _policy_initial_state(self) -> Any:
        # None is no state: Ray 2.10's AgentCollector took `policy.get_initial_state()` or []
        # (a policy may return None unless its config enables something, say the new stack)
        state = self.policy.get_initial_state()
        return [] if state is None else state

    def _spaces(self) -> tuple[Any, ...]:
        """Every space whose RNG a step or the initial state may draw from."""
        return (self.action_space, self.policy.observation_space, *held_spaces(self.policy))

    def state_template(self) -> Any:
        with seeded(0), seeded_spaces(self._spaces(), 0):
            return list(self._policy_initial_state())

    def initial_state(self, batch_size: int) -> list[np.ndarray]:
        # seeded like ModuleSide's template: a heuristic may draw its initial state (numpy, or
        # a space it holds: RLlib's EpisodeEnvAwareAttentionPolicy samples its state space)
        with seeded(0), seeded_spaces(self._spaces(), 0):
            return tiled_state(flatten_leaves(self._policy_initial_state()), batch_size)

    def step(
        self, obs: Any, state: list[np.ndarray], *, explore: bool, seed: int,
        columns: Mapping[str, np.ndarray] | None = None,
    ) -> StepOutput:
        actions: Any
        if self._preprocessor is not None:  # what the 2.10 worker's preprocessor gave it
            obs = self._preprocessor.transform_batch(obs)
        with seeded(seed), seeded_spaces(self._spaces(), seed):
            if self._acts_single:
                # only compute_single_action: RLlib callers looped over the rows with it
                rows = [self.policy.compute_single_action(row, explore=explore) for row in obs]
                actions, state_outs, extra = [r[0] for r in rows], [], {}
            elif self._acts_from_input_dict:
                # Ray 2.10's env runner called this; its default routed to compute_actions
                input_dict = {Columns.OBS: obs, **{f"state_in_{i}": s for i, s in enumerate(state)},
                              **dict(columns or {})}
                actions, state_outs, extra = self.policy.compute_actions_from_input_dict(
                    input_dict, explore=explore
                )
            else:
                actions, state_outs, extra = self.policy.compute_actions(
                    obs, state_batches=list(state) if state else None, explore=explore
                )
        self._last = (obs, list(state), seed)
        if isinstance(actions, list):
            # a list is a batch of primitive actions: Ray 2.10's env runner made it one array
            actions = np.array(actions)
        logp = extra.get(Columns.ACTION_LOGP)
        if not explore:
            # a greedy legacy policy reports logp 0 (StochasticSampling); ask the distribution
            # instead, unless the policy has none (an action_sampler_fn reports its own logp)
            logp = self.logp_of(actions) if self.logp_of(actions) is not None else logp
        values = extra.get(Columns.VF_PREDS)
        return {
            "action_dist_inputs": as_numpy(extra.get(Columns.ACTION_DIST_INPUTS)),
            "actions": as_numpy(actions),
            "logp": as_numpy(logp),
            "values": as_numpy(values),
            "state": state_leaves(state_outs),
        }

    def logp_of(self, actions: Any) -> np.ndarray | None:
        # A hand-written policy's compute_log_likelihoods is its own code, unrelated to how it
        # picked the actions (RLlib's RandomPolicy returns random numbers): its logp is only
        # what compute_actions reports in its extra fetches.
        if self.hand_written:
            return None
        if self._last is None or not hasattr(self.policy, "compute_log_likelihoods"):
            return None
        obs, state, seed = self._last
        # the actions as the policy's train batches held them (a Dict/Tuple flattened per row,
        # RLlib 2.10's AgentCollector layout, which its callers passed on); under the step's
        # seed, so that a distribution drawing in its constructor (a model-aware,
        # autoregressive one) draws what it drew when the policy acted
        if not (getattr(self.policy, "config", None) or {}).get("_disable_action_flattening"):
            actions = legacy_train_actions(map_struct(lambda a: torch.as_tensor(np.asarray(a)), actions))
        with seeded(seed):
            return as_numpy(
                logp_or_none(
                    lambda: self.policy.compute_log_likelihoods(
                        actions, obs, state_batches=state or None, in_training=False
                    )
                )
            )
