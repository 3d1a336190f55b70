"""The legacy ``ModelV2.forward`` calling convention, rebuilt from a new-stack batch.

Some legacy models cannot be rewritten statement by statement: a ``RecurrentNetwork`` that
overrides ``forward`` (masking, its own encoder before ``add_time_dimension``), a
``TorchModelV2`` that keeps its own recurrent state or reads ``seq_lens``. Their ``forward``
body is correct *for the inputs RLlib's ``ModelV2.__call__`` gave it*; the codemod (RLM011)
keeps that body and binds those inputs at the top of ``_forward``::

    def _forward(self, batch, **kwargs):
        input_dict, state, seq_lens = legacy_forward_args(batch, self.observation_space, self.model_config)
        ...                                        # the legacy body, unchanged
        return legacy_forward_outputs(batch, (logits, new_state))

What a legacy model saw (RLlib 2.10, torch), for a batch of ``B`` sequences of length ``T``
(``T`` = 1 and no time axis for a stateless module):

* ``input_dict["obs"]``: the observation after the catalog's preprocessor and
  ``restore_original_dimensions``: ``(B*T, ...)``; ``Discrete``/``MultiDiscrete`` leaves
  one-hot, every leaf of a ``Dict``/``Tuple`` space float32; a plain ``Box`` untouched.
* ``input_dict["obs_flat"]``: the flattened preprocessed observation ``(B*T, N)``.
* every other batch column (``prev_actions``, ``prev_n_obs``, ...) folded to ``(B*T, ...)``.
* ``state``: the list ``[STATE_IN["0"], STATE_IN["1"], ...]`` of ``(B, ...)`` tensors.
* ``seq_lens``: ``batch[Columns.SEQ_LENS]`` when the learner gives it, else ``T`` for every
  sequence ``(B,)`` int32; ``None`` for a stateless module.

A ``Repeated`` observation space (RLlib's variable-length lists) reaches the module as the
``RepeatedValues`` the legacy model saw as ``input_dict["obs"]`` (Ray's new stack has no
connector for it); ``obs_flat`` is then the catalog preprocessor's vector
``[length, item_0, ..., item_{max_len-1}]`` (items flattened, zero padded), rebuilt from it.

The outputs go back the other way: ``(B*T, W)`` → ``(B, T, W)`` for a stateful module, the
state list → ``{"0": ..., "1": ...}`` (an empty state list returns the incoming state, as
``ModelV2.__call__`` did).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

from rlmigrate.core.columns import Columns
from rlmigrate.core.nest import flatten, map_struct

__all__ = [
    "legacy_forward_args",
    "legacy_forward_outputs",
    "legacy_observation_space",
    "legacy_obs",
    "legacy_train_obs",
    "add_time_dimension",
    "recurrent_network_forward",
]

_NOT_PASSED = frozenset({Columns.OBS, Columns.STATE_IN, Columns.SEQ_LENS})


def legacy_forward_args(
    batch: Mapping[str, Any], observation_space: gym.Space, model_config: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[torch.Tensor], torch.Tensor | None]:
    """``(input_dict, state, seq_lens)`` as RLlib 2.10's ``ModelV2.__call__`` built them.

    Args:
        batch: the module's batch: ``Columns.OBS`` ``(B, ...)``, or ``(B, T, ...)`` with
            ``Columns.STATE_IN`` (a dict keyed ``"0"``, ``"1"``, ...) for a stateful module;
            optional ``Columns.SEQ_LENS`` ``(B,)`` and other columns.
        observation_space: the module's (raw) observation space.
        model_config: the module's config; ``_disable_preprocessor_api=True`` (the legacy
            model saw raw observations, ``obs_flat`` = ``obs``) is honoured.

    Returns:
        ``input_dict`` with ``"obs"`` / ``"obs_flat"`` ``(B*T, ...)`` and every other column
        folded the same way, ``state`` (list of ``(B, ...)``), ``seq_lens`` (``(B,)`` or None).

    Raises:
        KeyError: the batch has no ``Columns.OBS``.
        ValueError: ``STATE_IN`` keys are not ``"0"``, ``"1"``, ... (the layout RLM011 writes).
    """
    if Columns.OBS not in batch:
        raise KeyError(f"legacy_forward_args: the batch has no {Columns.OBS!r} column; got {sorted(batch)}")
    obs = batch[Columns.OBS]
    stateful = Columns.STATE_IN in batch
    size = steps = 0
    if stateful:
        size, steps = _batch_and_time(obs)
        obs = map_struct(lambda t: _fold(t, size, steps), obs)
    if (model_config or {}).get("_disable_preprocessor_api"):
        input_dict: dict[str, Any] = {"obs": obs, "obs_flat": obs}
    else:
        restored = _restore(obs, observation_space)
        input_dict = {"obs": restored, "obs_flat": _flat(restored, observation_space)}
    for key, value in batch.items():
        if key not in _NOT_PASSED:
            input_dict[key] = map_struct(lambda t: _fold(t, size, steps), value) if stateful else value
    if not stateful:
        return input_dict, [], batch.get(Columns.SEQ_LENS)
    state = _state_list(batch[Columns.STATE_IN])
    seq_lens = batch.get(Columns.SEQ_LENS)
    if seq_lens is None:
        seq_lens = torch.full((size,), steps, dtype=torch.int32)
    return input_dict, state, seq_lens


def legacy_forward_outputs(batch: Mapping[str, Any], result: Sequence[Any]) -> dict[str, Any]:
    """A legacy ``(outputs, state_out)`` pair as the module's output dict.

    ``outputs`` ``(B*T, W)`` becomes ``Columns.ACTION_DIST_INPUTS`` ``(B, T, W)`` when the batch
    is stateful (``(B, W)`` otherwise); ``state_out`` becomes ``Columns.STATE_OUT``
    ``{"0": ..., "1": ...}`` (the incoming state when it is empty, as ``ModelV2.__call__``
    returned it).

    Raises:
        ValueError: ``result`` is not a pair, or ``state_out`` is not a list/tuple.
    """
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ValueError(
            f"legacy forward() must return (outputs, state_out); got {type(result).__name__}"
        )
    outputs, state_out = result
    if Columns.STATE_IN not in batch:
        return {Columns.ACTION_DIST_INPUTS: outputs}
    if not isinstance(state_out, (list, tuple)):
        raise ValueError(f"legacy forward() returned state_out of type {type(state_out).__name__}; expected a list")
    size, steps = _batch_and_time(batch[Columns.OBS])
    if isinstance(outputs, torch.Tensor) and outputs.ndim >= 1 and outputs.shape[0] == size * steps:
        outputs = outputs.reshape((size, steps) + tuple(outputs.shape[1:]))
    state = list(state_out) or _state_list(batch[Columns.STATE_IN])
    return {
        Columns.ACTION_DIST_INPUTS: outputs,
        Columns.STATE_OUT: {str(i): s for i, s in enumerate(state)},
    }


def legacy_observation_space(space: gym.Space) -> gym.Space:
    """The ``obs_space`` a legacy model was built with: the catalog preprocessor's space.

    ``Discrete``/``MultiDiscrete``, ``Dict``/``Tuple`` and ``Repeated`` spaces became a flat
    ``Box(-1, 1, (size,), float32)`` carrying the raw space as ``original_space`` (one-hot
    widths for discrete leaves; ``1 + max_len * item size`` for a ``Repeated``); any other
    space was passed as it is.

    Example:
        >>> legacy_observation_space(gym.spaces.Discrete(6)).shape
        (6,)
    """
    if not isinstance(space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete, gym.spaces.Dict,
                              gym.spaces.Tuple)) and not _is_repeated(space):
        return space
    flat = gym.spaces.Box(-1.0, 1.0, (_flat_size(space),), dtype=np.float32)
    flat.original_space = space  # type: ignore[attr-defined]  # as RLlib sets it
    return flat


def legacy_obs(obs: Any, observation_space: gym.Space) -> Any:
    """The ``input_dict["obs"]`` a legacy model saw, for the new-stack batch's raw ``obs``.

    ``ModelV2.__call__`` handed the model the catalog-preprocessed observation put back into
    its structure (``restore_original_dimensions``): ``Discrete``/``MultiDiscrete`` leaves
    one-hot ``(B, n)`` float32, every other leaf of a ``Dict``/``Tuple`` space float32 (a
    ``Tuple`` as a list). A space RLlib's catalog did not preprocess (a ``Box``) comes back as
    the very object given. The codemod binds a model's observation reads through this where
    the model handles the original (structured) space itself: a ``Dict`` of float32 boxes is
    the same tensors either way, a ``Discrete`` or integer leaf is not.

    Example:
        >>> space = gym.spaces.Dict({"pos": gym.spaces.Discrete(3)})
        >>> legacy_obs({"pos": torch.tensor([2])}, space)["pos"].tolist()
        [[0.0, 0.0, 1.0]]
    """
    if legacy_observation_space(observation_space) is observation_space:
        return obs  # a space RLlib's catalog did not preprocess
    return _restore(map_struct(torch.as_tensor, obs), observation_space)


def legacy_train_obs(obs: Any, observation_space: gym.Space) -> Any:
    """A legacy train batch's ``obs`` column for the new-stack batch's raw ``obs``.

    RLlib 2.10's sampler stored the *preprocessed* observation in the ``SampleBatch``: a
    ``Discrete``/``MultiDiscrete``/``Dict``/``Tuple`` observation one-hot and flattened to
    ``(B, N)`` float32 (the space :func:`legacy_observation_space` gives); any other space as
    it is. A legacy loss that read ``train_batch["obs"]`` read that, so its migrated body reads
    ``legacy_train_obs(batch["obs"], module.observation_space)``.

    Example:
        >>> legacy_train_obs(torch.tensor([2, 0]), gym.spaces.Discrete(3)).tolist()
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """
    if legacy_observation_space(observation_space) is observation_space:
        return obs  # a space RLlib's catalog did not preprocess
    obs = map_struct(torch.as_tensor, obs)
    return _flat(_restore(obs, observation_space), observation_space)


def legacy_train_actions(actions: Any) -> Any:
    """A legacy train batch's ``actions`` column for a new-stack batch's ``actions``.

    RLlib 2.10's ``AgentCollector`` stored a ``Dict``/``Tuple`` action flattened per timestep
    into one float32 vector ``(B, N)`` (leaves in ``tree.flatten`` order: dict keys sorted,
    each leaf reshaped to ``(B, -1)``), unless the config set ``_disable_action_flattening``
    (then the caller keeps the struct); that is what a legacy distribution's ``logp`` read in a
    loss. Any other value is returned as it is.

    Example:
        >>> legacy_train_actions({"b": torch.tensor([[0.5, 0.5]]), "a": torch.tensor([2])}).tolist()
        [[2.0, 0.5, 0.5]]
    """
    if not isinstance(actions, (Mapping, tuple, list)):
        return actions
    leaves = [torch.as_tensor(leaf) for leaf in flatten(actions)]
    return torch.cat([leaf.reshape(leaf.shape[0], -1).to(torch.float32) for leaf in leaves], dim=1)


def _is_repeated(space: Any) -> bool:
    """RLlib's ``Repeated`` space (the shim's or Ray's own), told by its attributes."""
    return (isinstance(space, gym.Space) and isinstance(getattr(space, "child_space", None), gym.Space)
            and isinstance(getattr(space, "max_len", None), int))


