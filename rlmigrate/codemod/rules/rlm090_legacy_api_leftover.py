"""RLM090: every legacy RLlib name that no other rule handles is reported (never dropped)."""

from __future__ import annotations

import builtins

import libcst as cst

from rlmigrate.codemod.findings import MANUAL
from rlmigrate.codemod.legacy_api import TORCH_POLICY_BASES
from rlmigrate.codemod.rules._model_kinds import classify
from rlmigrate.codemod.rules._policy_model import resolve_algorithm
from rlmigrate.codemod.rules._policy_qsac import algorithm_policy
from rlmigrate.codemod.rules.base import Rule
from rlmigrate.codemod.rules.rlm038_heuristic_policy import legacy_policy_base

# base-class symbol -> what to do instead (a subclass of it has no mechanical rewrite)
_BASE_ADVICE = {
    "DQNTorchModel": "its advantage/value heads become a DQN RLModule (Q-head and dueling "
                     "streams in setup(), the Q-values from _forward()); port by hand",
    "SACTorchModel": "its policy and Q networks become a SAC RLModule (pi, qf and twin-qf "
                     "heads in setup()); port by hand",
    "Policy": "a custom Policy splits into an RLModule (acting) and a Learner (loss); port by hand",
    "DefaultCallbacks": "the new stack's RLlibCallback hooks take different arguments "
                        "(on_episode_end(episode=, env_runner=, ...)); port the hooks by hand",
    "Preprocessor": "custom preprocessors are gone: use a ConnectorV2 piece or a gymnasium "
                    "ObservationWrapper",
    "Trainer": "Trainer is Algorithm on the new stack; build it from an AlgorithmConfig",
}
# module-level calls of legacy names that no rule rewrites
_CALL_ADVICE = {
    "build_trainer": "build_trainer() is gone: subclass Algorithm / use an AlgorithmConfig",
    "register_custom_preprocessor": "custom preprocessors are gone: use a ConnectorV2 piece or a "
                                    "gymnasium ObservationWrapper",
    "with_common_config": "configs are AlgorithmConfig objects on the new stack",
    "build_tf_policy": "a TensorFlow policy template: port the model to torch (a TorchRLModule) "
                       "and the loss to a Learner",
}


