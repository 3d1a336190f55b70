"""RLM064: attributes only the legacy base class provides are reported."""

from __future__ import annotations

from rlmigrate.codemod.rules._reporting import _ModelBlockerReporter


class LegacyAttributeNeedsPort(_ModelBlockerReporter):
    """Report reads of attributes that the legacy ModelV2 base (not the class) provides.

    What it does:
        Reports ``self._x`` attributes that a model class reads but never assigns (private
        state of the legacy base, e.g. ``_last_flat_in``, ``_last_output``) and ModelV2-only
        members (``time_major``, ``last_output()``, ``context()``, ``variables()``, ``name``,
        ...), each with what replaces it on the new stack. The class is left unchanged.
        Methods and class attributes the class defines itself, attributes its same-file base
        assigns, and ``self.framework`` (``"torch"`` on a TorchRLModule too) are not reported.
    Why:
        ``TorchRLModule`` has none of them; a mechanical rewrite would fail at run time.
    Before:
        def value_function(self):
            return self.vf(self._last_flat_in).squeeze(1)
    After:
        def value_function(self):  # class unchanged; reported
            return self.vf(self._last_flat_in).squeeze(1)
    Fix safety:
        manual: compute the value from the batch instead of legacy base state.
    """

    code = "RLM064"
    name = "legacy-model-attribute"
    title = "attribute of the legacy ModelV2 base"
    fix_safety = "manual"
