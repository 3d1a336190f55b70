"""TorchPolicyV2 hooks and the function templates produce shim Policies with RLlib's flow."""

from __future__ import annotations

import functools
from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch

from shim.models.action_dist import TorchCategorical, TorchDiagGaussian
from shim.models.catalog import ModelCatalog
from shim.models.fcnet import FullyConnectedNetwork
from shim.models.model_defaults import merge_model_config
from shim.policy.policy_template import build_policy_class, build_torch_policy
from shim.policy.ppo import PPOTorchPolicy, ValueNetworkMixin
from shim.policy.torch_policy_v2 import TorchPolicyV2

BOX = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
ACT = gym.spaces.Discrete(3)
OBS = np.linspace(-1, 1, 9, dtype=np.float32).reshape(3, 3)


def _fcnet(policy: Any) -> FullyConnectedNetwork:
    return FullyConnectedNetwork(
        policy.observation_space,
        policy.action_space,
        3,
        merge_model_config({"fcnet_hiddens": [4]}),
        "fc",
    )


def test_overriding_both_model_hooks_is_an_error() -> None:
    class Both(TorchPolicyV2):
        def make_model(self) -> Any:
            return _fcnet(self)

        def make_model_and_action_dist(self) -> Any:
            return _fcnet(self), TorchCategorical

    with pytest.raises(ValueError, match="only one"):
        Both(BOX, ACT, {})


def test_make_model_and_action_dist_hook() -> None:
    class Sharp(TorchCategorical):
        def __init__(self, inputs: Any, model: Any = None) -> None:
            super().__init__(inputs, model, temperature=0.5)

    class Custom(TorchPolicyV2):
        def make_model_and_action_dist(self) -> Any:
            return _fcnet(self), Sharp

    policy = Custom(BOX, ACT, {})
    assert policy.dist_class is Sharp and list(policy.get_weights())[0] == "_logits._model.0.weight"
    actions, _, extra = policy.compute_actions(OBS, explore=True)
    expected = torch.distributions.Categorical(
        logits=torch.as_tensor(extra["action_dist_inputs"]) / 0.5
    )
    np.testing.assert_allclose(
        extra["action_logp"], expected.log_prob(torch.as_tensor(actions).long()).numpy(), atol=1e-6
    )


def test_action_distribution_fn_and_extra_action_out() -> None:
    calls: dict[str, Any] = {}

    class Dist(TorchPolicyV2):
        def action_distribution_fn(
            self, model: Any, *, obs_batch: Any, state_batches: Any, **kwargs: Any
        ) -> Any:
            calls.update(kwargs)
            logits, state = model(obs_batch, state_batches, kwargs["seq_lens"])
            return logits * 0.0, TorchCategorical, state

        def extra_action_out(
            self, input_dict: Any, state_batches: Any, model: Any, action_dist: Any
        ) -> dict:
            return {
                "custom": torch.ones(len(input_dict["obs"])),
                "dist": torch.as_tensor(type(action_dist) is TorchCategorical).repeat(
                    len(input_dict["obs"])
                ),
            }

    policy = Dist(BOX, ACT, {"model": {"fcnet_hiddens": [4]}})
    actions, _, extra = policy.compute_actions(OBS, explore=False, timestep=11)
    assert calls["explore"] is False and calls["timestep"] == 11 and calls["is_training"] is False
    assert list(extra) == ["custom", "dist", "action_dist_inputs", "action_prob", "action_logp"]
    assert np.all(extra["action_dist_inputs"] == 0) and np.all(extra["dist"])
    logp = policy.compute_log_likelihoods(actions, OBS)
    np.testing.assert_allclose(logp.numpy(), np.log(1 / 3) * np.ones(3), atol=1e-6)


def test_invalid_dist_class_is_named() -> None:
    class Bad(TorchPolicyV2):
        def action_distribution_fn(
            self, model: Any, *, obs_batch: Any, state_batches: Any, **kwargs: Any
        ) -> Any:
            return torch.zeros(len(obs_batch["obs"]), 3), dict, []

    with pytest.raises(ValueError, match="TorchDistributionWrapper"):
        Bad(BOX, ACT, {}).compute_actions(OBS)


def test_action_sampler_fn_skips_exploration_and_blocks_log_likelihoods() -> None:
    class Sampler(TorchPolicyV2):
        def action_sampler_fn(
            self, model: Any, *, obs_batch: Any, state_batches: Any, **kwargs: Any
        ) -> Any:
            batch = len(obs_batch["obs"])
            return torch.full((batch,), 2), torch.full((batch,), -1.0), None, []

    policy = Sampler(
        BOX, ACT, {"exploration_config": {"type": "EpsilonGreedy", "initial_epsilon": 1.0}}
    )
    actions, _, extra = policy.compute_actions(OBS, explore=True)
    assert actions.tolist() == [2, 2, 2] and list(extra) == ["action_prob", "action_logp"]
    with pytest.raises(ValueError, match="action_sampler_fn"):
        policy.compute_log_likelihoods(actions, OBS)


