"""``SampleBatch``: the legacy batch type (a dict of column -> batched values) and its keys.

Only what legacy model and policy code touches is reproduced: the column-name constants, dict
behaviour, ``is_training``, ``seq_lens``, ``count``/``len``, ``copy`` and ``set_training``.
Access tracking (``accessed_keys``) exists but is not filled on the hot path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_POLICY_ID = "default_policy"


class SampleBatch(dict):
    """A dict of columns, each batched along axis 0.

    Example:
        >>> batch = SampleBatch({"obs": np.zeros((4, 3))})
        >>> batch.count
        4
    """

    OBS = "obs"
    CUR_OBS = "obs"
    NEXT_OBS = "new_obs"
    ACTIONS = "actions"
    REWARDS = "rewards"
    PREV_ACTIONS = "prev_actions"
    PREV_REWARDS = "prev_rewards"
    TERMINATEDS = "terminateds"
    TRUNCATEDS = "truncateds"
    DONES = "dones"
    INFOS = "infos"
    SEQ_LENS = "seq_lens"
    T = "t"
    EPS_ID = "eps_id"
    ENV_ID = "env_id"
    AGENT_INDEX = "agent_index"
    UNROLL_ID = "unroll_id"
    ACTION_DIST_INPUTS = "action_dist_inputs"
    ACTION_PROB = "action_prob"
    ACTION_LOGP = "action_logp"
    ACTION_DIST = "action_dist"
    VF_PREDS = "vf_preds"
    VALUES_BOOTSTRAPPED = "values_bootstrapped"
    OBS_EMBEDS = "obs_embeds"
    ATTENTION_MASKS = "attention_masks"
    REWARDS_PLACEHOLDER = "rewards_placeholder"
    INFOS_PLACEHOLDER = "infos_placeholder"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not kwargs:  # the hot path: SampleBatch({...})
            dict.__init__(self, *args)
            return
        is_training = kwargs.pop("_is_training", None)
        seq_lens = kwargs.pop("seq_lens", kwargs.pop("_seq_lens", None))
        kwargs.pop("_time_major", None)
        kwargs.pop("_max_seq_len", None)
        kwargs.pop("_zero_padded", None)
        super().__init__(*args, **kwargs)
        if seq_lens is not None:
            self[self.SEQ_LENS] = seq_lens
        if is_training is not None:
            self["is_training"] = is_training

    def __getattr__(self, name: str) -> Any:
        # Tracking sets are created on first use, keeping batch construction cheap.
        if name in ("accessed_keys", "added_keys", "deleted_keys"):
            value: set[str] = set()
            object.__setattr__(self, name, value)
            return value
        raise AttributeError(f"'SampleBatch' object has no attribute {name!r}")

    @property
    def is_training(self) -> bool:
        """``self["is_training"]`` as a bool (False when absent)."""
        value = self.get("is_training", False)
        return bool(np.asarray(value).any()) if not isinstance(value, bool) else value

    def set_training(self, training: bool = True) -> None:
        """Sets ``self["is_training"]``."""
        self["is_training"] = training

    @property
    def count(self) -> int:
        """The batch size: length of the first array-like column (``obs`` preferred)."""
        for key in (self.OBS, *self.keys()):
            value = self.get(key)
            if key in (self.SEQ_LENS, "is_training") or value is None:
                continue
            if isinstance(value, dict):
                value = next(iter(value.values()), None)
            elif isinstance(value, (tuple, list)) and value and hasattr(value[0], "shape"):
                value = value[0]
            if hasattr(value, "shape") and len(value.shape) > 0:
                return int(value.shape[0])
            if isinstance(value, list):
                return len(value)
        return 0

    def __len__(self) -> int:  # legacy: len(batch) is the number of rows, not of columns
        return self.count

    def __bool__(self) -> bool:
        return dict.__len__(self) > 0

    @property
    def seq_lens(self) -> Any:
        return self.get(self.SEQ_LENS)

    def copy(self, shallow: bool = False) -> SampleBatch:
        """A new SampleBatch; arrays are copied unless ``shallow``."""
        if shallow:
            new = SampleBatch.__new__(SampleBatch)
            dict.update(new, self)
            return new
        return SampleBatch(
            {
                k: (v.copy() if hasattr(v, "copy") and not isinstance(v, dict) else v)
                for k, v in self.items()
            }
        )

    def get_single_step_input_dict(self, *args: Any, **kwargs: Any) -> SampleBatch:
        raise NotImplementedError("SampleBatch.get_single_step_input_dict is not part of the shim")


def concat_samples(samples: list[Any]) -> SampleBatch:
    """One SampleBatch with the rows of ``samples`` in order (``ray.rllib.policy.sample_batch``).

    Columns are concatenated along axis 0 (``seq_lens`` too); empty batches are skipped.

    Raises:
        ValueError: the batches do not all hold the same columns (names the difference).
    """
    batches = [b for b in samples if len(b) > 0]
    if not batches:
        return SampleBatch({})
    keys = list(batches[0].keys())
    for batch in batches[1:]:
        if set(batch.keys()) != set(keys):
            raise ValueError(
                f"concat_samples: columns differ: {sorted(keys)} vs {sorted(batch.keys())}"
            )
    return SampleBatch({k: np.concatenate([np.asarray(b[k]) for b in batches]) for k in keys})