def _is_repeated_values(value: Any) -> bool:
    """A ``RepeatedValues`` batch (padded ``values``, ``lengths``, ``max_len``)."""
    return all(hasattr(value, name) for name in ("values", "lengths", "max_len"))


def _flat_size(space: gym.Space) -> int:
    if _is_repeated(space):
        return 1 + int(space.max_len) * _flat_size(space.child_space)  # type: ignore[attr-defined]
    if isinstance(space, gym.spaces.Discrete):
        return int(space.n)
    if isinstance(space, gym.spaces.MultiDiscrete):
        return int(space.nvec.sum())
    if isinstance(space, gym.spaces.Dict):
        return sum(_flat_size(child) for child in space.spaces.values())
    if isinstance(space, gym.spaces.Tuple):
        return sum(_flat_size(child) for child in space.spaces)
    size = 1
    for dim in space.shape or ():
        size *= int(dim)
    return size


def recurrent_network_forward(
    model: Any, input_dict: Mapping[str, Any], state: list[torch.Tensor], seq_lens: torch.Tensor
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """RLlib 2.10's ``RecurrentNetwork.forward`` (torch) for a model that kept ``forward_rnn``.

    ``obs_flat`` ``(B*T, N)`` → ``add_time_dimension`` (batch-major) → ``(B, T, N)`` →
    ``model.forward_rnn(inputs, state, seq_lens)`` → outputs reshaped to
    ``(B*T, model.num_outputs)``; returns ``(outputs, new_state)`` as the legacy base did.
    """
    inputs = add_time_dimension(input_dict["obs_flat"].float(), seq_lens=seq_lens, framework="torch")
    output, new_state = model.forward_rnn(inputs, state, seq_lens)
    return torch.reshape(output, [-1, model.num_outputs]), new_state


def add_time_dimension(
    padded_inputs: torch.Tensor,
    *,
    seq_lens: torch.Tensor | None = None,
    framework: str = "torch",
    time_major: bool | None = False,
    max_seq_len: int | None = None,
) -> torch.Tensor:
    """RLlib 2.10's ``add_time_dimension`` (torch): ``(B*T, ...)`` → ``(B, T, ...)``.

    ``B = len(seq_lens)`` and ``T = rows // B`` (or ``T = max_seq_len``); ``time_major``
    gives ``(T, B, ...)``. ``framework`` is accepted for call compatibility (torch only).

    Raises:
        ValueError: neither ``seq_lens`` nor ``max_seq_len`` is given, the rows do not split
            into ``B`` sequences, or ``framework`` is not torch.
    """
    if framework not in ("torch", "pytorch"):
        raise ValueError(f"add_time_dimension: only framework='torch' is supported; got {framework!r}")
    rows = int(padded_inputs.shape[0])
    if seq_lens is not None:
        size = int(len(seq_lens))
        if size == 0 or rows % size:
            raise ValueError(
                f"add_time_dimension: {rows} padded rows cannot be split into {size} sequences"
            )
        steps = rows // size
    elif max_seq_len:
        if rows % max_seq_len:
            raise ValueError(f"add_time_dimension: {rows} rows is not a multiple of max_seq_len={max_seq_len}")
        steps, size = max_seq_len, rows // max_seq_len
    else:
        raise ValueError("add_time_dimension needs seq_lens or max_seq_len")
    out = padded_inputs.reshape((size, steps) + tuple(padded_inputs.shape[1:]))
    return out.transpose(0, 1) if time_major else out


# ---------------------------------------------------------------------------------- helpers
def _first_leaf(value: Any) -> torch.Tensor:
    leaves: list[Any] = []
    map_struct(leaves.append, value)
    for leaf in leaves:
        if isinstance(leaf, torch.Tensor):
            return leaf
    raise ValueError("the observation holds no tensor")


def _batch_and_time(obs: Any) -> tuple[int, int]:
    leaf = _first_leaf(obs)
    if leaf.ndim < 2:
        raise ValueError(
            f"a stateful batch carries observations (B, T, ...); got shape {tuple(leaf.shape)}"
        )
    return int(leaf.shape[0]), int(leaf.shape[1])


def _fold(value: Any, size: int, steps: int) -> Any:
    if isinstance(value, torch.Tensor) and value.ndim >= 2 and tuple(value.shape[:2]) == (size, steps):
        return value.reshape((size * steps,) + tuple(value.shape[2:]))
    return value


def _state_list(state_in: Any) -> list[torch.Tensor]:
    if not isinstance(state_in, Mapping):
        raise ValueError(f"STATE_IN must be a dict keyed '0', '1', ...; got {type(state_in).__name__}")
    keys = list(state_in)
    if sorted(keys) != sorted(str(i) for i in range(len(keys))):
        raise ValueError(f"STATE_IN keys must be '0', '1', ... (list positions); got {keys}")
    return [state_in[str(i)] for i in range(len(keys))]


def _one_hot(values: torch.Tensor, space: gym.Space) -> torch.Tensor:
    if isinstance(space, gym.spaces.Discrete):
        return F.one_hot(values.long().reshape(-1) - int(space.start), int(space.n)).float()
    assert isinstance(space, gym.spaces.MultiDiscrete)
    nvec = [int(n) for n in space.nvec.reshape(-1)]
    cols = values.long().reshape(values.shape[0], -1)
    return torch.cat([F.one_hot(cols[:, i], n).float() for i, n in enumerate(nvec)], dim=-1)


def _restore(obs: Any, space: gym.Space) -> Any:
    """What ``restore_original_dimensions`` of the preprocessed obs gave the legacy model."""
    if _is_repeated(space):
        if not _is_repeated_values(obs):
            raise ValueError(
                f"legacy_forward_args: a {space!r} observation must arrive as the RepeatedValues "
                f"the legacy model saw (values, lengths, max_len); got {type(obs).__name__}"
            )
        return obs
    if isinstance(space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete)):
        return _one_hot(_as_tensor(obs), space)
    if isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple)):
        return _restore_leaves(obs, space)
    tensor = _as_tensor(obs)
    if _atari_quirk(space):
        return (tensor.float() - 128.0) / 128.0
    return tensor.float() if tensor.dtype == torch.float64 else tensor


