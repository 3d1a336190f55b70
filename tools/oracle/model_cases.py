"""Model-level oracle cases, written as a legacy user file (only ``ray.rllib`` imports).

The same source runs under real Ray 2.10 (``record_models.py`` in the oracle venv records
weights, inputs and outputs) and under ``shim.ray_compat`` (the shim tests load the recorded
weights into the model built here and compare outputs), so both sides build each model
exactly the same way -- the way Ray's own files build them: through
``ModelCatalog.get_model_v2`` with a full ``MODEL_DEFAULTS`` config (``use_lstm``,
``use_attention``, ``custom_model`` + ``custom_model_config``), or by subclassing RLlib's
model bases (``DQNTorchModel``) the way user files do.

Each case: ``build() -> model`` and ``run(model, inputs) -> {name: tensor}``, plus
``make_inputs(rng) -> {name: array}``.
"""

from __future__ import annotations

import copy

import gymnasium as gym
import numpy as np
from ray.rllib.algorithms.dqn.dqn_torch_model import DQNTorchModel
from ray.rllib.algorithms.sac.sac_torch_model import SACTorchModel
from ray.rllib.models import MODEL_DEFAULTS, ModelCatalog
from ray.rllib.models.torch.attention_net import GTrXLNet
from ray.rllib.models.torch.torch_modelv2 import TorchModelV2
from ray.rllib.utils.framework import try_import_torch
from ray.rllib.utils.spaces.repeated import Repeated

torch, nn = try_import_torch()

OBS = gym.spaces.Box(-1.0, 1.0, (5,), np.float32)
ACT = gym.spaces.Discrete(3)
B, T = 2, 4


def _config(**overrides: object) -> dict:
    config = copy.deepcopy(MODEL_DEFAULTS)
    config.update(overrides)
    return config


# ------------------------------------------------------------------------------ models
class DuelingQModel(DQNTorchModel):
    """A user DQN model: its own torch body, RLlib's dueling / distributional Q heads."""

    def __init__(self, obs_space, action_space, num_outputs, model_config, name, **kw):
        super().__init__(obs_space, action_space, num_outputs, model_config, name, **kw)
        self.body = nn.Sequential(nn.Linear(obs_space.shape[0], num_outputs), nn.Tanh())

    def forward(self, input_dict, state, seq_lens):
        return self.body(input_dict["obs"].float()), state


class RepeatedItemsModel(TorchModelV2, nn.Module):
    """Reads a ``Repeated(Box(3), max_len=4)`` observation as RepeatedValues: a per-item MLP,
    a masked mean over the valid items (``lengths``), then logits and a value head."""

    def __init__(self, obs_space, action_space, num_outputs, model_config, name):
        TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
        nn.Module.__init__(self)
        child = obs_space.original_space.child_space
        self.item = nn.Sequential(nn.Linear(child.shape[0], 8), nn.ReLU())
        self.logits = nn.Linear(8, num_outputs)
        self.value = nn.Linear(8, 1)
        self._features = None

    def forward(self, input_dict, state, seq_lens):
        items = input_dict["obs"]
        values, lengths = items.values, items.lengths
        mask = (torch.arange(items.max_len)[None, :] < lengths[:, None]).float()
        embedded = self.item(values) * mask[..., None]
        self._features = embedded.sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)
        return self.logits(self._features), state

    def value_function(self):
        return self.value(self._features).reshape(-1)


REPEATED = Repeated(gym.spaces.Box(-1.0, 1.0, (3,), np.float32), max_len=4)


# ------------------------------------------------------------------------------ cases
def build_gtrxl():
    config = _config(
        custom_model=GTrXLNet,
        max_seq_len=T,
        custom_model_config={
            "num_transformer_units": 2,
            "attention_dim": 16,
            "num_heads": 2,
            "head_dim": 8,
            "memory_inference": 6,
            "memory_training": 6,
            "position_wise_mlp_dim": 12,
            "init_gru_gate_bias": 2.0,
        },
    )
    return ModelCatalog.get_model_v2(OBS, ACT, 3, config, framework="torch", name="gtrxl")


def inputs_gtrxl(rng):
    return {
        "obs": rng.uniform(-1, 1, (B * T, 5)).astype(np.float32),
        "state_0": rng.normal(size=(B, 6, 16)).astype(np.float32),
        "state_1": rng.normal(size=(B, 6, 16)).astype(np.float32),
        "seq_lens": np.full((B,), T, np.int32),
    }


def run_gtrxl(model, x):
    state = [torch.from_numpy(x["state_0"]), torch.from_numpy(x["state_1"])]
    out, state_out = model(
        {"obs": torch.from_numpy(x["obs"])}, state, torch.from_numpy(x["seq_lens"])
    )
    result = {"out": out, "value": model.value_function()}
    result.update({f"state_out_{i}": s for i, s in enumerate(state_out)})
    return result


def build_attention_wrapper():
    config = _config(
        fcnet_hiddens=[16],
        use_attention=True,
        max_seq_len=T,
        attention_num_transformer_units=1,
        attention_dim=16,
        attention_num_heads=2,
        attention_head_dim=8,
        attention_memory_inference=5,
        attention_memory_training=5,
        attention_position_wise_mlp_dim=12,
        attention_use_n_prev_rewards=2,
    )
    return ModelCatalog.get_model_v2(OBS, ACT, 3, config, framework="torch", name="attn")


