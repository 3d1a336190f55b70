"""The scope-driven rewrite of a legacy loss/stats/optimizer body into a Learner method (RLM033).

Each parameter of the legacy hook plays a role (``policy``, ``model``, ``dist``, ``batch``,
``config``); :class:`LearnerUses` marks every reference of a role that sits in a pattern with a
new-stack equivalent, :class:`LearnerRewrite` replaces those patterns. A reference left
unmarked blocks the conversion (the finding names its use).

=====================================================  ======================================================
legacy                                                 Learner
=====================================================  ======================================================
``model(train_batch)``                                 ``(fwd_out[Columns.ACTION_DIST_INPUTS], [])``
``model(other_input)``                                 ``(module.forward_train(other_input)[...], [])``
``model.value_function()`` (in the loss)              ``module.compute_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS))``
``model.value_function()`` (in stats)                  ``module.compute_values(batch)``
``model.is_time_major()``                              ``False`` (Learner batches are ``(B, T, ...)``)
``dist_class(x, model)``                               ``module.get_train_action_dist_cls().from_logits(x)``
``model.tower_stats`` / ``policy.get_tower_stats(k)``  ``self.tower_stats`` / ``[self.tower_stats[k]]``
``policy.config`` / ``policy.model`` / spaces          ``config`` / ``module`` / ``module.<space>``
``policy.kl_coeff`` (``KLCoeffMixin``)                 ``self.curr_kl_coeffs_per_module[module_id]``
``policy.entropy_coeff`` (``EntropyCoeffSchedule``)    ``self.entropy_coeff_schedulers_per_module[module_id].get_current_value()``
``policy.kl_target``                                   ``config["kl_target"]``
``policy.cur_lr`` (``LearningRateSchedule``)           ``self.get_optimizer(module_id).param_groups[0]["lr"]``
``policy.is_recurrent()``                              ``module.is_stateful()``
``policy.target_model(x)`` / ``target_models[m](x)``   ``(self.target_model(module_id).forward_train(x)[...], [])``
``super().loss(model, dist_class, train_batch)``       ``super().compute_loss_for_module(module_id=..., ...)``
``helper(self, super(), model, dist_class, batch)``    the helper's body, its ``base_policy.loss(...)`` as above
``model.value_function = lambda: v`` (and restore)     ``module.compute_values = lambda *args, **kwargs: v``
``model.<method>(...)`` (the model class's own)        ``module.<method>(...)`` (the module keeps the methods)
``train_batch[SampleBatch.OBS]`` (``CUR_OBS``, ...)    ``legacy_train_obs(batch[...], module.observation_space)``
``super().stats_fn(train_batch)``                      ``{}`` (the parent Learner logs its own metrics)
``warn_if_infinite_kl_divergence(policy, kl)``         dropped (the PPO Learner checks the KL itself)
``model.<attribute>`` (the model class's own)          ``module.<attribute>`` (the module keeps them)
``helper(policy, ...)`` (a function of the run)        ``helper(LegacyPolicyView(config=config, ...), ...)``
=====================================================  ======================================================

A helper handed the policy (``train_side_net(policy=self, ...)``, defined in this file or
imported from another of the run) gets a :class:`~rlmigrate.learner.policy_view.LegacyPolicyView`
offering exactly the attributes it reads on that parameter (``project_helpers``: followed
through the helpers it passes the policy on to): ``config``, ``model`` (the module) and the
spaces have Learner equivalents; a helper that reads anything else, sets an attribute, or uses
the policy in a way the scan cannot follow blocks the hook, and the finding says which.
In the loss, the values come from the forward pass the Learner already ran (``fwd_out``'s
embeddings, as Ray's PPO Learner takes them): the legacy ``value_function()`` read the model's
last forward pass, so the same graph is differentiated (a second forward pass would sum the
hidden layers' gradients in another order; a module that returns no embeddings recomputes).
A model attribute of ModelV2's own (``obs_space``, ``num_outputs``, ``model_config``, ...) has
no RLModule counterpart of the same meaning and blocks it too, as does setting one.

The PPO mixin attributes and ``super()`` calls are only offered when the Learner's base is
``PPOTorchLearner`` (``algorithm="ppo"``); ``target_model`` only with ``TargetModelsMixin``.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from rlmigrate.codemod import nodes as N
from rlmigrate.codemod.context import FileContext

SPACES = ("observation_space", "action_space")
PPO_ATTRIBUTES = ("kl_coeff", "entropy_coeff", "kl_target")
_TARGETS = ("target_model", "target_models")
_DROPPED_CALLS = ("warn_if_infinite_kl_divergence",)
#: ModelV2's own attributes: an RLModule has none of the same meaning (obs_space is the
#: preprocessed space, num_outputs the legacy head width, ...)
MODELV2_ATTRIBUTES = frozenset({"obs_space", "num_outputs", "model_config", "name", "framework", "time_major",
                                "view_requirements", "var_list", "variables", "trainable_variables"})
#: what a LegacyPolicyView offers, and the Learner expression for each
VIEW_EXPRESSIONS = {"config": "config", "model": "module", "observation_space": "module.observation_space",
                    "action_space": "module.action_space"}


@dataclass(frozen=True)
class RewriteOptions:
    """What the Learner being generated offers: ``algorithm`` (``"ppo"`` or None),
    ``stored``, the attributes the loss stores on its policy (they live on the Learner), and
    ``policy``, the name of the policy the hooks belong to (for findings)."""

    algorithm: str | None = None
    stored: frozenset[str] = frozenset()
    policy: str = ""  # the policy class (or builder result) the hooks belong to


def _is_super_call(node: cst.BaseExpression, method: str) -> bool:
    return (isinstance(node, cst.Attribute) and node.attr.value == method and isinstance(node.value, cst.Call)
            and isinstance(node.value.func, cst.Name) and node.value.func.value == "super" and not node.value.args)


_OBS_KEYS = frozenset({"obs", "new_obs"})
_OBS_ATTRS = frozenset({"OBS", "CUR_OBS", "NEXT_OBS"})


def _is_obs_key(ctx: FileContext, node: cst.Subscript) -> bool:
    """``train_batch["obs"]`` / ``train_batch[SampleBatch.CUR_OBS]`` (also ``OBS``, ``NEXT_OBS``, ``"new_obs"``)."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    key = node.slice[0].slice.value
    if isinstance(key, cst.SimpleString):
        return N.string_value(key) in _OBS_KEYS
    if isinstance(key, cst.Attribute) and key.attr.value in _OBS_ATTRS:
        names = set(ctx.qualified_names(key.value))
        if isinstance(key.value, cst.Name):
            names.add(key.value.value)
        return any(name.rsplit(".", 1)[-1] == "SampleBatch" for name in names)
    return False


