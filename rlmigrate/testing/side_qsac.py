"""Legacy sides with DQN / SAC semantics: what the algorithm's policy did with the model.

A DQN model's ``forward()`` returns features, not action-distribution inputs: Ray 2.10's
``DQNTorchPolicy`` built it with ``num_outputs`` = the last ``fcnet_hiddens`` size (or the
number of actions when ``hiddens=[]``) and the DQN keys as keyword arguments, then acted on
the Q-values ``compute_q_values`` derived from ``get_q_value_distributions(model_out)``
(dueling combination included). A SAC model's ``forward()`` passes observations through;
``SACTorchPolicy`` acted on ``get_action_model_outputs(model_out)``. These sides build and
call the model that way, with the DQN / SAC keys read from the model config by the same
functions the migrated modules use (:mod:`rlmigrate.modules.dqn_config`,
:mod:`rlmigrate.modules.sac_config`); the combination itself is the shim's copy of the
legacy policy code (``shim.policy.dqn.compute_q_values``), not the module's.

Weights: a legacy *default* model (RLlib's FCNet under the DQN heads, FCNet sub-models of
``SACTorchModel``) names its layers differently from the default modules; ``weights_owner``
then returns the state renamed by :mod:`rlmigrate.convert.qsac_model_map` (FCNet's unused
value branches dropped). A user subclass keeps its names (the rewrite keeps attributes).

Layering: imports ``sides`` and ``side_legacy`` / ``side_module`` only; ``side_build`` picks.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.convert.qsac_model_map import legacy_dqn_key_map, legacy_sac_key_map
from rlmigrate.core.legacy_config import legacy_model_config, preprocessor_disabled
from rlmigrate.modules.dqn_config import dqn_num_outputs, dqn_settings, legacy_dqn_model_kwargs
from rlmigrate.modules.sac_config import legacy_sac_model_kwargs, sac_settings
from rlmigrate.testing.side_legacy import LegacyModelSide
from rlmigrate.testing.side_module import PolicySide
from rlmigrate.testing.sides import StepOutput, as_numpy, logp_or_none, require_spaces, seeded

__all__ = ["LegacyDQNSide", "LegacySACSide", "QSACPolicySide", "qsac_kind", "default_weights_view"]


def qsac_kind(obj: Any) -> str | None:
    """``"dqn"`` / ``"sac"`` for a legacy DQN / SAC model class or instance, else None."""
    cls = obj if isinstance(obj, type) else type(obj)
    if callable(getattr(cls, "get_q_value_distributions", None)):
        return "dqn"
    if callable(getattr(cls, "get_action_model_outputs", None)):
        return "sac"
    return None


def _defines_forward(cls: type) -> bool:
    from shim.models.modelv2 import ModelV2
    from shim.models.torch_modelv2 import TorchModelV2

    for klass in cls.__mro__:
        if klass in (ModelV2, TorchModelV2):
            return False
        if "forward" in vars(klass):
            return True
    return False


def _is_fcnet(model: Any) -> bool:
    from shim.models.fcnet import FullyConnectedNetwork

    return isinstance(model, FullyConnectedNetwork)


def default_weights_view(model: Any) -> Any:
    """The model itself, or for a default DQN / SAC model its state renamed for the modules."""
    kind = qsac_kind(model)
    state = model.state_dict()
    if kind == "dqn" and _is_fcnet(model):
        mapping = legacy_dqn_key_map(state)
    elif kind == "sac" and all(_is_fcnet(getattr(model, n, None)) for n in ("action_model", "q_net")):
        mapping = legacy_sac_key_map(state)
    else:
        return model
    return {new: value for old, value in state.items() if (new := mapping[old]) is not None}


def _model_space(observation_space: gym.Space, config: dict) -> gym.Space:
    from shim.models.catalog import ModelCatalog

    if preprocessor_disabled(config):
        return observation_space
    return ModelCatalog.get_preprocessor_for_space(observation_space, config).observation_space


class LegacyDQNSide(LegacyModelSide):
    """A DQN ``ModelV2`` acted on as Ray 2.10's ``DQNTorchPolicy`` did (Q-values, argmax)."""

    @classmethod
    def build(cls, obj: Any, *, label: str, observation_space: gym.Space | None,
              action_space: gym.Space | None, model_config: dict | None) -> LegacyDQNSide:
        from shim.models.action_dist import TorchCategorical
        from shim.models.catalog import ModelCatalog
        from shim.models.dqn_torch_model import DQNTorchModel

        if not isinstance(obj, type):
            config = legacy_model_config(obj.model_config)
            raw = getattr(obj.obs_space, "original_space", obj.obs_space)
            return cls(obj, label=label, raw_space=raw, dist_cls=TorchCategorical, model_config=config)
        observation_space, action_space = require_spaces(
            f"legacy DQN model {obj.__name__}", observation_space, action_space)
        config = legacy_model_config(model_config)
        kwargs = legacy_dqn_model_kwargs(config)
        num_outputs = dqn_num_outputs(config, action_space)
        if kwargs["q_hiddens"]:
            config["no_final_linear"] = True
        space = _model_space(observation_space, config)
        if _defines_forward(obj):  # a user model: custom_model under DQN's interface
            config["custom_model"] = obj
            model = ModelCatalog.get_model_v2(space, action_space, num_outputs, config, framework="torch",
                                              model_interface=DQNTorchModel, name=obj.__name__, **kwargs)
        else:  # the interface itself (RLlib's DQNTorchModel): over the default model
            model = ModelCatalog.get_model_v2(space, action_space, num_outputs, config, framework="torch",
                                              model_interface=obj, name=obj.__name__, **kwargs)
        return cls(model, label=label, raw_space=observation_space, dist_cls=TorchCategorical,
                   model_config=config)

    def weights_owner(self) -> Any:
        return default_weights_view(self.model)

    def q_values(self, flat_obs: Any) -> torch.Tensor:
        """``(B, n)``: ``shim.policy.dqn.compute_q_values`` with the config's DQN keys."""
        from shim.policy.dqn import compute_q_values

        # the model's own head settings (the policy's config when the model keeps none): a
        # subclass may pass DQNTorchModel its own num_atoms / dueling
        settings = dqn_settings(self.model.model_config)
        policy = types.SimpleNamespace(config={
            "num_atoms": getattr(self.model, "num_atoms", settings["num_atoms"]),
            "dueling": getattr(self.model, "dueling", settings["dueling"])})
        with torch.no_grad():
            return compute_q_values(policy, self.model, {"obs": flat_obs, "is_training": False})[0]

    def step(
        self, obs: Any, state: list[np.ndarray], *, explore: bool, seed: int,
        columns: Mapping[str, np.ndarray] | None = None,
    ) -> StepOutput:
        from shim.policy.exploration_epsilon import EpsilonGreedy

        flat = self._preprocess(obs)
        with seeded(seed):
            q = self.q_values(flat)
            dist = self.dist_cls(q, self.model)
            with torch.no_grad():
                if explore:  # EpsilonGreedy's own logp: zeros
                    actions, logp = self._exploration(EpsilonGreedy).get_exploration_action(
                        action_distribution=dist, timestep=0, explore=True)
                else:
                    actions = dist.deterministic_sample()
                    logp = logp_or_none(lambda: dist.logp(actions))
        self._last_dist = dist
        return {"action_dist_inputs": as_numpy(q), "actions": as_numpy(actions), "logp": as_numpy(logp),
                "values": None, "state": []}

    def _exploration(self, cls: type) -> Any:
        """The EpsilonGreedy of the config's ``exploration_config``, asked at timestep 0: the
        kit's calls are not an env runner's step sequence, and the module, given no ``t``,
        explores at t=0 too (the schedule itself is pinned by the Ray recordings)."""
        if "_epsilon" not in self.__dict__:
            settings = dict(self.model.model_config.get("exploration_config") or
                            {"initial_epsilon": 1.0, "final_epsilon": 0.02, "epsilon_timesteps": 10000})
            settings.pop("type", None)
            self._epsilon = cls(self.action_space, **settings)
        return self._epsilon

    def sequence(
        self, obs: Any, state: list[np.ndarray], columns: Mapping[str, np.ndarray] | None = None
    ) -> StepOutput | None:
        return None