def inputs_attention_wrapper(rng):
    return {
        "obs": rng.uniform(-1, 1, (B * T, 5)).astype(np.float32),
        "prev_rewards": rng.normal(size=(B * T, 2)).astype(np.float32),
        "state_0": rng.normal(size=(B, 5, 16)).astype(np.float32),
        "seq_lens": np.full((B,), T, np.int32),
    }


def run_attention_wrapper(model, x):
    input_dict = {
        "obs": torch.from_numpy(x["obs"]),
        "prev_rewards": torch.from_numpy(x["prev_rewards"]),
    }
    out, state_out = model(
        input_dict, [torch.from_numpy(x["state_0"])], torch.from_numpy(x["seq_lens"])
    )
    return {"out": out, "value": model.value_function(), "state_out_0": state_out[0]}


def build_lstm_wrapper():
    config = _config(
        fcnet_hiddens=[16],
        use_lstm=True,
        lstm_cell_size=8,
        max_seq_len=T,
        # lstm_use_prev_action is left out: Ray 2.10 passes the action space's np.int64 size
        # to nn.LSTM, which torch 2.13 rejects (the policy-level oracle case covers it).
        lstm_use_prev_reward=True,
    )
    return ModelCatalog.get_model_v2(OBS, ACT, 3, config, framework="torch", name="lstm")


def inputs_lstm_wrapper(rng):
    return {
        "obs": rng.uniform(-1, 1, (B * T, 5)).astype(np.float32),
        "prev_rewards": rng.normal(size=(B * T,)).astype(np.float32),
        "h": rng.normal(size=(B, 8)).astype(np.float32),
        "c": rng.normal(size=(B, 8)).astype(np.float32),
        "seq_lens": np.array([T, T - 1], np.int32),
    }


def run_lstm_wrapper(model, x):
    input_dict = {
        "obs": torch.from_numpy(x["obs"]),
        "prev_rewards": torch.from_numpy(x["prev_rewards"]),
    }
    state = [torch.from_numpy(x["h"]), torch.from_numpy(x["c"])]
    out, (h, c) = model(input_dict, state, torch.from_numpy(x["seq_lens"]))
    return {"out": out, "value": model.value_function(), "h": h, "c": c}


def build_dqn_subclass():
    config = _config(
        custom_model=DuelingQModel,
        custom_model_config={
            "q_hiddens": [16],
            "dueling": True,
            "num_atoms": 5,
            "v_min": -2.0,
            "v_max": 2.0,
        },
    )
    return ModelCatalog.get_model_v2(OBS, ACT, 8, config, framework="torch", name="dqn")


def inputs_dqn_subclass(rng):
    return {"obs": rng.uniform(-1, 1, (B * T, 5)).astype(np.float32)}


def run_dqn_subclass(model, x):
    features, _ = model({"obs": torch.from_numpy(x["obs"])}, [], None)
    scores, z, support_logits, _logits, probs = model.get_q_value_distributions(features)
    return {
        "features": features,
        "action_scores": scores,
        "z": z,
        "support_logits": support_logits,
        "probs": probs,
        "state_value": model.get_state_value(features),
    }


def build_repeated_obs():
    prep = ModelCatalog.get_preprocessor_for_space(REPEATED)
    config = _config(custom_model=RepeatedItemsModel)
    return ModelCatalog.get_model_v2(
        prep.observation_space, ACT, 3, config, framework="torch", name="rep"
    )


def inputs_repeated_obs(rng):
    prep = ModelCatalog.get_preprocessor_for_space(REPEATED)
    rows = []
    for length in (0, 1, 4, 2, 3):
        items = [rng.uniform(-1, 1, (3,)).astype(np.float32) for _ in range(length)]
        rows.append(prep.transform(items))
    return {"obs": np.stack(rows).astype(np.float32)}


def run_repeated_obs(model, x):
    out, _ = model({"obs": torch.from_numpy(x["obs"])}, [], None)
    return {"out": out, "value": model.value_function()}


BOX_ACT = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)


def build_sac_model():
    policy_config = _config(fcnet_hiddens=[16, 16])
    q_config = _config(fcnet_hiddens=[12])
    return SACTorchModel(
        OBS,
        BOX_ACT,
        None,
        _config(),
        "sac",
        policy_model_config=policy_config,
        q_model_config=q_config,
        twin_q=True,
    )


def inputs_sac_model(rng):
    return {
        "obs": rng.uniform(-1, 1, (B * T, 5)).astype(np.float32),
        "actions": rng.uniform(-1, 1, (B * T, 2)).astype(np.float32),
    }


def run_sac_model(model, x):
    obs = torch.from_numpy(x["obs"])
    model_out, _ = model({"obs": obs}, [], None)
    dist_inputs, _ = model.get_action_model_outputs(model_out)
    q, _ = model.get_q_values(model_out, torch.from_numpy(x["actions"]))
    twin_q, _ = model.get_twin_q_values(model_out, torch.from_numpy(x["actions"]))
    return {
        "dist_inputs": dist_inputs,
        "q": q,
        "twin_q": twin_q,
        "log_alpha": model.log_alpha,
        "target_entropy": model.target_entropy,
    }


CASES = {
    name: (globals()[f"build_{name}"], globals()[f"inputs_{name}"], globals()[f"run_{name}"])
    for name in (
        "gtrxl",
        "attention_wrapper",
        "lstm_wrapper",
        "dqn_subclass",
        "repeated_obs",
        "sac_model",
    )
}
