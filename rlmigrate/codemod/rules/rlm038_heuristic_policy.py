"""RLM038: hand-written (heuristic) ``Policy`` subclasses become framework-free RLModules."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.example_policies import EXAMPLE_POLICIES
from rlmigrate.codemod.findings import MANUAL, REVIEW
from rlmigrate.codemod.legacy_api import TORCH_POLICY_BASES
from rlmigrate.codemod.nodes import walk
from rlmigrate.codemod.rules._heuristic_analysis import HeuristicPlan, plan_heuristic
from rlmigrate.codemod.rules._heuristic_codegen import generate_module
from rlmigrate.codemod.rules._wrapped_codegen import generate_wrapper
from rlmigrate.codemod.rules._wrapped_module import WrapperPlan, plan_wrapper
from rlmigrate.codemod.rules.base import Rule, TopLevelClasses

#: ctx.shared key: class name -> whether a module was generated for it (for local subclasses).
_SHARED = "RLM038"


class HeuristicPolicyToModule(TopLevelClasses, Rule):
    """Generate ``<Policy>RLModule`` from a hand-written ``Policy`` subclass's acting code.

    What it does:
        For a class that subclasses RLlib's framework-free ``Policy`` (directly or through a
        heuristic policy class of the same file, or through one of Ray's example policies whose
        acting rlmigrate knows: ``ray.rllib.examples.policy.random_policy.RandomPolicy`` →
        a subclass of ``RandomRLModule``, where ``return super().compute_actions(...)`` with the
        method's own arguments becomes ``return super()._forward(batch, **kwargs)``) and
        computes its actions itself in
        ``compute_actions`` (or ``compute_actions_from_input_dict`` /
        ``compute_single_action``), inserts after it ``class <Policy>RLModule(RLModule)``:
        ``__init__`` → ``setup()`` (constructor parameters → ``self.observation_space`` /
        ``self.action_space`` / ``self.model_config``; base constructor call, view
        requirements, exploration and other policy plumbing dropped), the acting method →
        ``_forward`` on ``convert_to_numpy(batch[Columns.OBS])`` returning
        ``{Columns.ACTIONS: ..., Columns.STATE_OUT: ...}`` (``_forward_inference`` /
        ``_forward_exploration`` when it reads ``explore``), ``get_initial_state()`` → a
        state dict keyed ``"0"``, ``"1"``, ..., non-trivial ``get_weights`` / ``set_weights``
        → ``get_state`` / ``set_state``, helper methods copied, ``self.config`` →
        ``self.model_config``, ``SampleBatch.X`` → ``Columns.X``. No-op ``learn_on_batch`` /
        ``get_weights`` / ``set_weights`` are dropped with a note. The policy class stays.
        ``input_dict`` episode columns (``t``, ``eps_id``, ``env_id``, ``agent_index``,
        ``unroll_id``) are read from the module's batch under the same keys (the note names
        the ConnectorV2 piece that writes each on the new stack); ``self.global_timestep +=``
        is dropped. A stand-in ``self.model`` of the policy's own (an instance of a class its
        ``__init__`` defines, with no base: view requirements, an initial state) is kept as is
        in ``setup()``. A policy that reads previous actions or rewards, env infos, episodes,
        other ``input_dict`` keys, ``self.model``, ``self.exploration`` or
        ``self.global_timestep``, or that asks a human for its move
        (``input()``, ``sys.stdin``), gets a manual finding per use, naming what the new stack
        uses instead, and no module. The module acts on what a 2.10 worker gave the policy:
        the raw observations through ``legacy_policy_observations`` (Discrete one-hot,
        Dict/Tuple flattened), the policy's ``observation_space`` (``original_space``
        attached) as ``self.policy_observation_space``.
        A policy whose ``__init__`` makes ``self.model`` a new-stack RLModule
        (``self.model = M(config=RLModuleConfig(...))``, transitional 2.x code) and whose
        ``compute_actions_from_input_dict`` hands its input dict to ``self.model.forward_*``
        gets ``class <Policy>RLModule(M)`` instead: built as the policy built ``M`` (its
        spaces and config are the spec's, the config kept as ``self.policy_config``), the
        policy's acting code around ``super()._forward_exploration(input_dict, **kwargs)``
        (the other forward hook delegating to it), ``get_initial_state()`` ported (``None``,
        no state, → ``{}``).
    Why:
        The new stack has no Policy: hand-written acting rules live in an RLModule whose
        forward returns the actions themselves (as RLlib's own random and rock-paper-scissors
        heuristic modules do).
    Before:
        from ray.rllib.policy.policy import Policy

        class AlwaysOne(Policy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [1 for _ in obs_batch], [], {}
    After:
        from ray.rllib.policy.policy import Policy
        from rlmigrate import Columns, RLModule
        from rlmigrate.models.torch.legacy_policy_obs import legacy_policy_observations
        from numpy import asarray

        class AlwaysOne(Policy):
            def compute_actions(self, obs_batch, state_batches=None, **kwargs):
                return [1 for _ in obs_batch], [], {}

        class AlwaysOneRLModule(RLModule):
            def _forward(self, batch, **kwargs):
                obs_batch = legacy_policy_observations(batch[Columns.OBS], self.observation_space, self.model_config)
                return {Columns.ACTIONS: asarray([1 for _ in obs_batch])}
    Fix safety:
        review: a legacy config that set ``_disable_preprocessor_api`` must put it into the
        module's ``model_config`` too (with ``--target ray`` the module acts on raw
        observations: add ``FlattenObservations``, and ``original_space`` reads stay manual);
        policy-config keys the code reads must be given to the module's ``model_config``. ``rlmigrate verify`` compares actions (random policies:
        under the same seeds, space RNG included). A constructor's loader that unpickles the
        file it reads (a stable-baselines3 ``PPO.load``, ``pickle.load``, ``torch.load``
        without ``weights_only=True``) is kept in ``setup()`` as it was, and the finding names
        it: the module then runs code from that file as the legacy policy did.
    """

    code = "RLM038"
    name = "heuristic-policy"
    title = "hand-written Policy subclass → RLModule with its acting rules"
    fix_safety = "review"

    def leave_ClassDef(
        self, original: cst.ClassDef, updated: cst.ClassDef
    ) -> cst.BaseStatement | cst.FlattenSentinel:
        if not self.left_top_level():
            return updated
        kind = self._policy_kind(original)
        if kind is None:
            return updated
        name = original.name.value
        done: dict[str, bool] = self.ctx.shared.setdefault(_SHARED, {})
        done[name] = False
        if kind == "" or isinstance(kind, tuple):
            wrapper = plan_wrapper(self.ctx, original)
            if wrapper is not None:  # it acts through a new-stack module it holds
                return self._wrapper(original, updated, wrapper)
        if isinstance(kind, tuple):  # a policy class of Ray's examples
            return self._example_subclass(original, updated, kind)
        local_base = kind or None
        if local_base is not None and not done.get(local_base):
            self.report(original, MANUAL, f"{name}: no RLModule generated: its base {local_base} "
                        "got none (see the findings there)")
            return updated
        if f"{name}RLModule" in self.ctx.facts.classes:
            self.report(original, REVIEW, f"{name}: {name}RLModule is already in this file (an "
                        "earlier rewrite); nothing generated")
            done[name] = True
            return updated
        plan = plan_heuristic(self.ctx, original, local_base)
        if plan.blockers:
            for blocker in plan.blockers:
                self.report(blocker.node, MANUAL, f"{name}: no RLModule generated: {blocker.message}")
            return updated
        generated = generate_module(self.ctx, plan)
        done[name] = True
        self.report(original, REVIEW, _summary(self.ctx, plan))
        return cst.FlattenSentinel([updated, generated])

    def _wrapper(
        self, original: cst.ClassDef, updated: cst.ClassDef, plan: WrapperPlan
    ) -> cst.BaseStatement | cst.FlattenSentinel:
        """A policy that acts through the new-stack RLModule it holds: the module subclasses
        that module's class (``_wrapped_module.py``), or a manual finding per blocking use."""
        name = plan.name
        if f"{name}RLModule" in self.ctx.facts.classes:
            self.report(original, REVIEW, f"{name}: {name}RLModule is already in this file (an "
                        "earlier rewrite); nothing generated")
            self.ctx.shared[_SHARED][name] = True
            return updated
        if plan.blockers:
            for blocker in plan.blockers:
                self.report(blocker.node, MANUAL, f"{name}: no RLModule generated: {blocker.message}")
            return updated
        generated = generate_wrapper(self.ctx, plan)
        self.ctx.shared[_SHARED][name] = True
        hooks = " and ".join(sorted(plan.forwards))
        parts = [f"{name} → {name}RLModule, a subclass of {plan.held}: the new-stack module its "
                 f"__init__ built (self.model) and acted through ({hooks}), built the same way",
                 "policy-config keys it reads come from the module's model_config (kept as "
                 "self.policy_config): pass them as RLModuleSpec(model_config={...})",
                 "its input dict is the module's batch with the observations a 2.10 worker gave "
                 "the policy (legacy_policy_observations; put _disable_preprocessor_api=True in "
                 "the model_config if the legacy config disabled preprocessing)"]
        if plan.initial_state is not None:
            parts.append("get_initial_state() ported: a None (no state; Ray 2.10's collectors took "
                         "it as []) returns {}")
        else:
            parts.append("get_initial_state() returns {}: the policy reported none")
        if any(q.startswith("ray.rllib.examples.") for q in self.ctx.qualified_names(plan.model_call.func)):
            parts.append(f"{plan.held} is Ray's example module, written for Ray 2.10's early API "
                         "(RLModuleConfig), which rlmigrate's runtime still accepts")
        self.report(original, REVIEW, "; ".join(parts + plan.notes))
        return cst.FlattenSentinel([updated, generated])

    def _example_subclass(
        self, original: cst.ClassDef, updated: cst.ClassDef, kind: tuple[str, str]
    ) -> cst.BaseStatement | cst.FlattenSentinel:
        """A subclass of a Ray example policy: on the module that acts like its base when
        rlmigrate knows one (``example_policies.py``), else a manual finding."""
        name, (base, qualified) = original.name.value, kind
        known = EXAMPLE_POLICIES.get(qualified)
        if known is not None and self.ctx.target.name == "ray":
            self.report(original, MANUAL, f"{name}: no RLModule generated: it subclasses {base} "
                        f"from ray.rllib.examples, which acts by {known.acting}; rlmigrate's "
                        f"{known.module} acts like it, Ray's API has no counterpart (--target ray): "
                        "fold that base into this class (a plain Policy subclass), then it "
                        "converts like one")
            known = None
        elif known is None:
            self.report(original, MANUAL, f"{name}: no RLModule generated: it subclasses "
                        f"{base} from ray.rllib.examples, whose acting rlmigrate does not know and "
                        "whose code this file does not hold: fold that base into this class (it "
                        "is a plain Policy subclass), then it converts like one")
        if known is not None and f"{name}RLModule" in self.ctx.facts.classes:
            self.report(original, REVIEW, f"{name}: {name}RLModule is already in this file (an "
                        "earlier rewrite); nothing generated")
            self.ctx.shared[_SHARED][name] = True
            return updated
        plan = plan_heuristic(self.ctx, original, base, known.module if known else None)
        if known is None or plan.blockers:
            prefix = "also blocking" if known is None else "no RLModule generated"
            for blocker in plan.blockers:
                self.report(blocker.node, MANUAL, f"{name}: {prefix}: {blocker.message}")
            return updated
        generated = generate_module(self.ctx, plan)
        self.ctx.shared[_SHARED][name] = True
        self.report(original, REVIEW, _summary(self.ctx, plan) + f"; it subclasses {known.module}, "
                    f"which acts as {base} (Ray's example policy) did: {known.acting}")
        return cst.FlattenSentinel([updated, generated])

    def _policy_kind(self, node: cst.ClassDef) -> str | tuple[str, str] | None:
        done = self.ctx.shared.get(_SHARED, {})
        for arg in node.bases:
            if isinstance(arg.value, cst.Name) and arg.value.value in done:
                return arg.value.value
        return legacy_policy_base(self.ctx, node)