class LegacySACSide(LegacyModelSide):
    """A ``SACTorchModel`` acted on as Ray 2.10's ``SACTorchPolicy`` did (its policy head)."""

    @classmethod
    def build(cls, obj: Any, *, label: str, observation_space: gym.Space | None,
              action_space: gym.Space | None, model_config: dict | None) -> LegacySACSide:
        from shim.models.catalog import ModelCatalog
        from shim.policy.sac import _dist_class

        if not isinstance(obj, type):
            config = legacy_model_config(obj.model_config)
            raw = getattr(obj.obs_space, "original_space", obj.obs_space)
            dist = _dist_class({"model": config, **sac_settings(config)}, obj.action_space)
            return cls(obj, label=label, raw_space=raw, dist_cls=dist, model_config=config)
        observation_space, action_space = require_spaces(
            f"legacy SAC model {obj.__name__}", observation_space, action_space)
        config = legacy_model_config(model_config)
        config["custom_model"] = obj
        model = ModelCatalog.get_model_v2(_model_space(observation_space, config), action_space, None, config,
                                          framework="torch", name=obj.__name__, **legacy_sac_model_kwargs(config))
        dist = _dist_class({"model": {}, **sac_settings(config)}, action_space)
        return cls(model, label=label, raw_space=observation_space, dist_cls=dist, model_config=config)

    def weights_owner(self) -> Any:
        return default_weights_view(self.model)

    def step(
        self, obs: Any, state: list[np.ndarray], *, explore: bool, seed: int,
        columns: Mapping[str, np.ndarray] | None = None,
    ) -> StepOutput:
        flat = self._preprocess(obs)
        with seeded(seed), torch.no_grad():
            model_out, _ = self.model({"obs": flat, "is_training": False}, [], None)
            inputs, _ = self.model.get_action_model_outputs(model_out)
            dist = self.dist_cls(inputs, self.model)
            actions = dist.sample() if explore else dist.deterministic_sample()
            logp = logp_or_none(lambda: self._logp(dist, inputs, actions))
        self._last_dist = dist
        return {"action_dist_inputs": as_numpy(inputs), "actions": as_numpy(actions), "logp": as_numpy(logp),
                "values": None, "state": []}

    @staticmethod
    def _logp(dist: Any, inputs: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The legacy distribution's logp, except for the squashed Gaussian: its legacy logp
        puts ``+1e-6`` inside ``log(1 - tanh(u)^2)``, which rlmigrate's (RLlib 2.60's stable
        Jacobian, docs/compatibility.md) leaves out by design; near the bounds the two differ
        by orders of magnitude. The same Normal parameters (the compared
        ``action_dist_inputs``) are scored with the new formula instead, so a wrong family,
        bound or parameter split still shows up as a difference."""
        from shim.models.action_dist import TorchSquashedGaussian as LegacySquashed

        if isinstance(dist, LegacySquashed):
            from rlmigrate.distributions.squashed_gaussian import TorchSquashedGaussian

            return TorchSquashedGaussian.from_logits(inputs, low=dist.low, high=dist.high).logp(actions)
        return dist.logp(actions)

    def sequence(
        self, obs: Any, state: list[np.ndarray], columns: Mapping[str, np.ndarray] | None = None
    ) -> StepOutput | None:
        return None


class QSACPolicySide(PolicySide):
    """A shim DQN / SAC policy: as :class:`PolicySide`, its default model's weights renamed,
    and a squashed Gaussian's logp scored as :meth:`LegacySACSide._logp` explains."""

    def weights_owner(self) -> Any:
        return default_weights_view(self.policy.model)

    def _squashed(self) -> bool:
        from shim.models.action_dist import TorchSquashedGaussian as LegacySquashed

        dist_cls = getattr(self.policy, "dist_class", None)
        return isinstance(dist_cls, type) and issubclass(dist_cls, LegacySquashed)

    def step(
        self, obs: Any, state: list[np.ndarray], *, explore: bool, seed: int,
        columns: Mapping[str, np.ndarray] | None = None,
    ) -> StepOutput:
        if hasattr(self.policy, "global_timestep"):
            # exploration asked at t=0 on both sides (see LegacyDQNSide._exploration)
            self.policy.global_timestep = 0
        out = super().step(obs, state, explore=explore, seed=seed, columns=columns)
        if self._squashed() and out["action_dist_inputs"] is not None:
            from rlmigrate.distributions.squashed_gaussian import TorchSquashedGaussian

            inputs = torch.as_tensor(out["action_dist_inputs"])
            self._last_inputs = inputs
            with torch.no_grad():
                out["logp"] = as_numpy(TorchSquashedGaussian.from_logits(inputs).logp(
                    torch.as_tensor(np.asarray(out["actions"]))))
        return out

    def logp_of(self, actions: Any) -> np.ndarray | None:
        if not self._squashed() or "_last_inputs" not in self.__dict__:
            return super().logp_of(actions)
        from rlmigrate.distributions.squashed_gaussian import TorchSquashedGaussian

        with torch.no_grad():
            return as_numpy(TorchSquashedGaussian.from_logits(self._last_inputs).logp(
                torch.as_tensor(np.asarray(actions))))
