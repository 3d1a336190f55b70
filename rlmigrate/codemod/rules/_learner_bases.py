"""Which Learner a legacy policy's loss lands on, and what its postprocessing becomes (RLM033).

* A subclass of ``PPOTorchPolicy`` (also through a ``from ...ppo_torch_policy import *``), or
  a ``TorchPolicyV2`` subclass with PPO's mixins (``KLCoeffMixin``, ``EntropyCoeffSchedule``)
  → ``PPOTorchLearner``: ``super().loss(...)`` is its ``compute_loss_for_module`` and the
  mixins' ``kl_coeff`` / ``entropy_coeff`` its per-module state.
* Anything else → ``TorchLearner``.

Postprocessing: a ``postprocess_trajectory`` that only returns
``compute_gae_for_sample_batch(self, sample_batch, other_agent_batches, episode)`` (possibly in
``with torch.no_grad():``), or ``postprocess_fn=compute_gae_for_sample_batch``, is GAE: the
learner connector piece ``GeneralAdvantageEstimation`` (which ``PPOTorchLearner`` carries).
Any other postprocessing stays in place with a finding naming what it reads.
"""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import walk
from rlmigrate.codemod.rules._policy_rules import is_torch_policy

#: legacy algorithm policy classes → the algorithm of their Learner
ALGORITHM_POLICIES = {"PPOTorchPolicy": "ppo"}
#: legacy mixins whose state only PPO's Learner keeps
PPO_MIXINS = frozenset({"KLCoeffMixin", "EntropyCoeffSchedule"})
LEARNER_BASES = {None: "TorchLearner", "ppo": "PPOTorchLearner"}
GAE_FUNCTIONS = frozenset({"compute_gae_for_sample_batch"})


def _base_names(ctx: FileContext, base: cst.BaseExpression) -> set[str]:
    names = set(ctx.legacy_symbols(base))
    if not names and isinstance(base, cst.Name) and getattr(ctx.facts, "legacy_star_import", False) \
            and base.value not in ctx.facts.classes:
        names.add(base.value)  # from ray.rllib.algorithms.ppo.ppo_torch_policy import *
    return names


def policy_algorithm(ctx: FileContext, node: cst.ClassDef) -> str | None:
    """``"ppo"`` for a PPO policy class (see the module docstring), else None."""
    names = set().union(*(_base_names(ctx, arg.value) for arg in node.bases)) if node.bases else set()
    for name in names:
        if name in ALGORITHM_POLICIES:
            return ALGORITHM_POLICIES[name]
    return "ppo" if names & PPO_MIXINS else None


def is_learner_policy(ctx: FileContext, node: cst.ClassDef) -> bool:
    """A ``TorchPolicyV2``/``TorchPolicy`` subclass or a subclass of an algorithm's torch policy."""
    return is_torch_policy(ctx, node) or policy_algorithm(ctx, node) is not None and any(
        _base_names(ctx, arg.value) & set(ALGORITHM_POLICIES) for arg in node.bases)


def _is_gae_name(ctx: FileContext, node: cst.BaseExpression) -> bool:
    names = set(ctx.legacy_symbols(node))
    if isinstance(node, cst.Name) and getattr(ctx.facts, "legacy_star_import", False):
        names.add(node.value)
    return bool(names & GAE_FUNCTIONS)


def _only_gae(ctx: FileContext, func: cst.FunctionDef) -> bool:
    body = list(func.body.body) if isinstance(func.body, cst.IndentedBlock) else []
    if len(body) == 1 and isinstance(body[0], cst.With) and isinstance(body[0].body, cst.IndentedBlock):
        body = list(body[0].body.body)  # with torch.no_grad(): return compute_gae_for_sample_batch(...)
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
        return False
    small = body[0].body[0]
    params = [p.name.value for p in func.params.params]
    return (isinstance(small, cst.Return) and isinstance(small.value, cst.Call) and _is_gae_name(ctx, small.value.func)
            and [a.value.value for a in small.value.args if isinstance(a.value, cst.Name)] == params[: len(small.value.args)])


