"""``MODEL_DEFAULTS``: the legacy (RLlib 2.10) model config defaults, key for key.

The table lives in :mod:`rlmigrate.core.legacy_config` (torch-free, shared with the codemod
and ``rlmigrate verify``); this module keeps the legacy import path.
"""

from __future__ import annotations

from rlmigrate.core.legacy_config import DEPRECATED_VALUE, MODEL_DEFAULTS, merge_model_config

__all__ = ["DEPRECATED_VALUE", "MODEL_DEFAULTS", "merge_model_config"]
