"""Acting with any RLModule: the env-runner semantics without an env runner (RLLIB_REFERENCE §1.13).

``compute_actions(module, obs, explore=...)`` is what RLlib's ``GetActions`` connector does
after a forward pass, wrapped with the numpy <-> torch plumbing:

* ``explore=True``: ``forward_exploration(batch, t=t)``; if the module returned
  ``actions`` they pass through untouched; else actions are sampled from
  ``get_exploration_action_dist_cls().from_logits(action_dist_inputs)`` and ``action_logp``
  is added (unless the module already returned one).
* ``explore=False``: ``forward_inference(batch)``; actions are
  ``get_inference_action_dist_cls().from_logits(...).to_deterministic().sample()``;
  no logp is added (we did not sample).

A single observation (shaped like the observation space) gives unbatched results; a batch
``(B, ...)`` gives batched ones. Stateful modules get a time axis of 1 and ``STATE_IN``
(the module's initial state unless ``state=`` is passed); ``STATE_OUT`` comes back batched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from rlmigrate.core.columns import Columns
from rlmigrate.core.deprecation import deprecated
from rlmigrate.core.nest import map_struct
from rlmigrate.core.obs_check import make_batch_checker

__all__ = ["compute_actions", "rollout", "to_tensor_struct", "to_numpy_struct"]


def _leaf_to_tensor(value: Any) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    array = np.asarray(value)
    tensor = torch.from_numpy(np.ascontiguousarray(array))
    return tensor.float() if tensor.is_floating_point() and tensor.dtype != torch.float32 else tensor


def to_tensor_struct(value: Any) -> Any:
    """numpy struct -> torch struct (floats become float32, as RLlib's NumpyToTensor).

    Tensors already in the struct pass through as they are.
    """
    return map_struct(_leaf_to_tensor, value)


def to_numpy_struct(value: Any) -> Any:
    """torch struct -> numpy struct (dicts, tuples, lists kept)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, Mapping):
        return {k: to_numpy_struct(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(to_numpy_struct(v) for v in value)
    if isinstance(value, list):
        return [to_numpy_struct(v) for v in value]
    return value


def _is_single(space: gym.Space, obs: Any) -> bool:
    """True if ``obs`` looks like one observation of ``space`` (no batch dim).

    Decided on rank alone (of the first leaf for Dict/Tuple), so it costs nothing on the
    hot path; the full structural check then runs once, batched or not.
    """
    if isinstance(space, gym.spaces.Dict):
        if not isinstance(obs, Mapping) or not space.spaces:
            return False
        key = next(iter(space.spaces))
        return key in obs and _is_single(space.spaces[key], obs[key])
    if isinstance(space, gym.spaces.Tuple):
        return isinstance(obs, (tuple, list)) and bool(obs) and _is_single(space.spaces[0], obs[0])
    return np.ndim(obs) == len(getattr(space, "shape", None) or ())


def _batch_initial_state(module: Any, batch_size: int) -> Any:
    def tile(tensor: Any) -> torch.Tensor:
        tensor = torch.as_tensor(tensor)
        return tensor.unsqueeze(0).expand((batch_size,) + tuple(tensor.shape)).clone()

    return map_struct(tile, module.get_initial_state())


def _env_actions(space: gym.Space, actions: Any, *, clip: bool, unsquash: bool) -> Any:
    """Module actions -> env actions: Discrete/MultiDiscrete ``start`` offsets, optional Box
    clipping or unsquashing from [-1, 1] to the bounds (RLlib's NormalizeAndClipActions)."""
    if isinstance(space, gym.spaces.Dict):
        return {k: _env_actions(s, actions[k], clip=clip, unsquash=unsquash) for k, s in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return tuple(_env_actions(s, a, clip=clip, unsquash=unsquash) for s, a in zip(space.spaces, actions))
    if isinstance(space, gym.spaces.Discrete):
        return (actions + int(space.start)).astype(np.int64) if space.start else actions
    if isinstance(space, gym.spaces.MultiDiscrete):
        start = getattr(space, "start", None)
        return actions + start if start is not None and np.any(start) else actions
    if isinstance(space, gym.spaces.Box):
        low, high = space.low, space.high
        if unsquash and np.all(np.isfinite(low)) and np.all(np.isfinite(high)):
            actions = low + (np.clip(actions, -1.0, 1.0) + 1.0) * 0.5 * (high - low)
        elif clip:
            actions = np.clip(actions, low, high)
        return actions.astype(space.dtype, copy=False)
    return actions


def compute_actions(
    module: Any,
    obs: Any,
    explore: bool = True,
    t: int | None = None,
    *,
    state: Any = None,
    clip_actions: bool = False,
    normalize_actions: bool = False,
    check_finite: bool = True,
) -> dict[str, Any]:
    """Compute actions for one observation or a batch, as an env runner would.

    Args:
        module: any RLModule (single-agent).
        obs: one observation shaped like ``module.observation_space``, a batch ``(B, ...)``
            (nested dicts/tuples for Dict/Tuple spaces), or a batch dict holding
            ``Columns.OBS`` (and optionally ``Columns.STATE_IN``).
        explore: sample from the exploration distribution (True) or act greedily (False).
        t: global env step, passed to ``forward_exploration(batch, t=t)`` when given.
        state: recurrent state ``(B, ...)`` struct (default: the module's initial state).
        clip_actions / normalize_actions: post-process ``ACTIONS_FOR_ENV`` like RLlib's
            ``NormalizeAndClipActions`` (both off by default; ``ACTIONS`` stays raw).
        check_finite: refuse NaN/inf observations (default), whether exploring or not.
            False lets them through where the space allows them (an unbounded Box).

    The observation is checked by the same checker as the shim Policy's
    (:mod:`rlmigrate.core.obs_check`): structure, shapes, one batch size across Dict/Tuple
    items, bounds, Discrete integrality and finiteness.

    Returns:
        numpy dict: ``actions`` ``(B, ...)``, ``actions_for_env``, ``action_dist_inputs``
        (if any), ``action_logp`` (when sampled or module-provided), ``state_out`` (stateful),
        and every other key the module returned. Unbatched if ``obs`` was a single observation.

    Raises:
        ValueError: if the observation does not fit the module's space (naming the item, the
            space and the offending row), or the module output has neither ``actions`` nor
            ``action_dist_inputs``.
    """
    space = module.observation_space
    batch_in = dict(obs) if isinstance(obs, Mapping) and Columns.OBS in obs else {Columns.OBS: obs}
    observations = batch_in[Columns.OBS]
    single = space is not None and _is_single(space, observations)
    if single:
        observations = map_struct(lambda x: np.asarray(x)[None], observations)
    if space is not None:
        _obs_checker(module, space, check_finite)(observations, "observation")
    batch: dict[str, Any] = {Columns.OBS: to_tensor_struct(observations)}
    batch_size = _batch_size(batch[Columns.OBS])

    stateful = module.is_stateful()
    if stateful:
        batch[Columns.OBS] = map_struct(lambda x: x.unsqueeze(1), batch[Columns.OBS])
        given_state = state if state is not None else batch_in.get(Columns.STATE_IN)
        if given_state is not None and single:
            given_state = map_struct(lambda x: np.asarray(x)[None], given_state)
        batch[Columns.STATE_IN] = (
            to_tensor_struct(given_state) if given_state is not None else _batch_initial_state(module, batch_size)
        )

    if explore:
        out = module.forward_exploration(batch, **({"t": t} if t is not None else {}))
    else:
        out = module.forward_inference(batch)
    out = dict(out)
    state_out = out.pop(Columns.STATE_OUT, None)
    if stateful:
        out = {k: map_struct(_drop_time_axis, v) for k, v in out.items()}

    if Columns.ACTIONS not in out:
        dist = _action_distribution(module, out, explore)
        if explore:
            actions = dist.sample()
            if Columns.ACTION_LOGP not in out:
                out[Columns.ACTION_LOGP] = dist.logp(actions)
        else:
            actions = dist.sample()
        out[Columns.ACTIONS] = actions
    out.pop("action_dist", None)

    result = to_numpy_struct(out)
    if state_out is not None:
        result[Columns.STATE_OUT] = to_numpy_struct(state_out)
    result[Columns.ACTIONS_FOR_ENV] = _env_actions(
        module.action_space, result[Columns.ACTIONS], clip=clip_actions, unsquash=normalize_actions
    )
    if single:
        result = {k: map_struct(lambda x: x[0] if getattr(x, "ndim", 0) else x, v) for k, v in result.items()}
    return result


def _obs_checker(module: Any, space: gym.Space, check_finite: bool) -> Any:
    """The shared observation checker for ``space``, built once per module and setting."""
    cache = getattr(module, "__dict__", {})
    key = (id(space), check_finite)
    cached = cache.get(_CHECKER_KEY)
    if cached is None or cached[0] != key or cached[1] is not space:
        checker = make_batch_checker(space, check_finite=check_finite)
        cached = (key, space, checker)
        if hasattr(module, "__dict__"):
            module.__dict__[_CHECKER_KEY] = cached
    return cached[2]


_CHECKER_KEY = "_rlmigrate_obs_checker"


def _drop_time_axis(value: Any) -> Any:
    return value[:, 0] if isinstance(value, torch.Tensor) and value.ndim >= 2 else value


def _batch_size(obs: Any) -> int:
    while isinstance(obs, (Mapping, tuple, list)):
        obs = next(iter(obs.values())) if isinstance(obs, Mapping) else obs[0]
    return int(obs.shape[0])


def _action_distribution(module: Any, out: dict[str, Any], explore: bool) -> Any:
    """The distribution to act from: from ``action_dist_inputs``, or a 2.10 ``action_dist`` object."""
    if Columns.ACTION_DIST_INPUTS in out:
        getter = module.get_exploration_action_dist_cls if explore else module.get_inference_action_dist_cls
        dist_cls = getter()
        if dist_cls is None:
            raise ValueError(
                f"{type(module).__name__} returned action_dist_inputs but its "
                f"{'exploration' if explore else 'inference'} action distribution class is None"
            )
        dist = dist_cls.from_logits(out[Columns.ACTION_DIST_INPUTS])
        return dist if explore else dist.to_deterministic()
    if "action_dist" in out:
        deprecated("a module output key 'action_dist' holding a distribution", "Columns.ACTION_DIST_INPUTS")
        dist = out["action_dist"]
        return dist if explore else dist.to_deterministic()
    raise ValueError(
        f"{type(module).__name__}.forward_{'exploration' if explore else 'inference'}() returned "
        f"neither {Columns.ACTIONS!r} nor {Columns.ACTION_DIST_INPUTS!r}; got keys {sorted(out)}"
    )


def rollout(
    module: Any,
    env: gym.Env,
    *,
    num_episodes: int = 1,
    explore: bool = False,
    seed: int | None = None,
    max_steps: int = 10_000,
    normalize_actions: bool = False,
    clip_actions: bool = True,
) -> list[float]:
    """Run ``num_episodes`` episodes of ``module`` in ``env``; returns each episode's return.

    Recurrent state is threaded through the episode and reset at each start.
    """
    returns: list[float] = []
    for episode in range(num_episodes):
        obs, _ = env.reset(seed=None if seed is None else seed + episode)
        state = None
        total, steps, done = 0.0, 0, False
        while not done and steps < max_steps:
            out = compute_actions(
                module,
                obs,
                explore=explore,
                t=steps,
                state=state,
                clip_actions=clip_actions,
                normalize_actions=normalize_actions,
            )
            state = out.get(Columns.STATE_OUT)
            obs, reward, terminated, truncated, _ = env.step(out[Columns.ACTIONS_FOR_ENV])
            total += float(reward)
            steps += 1
            done = terminated or truncated
        returns.append(total)
    return returns
