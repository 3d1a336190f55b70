"""Legacy model idioms that have an exact new-stack counterpart (analysis half).

Each function looks at an analysed class (a ``ModelAnalysis``) and records, for the
converter, which original nodes to rewrite and how (``a.rewrites``: node -> function of the
updated node) and what to report (``a.notes``). They return the ``input_dict`` references
they account for, so the analysis does not report those as blockers.

* ``input_dict["is_training"]`` / ``input_dict.get("is_training", d)`` /
  ``input_dict.is_training``: the new stack says "training" by which forward method runs, so
  ``_forward`` takes ``is_training=False`` and a generated ``_forward_train`` passes True
  (exact on Ray 2.40, which does not switch train()/eval(), and on rlmigrate's runtime).
* ``if isinstance(input_dict, SampleBatch): A else: B``: batches are plain dicts, so B.
* ``self.helper(input_dict)`` where ``helper`` only reads ``input_dict["obs"]``: the helper
  gets ``batch`` (same key, ``Columns.OBS == "obs"``).
* ``value_function(self, x=None)``: RLlib always called it without arguments, so
  ``compute_values`` binds ``x = None``.
* ``hasattr(obs_space, "original_space")`` (always True under ModelCatalog), ``getattr(obs_space,
  "original_space", d)`` and ``restore_original_dimensions(obs, ...)``: the module's
  observation space and batches are the original (unflattened) ones.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.findings import CONVERTED, REVIEW
from rlmigrate.codemod.nodes import is_self_attr, string_value, walk
from rlmigrate.codemod.rules._model_kinds import ModelAnalysis

Block = Callable[[cst.CSTNode, str, str], None]
TRAINING_KEY = "is_training"
TRAINING_PARAM = "is_training"
# methods whose own conversion owns their input_dict (never treated as plain helpers)
_CONVERTED_METHODS = frozenset({"__init__", "forward", "forward_rnn", "value_function"})


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The analysis's cached walk of a method (each is asked a dozen questions)."""
    from rlmigrate.codemod.rules._model_analysis import _walk as cached

    return cached(node)


def _name(node: cst.CSTNode | None, value: str) -> bool:
    return isinstance(node, cst.Name) and node.value == value


def _key(ctx: FileContext, node: cst.BaseExpression) -> str | None:
    """A literal key or a legacy ``SampleBatch.X`` constant's name."""
    key = string_value(node)
    if key is None:
        symbols = ctx.legacy_symbols(node)
        key = next(iter(symbols)) if len(symbols) == 1 else None
    return key


def _subscript_key(ctx: FileContext, sub: cst.Subscript) -> str | None:
    if len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Index):
        return None
    return _key(ctx, sub.slice[0].slice.value)


def _input_names(node: cst.CSTNode, input_name: str) -> set[cst.CSTNode]:
    return {n for n in walk(node) if _name(n, input_name)}


# -- is_training and SampleBatch type checks -------------------------------------------------
def training_reads(ctx: FileContext, a: ModelAnalysis, forward: cst.FunctionDef, block: Block) -> set[cst.CSTNode]:
    """Record the rewrites of ``is_training`` reads and ``isinstance(input_dict, SampleBatch)``
    branches in ``forward``; the input_dict references they account for."""
    name = a.input_name or "input_dict"
    handled: set[cst.CSTNode] = set()
    dropped: set[cst.CSTNode] = set()
    for node in _walk(forward):
        if isinstance(node, cst.If):
            kept = _batch_type_branch(ctx, node, name)
            if kept is not None:
                handled |= _input_names(node.test, name)
                gone = node.orelse if kept == "body" else node.body
                if gone is not None:
                    dropped |= set(walk(gone))
                a.rewrites[node] = _branch_rewrite(kept)
                a.notes.append((node, CONVERTED,
                                f"the isinstance({name}, SampleBatch) branch is gone: new-stack "
                                "batches are plain dicts, so the other branch is what runs"))
    reads = [n for n in _walk(forward) if n not in dropped and _is_training_read(ctx, n, name)]
    handled |= {n for n in dropped if _name(n, name)}
    if not reads:
        return handled
    if not _training_name_free(forward, reads, dropped, block):
        return handled
    a.training_flag = True
    for read in reads:
        handled |= _input_names(read, name)
        a.rewrites[read] = lambda updated: cst.Name(TRAINING_PARAM)
    a.notes.append((reads[0], CONVERTED,
                    f"{name}[\"is_training\"] → the is_training argument of _forward: False for "
                    "forward_inference/forward_exploration, True from the generated "
                    "_forward_train (the new stack says training by which forward method runs)"))
    return handled