def _atari_quirk(space: gym.Space) -> bool:
    """RLlib 2.10 picked its Atari preprocessors by shape alone: (128,) was scaled as Atari RAM
    (``(x - 128) / 128``); (210, 160, 3) was resized to 84x84, which this module does not do."""
    shape = tuple(space.shape or ())
    if shape == (210, 160, 3):
        raise ValueError(
            "legacy_forward_args: RLlib 2.10 resized (210, 160, 3) observations to 84x84 "
            "(GenericPixelPreprocessor); that preprocessing is not reproduced here: resize them "
            "in an env-to-module connector"
        )
    return shape == (128,)


def _restore_leaves(obs: Any, space: gym.Space) -> Any:
    if isinstance(space, gym.spaces.Dict):
        return {key: _restore_leaves(obs[key], child) for key, child in space.spaces.items()}
    if isinstance(space, gym.spaces.Tuple):
        return [_restore_leaves(obs[i], child) for i, child in enumerate(space.spaces)]
    if isinstance(space, (gym.spaces.Discrete, gym.spaces.MultiDiscrete)):
        return _one_hot(_as_tensor(obs), space)
    if _atari_quirk(space):
        return (_as_tensor(obs).float() - 128.0) / 128.0
    return _as_tensor(obs).float()  # every leaf of the flattened array was float32


