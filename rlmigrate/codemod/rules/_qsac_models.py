"""Helpers shared by the DQN (RLM076) and SAC (RLM077) model rules.

RLlib's own ``DQNTorchModel`` / ``SACTorchModel`` definitions (recognised by their interface
methods, see ``_model_kinds.is_model_interface``) become a class of the same name that extends
rlmigrate's module: its body is the module's (same heads, same Q combination / policy head),
so the legacy body is dropped and the docstring kept.
"""

from __future__ import annotations

import libcst as cst

__all__ = ["interface_as_module", "parent_init_args", "DQN_HEAD_KWARGS", "BASE_PARAMS"]

#: ``DQNTorchModel.__init__`` keyword arguments that ``build_q_heads`` takes too
DQN_HEAD_KWARGS = frozenset({"q_hiddens", "dueling", "dueling_activation", "num_atoms", "use_noisy",
                             "v_min", "v_max", "sigma0", "add_layer_norm"})
#: the ModelV2 constructor parameters, in order
BASE_PARAMS = ("obs_space", "action_space", "num_outputs", "model_config", "name")


def interface_as_module(updated: cst.ClassDef, base: cst.Name, summary: str) -> cst.ClassDef:
    """``class <Name>(<base>):`` with the original docstring (or ``summary``) as its body."""
    body = updated.body.body if isinstance(updated.body, cst.IndentedBlock) else ()
    doc = [stmt for stmt in body[:1] if isinstance(stmt, cst.SimpleStatementLine)
           and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr)
           and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))]
    if not doc:
        doc = [cst.SimpleStatementLine([cst.Expr(cst.SimpleString(f'"""{summary}"""'))])]
    return updated.with_changes(bases=[cst.Arg(base)], keywords=[], lpar=cst.MaybeSentinel.DEFAULT,
                                rpar=cst.MaybeSentinel.DEFAULT, body=cst.IndentedBlock(doc))


def parent_init_args(call: cst.Call) -> tuple[dict[str, cst.Arg], list[cst.Arg], str | None]:
    """``(base params by name, other keyword args, problem)`` of a ``super().__init__(...)`` /
    ``Base.__init__(self, ...)`` call: positional arguments are matched to
    :data:`BASE_PARAMS`; ``**kwargs`` are dropped (their values now live in model_config)."""
    func = call.func
    explicit = not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call))
    args = list(call.args)[1:] if explicit else list(call.args)
    named: dict[str, cst.Arg] = {}
    extra: list[cst.Arg] = []
    position = 0
    for arg in args:
        if arg.star == "**":
            continue
        if arg.star == "*":
            return named, extra, "passes *args"
        if arg.keyword is None:
            if position >= len(BASE_PARAMS):
                return named, extra, f"passes a positional argument after name ({cst.Module([]).code_for_node(arg.value)})"
            named[BASE_PARAMS[position]] = arg
            position += 1
        elif arg.keyword.value in BASE_PARAMS:
            named[arg.keyword.value] = arg
        else:
            extra.append(arg)
    return named, extra, None
