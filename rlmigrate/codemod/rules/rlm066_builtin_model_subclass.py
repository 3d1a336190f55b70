"""RLM066: subclasses of RLlib's built-in legacy models are reported."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL
from rlmigrate.codemod.rules._model_analysis import BUILTIN_SUBCLASS, classify
from rlmigrate.codemod.rules.base import Rule


class BuiltinModelSubclassNeedsPort(Rule):
    """Report subclasses of ``FullyConnectedNetwork``, ``VisionNetwork``, ``LSTMWrapper``, ...

    What it does:
        Reports a class that extends one of RLlib's built-in legacy models; it is left
        unchanged.
    Why:
        Their layers and private attributes (``_hidden_layers``, ``_logits``,
        ``_last_flat_in``) live in the legacy base, so the subclass cannot be rewritten on its
        own. The new stack's default modules (e.g. ``PPOTorchRLModule`` with a Catalog) replace
        the base; the subclass's additions must be ported onto one.
    Before:
        class MyFC(FullyConnectedNetwork):
            ...
    After:
        class MyFC(FullyConnectedNetwork):  # unchanged; reported
            ...
    Fix safety:
        manual.
    """

    code = "RLM066"
    name = "builtin-model-subclass"
    title = "subclass of a built-in legacy model"
    fix_safety = "manual"

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        kind, _ = classify(self.ctx, node)
        if kind == BUILTIN_SUBCLASS:
            self.report(node, MANUAL, f"{node.name.value} extends a built-in legacy model: start "
                        "from a default RLModule (e.g. PPOTorchRLModule) and port the additions")
