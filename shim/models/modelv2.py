"""``ModelV2``: the legacy model contract that unmodified user models subclass.

Users override ``forward(input_dict, state, seq_lens) -> (outputs, state_out)`` and
``value_function()``; policies call the model object (``__call__``), which prepares
``input_dict["obs"]`` (restored to the original Dict/Tuple structure) and
``input_dict["obs_flat"]`` (the flat vector), collects ``state_in_i`` columns, validates what
``forward`` returned and remembers the last output.
"""

from __future__ import annotations

import contextlib
from typing import Any

import gymnasium as gym
import torch

from shim.models.preprocessors import flatten_to_tensor, restore_original_dimensions
from shim.policy.sample_batch import SampleBatch
from shim.policy.view_requirement import ViewRequirement

__all__ = ["ModelV2", "restore_original_dimensions", "flatten"]

_NULL_CONTEXT = contextlib.nullcontext()  # reusable: entering it does nothing


def flatten(obs: torch.Tensor, framework: str = "torch") -> torch.Tensor:
    """``(B, ...)`` -> ``(B, prod(...))``."""
    return torch.flatten(obs, start_dim=1)


class ModelV2:
    """Base of every legacy model.

    Args:
        obs_space: the (preprocessed) observation space; ``obs_space.original_space`` is the
            raw Dict/Tuple space when the observations were flattened.
        action_space: the action space.
        num_outputs: width of the output ``(B, num_outputs)`` (the action distribution's input
            size), or None for feature-extractor models that choose their own.
        model_config: the legacy model config dict (``MODEL_DEFAULTS`` merged).
        name: a name for the model.
        framework: always "torch" in the shim.
    """

    def __init__(
        self,
        obs_space: gym.Space,
        action_space: gym.Space,
        num_outputs: int | None,
        model_config: dict,
        name: str,
        framework: str = "torch",
    ) -> None:
        self.obs_space = obs_space
        self.action_space = action_space
        self.num_outputs = num_outputs
        self.model_config = model_config if model_config is not None else {}
        self.name = name or "default_model"
        self.framework = framework
        self._last_output: Any = None
        self.time_major = self.model_config.get("_time_major")
        self.view_requirements: dict[str, ViewRequirement] = {
            SampleBatch.OBS: ViewRequirement(shift=0, space=self.obs_space)
        }

    # ----------------------------------------------------------------- user overrides
    def get_initial_state(self) -> list[Any]:
        """The initial recurrent state: a list of tensors/arrays WITHOUT batch dim (default ``[]``)."""
        return []

    def forward(
        self, input_dict: dict, state: list[torch.Tensor], seq_lens: torch.Tensor | None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Computes ``(outputs (B, num_outputs), state_out list of (B, ...))``. Override this."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def value_function(self) -> torch.Tensor:
        """Values ``(B,)`` of the most recent ``forward`` call. Override for value-based losses."""
        raise NotImplementedError(f"{type(self).__name__} does not implement value_function()")

    def custom_loss(self, policy_loss: Any, loss_inputs: dict) -> Any:
        """Adds model-specific losses; default returns ``policy_loss`` unchanged."""
        return policy_loss

    def metrics(self) -> dict[str, Any]:
        """Extra statistics for ``learn_on_batch`` results (default ``{}``)."""
        return {}

    # ----------------------------------------------------------------- call path
    def __call__(
        self,
        input_dict: dict,
        state: list[Any] | None = None,
        seq_lens: Any = None,
    ) -> tuple[Any, list[Any]]:
        """Runs ``forward`` on prepared inputs.

        Args:
            input_dict: at least ``"obs"`` (``(B, N)`` flat, or the original structure);
                ``"state_in_0"``, ... are collected when ``state`` is empty.
            state: list of ``(B, ...)`` state tensors.
            seq_lens: ``(B,)`` int tensor of sequence lengths, or None.

        Returns:
            ``(outputs, state_out)``; when ``forward`` returns an empty state list, the
            *incoming* state (or ``[]``) is returned instead (legacy behaviour).

        Raises:
            ValueError: ``forward`` did not return a 2-tuple, or its state is not a list.
        """
        restored = (
            input_dict.copy(shallow=True)
            if isinstance(input_dict, SampleBatch)
            else SampleBatch(input_dict)
        )
        if not state:
            state = []
            if "state_in_0" in input_dict:
                i = 0
                while f"state_in_{i}" in input_dict:
                    state.append(input_dict[f"state_in_{i}"])
                    i += 1
        if seq_lens is None:
            seq_lens = input_dict.get(SampleBatch.SEQ_LENS)
        obs = input_dict[SampleBatch.OBS]
        # Read per call: user code may swap ``model_config`` after construction.
        if self.model_config.get("_disable_preprocessor_api"):
            restored["obs_flat"] = obs
        elif type(obs) is torch.Tensor and not self._space_is_structured():
            # The common case (a flat or image tensor for a Box space): nothing to restore.
            restored["obs_flat"] = torch.flatten(obs, start_dim=1) if obs.dim() > 2 else obs
        else:
            if isinstance(obs, (dict, list, tuple)) or self._space_is_structured():
                restored[SampleBatch.OBS] = restore_original_dimensions(
                    obs, self.obs_space, "torch"
                )
            if isinstance(obs, (dict, list, tuple)):
                original = getattr(self.obs_space, "original_space", self.obs_space)
                restored["obs_flat"] = flatten_to_tensor(obs, original)
            elif hasattr(obs, "shape") and len(obs.shape) > 2:
                restored["obs_flat"] = torch.flatten(torch.as_tensor(obs), start_dim=1)
            else:
                restored["obs_flat"] = obs
        if type(self).context is ModelV2.context and "context" not in self.__dict__:
            result = self.forward(restored, state or [], seq_lens)
        else:
            with self.context():
                result = self.forward(restored, state or [], seq_lens)
        if not isinstance(result, (list, tuple)) or len(result) != 2:
            raise ValueError(
                f"{type(self).__name__}.forward() must return a tuple (outputs, state_out); "
                f"got {type(result).__name__}: {result!r}"
            )
        outputs, state_out = result
        if not isinstance(state_out, list):
            raise ValueError(
                f"{type(self).__name__}.forward() must return the state as a list; got "
                f"{type(state_out).__name__}: {state_out!r}"
            )
        self.__dict__["_last_output"] = outputs  # skips nn.Module.__setattr__ on the hot path
        return outputs, (state_out if len(state_out) > 0 else (state or []))

    def _space_is_structured(self) -> bool:
        """Whether ``obs`` must be restored to a Dict/Tuple structure for ``self.obs_space``.

        Decided once per ``obs_space`` object (``hasattr`` on a plain Box costs an
        AttributeError per call) and re-decided if the model's space is replaced.
        """
        space = self.obs_space
        cached = self.__dict__.get("_structured_cache")
        if cached is not None and cached[0] is space:
            return cached[1]
        structured = hasattr(space, "original_space") or isinstance(
            space, (gym.spaces.Dict, gym.spaces.Tuple)
        )
        # Plain dict write: skips nn.Module.__setattr__ (not a parameter or sub-module).
        self.__dict__["_structured_cache"] = (space, structured)
        return structured

    def last_output(self) -> Any:
        """The ``outputs`` of the most recent ``__call__``."""
        return self._last_output

    def context(self) -> contextlib.AbstractContextManager:
        """Context manager wrapped around ``forward`` (default: does nothing)."""
        return _NULL_CONTEXT

    def is_time_major(self) -> bool:
        """True when sequence tensors are ``(T, B, ...)`` (``model_config["_time_major"]``)."""
        return self.time_major is True

    # ----------------------------------------------------------------- variables
    def variables(self, as_dict: bool = False) -> Any:
        raise NotImplementedError

    def trainable_variables(self, as_dict: bool = False) -> Any:
        raise NotImplementedError

    def import_from_h5(self, h5_file: str) -> None:
        raise NotImplementedError("ModelV2.import_from_h5 is a TensorFlow feature; not in the shim")

    def from_batch(self, train_batch: dict, is_training: bool = True) -> tuple[Any, list[Any]]:
        """Legacy helper: calls the model on a train batch's columns."""
        input_dict = SampleBatch(dict(train_batch))
        input_dict["is_training"] = is_training
        states = []
        i = 0
        while f"state_in_{i}" in input_dict:
            states.append(input_dict[f"state_in_{i}"])
            i += 1
        return self(input_dict, states, input_dict.get(SampleBatch.SEQ_LENS))
