"""DQN / SAC-family legacy policies: which ones, and the ``<Policy>RLModule`` they get.

A policy built from RLlib's DQN or SAC policy acts through that algorithm's model and acting
rules, not through hooks of its own, so its module is simply rlmigrate's DQN / SAC module:
RLlib's default model for ``config["model"]`` under the Q heads (DQN: argmax Q; epsilon-greedy
with the exploration config when exploring) or the SAC policy/Q networks (squashed Gaussian /
categorical). The policy config's algorithm keys (``hiddens``, ``dueling``, ``num_atoms``,
``v_min``, ``v_max``; ``policy_model_config``, ``q_model_config``, ``twin_q``) go into the
module's ``model_config`` next to the ``"model"`` keys.

Recognised (each a hook for the policy rules, see :func:`qsac_policy_of`):

* ``X = DQNTorchPolicy.with_updates(...)`` (also ``SACTorchPolicy``, ``CQLTorchPolicy``, any
  import path, ``ray.rllib.agents`` included);
* ``class X(DQNTorchPolicy)`` and the SAC / CQL equivalents;
* ``X = build_policy_class(..., make_model_and_action_dist=f)`` / ``build_torch_policy`` whose
  ``f`` builds its model with ``model_interface=DQNTorchModel`` (a copy of RLlib's DQN policy)
  or ``default_model=SACTorchModel`` (of SAC's).

A policy that replaces the acting hooks (``action_distribution_fn``, ``action_sampler_fn``,
``make_model``, ``make_model_and_action_dist`` through ``with_updates`` or as methods) gets no
module here: :func:`qsac_policy_of` says which hook blocks it.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.legacy_api import POLICY_BUILDERS
from rlmigrate.codemod.nodes import walk

__all__ = ["QSACPolicy", "qsac_policy_of", "qsac_module_class", "algorithm_policy", "ALGORITHM_POLICIES"]

#: legacy torch policy class -> which module acts like it
ALGORITHM_POLICIES = {"DQNTorchPolicy": "dqn", "SACTorchPolicy": "sac", "CQLTorchPolicy": "sac"}
ACTING_HOOKS = ("action_distribution_fn", "action_sampler_fn", "make_model", "make_model_and_action_dist")
_MODULE_BASE = {"dqn": "DQNTorchRLModule", "sac": "SACTorchRLModule"}


@dataclass
class QSACPolicy:
    """A DQN / SAC-family policy definition: its name, the algorithm, what it was built from,
    and the acting hook that blocks a generated module (None when there is none)."""

    name: str
    kind: str  # "dqn" | "sac"
    source: str  # e.g. "DQNTorchPolicy.with_updates(...)"
    blocker: str | None = None
    blocker_node: cst.CSTNode | None = None


def algorithm_policy(ctx: FileContext, node: cst.BaseExpression) -> str | None:
    """``"DQNTorchPolicy"`` / ``"SACTorchPolicy"`` / ``"CQLTorchPolicy"`` when ``node`` names it."""
    found = _algorithm(ctx, node)
    return found[0] if found else None


def _algorithm(ctx: FileContext, node: cst.BaseExpression) -> tuple[str, str] | None:
    symbols = ctx.legacy_symbols(node)
    for symbol, kind in ALGORITHM_POLICIES.items():
        if symbol in symbols and not ctx.legacy_tf(node):
            return symbol, kind
    return None


def _builder_kind(ctx: FileContext, call: cst.Call) -> str | None:
    """``dqn`` / ``sac`` when the builder's model hook builds DQN's / SAC's model."""
    for arg in call.args:
        if not (arg.keyword and arg.keyword.value == "make_model_and_action_dist"
                and isinstance(arg.value, cst.Name)):
            continue
        func = ctx.facts.functions.get(arg.value.value)
        if func is None:
            return None
        for node in walk(func):
            if not isinstance(node, cst.Call):
                continue
            for kw in node.args:
                if kw.keyword is None:
                    continue
                symbols = ctx.legacy_symbols(kw.value)
                if kw.keyword.value == "model_interface" and "DQNTorchModel" in symbols:
                    return "dqn"
                if kw.keyword.value == "default_model" and "SACTorchModel" in symbols:
                    return "sac"
    return None


def qsac_policy_of(ctx: FileContext, node: cst.CSTNode) -> QSACPolicy | None:
    """The DQN / SAC-family policy that ``node`` (a statement or a class) defines, or None."""
    if isinstance(node, cst.ClassDef):
        for base in node.bases:
            found = _algorithm(ctx, base.value)
            if found is not None:
                policy = QSACPolicy(node.name.value, found[1], f"a {found[0]} subclass")
                body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
                for stmt in body:
                    if isinstance(stmt, cst.FunctionDef) and stmt.name.value in ACTING_HOOKS:
                        policy.blocker, policy.blocker_node = stmt.name.value, stmt
                        break
                return policy
        return None
    if not (isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1):
        return None
    assign = node.body[0]
    if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name) and isinstance(assign.value, cst.Call)):
        return None
    name, call = assign.targets[0].target.value, assign.value
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "with_updates":
        found = _algorithm(ctx, func.value)
        if found is None:
            return None
        policy = QSACPolicy(name, found[1], f"{found[0]}.with_updates(...)")
    elif ctx.legacy_symbols(func) & POLICY_BUILDERS:
        kind = _builder_kind(ctx, call)
        if kind is None:
            return None
        return QSACPolicy(name, kind, f"a copy of RLlib's {kind.upper()} policy (its model hook "
                          f"builds {'DQNTorchModel' if kind == 'dqn' else 'SACTorchModel'}'s model)")
    else:
        return None
    for arg in call.args:
        if arg.keyword and arg.keyword.value in ACTING_HOOKS:
            policy.blocker, policy.blocker_node = arg.keyword.value, arg
            break
    return policy


def qsac_module_class(ctx: FileContext, policy: QSACPolicy) -> cst.ClassDef:
    """``class <Policy>RLModule(<DQN|SAC>TorchRLModule)`` with a docstring saying what it is."""
    base = ctx.need(_MODULE_BASE[policy.kind])
    if policy.kind == "dqn":
        what = ("RLlib's default DQN model for config[\"model\"] under the Q heads (the policy "
                "config's hiddens, dueling, num_atoms, v_min, v_max go into model_config); "
                "acts by argmax Q, epsilon-greedy with exploration_config when exploring")
    else:
        what = ("SAC's policy and (twin) Q networks (the policy config's policy_model_config, "
                "q_model_config, twin_q go into model_config); acts with a squashed Gaussian "
                "in [-1, 1] (Box) or a categorical (Discrete)")
    doc = f'"""Acting of {policy.name}: {what}."""'
    return cst.ClassDef(
        name=cst.Name(f"{policy.name}RLModule"),
        bases=[cst.Arg(base)],
        body=cst.IndentedBlock(body=[cst.SimpleStatementLine([cst.Expr(cst.SimpleString(doc))])]),
        leading_lines=[cst.EmptyLine(indent=False), cst.EmptyLine(indent=False)],
    )