def _batch_type_branch(ctx: FileContext, node: cst.If, input_name: str) -> str | None:
    """"orelse" (the dict path is the else branch) / "body" (``if not isinstance(...)``) when
    ``node`` tests ``isinstance(input_dict, SampleBatch)``; else None."""
    test, negated = node.test, False
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        test, negated = test.expression, True
    if not (isinstance(test, cst.Call) and _name(test.func, "isinstance") and len(test.args) == 2):
        return None
    if not _name(test.args[0].value, input_name):
        return None
    if "SampleBatch" not in ctx.legacy_symbols(test.args[1].value):
        return None
    if negated:
        return "body" if not isinstance(node.orelse, cst.If) else None
    return "orelse"


def _branch_rewrite(kept: str) -> Callable[[cst.If], object]:
    """The statements of the branch that runs on the new stack; the comments of the dropped
    branch (and of the ``if``/``else`` lines) open them, so no comment is lost."""
    def rewrite(updated: cst.If) -> object:
        if kept == "body":
            block: cst.CSTNode | None = updated.body
        elif isinstance(updated.orelse, cst.If):
            block = updated.orelse  # `elif` becomes the `if`
        else:
            block = updated.orelse.body if updated.orelse is not None else None
        kept_nodes: list[cst.CSTNode] = []
        if isinstance(block, cst.IndentedBlock):
            kept_nodes = list(block.body)
        elif block is not None:
            kept_nodes = [block]
        keep = {id(n) for node in kept_nodes for n in walk(node)}
        own = {id(n) for line in updated.leading_lines for n in walk(line)}
        lines = [*updated.leading_lines] + [
            cst.EmptyLine(comment=c) for c in walk(updated)
            if isinstance(c, cst.Comment) and id(c) not in keep and id(c) not in own]
        if not any(line.comment for line in lines):
            lines = []  # blank lines alone: the traversal keeps the statement's own gap
        if block is None:
            statements: list[cst.BaseStatement] = [cst.SimpleStatementLine([cst.Pass()])] if lines else []
        elif isinstance(block, cst.If):
            statements = [block]
        elif isinstance(block, cst.IndentedBlock):
            statements = list(block.body)
        else:
            statements = [cst.SimpleStatementLine(body=block.body)]  # type: ignore[attr-defined]
        if not statements:
            return cst.RemovalSentinel.REMOVE
        if lines:
            first = statements[0]
            statements[0] = first.with_changes(leading_lines=[*lines, *first.leading_lines])
        return cst.FlattenSentinel(statements)
    return rewrite


def _is_training_read(ctx: FileContext, node: cst.CSTNode, input_name: str) -> bool:
    if isinstance(node, cst.Attribute):
        return _name(node.value, input_name) and node.attr.value == TRAINING_KEY
    if isinstance(node, cst.Subscript):
        return _name(node.value, input_name) and _subscript_key(ctx, node) == TRAINING_KEY
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        func = node.func
        return (_name(func.value, input_name) and func.attr.value == "get" and 1 <= len(node.args) <= 2
                and not any(arg.keyword or arg.star for arg in node.args)
                and _key(ctx, node.args[0].value) == TRAINING_KEY)
    return False