def _flat(restored: Any, space: gym.Space) -> torch.Tensor:
    """The preprocessed observation ``(N, size)`` (``obs_flat``), in the space's leaf order."""
    if _is_repeated(space):
        return _repeated_flat(restored, space)
    if isinstance(space, (gym.spaces.Dict, gym.spaces.Tuple)):
        parts: list[torch.Tensor] = []
        _collect(restored, space, parts)
        return torch.cat(parts, dim=-1)
    tensor = restored
    return torch.flatten(tensor, start_dim=1) if tensor.ndim > 2 else tensor


def _repeated_flat(values: Any, space: gym.Space) -> torch.Tensor:
    """``[length, item_0, ..., item_{max_len-1}]`` ``(B, 1 + max_len * item)``: the vector
    RLlib's ``RepeatedValuesPreprocessor`` wrote (``values`` already padded to ``max_len``)."""
    lengths = _as_tensor(values.lengths).float().reshape(-1, 1)
    size, max_len = int(lengths.shape[0]), int(space.max_len)  # type: ignore[attr-defined]
    items = map_struct(lambda t: _as_tensor(t).reshape((size * max_len,) + tuple(t.shape[2:])),
                       values.values)
    child = space.child_space  # type: ignore[attr-defined]
    parts: list[torch.Tensor] = []
    if isinstance(child, (gym.spaces.Dict, gym.spaces.Tuple)):
        _collect(items, child, parts)
    else:
        parts.append(items.reshape(size * max_len, -1))
    flat_items = torch.cat([p.float() for p in parts], dim=-1).reshape(size, -1)
    return torch.cat([lengths, flat_items], dim=-1)


def _collect(value: Any, space: gym.Space, parts: list[torch.Tensor]) -> None:
    if isinstance(space, gym.spaces.Dict):
        for key, child in space.spaces.items():
            _collect(value[key], child, parts)
    elif isinstance(space, gym.spaces.Tuple):
        for i, child in enumerate(space.spaces):
            _collect(value[i], child, parts)
    else:
        parts.append(value.reshape(value.shape[0], -1))


def _as_tensor(value: Any) -> torch.Tensor:
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
