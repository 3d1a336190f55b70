"""RLM040: custom legacy action distributions become ``TorchDistribution`` subclasses."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.findings import CONVERTED, MANUAL, REVIEW
from rlmigrate.codemod.imports import names_in_use
from rlmigrate.codemod.rules._dist_analysis import model_calls
from rlmigrate.codemod.rules._dist_convert import (
    DistAnalysis,
    analyze,
    converted_class,
    is_legacy_distribution,
)
from rlmigrate.codemod.rules._dist_wiring import dist_wiring, is_register_call, wire_setup
from rlmigrate.codemod.rules.base import Rule


class CustomDistributionToTorchDistribution(Rule):
    """Convert mechanical ``TorchDistributionWrapper`` subclasses; wire them into the module.

    What it does:
        A ``TorchDistributionWrapper`` subclass whose ``__init__(self, inputs, model=None,
        **defaults)`` only calls ``super().__init__(<expression of inputs>, model)`` and sets
        ``self.dist = torch.distributions.<X>(...self.inputs...)`` becomes a ``TorchDistribution``
        subclass of the same name: ``_get_torch_distribution(self, logits, **kwargs)`` builds the
        same torch distribution; ``from_logits(cls, logits, <the extra parameters, same
        defaults>, **kwargs)`` applies the same input transform; ``deterministic_sample()``
        (``return <expr>``, optionally via ``self.last_sample``) becomes ``to_deterministic()``
        returning ``TorchDeterministic(loc=<expr>)`` (``self.dist`` → ``self._dist``); the static
        ``required_model_output_shape(action_space, model_config)`` becomes
        ``required_input_dim(space, **kwargs)`` with ``model_config =
        kwargs.get("model_config", {})``. Any other method (custom ``logp``/``entropy``/``kl``/
        ``sample``), class attribute, extra ``__init__`` statement, ``ActionDistribution``
        subclass or TF wrapper is left unchanged and reported as manual with the reason.

        Wiring: when a model-config dict in the same file names a converted model (``"custom_model"``)
        together with ``"custom_action_dist": "<name>"``, and ``<name>`` is registered here with
        ``register_custom_action_dist`` for a class this rule converts, the model's ``setup()``
        starts with ``self.action_dist_cls = <Dist>`` (what the ``get_*_action_dist_cls()``
        getters return) and its ``num_outputs`` becomes ``<Dist>.required_input_dim(
        self.action_space, model_config=self.model_config)``. A model whose configs name
        different, unregistered or unconverted distributions is reported for review. The
        ``register_custom_action_dist`` lines are kept and reported: on the new stack nothing
        reads them.

        Model-aware distributions (the autoregressive idiom: methods that read ``self.model.<x>``,
        e.g. ``self.model.action_model(ctx, a1)``) cannot be built from logits alone and stay
        in the legacy contract, reported for review: after migration the model *is* the module,
        so a model wired to one gets ``self.action_dist_cls = bind_to_module(<Dist>, self)``
        (``rlmigrate.distributions.model_aware``) and ``num_outputs =
        <Dist>.required_model_output_shape(self.action_space,
        legacy_model_config(self.model_config))``; the module then samples through it inside
        ``forward_exploration`` / ``forward_inference`` (``actions``, ``action_logp``) and the
        Learner's ``get_train_action_dist_cls().from_logits(logits)`` builds it on the module.
    Why:
        The constructor contract differs (``cls(inputs, model)`` vs ``cls.from_logits(logits)``)
        and the new stack has no ``custom_action_dist`` key (``model_config`` must stay JSON for
        checkpoints, so the class is named by the module, not by the config). Without the wiring a
        migrated module silently acts with the default distribution of its action space. A
        model-aware distribution needs the network at every call, which only the module has.
    Before:
        class TemperatureCategorical(TorchDistributionWrapper):
            def __init__(self, inputs, model=None, temperature=2.0):
                super().__init__(inputs / temperature, model)
                self.dist = torch.distributions.Categorical(logits=self.inputs)

            def deterministic_sample(self):
                self.last_sample = self.dist.probs.argmax(dim=1)
                return self.last_sample

            @staticmethod
            def required_model_output_shape(action_space, model_config):
                return action_space.n
    After:
        class TemperatureCategorical(TorchDistribution):
            def _get_torch_distribution(self, logits, **kwargs):
                return torch.distributions.Categorical(logits=logits)

            @classmethod
            def from_logits(cls, logits, temperature=2.0, **kwargs):
                return cls(logits / temperature)

            def to_deterministic(self):
                return TorchDeterministic(loc=self._dist.probs.argmax(dim=1))

            @staticmethod
            def required_input_dim(space, **kwargs):
                action_space = space
                return action_space.n
    Fix safety:
        review: the torch distribution, its inputs and the greedy action are carried over
        exactly (``rlmigrate verify`` compares samples under the same seed), but comments inside
        the rewritten methods are not kept, the legacy ``last_sample`` bookkeeping is dropped,
        and the legacy Policy sized the model with the full legacy model config where the
        module passes its own ``model_config``. A kept model-aware distribution still imports its
        legacy base class (``TorchDistributionWrapper``: Ray's legacy stack or rlmigrate's shim,
        RLM090 reports the import).
    """

    code = "RLM040"
    name = "custom-distribution"
    title = "custom legacy action distribution → TorchDistribution subclass"
    fix_safety = "review"

    def __init__(self, ctx) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx)
        self._module: cst.Module | None = None
        self._classes: list[cst.ClassDef] = []
        self._dists: dict[cst.ClassDef, DistAnalysis] = {}
        self._wired: dict[cst.ClassDef, str] = {}
        self._replaced_default = False
        self._reregister: set[cst.Call] = set()

    # -- analysis ---------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._module = node

    def _convertible_names(self) -> set[str]:
        names = set()
        for name, node in self.ctx.facts.classes.items():
            analysis = self._dists.get(node)
            if analysis is None and is_legacy_distribution(self.ctx, node)[0]:
                analysis = self._dists[node] = analyze(self.ctx, node)
            if analysis is not None and analysis.convertible and not self.ctx.is_kept(node):
                names.add(name)
        return names

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node)
        if not is_legacy_distribution(self.ctx, node)[0]:
            return
        a = self._dists.get(node)
        if a is None:
            a = self._dists[node] = analyze(self.ctx, node)
        calls = model_calls(self.ctx, node)
        if not a.convertible and calls:
            shown = ", ".join(f"self.model.{name}" for name in calls[:4]) + (", ..." if len(calls) > 4 else "")
            self.report(node, REVIEW, f"{node.name.value} kept in the legacy ActionDistribution contract: "
                        f"it is model-aware (it reads {shown}), so it cannot be built from logits "
                        "alone; after migration the model is the module, which binds it "
                        "(rlmigrate.distributions.model_aware.bind_to_module(cls, module)), samples "
                        "through it inside forward_exploration/forward_inference (actions + "
                        "action_logp) and hands it to the Learner as get_train_action_dist_cls(); "
                        "register it with rlmigrate.core.custom_models.register_custom_action_dist "
                        "where a config names it; its base class still comes from Ray's legacy "
                        "stack (or rlmigrate's shim)")
        elif not a.convertible:
            reasons = "; ".join(message for _, message in a.blockers)
            self.report(node, MANUAL, f"{node.name.value} left unchanged: {reasons}; port it to a "
                        "TorchDistribution subclass (_get_torch_distribution, from_logits, "
                        "required_input_dim, to_deterministic)")

    def visit_Call(self, node: cst.Call) -> None:
        if is_register_call(self.ctx, node):
            converted = self._converted_registration(node)
            if converted is not None:
                name, cls, model_aware = converted
                self._reregister.add(node)
                what = (f"{cls} stays model-aware, and a module that names it binds it to itself"
                        if model_aware else f"{cls} is a TorchDistribution now")
                self.report(node, CONVERTED, f"register_custom_action_dist({name!r}, {cls}) → "
                            f"rlmigrate.core.custom_models.register_custom_action_dist: {what}; a "
                            f"module generated for a policy whose model config names {name!r} "
                            "finds it there")
                return
            wiring = self._wiring()
            used = wiring is not None and any(
                self._registered_name(node) == n for n in wiring.config_names.values()
            )
            detail = ("the migrated module sets self.action_dist_cls instead; delete it once no "
                      "legacy config uses the name") if used else (
                      "the new stack does not read it: set self.action_dist_cls in the module's "
                      "setup() (or override get_*_action_dist_cls()); a module generated for a policy "
                      "on its config's model reads the name from register_custom_action_dist(name, "
                      "<migrated distribution>) (rlmigrate.core.custom_models)")
            self.report(node, REVIEW, f"register_custom_action_dist kept: {detail}")

    def _converted_registration(self, node: cst.Call) -> tuple[str, str, bool] | None:
        """``(name, class, model_aware)`` when ``node`` registers, under a literal name, a
        distribution class of this file that this rule converts, or keeps in the legacy contract
        because it is model-aware (the module binds it); on our runtime, which has the registry."""
        name = self._registered_name(node)
        if self.ctx.target.name != "rlmigrate" or name is None or len(node.args) != 2:
            return None
        value = node.args[1].value
        if not isinstance(value, cst.Name):
            return None
        if value.value in self._convertible_names():
            return name, value.value, False
        cls = self.ctx.facts.classes.get(value.value)
        if (cls is not None and is_legacy_distribution(self.ctx, cls)[0] and not self.ctx.is_kept(cls)
                and model_calls(self.ctx, cls)):
            return name, value.value, True
        return None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if original in self._reregister:
            return updated.with_changes(func=self.ctx.need_from(
                "rlmigrate.core.custom_models", "register_custom_action_dist"))
        return updated

    @staticmethod
    def _registered_name(node: cst.Call) -> str | None:
        from rlmigrate.codemod.nodes import string_value

        return string_value(node.args[0].value) if node.args else None

    def _wiring(self):  # type: ignore[no-untyped-def]
        if self._module is None:
            return None
        return dist_wiring(self.ctx, self._module, self._convertible_names())

    # -- rewriting --------------------------------------------------------------------------
    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        if original.name.value != "__init__" or updated.name.value != "setup" or not self._classes:
            return updated
        owner = self._classes[-1]
        body = owner.body.body if isinstance(owner.body, cst.IndentedBlock) else ()
        if original not in body:
            return updated
        wiring = self._wiring()
        if wiring is None:
            return updated
        model = owner.name.value
        if model in wiring.problems:
            self.report(owner, REVIEW, f"{model} is configured with a custom_action_dist but acts "
                        f"with the default distribution: {wiring.problems[model]}; set "
                        "self.action_dist_cls in setup() to a new-stack port")
            return updated
        bound = model in wiring.bound
        dist = wiring.bound[model] if bound else wiring.wired.get(model)
        if dist is None:
            return updated
        if bound:
            self.ctx.need_from("rlmigrate.distributions.model_aware", "bind_to_module")
        new, replaced = wire_setup(updated, dist, bound=bound)
        if bound and replaced:
            self.ctx.need_from("rlmigrate.core.legacy_config", "legacy_model_config")
        self._replaced_default |= replaced > 0
        self._wired[owner] = dist
        return new

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self._classes.pop()
        if original in self._wired:
            dist = self._wired[original]
            name = self.ctx.shared["dist_wiring"].config_names.get(original.name.value)
            origin = f"custom_action_dist {name!r}" if name else "custom_action_dist"
            if original.name.value in self.ctx.shared["dist_wiring"].bound:
                self.report(original, REVIEW,
                            f"{original.name.value}: self.action_dist_cls = bind_to_module({dist}, self) "
                            f"in setup() (its config's {origin}, a model-aware distribution: the "
                            f"module samples through it); num_outputs = "
                            f"{dist}.required_model_output_shape(...)")
            else:
                self.report(original, REVIEW,
                            f"{original.name.value}: self.action_dist_cls = {dist} in setup() (its "
                            f"config's {origin}); num_outputs = {dist}.required_input_dim(...)")
        a = self._dists.get(original)
        if a is None or not a.convertible:
            return updated
        self.report(original, REVIEW,
                    f"{original.name.value}: TorchDistributionWrapper → TorchDistribution "
                    "(_get_torch_distribution, from_logits"
                    + (", to_deterministic" if a.det_expr is not None else "")
                    + (", required_input_dim" if a.shape_method is not None else "") + ")")
        return converted_class(self.ctx, a, updated)

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if self._replaced_default and "get_default_dist_cls" not in names_in_use(updated):
            self.ctx.imports.discard("get_default_dist_cls")
        return updated
