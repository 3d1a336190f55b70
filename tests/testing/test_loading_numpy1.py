"""verify's legacy loader: numpy-1 names legacy code calls at build time still resolve."""

from __future__ import annotations

import textwrap

import gymnasium as gym
import numpy as np
import pytest

from rlmigrate.testing.loading import load_reference

LEGACY = textwrap.dedent(
    """
    import numpy as np
    import torch.nn as nn
    from ray.rllib.models.torch.torch_modelv2 import TorchModelV2


    class ProductModel(TorchModelV2, nn.Module):
        def __init__(self, obs_space, action_space, num_outputs, model_config, name):
            TorchModelV2.__init__(self, obs_space, action_space, num_outputs, model_config, name)
            nn.Module.__init__(self)
            # RLlib 2.10's own FCNet sizes its input like this (np.product: gone in numpy 2)
            self.net = nn.Linear(int(np.product(obs_space.shape)), num_outputs)

        def forward(self, input_dict, state, seq_lens):
            return self.net(input_dict["obs_flat"]), state
    """
)


@pytest.mark.skipif(int(np.__version__.split(".")[0]) < 2, reason="numpy 1 still has np.product")
def test_a_legacy_class_calling_np_product_in_init_builds_after_loading(tmp_path):
    path = tmp_path / "legacy_product.py"
    path.write_text(LEGACY)
    cls, _ = load_reference(f"{path}:ProductModel", legacy=True)
    with pytest.warns(DeprecationWarning, match="product"):
        model = cls(gym.spaces.Box(-1, 1, (2, 3)), gym.spaces.Discrete(2), 2, {}, "m")
    assert model.net.in_features == 6
