"""Proof kit: prove that a migrated module computes what the legacy model computed.

``from rlmigrate.testing import assert_equivalent`` is the entry point (see ``docs/testing.md``);
the hypothesis strategies over gymnasium spaces, the weight transfer and the space text syntax
of ``rlmigrate verify`` are public too, and so is the loss kit (``assert_loss_equivalent``; its
train-batch strategy is ``rlmigrate.testing.train_batches.train_batches``). Names resolve lazily: importing this package (the CLI
does, to register ``verify``; pytest does, for the plugin) loads neither torch nor hypothesis.

Example:
    >>> from rlmigrate.testing import assert_equivalent  # doctest: +SKIP
    >>> report = assert_equivalent(LegacyModel, MigratedModule,  # doctest: +SKIP
    ...     observation_space=obs_space, action_space=act_space)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what mypy and editors see; at run time __getattr__ imports lazily
    from rlmigrate.testing.compare import compare_values
    from rlmigrate.testing.equivalence import (
        EquivalenceError,
        EquivalenceReport,
        assert_equivalent,
    )
    from rlmigrate.testing.loss_equivalence import (
        LossEquivalenceError,
        LossEquivalenceReport,
        assert_loss_equivalent,
    )
    from rlmigrate.testing.space_text import SpaceSyntaxError, parse_space, space_to_text
    from rlmigrate.testing.strategies import (
        action_spaces,
        batches,
        box_spaces,
        observations,
        spaces,
    )
    from rlmigrate.testing.transfer import TransferReport, WeightTransferError, transfer_weights

# name -> module that defines it (torch, gymnasium or hypothesis load on first use)
_EXPORTS: dict[str, str] = {
    "assert_equivalent": "rlmigrate.testing.equivalence",
    "EquivalenceReport": "rlmigrate.testing.equivalence",
    "EquivalenceError": "rlmigrate.testing.equivalence",
    "compare_values": "rlmigrate.testing.compare",
    "assert_loss_equivalent": "rlmigrate.testing.loss_equivalence",
    "LossEquivalenceError": "rlmigrate.testing.loss_equivalence",
    "LossEquivalenceReport": "rlmigrate.testing.loss_equivalence",
    "transfer_weights": "rlmigrate.testing.transfer",
    "TransferReport": "rlmigrate.testing.transfer",
    "WeightTransferError": "rlmigrate.testing.transfer",
    "spaces": "rlmigrate.testing.strategies",
    "action_spaces": "rlmigrate.testing.strategies",
    "box_spaces": "rlmigrate.testing.strategies",
    "observations": "rlmigrate.testing.strategies",
    "batches": "rlmigrate.testing.strategies",
    "parse_space": "rlmigrate.testing.space_text",
    "space_to_text": "rlmigrate.testing.space_text",
    "SpaceSyntaxError": "rlmigrate.testing.space_text",
}

__all__ = [
    "EquivalenceError",
    "EquivalenceReport",
    "LossEquivalenceError",
    "LossEquivalenceReport",
    "SpaceSyntaxError",
    "TransferReport",
    "WeightTransferError",
    "action_spaces",
    "assert_equivalent",
    "assert_loss_equivalent",
    "batches",
    "box_spaces",
    "compare_values",
    "observations",
    "parse_space",
    "space_to_text",
    "spaces",
    "transfer_weights",
]


def __getattr__(name: str) -> Any:
    module_path = _EXPORTS.get(name)
    if module_path is None:
        raise AttributeError(f"module 'rlmigrate.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_path), name)
    globals()[name] = value  # cache: the next lookup is a plain dict hit
    return value


def __dir__() -> list[str]:
    return __all__