class LegacyApiLeftover(Rule):
    """Report every legacy RLlib name left in a file that no other rule rewrote or reported.

    What it does:
        Reports, each with its line and what to do: a class whose base is a legacy RLlib
        class no converting rule handles (``DQNTorchModel``, ``SACTorchModel``, ``Policy``,
        ``DefaultCallbacks``, ``Preprocessor``, ``Trainer``, ...); a class whose base is a
        legacy model class defined in the same file or in another file of the run (the engine's
        project-wide class index, ``project_index.py``); calls such as ``build_trainer`` and
        ``register_custom_preprocessor``; imports from ``ray.rllib.agents``; and, after the
        rewrite, every ``ray.rllib``/``shim`` import still in the file (the file still needs
        Ray's legacy stack, or the shim, to import).
    Why:
        A file that holds legacy API is never "skipped": detected = converted + reported.
    Before:
        from ray.rllib.algorithms.dqn.dqn_torch_model import DQNTorchModel

        class Q(DQNTorchModel):
            pass
    After:
        from ray.rllib.algorithms.dqn.dqn_torch_model import DQNTorchModel

        class Q(DQNTorchModel):  # reported: manual, port the Q heads by hand
            pass
    Fix safety:
        manual: nothing is rewritten; each finding says what replaces the legacy name.
    """

    code = "RLM090"
    name = "legacy-api-leftover"
    title = "legacy RLlib name with no rewrite (reported, never dropped)"
    fix_safety = "manual"

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        foreign = self.ctx.foreign_bases.get(node.name.value)
        if foreign is not None:
            self.report(node, MANUAL,
                        f"{node.name.value} subclasses {foreign}, a legacy model defined in another "
                        "file: port it after its base (the rewrite of one file cannot see the other)")
            return
        kind, _ = classify(self.ctx, node)
        if kind is not None or any(
            self.ctx.legacy_symbols(arg.value) & TORCH_POLICY_BASES for arg in node.bases
        ):
            return  # the model and policy rules report these
        if self.ctx.is_selected("RLM038") and legacy_policy_base(self.ctx, node) is not None:
            return  # hand-written policies: RLM038 reports each (module or what blocks it)
        if self.ctx.is_selected("RLM034") and any(resolve_algorithm(self.ctx, a.value) for a in node.bases):
            return  # an algorithm policy's subclass: RLM034 reports it
        for arg in node.bases:
            if any(q.startswith("ray.rllib.core.") for q in self.ctx.qualified_names(arg.value)):
                continue  # a new-stack base (--target ray output), not legacy API
            symbols = self.ctx.legacy_symbols(arg.value)
            if symbols and not symbols & {"TorchPolicy", "TorchPolicyV2", "TorchDistributionWrapper",
                                          "ActionDistribution"}:
                symbol = sorted(symbols)[0]
                advice = _BASE_ADVICE.get(symbol, "it has no mechanical rewrite; port it by hand")
                self.report(node, MANUAL, f"{node.name.value} subclasses legacy {symbol}: {advice}")
                return
            if self._from_legacy_star_import(arg.value):
                assert isinstance(arg.value, cst.Name)
                self.report(node, MANUAL,
                            f"{node.name.value} subclasses {arg.value.value}, which only a legacy "
                            "star import (from ray.rllib... import *) can provide: port it by hand")
                return
            local = self._local_legacy_base(arg.value)
            if local is not None:
                self.report(node, MANUAL,
                            f"{node.name.value} subclasses {local}, a legacy model defined in this "
                            "file: port it after its base (or fold the base into it)")
                return

    def _from_legacy_star_import(self, base: cst.BaseExpression) -> bool:
        """A bare base name bound nowhere in the module while a legacy ``import *`` exists."""
        facts = self.ctx.facts
        if not (isinstance(base, cst.Name) and getattr(facts, "legacy_star_import", False)):
            return False
        scope = self.ctx.scope_of(base)
        return (
            scope is not None
            and not scope.assignments[base.value]
            and not hasattr(builtins, base.value)
        )

    def _local_legacy_base(self, base: cst.BaseExpression) -> str | None:
        """The name of a class of this file, itself (transitively) a legacy model, ``base`` is."""
        classes = getattr(self.ctx.facts, "classes", {})
        seen: set[str] = set()
        name = base.value if isinstance(base, cst.Name) else None
        while name in classes and name not in seen:
            seen.add(name)
            cls = classes[name]
            if classify(self.ctx, cls)[0] is not None:
                return base.value if isinstance(base, cst.Name) else name
            parents = [a.value.value for a in cls.bases if isinstance(a.value, cst.Name)]
            name = next((p for p in parents if p in classes), None)
        return None

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, (cst.Name, cst.Attribute)):
            return
        tail = node.func.value if isinstance(node.func, cst.Name) else node.func.attr.value
        if (tail == "with_updates" and self.ctx.is_selected("RLM034") and isinstance(node.func, cst.Attribute)
                and resolve_algorithm(self.ctx, node.func.value) is not None):
            return  # RLM034 reports it
        if tail == "with_updates" and getattr(self.ctx.facts, "uses_legacy_packages", False):
            algorithm = algorithm_policy(self.ctx, node.func.value) if isinstance(node.func, cst.Attribute) else None
            if algorithm is not None and self.ctx.is_selected("RLM078"):
                self.report(node, MANUAL,
                            f"{_named(node)}with_updates() of {algorithm}: its acting is the "
                            "generated <Policy>RLModule (RLM078); its learning (loss, "
                            "postprocess_fn, stats, optimizer) becomes a Learner: port it by hand "
                            "(see RLM032)")
                return
            runtime = self._runtime_receiver(node.func.value) if isinstance(node.func, cst.Attribute) else None
            if runtime is not None:
                self.report(node, MANUAL,
                            f"{_named(node)}with_updates() on {runtime}: which policy class it derives "
                            "from (its algorithm, model and action distribution) is only known at run "
                            "time, so no RLModule is generated; on the new stack subclass that "
                            "algorithm's RLModule (acting changes of its mixins, e.g. a compute_actions "
                            "override, go into _forward_inference/_forward_exploration or a module-to-env "
                            "connector piece) and its Learner (loss); port it by hand")
                return
            self.report(node, MANUAL,
                        f"{_named(node)}with_updates() derives a legacy policy/trainer template "
                        "class: on the new stack subclass the RLModule (acting) and the Learner "
                        "(loss) instead; port it by hand")
            return
        if tail not in _CALL_ADVICE:
            return
        symbols = self.ctx.legacy_symbols(node.func)
        if tail in symbols:
            self.report(node, MANUAL, f"{_named(node)}{_CALL_ADVICE[tail]}")

    def _runtime_receiver(self, receiver: cst.BaseExpression) -> str | None:
        """``"`x`, a parameter of f()"`` / ``"`x`, a local of f() bound at run time"`` when the
        ``with_updates`` receiver is a plain name bound inside a function (None: otherwise)."""
        if not isinstance(receiver, cst.Name):
            return None
        scope = self.ctx.scope_of(receiver)
        owner = getattr(scope, "node", None)
        if not isinstance(owner, cst.FunctionDef):
            return None
        bindings = list(scope.assignments[receiver.value])
        if not bindings:
            return None
        where = owner.name.value
        if any(isinstance(getattr(b, "node", None), cst.Param) for b in bindings):
            return f"`{receiver.value}`, a parameter of {where}()"
        return f"`{receiver.value}`, a local of {where}() bound at run time"

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = _dotted(node.module) if node.module is not None else ""
        if module.startswith("ray.rllib.agents"):
            self.report(node, MANUAL,
                        f"{module} is RLlib's pre-2.0 'agents' API (gone since Ray 2.0): use "
                        "ray.rllib.algorithms and an AlgorithmConfig")

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = _dotted(alias.name)
            if name.startswith("ray.rllib.agents"):
                self.report(node, MANUAL,
                            f"{name} is RLlib's pre-2.0 'agents' API (gone since Ray 2.0): use "
                            "ray.rllib.algorithms and an AlgorithmConfig")


def _named(call: cst.Call) -> str:
    """``"Name: "`` from a ``name="Name"`` keyword argument (policy templates), else ``""``."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "name" and isinstance(arg.value, cst.SimpleString):
            value = arg.value.evaluated_value
            return f"{value}: " if isinstance(value, str) else ""
    return ""


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""
