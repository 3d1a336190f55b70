"""``build_policy_class`` / ``build_torch_policy``: RLlib's function-based policy templates.

Legacy code built policies from plain functions (``loss_fn(policy, model, dist_class,
train_batch)``, ``action_sampler_fn(policy, model, input_dict, state, explore, timestep)``,
...). The templates here generate a ``TorchPolicyV2`` subclass whose hooks call those
functions with the legacy (policy-first) signatures, so the result is a shim Policy.

Example:
    >>> MyPolicy = build_policy_class("MyPolicy", framework="torch", loss_fn=my_loss)  # doctest: +SKIP
    >>> policy = MyPolicy(obs_space, act_space, {"model": {...}})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium as gym

from shim.policy.torch_policy_v2 import TorchPolicyV2

__all__ = ["build_policy_class", "build_torch_policy"]

_TEMPLATE_ARGS = (
    "loss_fn",
    "get_default_config",
    "stats_fn",
    "postprocess_fn",
    "extra_action_out_fn",
    "extra_grad_process_fn",
    "extra_learn_fetches_fn",
    "optimizer_fn",
    "validate_spaces",
    "before_init",
    "before_loss_init",
    "after_init",
    "_after_loss_init",
    "action_sampler_fn",
    "action_distribution_fn",
    "make_model",
    "make_model_and_action_dist",
    "compute_gradients_fn",
    "apply_gradients_fn",
    "mixins",
    "get_batch_divisibility_req",
)


def _call_distribution_fn(
    fn: Callable, policy: Any, model: Any, obs_batch: Any, state_batches: Any, **kwargs: Any
) -> Any:
    try:
        return fn(policy, model, input_dict=obs_batch, state_batches=state_batches, **kwargs)
    except TypeError as err:
        text = str(err)
        if "positional argument" not in text and "unexpected keyword argument" not in text:
            raise
        # Oldest signature: fn(policy, model, obs, explore=, timestep=, is_training=).
        return fn(
            policy,
            model,
            obs_batch["obs"],
            explore=kwargs.get("explore"),
            timestep=kwargs.get("timestep"),
            is_training=kwargs.get("is_training", False),
        )


def build_policy_class(
    name: str, framework: str = "torch", *, loss_fn: Callable | None = None, **options: Any
) -> type[TorchPolicyV2]:
    """Generates a ``TorchPolicyV2`` subclass from legacy template functions.

    Args:
        name: the class name.
        framework: must be "torch".
        loss_fn: ``(policy, model, dist_class, train_batch) -> loss`` (optional for acting only).
        **options: the other template functions, by their RLlib names (``get_default_config``,
            ``make_model``, ``action_sampler_fn``, ``mixins``, ...). ``get_default_config`` is
            accepted and never called, as Ray 2.10's template did: the policy gets the config
            it is given (an Algorithm's, already complete), so a default-config hook that
            names a trainer module the code never imports is not run either.

    Raises:
        ValueError: framework other than torch, or an unknown option name.
    """
    if framework != "torch":
        raise ValueError(
            f"build_policy_class: the shim builds torch policies only, got framework={framework!r}"
        )
    unknown = sorted(set(options) - set(_TEMPLATE_ARGS))
    if unknown:
        raise ValueError(
            f"build_policy_class: unknown options {unknown}; expected some of {sorted(_TEMPLATE_ARGS)}"
        )
    opts = dict(options, loss_fn=loss_fn)
    mixins = tuple(opts.get("mixins") or ())
    namespace: dict[str, Any] = {"__module__": __name__, "_template_options": opts}

    def __init__(
        self: Any, obs_space: gym.Space, action_space: gym.Space, config: Mapping | None
    ) -> None:
        config = dict(config or {})
        if opts.get("validate_spaces"):
            opts["validate_spaces"](self, obs_space, action_space, config)
        if opts.get("before_init"):
            opts["before_init"](self, obs_space, action_space, config)
        TorchPolicyV2.__init__(
            self,
            obs_space,
            action_space,
            config,
            max_seq_len=(config.get("model") or {}).get("max_seq_len", 20),
        )
        if opts.get("before_loss_init"):
            opts["before_loss_init"](self, self.observation_space, self.action_space, self.config)
        if opts.get("after_init"):
            opts["after_init"](self, self.observation_space, self.action_space, self.config)
        if opts.get("_after_loss_init"):
            opts["_after_loss_init"](self, self.observation_space, self.action_space, self.config)

    namespace["__init__"] = __init__
    if opts.get("make_model"):
        namespace["make_model"] = lambda self: opts["make_model"](
            self, self.observation_space, self.action_space, self.config
        )
    if opts.get("make_model_and_action_dist"):
        namespace["make_model_and_action_dist"] = lambda self: opts["make_model_and_action_dist"](
            self, self.observation_space, self.action_space, self.config
        )
    if opts.get("action_sampler_fn"):

        def action_sampler_fn(
            self: Any, model: Any, *, obs_batch: Any, state_batches: Any, **kwargs: Any
        ) -> Any:
            out = opts["action_sampler_fn"](
                self,
                model,
                obs_batch,
                state_batches,
                explore=kwargs.get("explore"),
                timestep=kwargs.get("timestep"),
            )
            if len(out) == 4:
                return out
            actions, logp = out[0], out[1]
            return actions, logp, None, (out[2] if len(out) > 2 else [])

        namespace["action_sampler_fn"] = action_sampler_fn
    if opts.get("action_distribution_fn"):

        def action_distribution_fn(
            self: Any, model: Any, *, obs_batch: Any, state_batches: Any, **kwargs: Any
        ) -> Any:
            return _call_distribution_fn(
                opts["action_distribution_fn"], self, model, obs_batch, state_batches, **kwargs
            )

        namespace["action_distribution_fn"] = action_distribution_fn
    if opts.get("extra_action_out_fn"):
        namespace["extra_action_out"] = lambda self, input_dict, state_batches, model, action_dist: (
            dict(opts["extra_action_out_fn"](self, input_dict, state_batches, model, action_dist))
        )
    if loss_fn is not None:
        namespace["loss"] = lambda self, model, dist_class, train_batch: loss_fn(
            self, model, dist_class, train_batch
        )
    if opts.get("stats_fn"):
        namespace["stats_fn"] = lambda self, train_batch: opts["stats_fn"](self, train_batch)
    if opts.get("postprocess_fn"):
        namespace["postprocess_trajectory"] = (
            lambda self, batch, other_agent_batches=None, episode=None: opts["postprocess_fn"](
                self, batch, other_agent_batches, episode
            )
        )
    if opts.get("optimizer_fn"):
        namespace["optimizer"] = lambda self: opts["optimizer_fn"](self, self.config)
    if opts.get("extra_grad_process_fn"):
        namespace["extra_grad_process"] = lambda self, optimizer, loss: opts[
            "extra_grad_process_fn"
        ](self, optimizer, loss)
    if opts.get("extra_learn_fetches_fn"):
        namespace["extra_compute_grad_fetches"] = lambda self: opts["extra_learn_fetches_fn"](self)
    if opts.get("get_batch_divisibility_req"):
        namespace["get_batch_divisibility_req"] = lambda self: opts["get_batch_divisibility_req"](
            self
        )

    @classmethod  # type: ignore[misc]
    def with_updates(cls: type, **overrides: Any) -> type[TorchPolicyV2]:
        merged = {**opts, **overrides}
        new_name = merged.pop("name", name)
        merged.pop("framework", None)
        return build_policy_class(new_name, "torch", **merged)

    namespace["with_updates"] = with_updates
    cls = type(name, mixins + (TorchPolicyV2,), namespace)
    cls.__qualname__ = name
    return cls


def build_torch_policy(
    name: str, *, loss_fn: Callable | None = None, **options: Any
) -> type[TorchPolicyV2]:
    """RLlib's older spelling: ``build_policy_class(name, framework="torch", ...)``."""
    options.pop("framework", None)
    return build_policy_class(name, "torch", loss_fn=loss_fn, **options)