def legacy_policy_base(ctx: FileContext, node: cst.ClassDef) -> str | tuple[str, str] | None:
    """``""`` for a direct subclass of the legacy framework-free ``Policy``, ``(name,
    qualified name)`` for a subclass of a policy class from ``ray.rllib.examples``, None
    otherwise (torch policies are RLM031's, algorithm policies RLM030's). RLM090 leaves both
    kinds to this rule."""
    for arg in node.bases:
        symbols = ctx.legacy_symbols(arg.value)
        if symbols & TORCH_POLICY_BASES:
            return None
        if "Policy" in symbols:
            return ""
        examples = sorted(
            q for q in ctx.qualified_names(arg.value)
            if q.startswith("ray.rllib.examples.") and q.endswith("Policy")
        )
        if examples:
            return (examples[0].rsplit(".", 1)[-1], examples[0])
    return None


def _summary(ctx: FileContext, plan: HeuristicPlan) -> str:
    entry = plan.entry.name.value if plan.entry is not None else "its base's acting method"
    parts = [f"{plan.name} → {plan.name}RLModule generated from {entry}()"]
    if plan.stateful:
        parts.append("get_initial_state() → the module's state dict (keys '0', '1', ...); "
                     "observations arrive (B, T, ...) and it acts on the last step")
    if ctx.target.name == "ray":
        parts.append("it acts on raw observations: legacy RLlib fed a Policy preprocessed ones "
                     "(Discrete one-hot, Dict/Tuple flattened) unless _disable_preprocessor_api; on "
                     "the new stack add FlattenObservations to the env-to-module pipeline to keep them")
    else:
        parts.append("it acts on the env's raw observations preprocessed as RLlib 2.10 fed a Policy "
                     "(legacy_policy_observations: Discrete one-hot, Dict/Tuple flattened; "
                     "self.observation_space → self.policy_observation_space, original_space "
                     "attached); put _disable_preprocessor_api=True in its model_config if the "
                     "legacy config disabled preprocessing")
    if any(_reads_config(plan)):
        parts.append("policy-config keys it reads come from the module's model_config: pass them "
                      "as RLModuleSpec(model_config={...})")
    parts.extend(plan.notes)
    return "; ".join(parts)


def _reads_config(plan: HeuristicPlan) -> list[bool]:
    roots: list[cst.CSTNode] = [*plan.init_kept, *plan.helpers, *plan.weights]
    if plan.entry is not None:
        roots.append(plan.entry)
    found = [
        isinstance(n, cst.Attribute) and n.attr.value == "config"
        for root in roots for n in walk(root)
    ]
    found.append(bool(plan.init is not None and len(plan.init_params) >= 3
                      and any(_config_param_used(plan))))
    return [f for f in found if f]


def _config_param_used(plan: HeuristicPlan) -> list[bool]:
    names = {n for n, a in plan.init_params.items() if a == "model_config"}
    return [isinstance(n, cst.Name) and n.value in names for s in plan.init_kept for n in walk(s)]