def test_epsilon_greedy_config_drives_the_legacy_path() -> None:
    policy = TorchPolicyV2(
        BOX,
        ACT,
        {
            "model": {"fcnet_hiddens": [4]},
            "exploration_config": {
                "type": "EpsilonGreedy",
                "initial_epsilon": 0.0,
                "final_epsilon": 0.0,
            },
        },
    )
    actions, _, extra = policy.compute_actions(OBS, explore=True)
    np.testing.assert_array_equal(actions, extra["action_dist_inputs"].argmax(1))
    assert np.all(extra["action_logp"] == 0)
    assert policy.get_state()["_exploration_state"]["last_timestep"] == 0


def test_value_network_mixin_adds_vf_preds() -> None:
    class WithValue(ValueNetworkMixin, TorchPolicyV2):
        pass

    _, _, extra = WithValue(BOX, ACT, {"model": {"fcnet_hiddens": [4]}}).compute_actions(OBS)
    assert list(extra)[0] == "vf_preds" and extra["vf_preds"].shape == (3,)
    _, _, bare = TorchPolicyV2(BOX, ACT, {"model": {"fcnet_hiddens": [4]}}).compute_actions(OBS)
    assert "vf_preds" not in bare


def test_ppo_policy_defaults_and_learn_on_batch_changes_weights() -> None:
    torch.manual_seed(0)
    policy = PPOTorchPolicy(
        BOX, gym.spaces.Box(-1, 1, (2,), np.float32), {"model": {"fcnet_hiddens": [8]}, "lr": 1e-2}
    )
    assert policy.config["model"]["vf_share_layers"] is False and policy.config["clip_param"] == 0.3
    assert (
        isinstance(policy.dist_class, functools.partial)
        and policy.dist_class.func is TorchDiagGaussian
    )
    actions, _, extra = policy.compute_actions(OBS, explore=True)
    batch = {
        "obs": OBS,
        "actions": actions,
        "action_logp": extra["action_logp"],
        "action_dist_inputs": extra["action_dist_inputs"],
        "advantages": np.ones(3, np.float32),
        "value_targets": np.ones(3, np.float32),
    }
    before = {k: v.copy() for k, v in policy.get_weights().items()}
    fetches = policy.learn_on_batch(batch)
    assert "learner_stats" in fetches and fetches["model"] == {} and policy.num_grad_updates == 1
    assert any(not np.array_equal(before[k], v) for k, v in policy.get_weights().items())


def test_normalized_actions_for_log_likelihoods() -> None:
    space = gym.spaces.Box(0.0, 10.0, (2,), np.float32)
    policy = TorchPolicyV2(BOX, space, {"model": {"fcnet_hiddens": [4]}})
    raw = np.full((3, 2), 5.0, np.float32)
    normalized = policy.compute_log_likelihoods(np.zeros((3, 2), np.float32), OBS)
    unnormalized = policy.compute_log_likelihoods(raw, OBS, actions_normalized=False)
    torch.testing.assert_close(normalized, unnormalized)


def test_build_policy_class_template() -> None:
    events: list[str] = []

    class Mixin:
        def __init__(self) -> None:
            self.mixin_ready = True

    def after_init(policy: Any, obs_space: Any, action_space: Any, config: dict) -> None:
        Mixin.__init__(policy)
        events.append(f"after_init:{config.get('custom_key')}")

    def make_model(policy: Any, obs_space: Any, action_space: Any, config: dict) -> Any:
        events.append("make_model")
        return ModelCatalog.get_model_v2(
            obs_space, action_space, 3, merge_model_config({"fcnet_hiddens": [4]})
        )

    def extra_out(policy: Any, input_dict: Any, state: Any, model: Any, dist: Any) -> dict:
        return {"vf_preds": model.value_function()}

    MyPolicy = build_policy_class(
        "MyPolicy",
        framework="torch",
        loss_fn=lambda p, m, d, b: torch.tensor(0.0),
        get_default_config=lambda: {"custom_key": 7},  # never called, as in Ray 2.10
        make_model=make_model,
        extra_action_out_fn=extra_out,
        after_init=after_init,
        mixins=[Mixin],
    )
    policy = MyPolicy(BOX, ACT, {})
    assert (
        MyPolicy.__name__ == "MyPolicy" and isinstance(policy, TorchPolicyV2) and policy.mixin_ready
    )
    assert events == ["make_model", "after_init:None"]
    assert policy.config.get("custom_key") is None
    _, _, extra = policy.compute_actions(OBS)
    assert list(extra)[0] == "vf_preds"
    Renamed = MyPolicy.with_updates(name="Renamed")
    assert Renamed.__name__ == "Renamed" and isinstance(Renamed(BOX, ACT, {}), TorchPolicyV2)
    Old = build_torch_policy(
        "Old",
        loss_fn=None,
        action_distribution_fn=lambda policy, model, obs, **kw: (
            torch.zeros(len(obs), 3),
            TorchCategorical,
            [],
        ),
    )
    actions, _, extra = Old(BOX, ACT, {}).compute_actions(OBS, explore=False)
    assert actions.tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="torch"):
        build_policy_class("X", framework="tf")


