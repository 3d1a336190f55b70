"""Blockers of RLM038: uses inside a heuristic policy's code that no module can copy.

Each is reported at the node where it happens, saying what the new stack uses instead
(connectors for previous actions, infos and episode data; the module itself for
``self.model``; forward kwargs for timesteps). Used by :mod:`._heuristic_analysis`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.nodes import children, is_self_attr, string_value, walk
from rlmigrate.core.columns import Columns  # plain string constants: no torch import

if TYPE_CHECKING:
    from rlmigrate.codemod.rules._heuristic_analysis import HeuristicPlan

ROLE_BLOCKERS = {
    "prev_actions": "reads the previous actions ({name}): an RLModule's batch holds none; on the "
                    "new stack add the PrevActionsPrevRewards env-to-module connector (it turns the "
                    "observation into a Dict with 'prev_n_actions', one-hot for Discrete) and read "
                    "them from batch[Columns.OBS]; port by hand",
    "prev_rewards": "reads the previous rewards ({name}): an RLModule's batch holds none; on the "
                    "new stack add the PrevActionsPrevRewards env-to-module connector ('prev_n_rewards' "
                    "in the Dict observation) and read them from batch[Columns.OBS]; port by hand",
    "infos": "reads env infos ({name}): infos do not reach an RLModule; write what it needs into "
             "the batch with a ConnectorV2 env-to-module piece; port by hand",
    "episodes": "reads the legacy episode objects ({name}): a module sees only its batch; a "
                "ConnectorV2 env-to-module piece reads the SingleAgentEpisode and writes what is "
                "needed into the batch; port by hand",
    "clip_actions": "reads clip_actions ({name}): action clipping is the env-to-module/module-to-env "
                    "connectors' job (config.env_runners(clip_actions=...)); port by hand",
}
# Legacy Policy attributes: assignments in __init__ are dropped, any other use blocks.
PLUMBING_ATTRS = {
    "model": "acts through self.model (the model the policy wraps): make that model the "
             "RLModule (its computation in _forward) and port by hand",
    "exploration": "uses self.exploration: exploration lives in the module's "
                   "_forward_exploration (sampling from its action distribution); port by hand",
    "global_timestep": "uses self.global_timestep: the new stack passes the env runner's step "
                       "count as forward_exploration(batch, t=...) (kwargs['t']); port by hand",
    "view_requirements": "uses self.view_requirements: view requirements become ConnectorV2 "
                         "pieces on the new stack; port by hand",
    "dist_class": "uses self.dist_class: a module names its distribution in "
                  "get_*_action_dist_cls(); port by hand",
    "device": "uses self.device: a framework-free RLModule has no device; port by hand",
    "framework": "uses self.framework: an RLModule's framework is its base class; port by hand",
    "num_grad_updates": "uses self.num_grad_updates: training state lives in the Learner; port by hand",
    "agent_connectors": "uses self.agent_connectors: connectors are ConnectorV2 pipelines of the "
                        "EnvRunner on the new stack; port by hand",
    "action_connectors": "uses self.action_connectors: connectors are ConnectorV2 pipelines of "
                         "the EnvRunner on the new stack; port by hand",
}
NEW_STACK_MODEL = ("acts through self.model, which its __init__ makes a new-stack RLModule "
                   "({cls}): the policy only wraps that module; on the new stack use {cls} "
                   "itself (RLModuleSpec(module_class={cls}, model_config=...)) instead of this "
                   "Policy; nothing to generate")
# Reads of a human's input: an RLModule's forward runs inside EnvRunner / Learner actors
STDIN_READS = {
    "builtins.input": "input()",
    "sys.stdin": "sys.stdin",
}
STDIN_MESSAGE = ("reads a human's move from the terminal ({what}): an RLModule's forward runs "
                 "batched inside EnvRunner actors, with no terminal and no one to ask, so no "
                 "module can act like this policy; on the new stack keep human play outside "
                 "RLlib (query the human in your own game loop and step the env with that move, "
                 "or map that agent to no module); not converted")
# Attributes an RLModule has under the same name (``config`` is mapped to ``model_config``).
MODULE_ATTRS = frozenset({"observation_space", "action_space", "config", "model_config",
                          "inference_only"})

@dataclass
class Blocker:
    """Why no module is generated, at ``node`` (an original node)."""

    node: cst.CSTNode
    message: str


#: SampleBatch attribute names whose column name is not their lower-case spelling
_SAMPLE_BATCH_KEYS = {"CUR_OBS": "obs", "NEXT_OBS": "new_obs"}
#: Columns of the new stack, by value (``"t"`` → ``"T"``)
_COLUMNS = {value: name for name, value in vars(Columns).items()
            if not name.startswith("_") and isinstance(value, str)}


def _episode_column_message(key: str | None) -> str:
    """What replaces ``input_dict[key]`` (episode/env data) on the new stack."""
    shown = key or "..."
    where = ("episode/env data such as ids and timesteps comes through a ConnectorV2 env-to-module "
             "piece on the new stack")
    if key in _COLUMNS:
        where = (f"the new stack names it Columns.{_COLUMNS[key]}, but RLlib's default env-to-module "
                 "pipeline does not put it into a module's batch: add a ConnectorV2 piece that "
                 f"writes it from the episode, then read batch[Columns.{_COLUMNS[key]}]")
    elif key is not None:
        where = (f"the new stack has no Columns name for {key!r}: a ConnectorV2 env-to-module piece "
                 "must write it into the batch under a key of your own")
    return (f"reads input_dict[{shown}]: the module's batch carries observations (and state); {where}"
            "; rlmigrate verify feeds a module observations and state only, so such a port is not "
            "proven by it; port by hand")


#: episode columns a 2.10 env runner put into a policy's input dict when its view requirements
#: asked (rlmigrate.testing.episode_columns feeds the same to both sides of verify)
EPISODE_COLUMNS = ("t", "eps_id", "env_id", "agent_index", "unroll_id")


def column_home(key: str) -> str:
    """Where episode column ``key`` lives on the new stack (for RLM038's notes)."""
    if key in _COLUMNS:
        return (f"batch[Columns.{_COLUMNS[key]}], which RLlib's default env-to-module pipeline "
                "does not fill: add a ConnectorV2 piece that writes it from the episode")
    return (f"batch[{key!r}]: the new stack has no Columns name for it; a ConnectorV2 "
            "env-to-module piece must write it from the episode under that key")


def episode_column(ctx: FileContext, node: cst.CSTNode) -> str | None:
    """The episode column ``node`` names: the string (``"env_id"``) or ``SampleBatch.X``."""
    key = string_value(node) if isinstance(node, cst.BaseExpression) else None
    if key is None and isinstance(node, cst.Attribute) and ctx.legacy_symbols(node.value) & {"SampleBatch"}:
        attr = node.attr.value
        key = _SAMPLE_BATCH_KEYS.get(attr, attr.lower())
    return key if key in EPISODE_COLUMNS else None


def check_input_dict(ctx: FileContext, plan: HeuristicPlan, refs: list[cst.CSTNode]) -> None:
    """``input_dict[obs]`` is the batch's observations; an episode column (:data:`EPISODE_COLUMNS`)
    is read from the module's batch under the same key (``plan.columns``, in that order, each
    with a note naming its new-stack home); any other key is episode data with no mechanical
    home (one blocker per key read)."""
    _check_input_dict_keys(ctx, plan, refs)
    plan.columns.sort(key=EPISODE_COLUMNS.index)
    for key in plan.columns:
        plan.notes.append(f"input_dict[{key!r}] (episode data its view requirements asked for) → "
                          f"{column_home(key)}; rlmigrate verify feeds both sides the same values")


def _check_input_dict_keys(ctx: FileContext, plan: HeuristicPlan, refs: list[cst.CSTNode]) -> None:
    parents = _parents(plan.entry) if plan.entry is not None else {}
    seen: set[str | None] = set()
    for ref in refs:
        parent = parents.get(ref)
        if isinstance(parent, cst.Subscript) and len(parent.slice) == 1:
            index = parent.slice[0].slice
            key = None
            if isinstance(index, cst.Index):
                key = string_value(index.value)
                if key is None and isinstance(index.value, cst.Attribute) and ctx.legacy_symbols(index.value.value) & {"SampleBatch"}:
                    attr = index.value.attr.value
                    key = _SAMPLE_BATCH_KEYS.get(attr, attr.lower())
            if key == "obs" or key in seen:
                continue
            seen.add(key)
            if key in EPISODE_COLUMNS:
                plan.columns.append(key)
                continue
            plan.blockers.append(Blocker(parent, _episode_column_message(key)))
            continue
        plan.blockers.append(Blocker(ref, "uses input_dict as a whole: only input_dict['obs'] maps "
                                     "onto the module's batch mechanically; port by hand"))
        return


def _parents(root: cst.CSTNode) -> dict[cst.CSTNode, cst.CSTNode]:
    out: dict[cst.CSTNode, cst.CSTNode] = {}
    for node in walk(root):
        for child in children(node):
            out[child] = node
    return out


def own_model_class(ctx: FileContext, init: cst.FunctionDef, self_name: str) -> cst.ClassDef | None:
    """The class ``init`` defines in its own body and makes ``self.model`` an instance of (a
    stand-in of the policy's own, not a ModelV2 or an RLModule: no base), else None."""
    body = init.body.body if isinstance(init.body, cst.IndentedBlock) else []
    classes = {s.name.value: s for s in body if isinstance(s, cst.ClassDef) and not s.bases}
    for stmt in body:
        for cls in classes.values():
            if assigns_own_model(stmt, self_name, cls):
                return cls
    return None


def assigns_own_model(stmt: cst.CSTNode, self_name: str, cls: cst.ClassDef) -> bool:
    """``self.model = Cls(...)`` (one target) for the class ``cls``."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Assign) and len(stmt.body[0].targets) == 1):
        return False
    assign = stmt.body[0]
    value = assign.value
    return (is_self_attr(assign.targets[0].target, self_name, "model") and isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name) and value.func.value == cls.name.value)


def check_body(ctx: FileContext, plan: HeuristicPlan, root: cst.CSTNode, self_name: str | None,
                known: set[str]) -> None:
    """Blockers inside code that is copied: legacy Policy attributes and legacy names. The
    policy's own stand-in model class (``plan.own_model``) is kept as is: its legacy names are
    noted (the file keeps their imports), its ``self`` is its own."""
    parents = _parents(root)
    own = plan.own_model
    inside = {id(n) for n in walk(own)} if own is not None else set()
    if own is not None and root is own:
        kept = sorted({sub.value for sub in walk(own) if isinstance(sub, cst.Name) and ctx.legacy_symbols(sub)})
        if kept:
            plan.notes.append(f"self.model, an instance of {own.name.value} (a class of its own "
                              f"defined in __init__), kept as is in setup(); it uses {', '.join(kept)} "
                              "from Ray's legacy stack (the file keeps the imports)")
        return
    for sub in walk(root):
        if id(sub) in inside:
            continue
        if self_name and isinstance(sub, cst.Attribute) and isinstance(sub.value, cst.Name) \
                and sub.value.value == self_name:
            attr = sub.attr.value
            if attr == "model" and own is not None:
                continue  # the policy's own stand-in, kept
            if attr == "model" and new_stack_model(ctx, plan):
                plan.blockers.append(Blocker(sub, NEW_STACK_MODEL.format(cls=new_stack_model(ctx, plan))))
            elif attr == "global_timestep" and isinstance(parents.get(sub), cst.AugAssign):
                plan.notes.append("self.global_timestep increments dropped: the env runner "
                                  "counts the steps on the new stack (forward kwargs t=...)")
            elif attr in PLUMBING_ATTRS:
                plan.blockers.append(Blocker(sub, PLUMBING_ATTRS[attr]))
            elif attr not in known and attr not in MODULE_ATTRS and plan.local_base is None:
                plan.blockers.append(Blocker(sub, f"uses self.{attr}, which the class does not "
                                             "define: a legacy Policy method or attribute with no "
                                             "RLModule counterpart; port by hand"))
        elif isinstance(sub, cst.Attribute) and sub.attr.value == "original_space" \
                and ctx.target.name == "ray":
            # with --target rlmigrate the module keeps the policy's preprocessed space
            # (legacy_policy_observation_space, original_space attached)
            plan.blockers.append(Blocker(sub, "reads .original_space, the Dict/Tuple space that "
                                         "legacy RLlib's preprocessor kept on the flattened Box it "
                                         "gave the policy: an RLModule's observation_space is the "
                                         "env's own space (or a connector's output) and has none; "
                                         "read self.observation_space and flatten with the "
                                         "FlattenObservations connector; port by hand (or migrate "
                                         "with --target rlmigrate, whose module keeps that space)"))
        elif isinstance(sub, (cst.Name, cst.Attribute)) and _stdin_read(ctx, sub):
            plan.blockers.append(Blocker(sub, STDIN_MESSAGE.format(what=_stdin_read(ctx, sub))))
        elif isinstance(sub, cst.Name):
            legacy = ctx.legacy_symbols(sub)
            new_stack = any(q.startswith("ray.rllib.core.") for q in ctx.qualified_names(sub))
            if legacy and not new_stack and not legacy & {"SampleBatch", "override", "Policy"}:
                plan.blockers.append(Blocker(sub, f"uses the legacy RLlib name {sub.value}, which "
                                             "has no counterpart inside an RLModule; port by hand"))
        elif isinstance(sub, cst.Attribute) and ctx.legacy_symbols(sub.value) & {"SampleBatch"}:
            if not hasattr(Columns, sub.attr.value) and episode_column(ctx, sub) is None:
                plan.blockers.append(Blocker(sub, f"uses SampleBatch.{sub.attr.value}, a column the "
                                             "new stack's Columns does not have; port by hand"))



def _stdin_read(ctx: FileContext, node: cst.Name | cst.Attribute) -> str | None:
    """What ``node`` reads from the terminal (``input()``, ``sys.stdin``...), else None."""
    return next((STDIN_READS[q] for q in sorted(ctx.qualified_names(node)) if q in STDIN_READS), None)


def new_stack_model(ctx: FileContext, plan: HeuristicPlan) -> str | None:
    """The class of a new-stack RLModule that ``__init__`` assigns to ``self.model``
    (``self.model = SomeRLModule(...)`` with the class from an ``rl_module`` package), else None."""
    if plan.init is None:
        return None
    for sub in walk(plan.init.body):
        if not (isinstance(sub, cst.Assign) and isinstance(sub.value, cst.Call)):
            continue
        if not any(isinstance(t.target, cst.Attribute) and t.target.attr.value == "model"
                   for t in sub.targets):
            continue
        for name in sorted(ctx.qualified_names(sub.value.func)):
            if ".rl_module." in f".{name}" and name.startswith("ray.rllib."):
                return name.rsplit(".", 1)[-1]
    return None