def _training_name_free(
    forward: cst.FunctionDef, reads: list[cst.CSTNode], dropped: set[cst.CSTNode], block: Block
) -> bool:
    """``is_training`` may be rebound in forward only from a training read (``is_training =
    bool(input_dict.get("is_training", False))``); a read of another ``is_training`` (a global)
    would see the new parameter."""
    inside = {id(n) for r in reads for n in walk(r)}
    assigned = False
    for node in _walk(forward):
        if node in dropped:
            continue
        targets: list[cst.BaseExpression] = []
        if isinstance(node, cst.Assign):
            targets = [t.target for t in node.targets]
            if any(_name(t, TRAINING_PARAM) for t in targets):
                if not any(id(n) in inside for n in walk(node.value)):
                    block(node, "RLM001", "forward() binds a local is_training that is not the "
                          "input's is_training flag; the rewrite passes the flag as the "
                          "_forward argument is_training: rename the local")
                    return False
                assigned = True
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign, cst.For, cst.WithItem, cst.NamedExpr)):
            target = getattr(node, "target", None) or getattr(getattr(node, "asname", None), "name", None)
            if target is not None and any(_name(n, TRAINING_PARAM) for n in walk(target)):
                block(node, "RLM001", "forward() rebinds is_training; the rewrite passes the "
                      "input's flag as the _forward argument is_training: rename the local")
                return False
    if not assigned and any(_name(n, TRAINING_PARAM) and id(n) not in inside and n not in dropped
                            for n in _walk(forward.body)):
        block(forward, "RLM001", "forward() reads a name is_training it does not bind; the "
              "rewrite adds an is_training argument to _forward that would hide it: rename it")
        return False
    return True


# -- input_dict handed to the class's own helper methods -----------------------------------
def helper_inputs(ctx: FileContext, a: ModelAnalysis, forward: cst.FunctionDef) -> set[cst.CSTNode]:
    """``self.helper(input_dict)`` where the helper reads only ``["obs"]`` / ``["obs_flat"]``
    of it: the call passes ``batch``; the input_dict references accounted for."""
    name = a.input_name or "input_dict"
    self_name = _self_of(forward)
    handled: set[cst.CSTNode] = set()
    for call in _walk(forward):
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and is_self_attr(call.func, self_name)):
            continue
        helper = a.methods.get(call.func.attr.value)
        if helper is None or helper.name.value in _CONVERTED_METHODS:
            continue
        for index, arg in enumerate(call.args):
            if arg.star or not _name(arg.value, name):
                continue
            param = _param_for(helper, index, arg)
            reads = _obs_reads(ctx, helper, param) if param is not None else None
            if reads is None:
                continue
            handled.add(arg.value)
            a.rewrites[arg.value] = lambda updated: cst.Name("batch")
            for sub, key in reads.items():
                a.rewrites[sub] = _obs_key_rewrite(ctx, key)
            a.notes.append((call, CONVERTED,
                            f"{helper.name.value}() gets the batch where it got {name}: it reads "
                            "only the observations (batch[Columns.OBS])"))
    return handled


def _obs_key_rewrite(ctx: FileContext, key: str) -> Callable[[cst.Subscript], cst.BaseExpression]:
    """``x["obs"]`` → ``x[Columns.OBS]``; ``x["obs_flat"]`` → ``x[Columns.OBS].flatten(start_dim=1)``."""
    def rewrite(updated: cst.Subscript) -> cst.BaseExpression:
        column = cst.Attribute(ctx.need("Columns"), cst.Name("OBS"))
        obs = updated.with_changes(slice=[cst.SubscriptElement(cst.Index(column))])
        if key == "obs":
            return obs
        return cst.Call(cst.Attribute(obs.with_changes(lpar=[], rpar=[]), cst.Name("flatten")),
                        args=[cst.Arg(cst.Integer("1"), keyword=cst.Name("start_dim"),
                                      equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))])
    return rewrite


def _self_of(method: cst.FunctionDef) -> str:
    positional = list(method.params.posonly_params) + list(method.params.params)
    return positional[0].name.value if positional else "self"


def _param_for(helper: cst.FunctionDef, index: int, arg: cst.Arg) -> cst.Param | None:
    positional = list(helper.params.posonly_params) + list(helper.params.params)
    if any(isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod"
           for d in helper.decorators):
        return None
    if arg.keyword is not None:
        return next((p for p in positional[1:] + list(helper.params.kwonly_params)
                     if p.name.value == arg.keyword.value), None)
    return positional[index + 1] if index + 1 < len(positional) else None


