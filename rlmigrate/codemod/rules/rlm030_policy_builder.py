"""RLM030: build_policy_class / build_torch_policy hooks become an RLModule subclass."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.legacy_api import POLICY_BUILDERS
from rlmigrate.codemod.rules._policy_model import template_algorithm
from rlmigrate.codemod.rules._policy_rules import (
    append_generated_module,
    builder_call,
    builder_hooks,
    separate_generated,
)
from rlmigrate.codemod.rules.base import Rule


class PolicyBuilderToModule(Rule):
    """Generate ``<Policy>RLModule`` from a ``build_policy_class(...)`` call's model hooks.

    What it does:
        For ``MyPolicy = build_policy_class(..., make_model=..., action_sampler_fn=...,
        action_distribution_fn=..., make_model_and_action_dist=...)`` (or
        ``build_torch_policy``) it inserts, after the call, ``class MyPolicyRLModule(<model
        class>)``: the model class is the one ``make_model`` / ``make_model_and_action_dist``
        builds — ``Cls(...)``, ``ModelCatalog.get_model_v2(..., model_interface=Cls)`` when
        ``Cls`` defines its own ``forward()``, either bound first (``policy.model = ...``), or
        what a helper of this file or a model factory of another file of the run returns (its
        class is then imported from where the factory came from). An ``action_sampler_fn`` becomes ``_action_sampler(batch, **kwargs)`` returning
        ``Columns.ACTIONS`` + ``Columns.ACTION_LOGP`` (+ ``ACTION_DIST_INPUTS``); an
        ``action_distribution_fn`` becomes ``_action_distribution`` returning
        ``ACTION_DIST_INPUTS``, and the dist class it returns becomes the
        ``get_*_action_dist_cls()`` getters; ``_forward_exploration`` / ``_forward_inference``
        call them with ``explore=True`` / ``False``. Inside the copied body ``model(...)`` is
        ``(self._forward(batch)[Columns.ACTION_DIST_INPUTS], [])`` (the legacy
        ``(outputs, state)`` pair), ``model`` is ``self`` and ``obs_batch["obs"]`` is
        ``batch[Columns.OBS]``. The legacy functions and the builder call stay in place.
        Without a model hook the policy acts with the catalog's model (RLM034's resolution:
        the registered ``custom_model`` of the file, else ``PPOTorchRLModule``).
    Why:
        On the new stack exploration and action sampling live in the module's forward methods;
        there is no Policy object to carry hooks.
    Before:
        def sampler(policy, model, obs_batch, state_batches, explore=True, timestep=None, **kw):
            logits, _ = model(obs_batch)
            ...
            return actions, logp, logits, []

        MyPolicy = build_policy_class(name="MyPolicy", framework="torch", make_model=make_model,
                                      action_sampler_fn=sampler, loss_fn=loss)
    After:
        class MyPolicyRLModule(MyModel):
            def _action_sampler(self, batch, **kwargs):
                explore = kwargs.get("explore", True)
                logits, _ = (self._forward(batch)[Columns.ACTION_DIST_INPUTS], [])
                ...
                return {Columns.ACTIONS: actions, Columns.ACTION_LOGP: logp, Columns.ACTION_DIST_INPUTS: logits}

            def _forward_exploration(self, batch, **kwargs):
                return self._action_sampler(batch, explore=True, timestep=kwargs.get("t"), is_training=False)

            def _forward_inference(self, batch, **kwargs):
                return self._action_sampler(batch, explore=False, timestep=None, is_training=False)
    Fix safety:
        review: hooks that use the policy object, ``state_batches`` or ``seq_lens``, acting
        hooks that are not functions of this file (imported), a dist class defined inside the
        hook, or policies whose model class cannot be found in the run, are reported as manual.
    """

    code = "RLM030"
    name = "policy-builder"
    title = "build_policy_class / build_torch_policy hooks → RLModule subclass"
    fix_safety = "review"

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel:
        found = builder_call(self.ctx, original)
        if found is None:
            return updated
        name, call = found
        hooks = builder_hooks(self.ctx, name, call, original)
        builder = sorted(self.ctx.legacy_symbols(call.func) & POLICY_BUILDERS)[0]
        return append_generated_module(self, name, hooks, original, updated, template_algorithm(builder))

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return separate_generated(self.ctx, updated)