def test_the_template_never_calls_get_default_config_as_ray_2_10():
    """Ray 2.10's ``build_policy_class`` accepts ``get_default_config`` and never calls it (an
    Algorithm hands its policies a complete config). A hook naming a trainer module the
    policy's code never imported (``lambda: mypkg.trainer.DEFAULT_CONFIG``) builds there, and
    keys only the hook holds are absent: the hook's error would otherwise replace the one Ray
    raises (a config key the policy reads and nobody set)."""

    def unreachable() -> dict:
        raise AttributeError("module 'mypkg' has no attribute 'trainer'")

    def make_model(policy: Any, obs_space: Any, action_space: Any, config: dict) -> Any:
        hiddens = config["hiddens"]  # set by the given config only: KeyError without it
        return ModelCatalog.get_model_v2(
            obs_space, action_space, 3, merge_model_config({"fcnet_hiddens": hiddens})
        )

    Built = build_policy_class(
        "Built", framework="torch", get_default_config=unreachable, make_model=make_model
    )
    assert Built(BOX, ACT, {"hiddens": [4]}).config["hiddens"] == [4]
    with pytest.raises(KeyError, match="hiddens"):
        Built(BOX, ACT, {})
    with pytest.raises(ValueError, match="unknown options"):
        build_policy_class("X", framework="torch", not_an_option=1)


def test_make_model_returning_an_rl_module_uses_the_module_path() -> None:
    from rlmigrate import PPOTorchRLModule

    class ModulePolicy(TorchPolicyV2):
        def make_model(self) -> Any:
            return PPOTorchRLModule(
                observation_space=self.observation_space,
                action_space=self.action_space,
                model_config={"fcnet_hiddens": [4]},
            )

    policy = ModulePolicy(BOX, ACT, {})
    actions, _, extra = policy.compute_actions(OBS, explore=False)
    assert list(extra) == ["vf_preds", "action_dist_inputs", "action_prob", "action_logp"]


def test_ppo_loss_leaves_rays_tower_stats_on_the_model() -> None:
    """Ray 2.10's PPO loss stores its parts in ``model.tower_stats``; subclasses (centralized
    critics) and stats functions read them back through ``get_tower_stats``."""
    torch.manual_seed(0)
    policy = PPOTorchPolicy(BOX, ACT, {"model": {"fcnet_hiddens": [8]}, "vf_loss_coeff": 0.5,
                                       "entropy_coeff": 0.1})
    actions, _, extra = policy.compute_actions(OBS, explore=True)
    batch = {k: torch.as_tensor(v) for k, v in {
        "obs": OBS, "actions": actions, "action_logp": extra["action_logp"],
        "action_dist_inputs": extra["action_dist_inputs"],
        "advantages": np.array([1.0, -2.0, 0.5], np.float32),
        "value_targets": np.array([0.3, -0.1, 2.0], np.float32)}.items()}
    total = policy.loss(policy.model, policy.dist_class, batch)
    stats = {k: float(v) for k, v in policy.model.tower_stats.items()}
    assert set(stats) == {"total_loss", "mean_policy_loss", "mean_vf_loss", "vf_explained_var",
                          "mean_entropy", "mean_kl_loss"}
    assert stats["total_loss"] == pytest.approx(float(total))
    assert stats["total_loss"] == pytest.approx(
        stats["mean_policy_loss"] + 0.2 * stats["mean_kl_loss"] + 0.5 * stats["mean_vf_loss"]
        - 0.1 * stats["mean_entropy"], rel=1e-5)
    values = policy.model.value_function().detach()
    residual = batch["value_targets"] - values
    expected = max(-1.0, 1.0 - float(residual.var() / batch["value_targets"].var()))
    assert stats["vf_explained_var"] == pytest.approx(expected, rel=1e-4)
    assert [float(s) for s in policy.get_tower_stats("mean_entropy")] == [stats["mean_entropy"]]
