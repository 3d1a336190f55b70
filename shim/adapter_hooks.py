"""Old path of :mod:`shim.adapters.hooks` (kept so existing imports work)."""

from shim.adapters.hooks import *  # noqa: F403
from shim.adapters.hooks import LegacyHooksRLModule, _PolicyStandIn  # noqa: F401
