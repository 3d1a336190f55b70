"""A custom legacy action distribution registered with the catalog: a 'sharpened' categorical."""

import torch
from ray.rllib.models import ModelCatalog
from ray.rllib.models.torch.torch_action_dist import TorchDistributionWrapper


class SharpCategorical(TorchDistributionWrapper):
    """Categorical over logits * 2 (a fixed inverse temperature)."""

    def __init__(self, inputs, model):
        super().__init__(inputs, model)
        self.dist = torch.distributions.Categorical(logits=self.inputs * 2.0)

    def deterministic_sample(self):
        self.last_sample = self.dist.probs.argmax(dim=1)
        return self.last_sample

    @staticmethod
    def required_model_output_shape(action_space, model_config):
        return action_space.n


ModelCatalog.register_custom_action_dist("shim_test_sharp", SharpCategorical)
