"""A legacy policy that acts through an early (Ray 2.10) new-stack module it builds itself:
the module counts down from a start value in its state and acts with the observation's sign."""

import numpy as np
from gymnasium.spaces import Box
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.rl_module import RLModule, RLModuleConfig
from ray.rllib.policy.policy import Policy
from ray.rllib.utils.spaces.space_utils import batch as stack_rows


class SignModule(RLModule):
    def setup(self):
        self.start = self.config.model_config_dict.get("start", 3.0)
        self.noise_space = Box(-1.0, 1.0, (1,))

    def is_stateful(self):
        return True

    def get_initial_state(self):
        return {"left": np.array([self.start], np.float32)}

    def _forward_inference(self, batch, **kwargs):
        obs = np.asarray(batch[Columns.OBS])
        actions = stack_rows([int(row[0] > 0) for row in obs])
        left = np.full((len(obs), 1), self.start - 1.0, np.float32)
        return {Columns.ACTIONS: actions, Columns.STATE_OUT: {"left": left},
                "noise": stack_rows([self.noise_space.sample() for _ in obs])}

    def _forward_exploration(self, batch, **kwargs):
        return self._forward_inference(batch, **kwargs)

    def _forward_train(self, batch, **kwargs):
        raise NotImplementedError("acting only")


class WrappingPolicy(Policy):
    def __init__(self, observation_space, action_space, config):
        super().__init__(observation_space, action_space, config)
        module_config = RLModuleConfig(
            action_space=self.action_space,
            model_config_dict={"start": 5.0, "max_seq_len": 8, "lstm_use_prev_action": True,
                               "lstm_use_prev_reward": False},
        )
        self.model = SignModule(config=module_config)
        self.view_requirements = self.model.update_default_view_requirements(self.view_requirements)

    def compute_actions_from_input_dict(self, input_dict, explore=None, timestep=None, **kwargs):
        out = self.model.forward_exploration(input_dict)
        return out[Columns.ACTIONS], [out[Columns.STATE_OUT]["left"]], {"noise": out["noise"]}
