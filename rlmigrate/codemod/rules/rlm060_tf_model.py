"""RLM060: TensorFlow (and framework-less ModelV2) models are reported, not converted."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL
from rlmigrate.codemod.rules._model_analysis import GENERIC, TF, classify
from rlmigrate.codemod.rules.base import Rule


class TFModelNeedsPort(Rule):
    """Report ``TFModelV2`` / TF ``RecurrentNetwork`` / bare ``ModelV2`` subclasses.

    What it does:
        Finds model classes built on the TensorFlow legacy bases (or on ``ModelV2`` without
        ``TorchModelV2``) and reports them as manual; the class is left unchanged.
    Why:
        rlmigrate's runtime (and Ray's new stack) is torch-only; Keras layers have no
        mechanical torch translation that keeps trained weights.
    Before:
        class KerasModel(TFModelV2):
            ...
    After:
        class KerasModel(TFModelV2):  # unchanged; reported as manual
            ...
    Fix safety:
        manual: port the layers to torch in a TorchRLModule by hand.
    """

    code = "RLM060"
    name = "tf-model"
    title = "TensorFlow / framework-less ModelV2 needs a torch port"
    fix_safety = "manual"

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        kind, _ = classify(self.ctx, node)
        if kind == TF:
            self.report(node, MANUAL, f"{node.name.value} is a TensorFlow model: port its layers "
                        "to torch in a TorchRLModule by hand")
        elif kind == GENERIC:
            self.report(node, MANUAL, f"{node.name.value} subclasses ModelV2 without "
                        "TorchModelV2: port it to a TorchRLModule by hand")