def _obs_reads(ctx: FileContext, helper: cst.FunctionDef, param: cst.Param) -> dict[cst.Subscript, str] | None:
    """``{subscript: "obs" | "obs_flat"}`` when every use of ``param`` in ``helper`` is such a
    subscript (and the name is never rebound); else None."""
    from rlmigrate.codemod.rules._model_analysis import OBS_KEYS  # the one table of obs keys

    name = param.name.value
    subscripts = {id(n.value): n for n in _walk(helper.body)
                  if isinstance(n, cst.Subscript) and _name(n.value, name)}
    reads: dict[cst.Subscript, str] = {}
    for node in _walk(helper.body):
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None  # a nested scope could capture it: not worth the risk
        if not _name(node, name):
            continue
        sub = subscripts.get(id(node))
        key = OBS_KEYS.get(_subscript_key(ctx, sub) or "") if sub is not None else None
        if sub is None or key is None:
            return None
        reads[sub] = key
    return reads or None


# -- value_function(self, x=None) ------------------------------------------------------------
def optional_value_params(vf: cst.FunctionDef) -> list[cst.Param] | None:
    """The parameters after ``self`` when all have defaults (and none is called ``batch`` or
    ``embeddings``, the names compute_values takes); None otherwise."""
    p = vf.params
    positional = list(p.posonly_params) + list(p.params)
    if not positional or isinstance(p.star_arg, cst.Param) or isinstance(p.star_kwarg, cst.Param):
        return None
    extra = positional[1:] + list(p.kwonly_params)
    if not extra or any(q.default is None or q.name.value in ("batch", "embeddings") for q in extra):
        return None
    return extra


def value_guards(a: ModelAnalysis, vf: cst.FunctionDef) -> set[cst.Assert]:
    """``assert self._cached is not None[, "call forward() first"]`` statements of
    value_function: compute_values computes what they guard from the batch."""
    body = vf.body.body if isinstance(vf.body, cst.IndentedBlock) else ()
    found: set[cst.Assert] = set()
    for stmt in body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            test = small.test if isinstance(small, cst.Assert) else None
            if (isinstance(test, cst.Comparison) and len(test.comparisons) == 1
                    and isinstance(test.comparisons[0].operator, cst.IsNot)
                    and _name(test.comparisons[0].comparator, "None") and test.left in a.cached_reads):
                found.add(small)  # type: ignore[arg-type]
    return found


# -- the original observation space ----------------------------------------------------------
def original_space_idioms(ctx: FileContext, a: ModelAnalysis) -> None:
    """``hasattr(obs, "original_space")`` → True, ``getattr(obs, "original_space", d)`` → obs and
    ``restore_original_dimensions(x, ...)`` → x, anywhere in the class."""
    obs = a.ctor_params.get("obs_space")
    for method_name, method in a.methods.items():
        self_name = _self_of(method)
        for node in _walk(method):
            if isinstance(node, cst.Assign) and len(node.targets) == 1 and _is_restore_in_place(ctx, node):
                a.removed_statements.add(node)  # `x = restore_original_dimensions(x, ...)`: x = x
            if not isinstance(node, cst.Call):
                continue
            func = node.func
            if _is_restore(ctx, func) and node.args:
                _restore(ctx, a, node)
                continue
            if not (isinstance(func, cst.Name) and func.value in ("hasattr", "getattr")):
                continue
            if len(node.args) < 2 or string_value(node.args[1].value) != "original_space":
                continue
            owner = node.args[0].value
            if not (is_self_attr(owner, self_name, "obs_space") or (
                    method_name == "__init__" and obs is not None and _name(owner, obs.name.value))):
                continue
            a.original_space_idioms = True
            if func.value == "hasattr" and len(node.args) == 2:
                a.rewrites[node] = lambda updated: cst.Name("True")
            elif func.value == "getattr" and len(node.args) == 3:
                a.rewrites[node] = lambda updated: updated.args[0].value
            else:
                continue
            a.notes.append((node, CONVERTED,
                            f"{func.value}(..., \"original_space\") → the observation space itself: "
                            "an RLModule is given the original (unflattened) space"))


def _is_restore(ctx: FileContext, func: cst.BaseExpression) -> bool:
    """``func`` is RLlib's ``restore_original_dimensions`` (the name is checked first: the
    qualified-name lookup is the costly part)."""
    terminal = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
    return terminal == "restore_original_dimensions" and "restore_original_dimensions" in ctx.legacy_symbols(func)


