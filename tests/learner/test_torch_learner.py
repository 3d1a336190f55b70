"""TorchLearner: one machine's update, optimizers, clipping, schedules, metrics, errors."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from rlmigrate import Columns, MultiRLModule, TorchRLModule
from rlmigrate.learner import LearnerConfig, TorchLearner

OBS = gym.spaces.Box(-1.0, 1.0, (3,), np.float32)
ACT = gym.spaces.Discrete(2)


class TinyModule(TorchRLModule):
    def setup(self) -> None:
        self.net = nn.Linear(3, 2)

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {Columns.ACTION_DIST_INPUTS: self.net(batch[Columns.OBS])}


class PGLearner(TorchLearner):
    """-logp(a) * advantage, with an entropy bonus logged."""

    def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
        dist = self.module[module_id].get_train_action_dist_cls().from_logits(fwd_out[Columns.ACTION_DIST_INPUTS])
        loss = -(dist.logp(batch[Columns.ACTIONS]) * batch[Columns.ADVANTAGES]).mean()
        self.metrics.log_value((module_id, "policy_loss"), loss)
        return loss


def make(config: dict | None = None, module: Any = None) -> PGLearner:
    torch.manual_seed(0)
    learner = PGLearner(config=config or {"lr": 0.1}, module=module or TinyModule(observation_space=OBS, action_space=ACT))
    learner.build()
    return learner


def batch(n: int = 8, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        Columns.OBS: rng.uniform(-1, 1, (n, 3)),
        Columns.ACTIONS: rng.integers(0, 2, n),
        Columns.ADVANTAGES: rng.normal(size=n),
    }


def test_update_is_one_sgd_step_of_the_loss() -> None:
    learner = make({"lr": 0.1})
    learner.register_optimizer  # noqa: B018 - API exists
    opt = learner.get_optimizer()
    for group in opt.param_groups:  # plain SGD semantics to check the step exactly
        group["betas"] = (0.0, 0.0)
    module = learner.module["default_policy"]
    before = {k: v.clone() for k, v in module.state_dict().items()}
    b = batch()
    tb = {k: torch.as_tensor(v, dtype=torch.float32 if v.dtype.kind == "f" else None) for k, v in b.items()}
    loss = learner.compute_loss_for_module(
        module_id="default_policy", config=learner.config, batch=tb, fwd_out=module.forward_train(tb)
    )
    grads = torch.autograd.grad(loss, list(module.parameters()))
    out = learner.update(b)
    assert torch.allclose(out["default_policy"], loss.detach())
    after = module.state_dict()
    # Adam with betas 0 moves every weight by lr * sign(grad) (up to eps)
    for (name, old), grad in zip(before.items(), grads):
        expected = old - 0.1 * torch.sign(grad) * (grad.abs() > 1e-7)
        assert torch.allclose(after[name], expected, atol=1e-4), name


def test_training_reduces_the_loss_and_reports_metrics() -> None:
    learner = make({"lr": 0.05})
    b = batch(32)
    first = learner.update_from_batch(b)
    for _ in range(30):
        last = learner.update_from_batch(b, minibatch_size=8, num_epochs=2, shuffle_batch_per_epoch=True)
    assert last["default_policy"]["policy_loss"] < first["default_policy"]["policy_loss"]
    assert set(last["default_policy"]) >= {"policy_loss", "total_loss", "default_optimizer_learning_rate"}


def test_default_optimizer_is_adam_with_config_lr() -> None:
    learner = make({"lr": 0.003})
    opt = learner.get_optimizer("default_policy")
    assert isinstance(opt, torch.optim.Adam)
    assert opt.param_groups[0]["lr"] == 0.003
    assert [n for n, _ in learner.get_optimizers_for_module("default_policy")] == ["default_optimizer"]
    with pytest.raises(KeyError, match="known"):
        learner.get_optimizer("default_policy", "critic")


def test_lr_schedule_is_piecewise_linear() -> None:
    learner = make({"lr": [[0, 1.0], [100, 0.0]]})
    opt = learner.get_optimizer()
    assert opt.param_groups[0]["lr"] == 1.0
    learner.update_from_batch(batch(), timesteps={"num_env_steps_sampled_lifetime": 25})
    assert opt.param_groups[0]["lr"] == pytest.approx(0.75)
    learner.update_from_batch(batch(), timesteps={"num_env_steps_sampled_lifetime": 1000})
    assert opt.param_groups[0]["lr"] == 0.0


@settings(max_examples=25, deadline=None)
@given(clip=st.floats(1e-3, 10.0), scale=st.floats(0.1, 100.0), by=st.sampled_from(["global_norm", "norm", "value"]))
def test_gradient_clipping_bounds(clip: float, scale: float, by: str) -> None:
    learner = make({"lr": 0.1, "grad_clip": clip, "grad_clip_by": by})
    params = list(learner.module["default_policy"].parameters())
    grads = {p: torch.full_like(p, scale) for p in params}
    out = learner.postprocess_gradients(grads)
    if by == "value":
        assert all(g.abs().max() <= clip + 1e-6 for g in out.values())
    elif by == "norm":
        assert all(g.norm() <= clip * (1 + 1e-5) for g in out.values())
    else:
        total = torch.linalg.vector_norm(torch.stack([g.norm() for g in out.values()]))
        assert total <= clip * (1 + 1e-5)
        assert "gradients_default_optimizer_global_norm" in learner.metrics.peek("default_policy")


def test_nan_gradients_are_zeroed_or_step_skipped() -> None:
    for skip in (False, True):
        learner = make({"lr": 0.1, "torch_skip_nan_gradients": skip})
        module = learner.module["default_policy"]
        before = [p.detach().clone() for p in module.parameters()]
        grads = {p: torch.full_like(p, float("nan")) for p in module.parameters()}
        learner.apply_gradients(grads)
        assert all(torch.equal(a, b.detach()) for a, b in zip(before, module.parameters()))
        assert all(torch.isfinite(p).all() for p in module.parameters())


def test_multi_module_batches_and_flat_batch_ambiguity() -> None:
    multi = MultiRLModule()
    multi.add_module("a", TinyModule(observation_space=OBS, action_space=ACT))
    multi.add_module("b", TinyModule(observation_space=OBS, action_space=ACT))
    learner = make({"lr": 0.1}, module=multi)
    out = learner.update({"a": batch(4), "b": batch(6, seed=1)})
    assert set(out) == {"a", "b"}
    with pytest.raises(ValueError, match="ambiguous"):
        learner.update(batch())


def test_per_module_config_and_state_round_trip() -> None:
    config = LearnerConfig({"lr": 0.1}, per_module={"default_policy": {"lr": 0.5}})
    learner = make(config)
    assert learner.get_optimizer().param_groups[0]["lr"] == 0.5
    learner.update(batch())
    state = learner.get_state()
    other = make({"lr": 0.5})
    other.set_state(state)
    a, b = learner.module["default_policy"], other.module["default_policy"]
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))
    with pytest.raises(ValueError, match="unknown"):
        other.set_state({"optimizer": {"nope": {}}})


def test_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="module_spec= or module="):
        PGLearner(config={})
    with pytest.raises(RuntimeError, match="not built"):
        _ = PGLearner(module=TinyModule(observation_space=OBS, action_space=ACT)).module
    with pytest.raises(ValueError, match="grad_clip_by"):
        LearnerConfig({"grad_clip_by": "l3"})
    with pytest.raises(AttributeError, match="no setting 'gamma'"):
        _ = LearnerConfig().gamma
    learner = make()
    with pytest.raises(ValueError, match="registered twice"):
        params = list(learner.module["default_policy"].parameters())
        learner.register_optimizer(module_id="default_policy", optimizer=torch.optim.SGD(params, lr=1), params=params)
