"""DQN's default RLModule: an encoder, RLlib 2.10's Q heads, greedy / epsilon-greedy acting.

Built from :class:`~rlmigrate.Catalog` and the model config, where the DQN keys live as in
RLlib 2.40 (``hiddens``, ``dueling``, ``num_atoms``, ``v_min``, ``v_max``, ``noisy``;
defaults are Ray 2.10 DQN's, see :mod:`rlmigrate.modules.dqn_config`) plus the exploration
schedule (``exploration_config`` as in 2.10, or 2.40's ``epsilon``).

It computes what Ray 2.10's ``DQNTorchPolicy`` computed with its default model
(``FullyConnectedNetwork`` with ``no_final_linear`` under the ``DQNTorchModel`` heads):

* features ``(B, F)``: the encoder (``fcnet_hiddens``, all activated); with ``hiddens=[]`` a
  final ``logits`` layer to ``n`` outputs, as RLlib's FCNet then had;
* heads with RLlib's names (``advantage_module.dueling_A_{i}``/``A``, ``value_module...``),
  combined like the policy did: ``Q = V + A - mean(A)`` (dueling), or the expected value over
  ``num_atoms`` atoms of ``[v_min, v_max]`` (distributional);
* ``forward_inference``: ``ACTIONS`` = argmax Q, ``ACTION_DIST_INPUTS`` = Q ``(B, n)``;
  ``forward_exploration(batch, t=...)``: epsilon-greedy with epsilon(t) (``t`` is the env
  runner's global step count, the legacy policy's ``global_timestep``; without it, t=0) and
  ``ACTION_LOGP`` zeros, as RLlib 2.10's ``EpsilonGreedy`` reported;
  ``forward_train``: ``QF_PREDS`` (+ ``ATOMS``, ``QF_LOGITS``, ``QF_PROBS``).

Subclass hook: ``_forward(batch)`` returns the features under ``EMBEDDINGS``; a rewritten
``DQNTorchModel`` subclass overrides ``setup()`` (its own body, then
:meth:`build_q_heads`) and ``_forward`` (its body's features), and keeps the heads.

Example:
    >>> import gymnasium as gym, torch
    >>> module = DQNRainbowTorchRLModule(
    ...     observation_space=gym.spaces.Box(-1, 1, (4,)), action_space=gym.spaces.Discrete(3),
    ...     model_config={"fcnet_hiddens": [16], "hiddens": [8]})
    >>> module.forward_inference({"obs": torch.zeros(5, 4)})["actions"].shape
    torch.Size([5])
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import torch

from rlmigrate.core.columns import Columns
from rlmigrate.core.constants import ENCODER_OUT
from rlmigrate.core.torch_rl_module import TorchRLModule
from rlmigrate.modules._catalog import default_catalog_class, require_catalog
from rlmigrate.modules._epsilon import EpsilonSchedule, epsilon_greedy
from rlmigrate.modules._q_heads import (
    DenseLayer,
    QHeadConfig,
    build_q_heads,
    combine_q,
    q_distributions,
)
from rlmigrate.modules.dqn_config import dqn_num_outputs, dqn_settings

__all__ = [
    "DQNRainbowTorchRLModule",
    "DefaultDQNTorchRLModule",
    "DQNTorchRLModule",
    "QF_PREDS",
    "ATOMS",
    "QF_LOGITS",
    "QF_PROBS",
]

QF_PREDS = "qf_preds"
ATOMS = "atoms"
QF_LOGITS = "qf_logits"
QF_PROBS = "qf_probs"

_LEGACY_KWARGS = {
    "q_hiddens": "hiddens",
    "dueling": "dueling",
    "num_atoms": "num_atoms",
    "use_noisy": "noisy",
    "v_min": "v_min",
    "v_max": "v_max",
    "sigma0": "sigma0",
    "add_layer_norm": "add_layer_norm",
}


def _load_catalog() -> type:
    from rlmigrate.models.catalog import Catalog

    return Catalog


class DQNRainbowTorchRLModule(TorchRLModule):
    """Default DQN module; see the module docstring for outputs and config keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        default_catalog_class(args, kwargs, _load_catalog)
        super().__init__(*args, **kwargs)

    # ----------------------------------------------------------------- construction
    def setup(self) -> None:
        catalog = require_catalog(self, "catalog_class=Catalog")
        self.encoder = catalog.build_encoder(framework="torch")
        width = int(catalog.latent_dims[0])
        if not dqn_settings(self.model_config)["hiddens"]:
            # RLlib 2.10's DQN kept FCNet's final layer when there are no Q hiddens.
            self.logits = DenseLayer(width, self._num_actions())
            width = self._num_actions()
        self.build_q_heads(width)

    def _num_actions(self) -> int:
        if not isinstance(self.action_space, gym.spaces.Discrete):
            raise ValueError(
                f"{type(self).__name__} needs a Discrete action space (Q-values per action), "
                f"got {self.action_space}"
            )
        return int(self.action_space.n)

    def dqn_num_outputs(self) -> int:
        """The feature width RLlib 2.10's DQN policy gave its model (``num_outputs``): the last
        ``fcnet_hiddens`` size when there are Q hiddens, else the number of actions."""
        if self.action_space is None:
            raise ValueError(f"{type(self).__name__} needs an action_space to size its Q heads")
        return dqn_num_outputs(self.model_config, self.action_space)

    def build_q_heads(self, num_outputs: int, **legacy_kwargs: Any) -> None:
        """Build ``advantage_module`` (and ``value_module`` when dueling) over ``num_outputs``
        features, and the exploration schedule.

        Settings come from the model config (:func:`~rlmigrate.modules.dqn_config.dqn_settings`);
        ``legacy_kwargs`` are ``DQNTorchModel``'s keyword names (``q_hiddens``, ``dueling``,
        ``num_atoms``, ``use_noisy``, ``v_min``, ``v_max``, ``sigma0``, ``add_layer_norm``,
        ``dueling_activation``) and win over the config, as they did in a legacy subclass.

        Raises:
            ValueError: an unknown keyword, a non-Discrete action space, bad atoms/bounds.
            NotImplementedError: ``noisy=True`` (NoisyNet heads are not built here).
        """
        settings = dqn_settings(self.model_config)
        activation = "relu"
        for key, value in legacy_kwargs.items():
            if key == "dueling_activation":
                activation = value
            elif key in _LEGACY_KWARGS:
                settings[_LEGACY_KWARGS[key]] = value
            else:
                raise ValueError(f"build_q_heads: unknown keyword {key!r}; expected one of "
                                 f"{sorted([*_LEGACY_KWARGS, 'dueling_activation'])}")
        if settings["noisy"]:
            raise NotImplementedError(
                "noisy=True: NoisyNet Q heads are not part of rlmigrate's DQN module; set "
                "noisy=False (epsilon-greedy exploration) or build the noisy layers in a subclass")
        self.q_head_config = QHeadConfig(
            settings["hiddens"], settings["dueling"], settings["num_atoms"], settings["v_min"],
            settings["v_max"], settings["add_layer_norm"], activation)
        advantage, value = build_q_heads(int(num_outputs), self._num_actions(), self.q_head_config)
        self.advantage_module = advantage
        if value is not None:
            self.value_module = value
        config = self.model_config
        self.epsilon_schedule = EpsilonSchedule.from_config(
            config["epsilon"] if config.get("epsilon") is not None else config.get("exploration_config"))

    # ----------------------------------------------------------------- passes
    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """The features: ``{EMBEDDINGS: (B, F)[, STATE_OUT]}`` (a subclass returns its body's)."""
        encoded = self.encoder(batch)
        features = encoded[ENCODER_OUT]
        if "logits" in self._modules:
            features = self.logits(features)
        output = {Columns.EMBEDDINGS: features}
        if Columns.STATE_OUT in encoded:
            output[Columns.STATE_OUT] = encoded[Columns.STATE_OUT]
        return output

    def compute_q_values(self, features: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{QF_PREDS: (B, n)}`` (+ ``ATOMS (atoms,)``, ``QF_LOGITS``/``QF_PROBS`` ``(B, n, atoms)``
        when distributional) from features ``(B, F)``, as RLlib 2.10's DQN policy combined them."""
        cfg = self.q_head_config
        dists = q_distributions(self.advantage_module(features), self._num_actions(), cfg)
        state_score = self.value_module(features) if cfg.dueling else None
        combined = combine_q(dists, state_score, cfg)
        out = {QF_PREDS: combined["q"]}
        if cfg.num_atoms > 1:
            out.update({ATOMS: combined["z"], QF_LOGITS: combined["logits"], QF_PROBS: combined["probs"]})
        return out

    # ----------------------------------------------------------------- legacy names
    def get_q_value_distributions(self, model_out: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """RLlib 2.10's ``DQNTorchModel`` method, for ported code that calls it: from features
        ``(B, F)``, ``(scores (B, n), logits (B, n, 1), probs (B, n, 1))`` (ones), or with atoms
        ``(scores, z (atoms,), support_logits, logits, probs)`` (``(B, n, atoms)`` each).
        No dueling combination (that was the policy's; see :meth:`compute_q_values`)."""
        cfg = self.q_head_config
        dists = q_distributions(self.advantage_module(model_out), self._num_actions(), cfg)
        if cfg.num_atoms > 1:
            return dists["scores"], dists["z"], dists["logits"], dists["logits"], dists["probs"]
        ones = torch.unsqueeze(torch.ones_like(dists["scores"]), -1)
        return dists["scores"], ones, ones

    def get_state_value(self, model_out: torch.Tensor) -> torch.Tensor:
        """RLlib 2.10's ``DQNTorchModel`` method: ``V(s)`` ``(B, atoms)`` (dueling modules only).

        Raises:
            ValueError: the module was built with ``dueling=False``.
        """
        if "value_module" not in self._modules:
            raise ValueError(f"{type(self).__name__} was built with dueling=False: it has no value stream")
        return self.value_module(model_out)

    def _qf(self, batch: dict[str, Any]) -> dict[str, Any]:
        body = self._forward(batch)
        out = self.compute_q_values(body[Columns.EMBEDDINGS])
        out[Columns.ACTION_DIST_INPUTS] = out[QF_PREDS]
        for key, value in body.items():
            out.setdefault(key, value)
        return out

    def _forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        out = self._qf(batch)
        out[Columns.ACTIONS] = torch.argmax(out[QF_PREDS], dim=-1)
        return out

    def _forward_exploration(self, batch: dict[str, Any], t: int | None = None, **kwargs: Any) -> dict[str, Any]:
        out = self._qf(batch)
        q_values = out[QF_PREDS]
        out[Columns.ACTIONS] = epsilon_greedy(q_values, self.epsilon_schedule(0 if t is None else int(t)))
        # RLlib 2.10's EpsilonGreedy reported logp 0 (prob 1) for every row it acted on.
        out[Columns.ACTION_LOGP] = torch.zeros(q_values.shape[0], dtype=torch.float32, device=q_values.device)
        return out

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._qf(batch)

    # ----------------------------------------------------------------- distributions
    def get_inference_action_dist_cls(self) -> type:
        from rlmigrate.distributions.categorical import TorchCategorical

        return TorchCategorical

    get_exploration_action_dist_cls = get_inference_action_dist_cls
    get_train_action_dist_cls = get_inference_action_dist_cls


#: RLlib 2.60's name of the same module.
DefaultDQNTorchRLModule = DQNRainbowTorchRLModule
#: The name a rewritten ``DQNTorchModel`` subclass extends.
DQNTorchRLModule = DQNRainbowTorchRLModule
