"""Members a legacy model class gets from its ``ModelV2`` base, and their new-stack homes.

The analysis reports a read of such a member that the class does not provide itself; the
message says what replaces it on the new stack (RLLIB_REFERENCE §3), so a person knows the
port, not just the problem. Members the RLModule also has, with the same value, are not
reported at all (:data:`MODULE_PROVIDED`).
"""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.nodes import is_self_attr, walk

#: ModelV2 members a ``TorchRLModule`` has with the same value (``framework == "torch"`` on
#: rlmigrate's runtime and on Ray >= 2.40).
MODULE_PROVIDED = frozenset({"framework"})

_REPLACEMENTS = {
    "time_major": "RLModules are always batch-major ((B, T, ...) batches): drop the "
                  "time-major branch",
    "is_time_major": "RLModules are always batch-major ((B, T, ...) batches): drop the "
                     "time-major branch",
    "_time_major": "RLModules are always batch-major ((B, T, ...) batches): drop the "
                   "time-major branch",
    "last_output": "return the value from _forward under a Columns key and read it from the "
                   "output dict",
    "_last_output": "return the value from _forward under a Columns key and read it from the "
                    "output dict",
    "context": "it was a TensorFlow graph context; a TorchRLModule needs none: drop it",
    "variables": "use self.parameters() / self.state_dict() (a TorchRLModule is an nn.Module)",
    "trainable_variables": "use [p for p in self.parameters() if p.requires_grad]",
    "tower_stats": "log the values from the Learner (self.metrics.log_value(...))",
    "name": "the model name has no RLModule counterpart: use type(self).__name__ or a "
            "model_config key",
    "import_from_h5": "load weights with set_state(...) / restore_from_path(...)",
    "get_input_dict": "connectors build the batch on the new stack (ConnectorV2 pieces)",
    "_last_flat_in": "use the flattened observation batch[Columns.OBS].flatten(start_dim=1) "
                     "in _forward",
    "_value_out": "compute the value in compute_values(batch, embeddings) from the "
                  "embeddings _forward returns",
}
_BUILTIN_LAYERS = frozenset({"_hidden_layers", "_logits", "_value_branch", "_value_branch_separate",
                             "_convs", "_features", "_vf_sep"})


def member_replacement(name: str) -> str:
    """What replaces the legacy base member ``name`` on the new stack (one clause)."""
    if name in _REPLACEMENTS:
        return _REPLACEMENTS[name]
    if name in _BUILTIN_LAYERS:
        return ("it is built by a built-in legacy model (FullyConnectedNetwork / VisionNetwork): "
                "build the layer in this class's setup()")
    return "assign it in setup() or _forward(), or compute it from the batch"


def class_members(node: cst.ClassDef, *, with_stores: bool = False) -> set[str]:
    """Names the class body itself defines (methods, class attributes, nested classes) and,
    with ``with_stores``, the ``self.X`` its methods assign."""
    names: set[str] = set()
    body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            names.add(stmt.name.value)
            if with_stores and isinstance(stmt, cst.FunctionDef) and stmt.params.params:
                self_name = stmt.params.params[0].name.value
                names |= {n.attr.value for n in _stored(stmt) if is_self_attr(n, self_name)}
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, cst.AnnAssign):
                    targets = [small.target]
                names |= {t.value for target in targets for t in walk(target) if isinstance(t, cst.Name)}
    return names


def _stored(method: cst.FunctionDef) -> list[cst.CSTNode]:
    """Every node inside an assignment target of ``method``."""
    out: list[cst.CSTNode] = []
    for node in walk(method):
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            targets = [node.target]
        out.extend(n for t in targets for n in walk(t))
    return out