def _reads(func: cst.FunctionDef, name: str) -> bool:
    """Whether ``name`` is used other than passed on whole as a call argument."""
    uses = sum(isinstance(n, cst.Name) and n.value == name for n in walk(func.body, into_functions=False))
    passed = sum(isinstance(n, cst.Arg) and isinstance(n.value, cst.Name) and n.value.value == name
                 for n in walk(func.body, into_functions=False))
    return uses > passed


def _only_super_postprocess(func: cst.FunctionDef) -> bool:
    """``return super().postprocess_trajectory(...)`` (directly or through one variable)."""
    body = [s for s in (func.body.body if isinstance(func.body, cst.IndentedBlock) else ())
            if not (isinstance(s, cst.SimpleStatementLine) and isinstance(s.body[0], cst.Expr)
                    and isinstance(s.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))]
    smalls = [s.body[0] for s in body if isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1]
    if len(smalls) != len(body) or not smalls or not isinstance(smalls[-1], cst.Return):
        return False
    value = smalls[-1].value
    if len(smalls) == 2 and isinstance(smalls[0], cst.Assign) and isinstance(value, cst.Name) \
            and isinstance(smalls[0].targets[0].target, cst.Name) and smalls[0].targets[0].target.value == value.value:
        value = smalls[0].value
    elif len(smalls) != 1:
        return False
    func_ = value.func if isinstance(value, cst.Call) else None
    return (isinstance(func_, cst.Attribute) and func_.attr.value == "postprocess_trajectory"
            and isinstance(func_.value, cst.Call) and isinstance(func_.value.func, cst.Name)
            and func_.value.func.value == "super")


def _called(func: cst.FunctionDef) -> list[str]:
    names = []
    for node in walk(func.body, into_functions=False):
        if isinstance(node, cst.Call):
            target = node.func.attr if isinstance(node.func, cst.Attribute) else node.func
            if isinstance(target, cst.Name) and target.value not in names and target.value not in ("no_grad", "get", "update"):
                names.append(target.value)
    return names


def postprocess_outcome(
    ctx: FileContext, policy: str, hook: cst.FunctionDef | cst.BaseExpression, algorithm: str | None
) -> tuple[str, str]:
    """``(status, message)`` for a policy's ``postprocess_trajectory`` / ``postprocess_fn``."""
    if isinstance(hook, cst.FunctionDef):
        gae = _only_gae(ctx, hook) or (algorithm == "ppo" and _only_super_postprocess(hook))
        label = f"{hook.name.value}()"
    else:
        gae = _is_gae_name(ctx, hook)
        label = hook.value if isinstance(hook, cst.Name) else "the postprocess_fn"
    if gae:
        where = ("PPOTorchLearner's learner_connector, as Ray's PPOLearner appends it" if algorithm == "ppo"
                 else "rlmigrate.learner.GeneralAdvantageEstimation(gamma=config['gamma'], lambda_=config['lambda']) "
                      "run on the batch before update_from_batch (on Ray: config.learner_connector)")
        return "review", f"{policy}: postprocess_fn {label} is GAE → {where}"
    if isinstance(hook, cst.FunctionDef):
        params = [p.name.value for p in hook.params.params]
        others = params[2] if len(params) > 2 else "other_agent_batches"
        if len(params) > 2 and _reads(hook, others):
            return "manual", (
                f"{policy}: postprocess_fn {label} reads {others} (other agents' trajectories, e.g. a centralized "
                "critic's opponent observations): on the new stack a learner connector piece over the multi-agent "
                "episode adds those columns (ConnectorV2 in config.learner_connector); left in place")
    calls = f" (it calls {', '.join(_called(hook)[:4])})" if isinstance(hook, cst.FunctionDef) and _called(hook) else ""
    return "manual", (
        f"{policy}: postprocess_fn {label} is not plain GAE{calls}; it becomes a learner connector piece "
        "__call__(*, rl_module, batch) -> batch run before update_from_batch (see rlmigrate.learner.connectors; "
        "on Ray: a ConnectorV2 in config.learner_connector); left in place")
