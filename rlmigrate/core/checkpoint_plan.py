"""Reading a checkpoint tree into a plan, checking it against a module, applying it.

A :class:`_Plan` holds everything read and verified from a checkpoint directory (metadata,
weights files with validated headers, one child plan per sub-module) before any module is
touched; :func:`_check_plan_fits` compares headers with a module's keys, shapes and dtypes
(a real module, or a meta-device :func:`_probe` that allocates nothing), :func:`_decode_plan`
decodes every tensor, and only then :func:`_apply` writes the weights. A failure at any step
leaves every module unchanged.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rlmigrate.core.checkpoint_classes import _construct
from rlmigrate.core.checkpoint_files import (
    METADATA_FILE,
    CheckpointError,
    _read_metadata,
    _sub_directory,
)
from rlmigrate.core.checkpoint_weights import (
    WeightPolicy,
    WeightsFile,
    check_header_fits,
    decode_weights,
    read_weights_file,
)

if TYPE_CHECKING:
    from rlmigrate.core.rl_module import RLModule

logger = logging.getLogger(__name__)


class _Plan:
    """Everything read and checked from a checkpoint, before any module is changed."""

    def __init__(self, directory: Path, metadata: dict[str, Any]) -> None:
        self.directory = directory
        self.metadata = metadata
        self.weights: WeightsFile | None = None
        self.state: dict[str, np.ndarray] | None = None
        self.children: dict[str, _Plan] = {}


def _read_plan(directory: Path) -> _Plan:
    """Metadata and verified weight headers of a checkpoint tree (no tensor decoded)."""
    plan = _Plan(directory, _read_metadata(directory))
    if plan.metadata["kind"] == "single":
        plan.weights = read_weights_file(directory, plan.metadata)
        return plan
    for module_id, name in plan.metadata["modules"].items():
        child = _read_plan(_sub_directory(directory, name, module_id))
        if child.metadata["kind"] != "single":
            raise CheckpointError(
                f"{str(directory / METADATA_FILE)!r}: field modules[{module_id!r}] must be a single-module "
                "checkpoint (nested multi-module checkpoints are not supported)"
            )
        plan.children[module_id] = child
    return plan


def _expected_weights(module: RLModule) -> dict[str, tuple[str, tuple[int, ...]]] | None:
    """``{key: (dtype name, shape)}`` of ``module.get_state()``, read without copying weights
    when the module keeps TorchRLModule's ``get_state`` (this also works on the meta device).
    None when a custom ``get_state`` cannot run (a meta-device probe)."""
    from rlmigrate.core.torch_rl_module import TorchRLModule

    if isinstance(module, TorchRLModule) and type(module).get_state is TorchRLModule.get_state:
        return {
            key: (str(value.dtype).removeprefix("torch."), tuple(value.shape))
            for key, value in module.state_dict().items()
        }
    try:
        state = module.get_state()
    except Exception:  # noqa: BLE001 - a probe on the meta device; the real module is checked later
        if _on_meta(module):
            return None
        raise
    return {key: (np.asarray(value).dtype.name, tuple(np.shape(value))) for key, value in state.items()}


def _on_meta(module: Any) -> bool:
    parameters = getattr(module, "parameters", None)
    return callable(parameters) and any(p.is_meta for p in parameters())


def _check_plan_fits(module: RLModule, plan: _Plan, where: str, policy: WeightPolicy) -> None:
    """Compare every weights header with the module's keys, shapes and dtypes (listing all)."""
    from rlmigrate.core.apis import non_inference_prefixes  # lazy: apis imports torch
    from rlmigrate.core.multi_rl_module import MultiRLModule

    if plan.weights is not None:
        if isinstance(module, MultiRLModule):
            raise CheckpointError(f"{str(plan.directory)!r} holds a single module, {where} is a MultiRLModule")
        expected = _expected_weights(module)
        if expected is None:
            return
        prefixes = non_inference_prefixes(module)
        check_header_fits(
            plan.weights.header,
            expected,
            plan.weights.path,
            where,
            policy,
            optional=lambda key: any(key == p or key.startswith(p + ".") for p in prefixes),
        )
        return
    if not isinstance(module, MultiRLModule):
        raise CheckpointError(f"{str(plan.directory)!r} holds a MultiRLModule, {where} is a single module")
    absent = sorted(set(plan.children) - set(module.keys()))
    if absent:
        raise CheckpointError(f"checkpoint has module ids {absent} that {where} lacks (it has {sorted(module.keys())})")
    for module_id, child in plan.children.items():
        _check_plan_fits(module[module_id], child, f"{where}[{module_id!r}]", policy)


def _decode_plan(plan: _Plan, policy: WeightPolicy) -> None:
    """Decode every (already header-checked) weights file of the tree, all before any apply."""
    if plan.weights is not None:
        plan.state = decode_weights(plan.weights, policy)
    for child in plan.children.values():
        _decode_plan(child, policy)


def _apply(module: RLModule, plan: _Plan) -> None:
    if plan.state is not None:
        module.set_state(plan.state)
        return
    for module_id, child in plan.children.items():
        _apply(module[module_id], child)  # type: ignore[index]


def _probe(cls: type, ctor_kwargs: dict[str, Any]) -> RLModule | None:
    """``cls`` built on torch's meta device (shapes, no memory), or None if it cannot be.

    This is how sizes read from ``metadata.json`` (``fcnet_hiddens: [40000, 40000]``) are
    checked against the weights header before anything is allocated: a module whose
    parameters the file does not hold is refused without ever being built for real.
    """
    try:
        import torch
    except ImportError:  # pragma: no cover - modules without torch have no weights to size
        return None
    try:
        with warnings.catch_warnings(), torch.device("meta"):
            warnings.simplefilter("ignore")
            return _construct(cls, dict(ctor_kwargs))
    except CheckpointError:
        raise  # a refusal (a name outside the allow-list), not a meta-device limitation
    except Exception as error:  # noqa: BLE001 - a constructor that needs real tensors
        logger.debug("cannot probe %s on the meta device (%s); its sizes are checked after building", cls.__name__, error)
        return None


