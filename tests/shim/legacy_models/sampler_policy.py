"""A custom legacy policy that samples its own actions (action_sampler_fn)."""

import torch
from ray.rllib.models.torch.torch_action_dist import TorchCategorical
from ray.rllib.policy.policy_template import build_policy_class
from ray.rllib.policy.torch_policy_v2 import TorchPolicyV2


class GreedyWithNoisePolicy(TorchPolicyV2):
    """Argmax of the logits; when exploring, Gumbel noise is added first."""

    def action_sampler_fn(self, model, *, obs_batch, state_batches, **kwargs):
        logits, state_out = model(obs_batch, state_batches, None)
        explore = kwargs.get("explore", True)
        noisy = logits - torch.log(-torch.log(torch.rand_like(logits))) if explore else logits
        actions = noisy.argmax(dim=1)
        logp = TorchCategorical(logits, model).logp(actions)
        return actions, logp, logits, state_out


def _template_sampler(policy, model, obs_batch, state_batches, explore=None, timestep=None):
    logits, state_out = model(obs_batch, state_batches, None)
    actions = logits.argmax(dim=1)
    return actions, torch.zeros(actions.shape[0]), state_out


TemplateSamplerPolicy = build_policy_class(
    "TemplateSamplerPolicy", framework="torch", loss_fn=None, action_sampler_fn=_template_sampler
)