def _is_restore_in_place(ctx: FileContext, node: cst.Assign) -> bool:
    """``x = restore_original_dimensions(x, ...)`` (the rewrite would leave ``x = x``)."""
    value = node.value
    if not (isinstance(value, cst.Call) and value.args and not value.args[0].star
            and _is_restore(ctx, value.func)):
        return False
    return node.targets[0].target.deep_equals(value.args[0].value)


def _restore(ctx: FileContext, a: ModelAnalysis, node: cst.Call) -> None:
    first = node.args[0]
    if first.star or first.keyword is not None and first.keyword.value != "obs":
        return
    a.rewrites[node] = lambda updated: updated.args[0].value
    a.restores_obs = True
    value = first.value
    if isinstance(value, cst.Subscript) and a.obs_subscripts.get(value) == "obs_flat":
        a.obs_subscripts[value] = "obs"  # the restored structure is the batch's own observation
    known = isinstance(value, cst.Subscript) and value in a.obs_subscripts
    a.notes.append((node, CONVERTED if known else REVIEW,
                    "restore_original_dimensions(x, ...) → x: the batch's observation, read as "
                    "legacy_obs(batch[Columns.OBS], observation_space) (its original structure with "
                    "discrete leaves one-hot and float32 leaves, as the legacy model got it)" + (
                        "" if known else "; check that x is the batch's observation (not a "
                        "tensor this code flattened)")))


def no_forward_message(a: ModelAnalysis) -> str:
    """Why a class without a forward method is not converted, and where its code goes."""
    if a.forward_name == "forward_rnn":
        return ("no forward_rnn() method to convert: a stateful RLModule's _forward(batch) gets "
                "(B, T, ...) observations and Columns.STATE_IN; write it there")
    others = sorted(set(a.methods) - {"__init__"})
    defines = f"defines {', '.join(others)} for a policy to call" if others else \
        "adds no forward() to its legacy base"
    return (f"no forward() method: {a.node.name.value} {defines}, as a model interface that RLlib mixes into a default model "
            "(model_interface= of DQN/DDPG/SAC); on the new stack those layers and heads go "
            "into an RLModule's setup() with a _forward(batch) (or the algorithm's default "
            "RLModule)")


def parent_init_problem(a: ModelAnalysis, base: ModelAnalysis, call: cst.Call) -> str | None:
    """Why dropping the arguments of ``super().__init__(...)`` / ``Base.__init__(self, ...)``
    would change what the base's setup() sees (None when they are passed through unchanged).

    The base's setup() reads each argument back from the module (its spaces, its
    model_config and custom keys); that equals what the subclass passed only when the
    subclass handed on its own parameters under the same names."""
    args = list(call.args)
    if isinstance(call.func, cst.Attribute) and not isinstance(call.func.value, cst.Call):
        args = args[1:]  # Base.__init__(self, ...)
    own = {role: p.name.value for role, p in a.ctor_params.items()}
    own_custom = {p.name.value for p in a.custom_params}
    star = a.star_kwargs.name.value if isinstance(a.star_kwargs, cst.Param) else None
    base_custom = [p.name.value for p in base.custom_params]
    roles = ["obs_space", "action_space", "num_outputs", "model_config", "name"]
    for index, arg in enumerate(args):
        value = arg.value
        if arg.star == "**" and _name(value, star or ""):
            continue
        if arg.star or not isinstance(value, cst.Name):
            return "passes an expression to its base's __init__"
        if arg.keyword is not None:
            key = arg.keyword.value
            if key in roles and own.get(key) == value.value:
                continue
            if key == value.value and key in own_custom and key in base_custom:
                continue
            return f"passes {key}={value.value} to its base's __init__"
        if index < len(roles):
            if own.get(roles[index]) == value.value or roles[index] == "name":
                continue
            return f"passes {value.value} as {roles[index]} to its base's __init__"
        slot = index - len(roles)
        if slot < len(base_custom) and base_custom[slot] == value.value and value.value in own_custom:
            continue
        return f"passes {value.value} positionally to its base's __init__"
    return None