def _dropped(ctx: FileContext, call: cst.Call) -> bool:
    names = set(ctx.qualified_names(call.func))
    if isinstance(call.func, cst.Name):
        names.add(call.func.value)
    return any(name.rsplit(".", 1)[-1] in _DROPPED_CALLS for name in names)


class LearnerUses(cst.CSTVisitor):
    """Marks the role references that sit in a pattern :class:`LearnerRewrite` knows."""

    def __init__(self, ctx: FileContext, refs: dict[str, set], options: RewriteOptions) -> None:
        self.ctx, self.refs, self.options = ctx, refs, options
        self.ok: set[cst.CSTNode] = set()
        self.super_ok: set[cst.Call] = set()  # super().loss(...) / super().stats_fn(...) with a parent Learner
        self.detail: dict[cst.CSTNode, str] = {}  # ref → the use that blocks it (for the finding)
        self.views: dict[cst.CSTNode, frozenset[str]] = {}  # policy ref handed to a helper → what it reads
        self.view_problems: dict[cst.CSTNode, str] = {}  # policy ref handed to a helper → why no view
        self._stores: set[cst.CSTNode] = set()  # attribute nodes assigned to

    def visit_Assign(self, node: cst.Assign) -> None:
        self._stores.update(t.target for t in node.targets)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._stores.add(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._stores.add(node.target)

    def _helper_view(self, call: cst.Call, name: str) -> None:
        """Mark the policy arguments of ``name(...)`` (a function of the run) that a view can stand in for."""
        helpers = self.ctx.project.helpers if self.ctx.project is not None else {}
        position = 0
        for arg in call.args:
            key: int | str | None = arg.keyword.value if arg.keyword is not None else (None if arg.star else position)
            if arg.keyword is None and not arg.star:
                position += 1
            if not self._is(arg.value, "policy"):
                continue
            helper = helpers.get(name)
            found = helper.for_argument(key) if helper is not None and key is not None else None
            if helper is None:
                self.view_problems[arg.value] = f"{name}(), which is not a function of this run the codemod could read"
            elif found is None:
                self.view_problems[arg.value] = f"{name}() ({helper.where}), which has no parameter for it"
            elif found[1] is not None:
                self.view_problems[arg.value] = f"{name}() ({helper.where}); there {found[1]}"
            elif found[0] - set(VIEW_EXPRESSIONS):
                extra = ", ".join(f"policy.{a}" for a in sorted(found[0] - set(VIEW_EXPRESSIONS)))
                self.view_problems[arg.value] = (f"{name}() ({helper.where}), which reads {extra}: policy state with "
                                                 "no Learner equivalent (a view offers config, model and the spaces)")
            else:
                self.ok.add(arg.value)
                self.views[arg.value] = found[0]

    def _is(self, node: cst.CSTNode, role: str) -> bool:
        return node in self.refs.get(role, ())

    def _policy_attrs(self) -> tuple[str, ...]:
        attrs = ("config", "model", "cur_lr", *_TARGETS, *SPACES, *self.options.stored)
        return attrs + (PPO_ATTRIBUTES if self.options.algorithm == "ppo" else ())

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if self._is(func, "model"):
            self.ok.add(func)
        elif self._is(func, "dist"):
            self.ok.add(func)
            for arg in node.args[1:]:
                if self._is(arg.value, "model"):
                    self.ok.add(arg.value)
        elif isinstance(func, cst.Attribute) and self._is(func.value, "model"):
            # value_function(), is_time_major(), or a method of the model's own class: the
            # migrated module keeps the model's methods (verify proves the call computes the same)
            self.ok.add(func.value)
        elif isinstance(func, cst.Attribute) and self._is(func.value, "base") and func.attr.value == "loss" \
                and self.options.algorithm:
            self.ok.add(func.value)
            self.ok.update(arg.value for arg in node.args if any(self._is(arg.value, r) for r in ("model", "dist")))
        elif isinstance(func, cst.Attribute) and self._is(func.value, "policy") and func.attr.value in ("get_tower_stats", "is_recurrent"):
            self.ok.add(func.value)
        elif self.options.algorithm and (_is_super_call(func, "loss") or _is_super_call(func, "stats_fn")):
            self.super_ok.add(node)
            self.ok.update(arg.value for arg in node.args if any(self._is(arg.value, r) for r in ("model", "dist")))
        elif _dropped(self.ctx, node):
            self.ok.update(arg.value for arg in node.args if self._is(arg.value, "policy"))
        elif isinstance(func, cst.Name) and any(self._is(arg.value, "policy") for arg in node.args):
            self._helper_view(node, func.value)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        value = node.value
        if isinstance(value, cst.Attribute) and self._is(value.value, "policy") and value.attr.value == "target_models":
            # policy.target_models[model]: the target copy of this very model
            for element in node.slice:
                if isinstance(element.slice, cst.Index) and self._is(element.slice.value, "model"):
                    self.ok.add(element.slice.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        value, attr = node.value, node.attr.value
        if self._is(value, "policy") and attr in self._policy_attrs():
            self.ok.add(value)
        elif self._is(value, "model") and attr in ("tower_stats", "parameters", "value_function"):
            self.ok.add(value)  # value_function also read/assigned: a centralized critic swaps it around the loss
        elif self._is(value, "model") and attr not in MODELV2_ATTRIBUTES and node not in self._stores:
            self.ok.add(value)  # the model class's own attribute (a side network, a flag): the module keeps it
        elif isinstance(value, cst.Name):
            self.detail.setdefault(value, f"{value.value}.{attr}")


def _target_forward(arg: cst.Arg) -> cst.BaseExpression:
    call = N.expression("self.target_model(module_id).forward_train(x)[Columns.ACTION_DIST_INPUTS]")
    assert isinstance(call, cst.Subscript) and isinstance(call.value, cst.Call)
    call = call.with_changes(value=call.value.with_changes(args=[arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)]))
    return cst.Tuple([cst.Element(call), cst.Element(cst.List([]))])


class LearnerRewrite(cst.CSTTransformer):
    """Replaces the patterns :class:`LearnerUses` accepted (see the module table)."""

    def __init__(self, ctx: FileContext, refs: dict[str, set], options: RewriteOptions,
                 views: dict[cst.CSTNode, frozenset[str]] | None = None, *, forward_out: bool = False) -> None:
        super().__init__()
        self.ctx, self.refs, self.options = ctx, refs, options
        self.forward_out = forward_out  # the method has fwd_out (the loss): values reuse its embeddings
        self.views = views or {}  # policy refs handed to a helper → the attributes its view offers
        self._model_inputs = 0  # > 0 inside the arguments of a model call (they stay raw obs)

    def _is(self, node: cst.CSTNode, role: str) -> bool:
        return node in self.refs.get(role, ())

    def visit_Call(self, node: cst.Call) -> None:
        if self._is(node.func, "model") or self._is_target(node.func):
            self._model_inputs += 1

    def _is_target(self, func: cst.BaseExpression) -> bool:
        if isinstance(func, cst.Subscript):
            func = func.value
        return isinstance(func, cst.Attribute) and self._is(func.value, "policy") and func.attr.value in _TARGETS

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine) -> cst.BaseStatement:
        small = original.body[0] if len(original.body) == 1 else None
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and _dropped(self.ctx, small.value):
            return updated.with_changes(body=[cst.Pass()])
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        func = original.func
        if self._is(func, "model") or self._is_target(func):
            self._model_inputs -= 1
        if (isinstance(func, cst.Name) and func.value == "len" and len(original.args) == 1
                and self._is(original.args[0].value, "batch")):
            # a SampleBatch's len() is its rows; a Learner batch is a plain dict of columns
            self.ctx.need("Columns")
            return N.expression("len(batch[Columns.OBS])")
        if self._is(func, "model"):
            self.ctx.need("Columns")
            if len(original.args) == 1 and self._is(original.args[0].value, "batch"):
                return N.expression("(fwd_out[Columns.ACTION_DIST_INPUTS], [])")
            call = N.expression("module.forward_train(x)[Columns.ACTION_DIST_INPUTS]")
            assert isinstance(call, cst.Subscript) and isinstance(call.value, cst.Call)
            inner = call.value.with_changes(args=[updated.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
            return cst.Tuple([cst.Element(call.with_changes(value=inner)), cst.Element(cst.List([]))])
        if self._is_target(func) and updated.args:
            self.ctx.need("Columns")
            return _target_forward(updated.args[0])
        if self._is(func, "dist") and updated.args:
            return cst.Call(
                func=N.expression("module.get_train_action_dist_cls().from_logits"),
                args=[updated.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)],
            )
        if isinstance(func, cst.Attribute) and self._is(func.value, "model"):
            if func.attr.value == "value_function":
                if self.forward_out:
                    self.ctx.need("Columns")
                    return N.expression("module.compute_values(batch, embeddings=fwd_out.get(Columns.EMBEDDINGS))")
                return N.expression("module.compute_values(batch)")
            if func.attr.value == "is_time_major":
                return cst.Name("False")
        if isinstance(func, cst.Attribute) and self._is(func.value, "policy"):
            if func.attr.value == "get_tower_stats":
                key = updated.args[0].value if updated.args else cst.SimpleString('""')
                return cst.List([cst.Element(cst.Subscript(N.expression("self.tower_stats"), [cst.SubscriptElement(cst.Index(key))]))])
            if func.attr.value == "is_recurrent":
                return N.expression("module.is_stateful()")
        if (_is_super_call(func, "loss") or isinstance(func, cst.Attribute) and func.attr.value == "loss"
                and self._is(func.value, "base")):
            return N.expression("super().compute_loss_for_module(module_id=module_id, config=config, batch=batch, fwd_out=fwd_out)")
        if _is_super_call(func, "stats_fn"):
            return cst.Dict([])
        return updated

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        target = original.targets[0].target if len(original.targets) == 1 else None
        if (isinstance(target, cst.Attribute) and self._is(target.value, "model") and target.attr.value == "value_function"
                and isinstance(updated.value, cst.Lambda)):
            # `model.value_function = lambda: v` → compute_values, called as compute_values(batch, embeddings=...)
            params = cst.Parameters(star_arg=cst.Param(cst.Name("args")), star_kwarg=cst.Param(cst.Name("kwargs")))
            return updated.with_changes(value=updated.value.with_changes(params=params))
        return updated

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        if self._is_target(original):  # policy.target_models[model] not called here: the target module
            return N.expression("self.target_model(module_id)")
        if self._is(original.value, "batch") and not self._model_inputs and _is_obs_key(self.ctx, original):
            # the legacy batch held preprocessed observations (one-hot, flattened), the Learner's
            # holds raw ones; a model's input stays raw (the module preprocesses it itself)
            # Ray ships no such helper: with --target ray it comes from rlmigrate, as
            # TargetModelsMixin does (_learner_convert._bases)
            helper = (self.ctx.need_from("rlmigrate.models.torch.legacy_inputs", "legacy_train_obs")
                      if self.ctx.target.name == "ray" else self.ctx.need("legacy_train_obs"))
            return cst.Call(func=helper, args=[cst.Arg(updated), cst.Arg(N.expression("module.observation_space"))])
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        value, attr = original.value, original.attr.value
        if self._is(value, "batch") and attr == "count":
            self.ctx.need("Columns")
            return N.expression("len(batch[Columns.OBS])")
        if self._is(value, "model") and attr == "value_function":
            return N.expression("module.compute_values")
        if attr == "tower_stats" and (
            self._is(value, "model")
            or (isinstance(value, cst.Attribute) and self._is(value.value, "policy") and value.attr.value == "model")
        ):
            return N.expression("self.tower_stats")
        if not self._is(value, "policy"):
            return updated
        simple = {
            "config": "config",
            "model": "module",
            "kl_coeff": "self.curr_kl_coeffs_per_module[module_id]",
            "entropy_coeff": "self.entropy_coeff_schedulers_per_module[module_id].get_current_value()",
            "kl_target": 'config["kl_target"]',
            "cur_lr": 'self.get_optimizer(module_id).param_groups[0]["lr"]',
            "target_model": "self.target_model(module_id)",
        }
        if attr in simple and (attr not in PPO_ATTRIBUTES or self.options.algorithm == "ppo"):
            return N.expression(simple[attr])
        if attr in SPACES:
            return N.expression(f"module.{attr}")
        if attr in self.options.stored:
            return N.expression(f"self.{attr}")
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original in self.views:
            view = self.ctx.need_from("rlmigrate.learner.policy_view", "LegacyPolicyView")
            offered = ", ".join(f"{a}={VIEW_EXPRESSIONS[a]}" for a in sorted(self.views[original]))
            return N.expression(f"{view.value}({offered})")
        for role, name in (("batch", "batch"), ("model", "module"), ("config", "config")):
            if self._is(original, role):
                return cst.Name(name)
        return updated
