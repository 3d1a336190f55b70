"""RLM040: custom legacy action distribution classes are reported for a port."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL
from rlmigrate.codemod.legacy_api import DIST_ABSTRACT_BASES, DIST_WRAPPER_BASES
from rlmigrate.codemod.rules.base import Rule


class CustomDistributionNeedsPort(Rule):
    """Report subclasses of ``TorchDistributionWrapper`` / ``ActionDistribution``.

    What it does:
        Finds custom legacy action distribution classes and reports each, with the mapping of
        its methods: ``__init__(inputs, model)`` → ``_get_torch_distribution(...)`` plus a
        ``from_logits`` classmethod, ``required_model_output_shape`` →
        ``required_input_dim(space, **kwargs)``, ``deterministic_sample`` →
        ``to_deterministic()``, ``sampled_action_logp`` → ``logp(actions)``. The class is left
        unchanged.
    Why:
        The constructor contract differs (``cls(inputs, model)`` vs ``cls.from_logits(logits)``)
        and legacy classes keep mutable sampling state (``last_sample``), so a rewrite has to be
        checked against the class's own semantics.
    Before:
        class TemperatureCategorical(TorchDistributionWrapper):
            def __init__(self, inputs, model=None, temperature=2.0):
                super().__init__(inputs / temperature, model)
                self.dist = torch.distributions.Categorical(logits=self.inputs)
    After:
        class TemperatureCategorical(TorchDistributionWrapper):  # unchanged; reported
            ...
    Fix safety:
        manual (a mechanical conversion for the ``self.dist = torch.distributions.X(...)``
        pattern is planned).
    """

    code = "RLM040"
    name = "custom-distribution"
    title = "custom legacy action distribution → TorchDistribution subclass"
    fix_safety = "manual"

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for arg in node.bases:
            symbols = self.ctx.legacy_symbols(arg.value)
            if symbols & (DIST_WRAPPER_BASES | DIST_ABSTRACT_BASES):
                self.report(node, MANUAL, f"{node.name.value}: port to a TorchDistribution subclass "
                            "(_get_torch_distribution, from_logits, required_input_dim, "
                            "to_deterministic)")
                return
