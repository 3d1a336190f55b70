"""RLM066: subclasses of RLlib's built-in legacy models are reported."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import MANUAL
from rlmigrate.codemod.rules._model_analysis import BUILTIN_SUBCLASS, classify
from rlmigrate.codemod.rules.base import Rule

#: what replaces each built-in legacy model on the new stack (RLLIB_REFERENCE §3)
_NEW_HOME = {
    "FullyConnectedNetwork": "the default RLModule (PPOTorchRLModule) with its Catalog's MLP "
                             "encoder (fcnet_hiddens / fcnet_activation)",
    "VisionNetwork": "the default RLModule (PPOTorchRLModule) with its Catalog's CNN encoder "
                     "(conv_filters / conv_activation)",
    "ComplexInputNetwork": "a TorchRLModule with one encoder per observation component (the "
                           "Catalog's default for Dict/Tuple observations)",
    "LSTMWrapper": "use_lstm=True: the default RLModule's recurrent encoder",
    "AttentionWrapper": "a stateful TorchRLModule (the new stack has no default attention "
                        "encoder)",
    "AttentionNetwork": "a stateful TorchRLModule (the new stack has no default attention "
                        "encoder)",
    "GTrXLNet": "a stateful TorchRLModule (the new stack has no default attention encoder)",
}


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
        kind, legacy = classify(self.ctx, node)
        if kind != BUILTIN_SUBCLASS:
            return
        builtins = sorted({s for arg in legacy for s in self.ctx.legacy_symbols(arg.value)} & set(_NEW_HOME))
        base = builtins[0] if builtins else "a built-in legacy model"
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        own = [s.name.value for s in body if isinstance(s, cst.FunctionDef)]
        adds = f"; port what it adds or overrides ({', '.join(own)})" if own else ""
        self.report(node, MANUAL,
                    f"{node.name.value} extends {base}: its layers and forward() live in that "
                    f"legacy base, so the subclass cannot be rewritten on its own; on the new "
                    f"stack start from {_NEW_HOME.get(base, 'a default RLModule (PPOTorchRLModule)')}"
                    f"{adds}")
