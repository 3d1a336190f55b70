"""The policy half of the real-world measurement (issue 12).

* **shim match**: each policy Ray 2.10 built (``record_corpus.py`` → ``<cache>/oracle/policy__*``)
  is built again under ``shim.ray_compat`` from the same file, case and recorded config (the
  algorithm's defaults merged by Ray), Ray's perturbed model weights loaded
  (``load_state_dict(strict=True)``), and run on Ray's raw observations: actions, state outs
  and extra fetches (action-dist inputs, logp, value predictions) within ``ATOL``; outputs that
  changed between two of Ray's own differently seeded calls (``stochastic``) are compared by
  shape and, for actions, membership of the action space. Torch losses: the shim policy's
  ``loss(model, dist_class, batch)`` on Ray's postprocessed train batch vs Ray's loss and tower
  stats.
* **acting / learning verified**: for each policy whose rewrite defines ``<Policy>RLModule``
  (``<Policy>Learner``), ``rlmigrate verify`` (``--loss``) on the rewritten file, legacy side =
  the policy as the shim builds it with the case's config; ``custom_model`` names the case
  registers are registered first through a small generated wrapper module.
* **hooks still manual**: per hook kind (``loss``, ``postprocess_trajectory``, ...), the
  ``manual`` findings on policy definitions.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import policy_harness  # noqa: E402
import raw_obs  # noqa: E402

ATOL = 1e-5
LOSS_ATOL = 1e-4

#: Hook names a policy finding's message may name (fallback search), longest first.
HOOKS = sorted([
    "loss", "loss_fn", "stats_fn", "postprocess_fn", "postprocess_trajectory", "optimizer_fn",
    "optimizer", "extra_grad_process_fn", "extra_grad_process", "action_distribution_fn",
    "action_sampler_fn", "make_model_and_action_dist", "make_model", "before_init", "after_init",
    "before_loss_init", "mixins", "extra_action_out_fn", "extra_action_out", "compute_actions",
    "compute_actions_from_input_dict", "learn_on_batch", "compute_log_likelihoods",
    "get_initial_state", "compute_gradients", "apply_gradients", "extra_learn_fetches_fn",
    "grad_stats_fn", "validate_spaces", "get_default_config", "stats",
], key=len, reverse=True)
_HOOK_CALL_RE = re.compile(r"(?:\.|\b)(" + "|".join(HOOKS) + r")(?:\(\)|=)")
_LEFT_RE = re.compile(r"^[\w.]*?(?:\.|: )(\w+)(?:\(\))? left in place")
#: (message fragment, hook kind) for findings that are about the whole policy, not one hook.
_WHOLE = [
    ("no Learner generated", "loss"),
    ("no RLModule generated", "acting (no module generated)"),
    ("TensorFlow", "TensorFlow policy"),
    ("ViewRequirement", "view_requirements"),
    ("with_updates()", "with_updates template (port by hand)"),
    ("port by hand", "whole policy class (port by hand)"),
    ("port it by hand", "whole policy class (port by hand)"),
]


@dataclass
class PolicyShimResult:
    """One policy's outcome under the shim vs Ray 2.10's recording."""

    id: str
    file: str
    policy: str
    framework: str
    ray_buildable: bool
    ray_error: str = ""
    status: str = ""  # match | mismatch | import | build | weights | act | no-recording | ray-unbuildable
    error: str = ""
    where: str = ""
    max_abs_diff: float = 0.0
    compared: list[str] = field(default_factory=list)
    stochastic: list[str] = field(default_factory=list)
    loss: str = ""  # match | mismatch | error: ... | "" (Ray recorded no loss)
    loss_message: str = ""
    modernized: list[str] = field(default_factory=list)  # codes: recorded from the modernized file
    #: packages whose __init__.py the recording did not run (its ``isolated_package_init``)
    isolated_package_init: list[str] = field(default_factory=list)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    line = text[0].split(". Aliased modules:")[0] if text else ""
    return f"{type(exc).__name__}: {line[:300]}".rstrip(": ")


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}


def compare_outputs(expected: dict[str, np.ndarray], got: dict[str, np.ndarray],
                    stochastic: list[str], action_space: Any, atol: float = ATOL) -> dict[str, float]:
    """Per recorded output, the max |diff| (``inf``: missing or a shape change). A
    ``stochastic`` output only has to keep its shape (and, for actions, lie in
    ``action_space``): 0.0 then, ``inf`` otherwise."""
    from judge_shim import _diff

    diffs: dict[str, float] = {}
    for key, want in expected.items():
        have = got.get(key)
        if have is None:
            diffs[key] = float("inf")
        elif key in stochastic:
            same_shape = np.asarray(have).shape == want.shape
            inside = True
            if key == "actions" and action_space is not None and same_shape:
                inside = all(action_space.contains(_as_action(action_space, a)) for a in np.asarray(have))
            diffs[key] = 0.0 if same_shape and inside else float("inf")
        else:
            diffs[key] = _diff(have, want)
    return diffs


def _as_action(space: Any, value: Any) -> Any:
    kind = type(space).__name__
    if kind == "Discrete":
        return int(value)
    return np.asarray(value, dtype=space.dtype) if getattr(space, "dtype", None) is not None else value


def judge_policy(cache: Path, entry: dict[str, Any], pol: dict[str, Any]) -> PolicyShimResult:
    """Build the policy under the shim as Ray did, load Ray's weights, replay Ray's inputs, in
    the case's ``run_dir`` and with the repository on the import path, as the recorder did
    (``policy_harness.run_directory``, ``harness.repository_on_path``); never raises
    (``shim.ray_compat`` must be installed)."""
    cache = cache.resolve()
    source = recorded_source(cache, entry, pol)
    with policy_harness.run_directory(pol.get("case", {}), source, entry), harness.repository_on_path(source, entry):
        return _judge_policy(cache, entry, pol, source, bool(isolated_packages(cache, entry, pol)))


def _recording(cache: Path, entry: dict[str, Any], pol: dict[str, Any]) -> dict[str, Any]:
    meta_path = cache / "oracle" / f"{policy_harness.policy_id(entry, pol)}.json"
    return json.loads(meta_path.read_text()) if meta_path.is_file() else {}


def recorded_source(cache: Path, entry: dict[str, Any], pol: dict[str, Any]) -> Path:
    """The copy the recorder built the policy from: ``cache``, or its modernized copy when the
    recording says so (``modernized``: Ray 2.10 imported the file only after the modernize
    fixes), so the shim runs the very file Ray 2.10 ran."""
    if _recording(cache, entry, pol).get("modernized"):
        return cache / harness.MODERNIZED
    return cache


def isolated_packages(cache: Path, entry: dict[str, Any], pol: dict[str, Any]) -> list[str]:
    """The packages whose ``__init__.py`` the recorder did not run when it imported the
    policy's file (the recording's ``isolated_package_init``), ``[]`` when it ran them all:
    the shim judge and verify's legacy side import the file the same way."""
    return list((_recording(cache, entry, pol).get("isolated_package_init") or {}).get("packages", []))


def _judge_policy(cache: Path, entry: dict[str, Any], pol: dict[str, Any], source: Path,
                  isolate: bool = False) -> PolicyShimResult:
    import torch
    from safetensors.numpy import load_file

    pid = policy_harness.policy_id(entry, pol)
    result = PolicyShimResult(pid, entry["id"], pol["name"], pol["framework"], ray_buildable=False)
    meta_path = cache / "oracle" / f"{pid}.json"
    if not meta_path.is_file():
        result.status, result.error = "no-recording", "run record_corpus.py --policies-only (no Ray recording)"
        return result
    meta = json.loads(meta_path.read_text())
    result.ray_buildable = bool(meta["ray_buildable"])
    result.modernized = list((meta.get("modernized") or {}).get("codes", []))
    result.isolated_package_init = list((meta.get("isolated_package_init") or {}).get("packages", []))
    if not result.ray_buildable:
        result.status, result.ray_error = "ray-unbuildable", f"{meta.get('stage')}: {meta.get('error')}"
        return result
    case = pol["case"]
    arrays = load_file(str(cache / "oracle" / f"{pid}.safetensors"))
    result.stochastic = list(meta.get("stochastic", []))
    stage = "import"
    try:
        module = harness.import_module(source, entry, isolate_package_init=isolate)
        cls = getattr(module, pol["name"])
        policy_harness.set_module_globals(module, case)
        root = harness.import_root(source, entry)
        stage = "build"
        policy_harness.register_models(case, root)
        policy, prep, raw_space = policy_harness.build_policy(cls, case, meta["config"])
        stage = "weights"
        model = policy_harness.torch_model(policy)
        weights = _prefixed(arrays, "w/")
        if weights:
            if model is None:
                raise ValueError(f"Ray's policy has a torch model ({meta.get('model_type')}), the shim's none")
            model.load_state_dict({k: torch.as_tensor(v) for k, v in weights.items()}, strict=True)
        stage = "act"
        raw = raw_obs.unflatten_raw(raw_space, _prefixed(arrays, "in/raw/"), int(meta["rows"]))
        obs = policy_harness.observations(prep, raw)
        state_in = _prefixed(arrays, "in/state_in/")
        state = [state_in[str(i)] for i in range(len(state_in))] or None
        outputs = policy_harness.act(policy, obs, state, policy_harness.SEED,
                                     columns=_prefixed(arrays, "in/input/"))
    except BaseException as exc:  # noqa: BLE001 - every failure is a measured result
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.status, result.error, result.where = stage, _first_line(exc), _where(exc)
        return result
    diffs = compare_outputs(_prefixed(arrays, "out/"), outputs, result.stochastic, policy.action_space)
    result.compared = sorted(diffs)
    result.max_abs_diff = max(diffs.values()) if diffs else 0.0
    bad = sorted(k for k, d in diffs.items() if not d <= ATOL)
    result.status = "mismatch" if bad else "match"
    if bad:
        result.error = "differs from Ray 2.10: " + ", ".join(f"{k} (max |diff| {diffs[k]:.3g})" for k in bad)
    if meta.get("loss"):
        result.loss, result.loss_message = _judge_loss(policy, arrays)
    return result


def _judge_loss(policy: Any, arrays: dict[str, np.ndarray]) -> tuple[str, str]:
    try:
        got = policy_harness.loss(policy, _prefixed(arrays, "loss_in/"), policy_harness.SEED + 4)
    except BaseException as exc:  # noqa: BLE001 - a measured result
        if isinstance(exc, KeyboardInterrupt):
            raise
        return "error", f"{_first_line(exc)} {_where(exc)}".strip()
    from judge_shim import _diff

    # tower stats are 0-d on one side and (1,) on the other: compared flat
    diffs = {k: _diff(np.ravel(got[k]), np.ravel(v)) if k in got else float("inf")
             for k, v in _prefixed(arrays, "loss_out/").items()}
    bad = sorted(k for k, d in diffs.items() if not d <= LOSS_ATOL)
    if bad:
        return "mismatch", ", ".join(f"{k} (max |diff| {diffs[k]:.3g})" for k in bad)
    return "match", f"{len(diffs)} quantities within {LOSS_ATOL:g}"


def judge_all(cache: Path, manifest: dict[str, Any]) -> list[PolicyShimResult]:
    """Every policy with a case, under the shim."""
    return [judge_policy(cache, entry, pol) for entry in manifest["files"]
            for pol in entry["policies"] if "case" in pol]


def shim_figures(rows: list[dict[str, Any]], reason: Any = None) -> dict[str, Any]:
    """Policies recorded, Ray-built, and of those: matched under the shim; losses too;
    ``reason`` (``judge.reason``) groups the failures' first error lines."""
    group = reason or (lambda error: error)
    built = [r for r in rows if r["ray_buildable"]]
    losses = [r for r in built if r["loss"]]
    return {
        "policies_with_case": len(rows),
        "ray_built": len(built),
        "shim_match": sum(r["status"] == "match" for r in built),
        "shim_match_pct": _pct(sum(r["status"] == "match" for r in built), len(built)),
        "numeric_mismatches": sum(r["status"] == "mismatch" for r in built),
        "stochastic_compared_by_shape": sum(bool(r["stochastic"]) for r in built if r["status"] == "match"),
        "failure_stages": dict(Counter(r["status"] for r in built if r["status"] != "match")),
        "failure_reasons": dict(Counter(
            group(r["error"]) for r in built if r["status"] not in ("match", "mismatch")).most_common()),
        "ray_unbuilt_reasons": dict(Counter(
            group(r["ray_error"]) for r in rows if r["status"] == "ray-unbuildable").most_common()),
        "ray_losses": len(losses),
        "shim_loss_match": sum(r["loss"] == "match" for r in losses),
        "not_recorded": sum(r["status"] == "no-recording" for r in rows),
        "ray_built_modernized": sum(bool(r.get("modernized")) for r in built),
        "ray_built_isolated_init": sum(bool(r.get("isolated_package_init")) for r in built),
    }


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


# ----------------------------------------------------------------------------- static facts
def _definition(tree: ast.AST, pol: dict[str, Any]) -> ast.AST | None:
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) == pol["line"] and isinstance(
                node, (ast.ClassDef, ast.Assign, ast.AnnAssign, ast.Expr, ast.Call)):
            return node
    return None


def defines_loss(source: str, pol: dict[str, Any]) -> bool:
    """Whether the policy definition brings its own loss: a ``loss`` method on the class, or a
    ``loss_fn=`` keyword of the builder / ``with_updates`` call."""
    try:
        node = _definition(ast.parse(source), pol)
    except SyntaxError:
        return False
    if node is None:
        return False
    if isinstance(node, ast.ClassDef):
        return any(isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef)) and b.name in ("loss", "loss_fn")
                   for b in node.body)
    return any(isinstance(n, ast.keyword) and n.arg == "loss_fn" for n in ast.walk(node))


def hook_kind(name: str) -> str:
    """One kind per hook, whichever API named it: builder keywords (``loss_fn``) and methods
    (``loss``) alike; ``postprocess_fn`` / ``postprocess_trajectory`` are ``postprocess``."""
    name = name[:-3] if name.endswith("_fn") else name
    return "postprocess" if name.startswith("postprocess") else name


def hook_of(finding: dict[str, Any]) -> str:
    """The hook kind a policy finding is about, read from its message: ``X.hook() left in
    place`` / ``X: hook_fn left in place`` (RLM032), whole-policy findings by their wording
    (no Learner → ``loss``, no RLModule, TensorFlow, port by hand), else the first hook named
    as a call or keyword; ``other: <code>`` when none is named."""
    message = finding["message"]
    left = _LEFT_RE.match(message)
    if left:
        return hook_kind(left.group(1))
    for fragment, kind in _WHOLE:
        if fragment in message:
            return kind
    named = _HOOK_CALL_RE.search(message)
    return hook_kind(named.group(1)) if named else f"other: {finding['code']}"


def manual_hooks(findings: list[dict[str, Any]]) -> list[str]:
    """Hook kinds the ``manual`` findings on a policy definition are about (sorted, unique)."""
    return sorted({hook_of(f) for f in findings if f["status"] == "manual"})


# ----------------------------------------------------------------------------- verify
def _module_file(tree: Path, entry: dict[str, Any], dotted: str) -> Path:
    """Where ``dotted`` (``pkg.mod.Class``'s module part) lives in the copied corpus ``tree``."""
    repo = tree / entry["repo"].replace("/", "+", 1)
    parts = dotted.split(".")
    if parts[0] == "ray":
        return tree / "ray-project+ray" / Path(*parts[1:]).with_suffix(".py")
    return repo / entry.get("import_root", "") / Path(*parts).with_suffix(".py")


#: ``ray.rllib.examples...`` modules a file imports (the shim ships no examples: the judge
#: serves them from the corpus copy, as it runs Ray's own corpus files)
ray_example_imports = harness.ray_example_imports


def example_closure(tree: Path, entry: dict[str, Any], modules: list[str]) -> list[str]:
    """The ``ray.rllib.examples`` ``modules`` the copied corpus ``tree`` holds, with the example
    modules each of them imports in turn, every module after its own example imports (the
    order :func:`harness.serve_ray_examples` loads them in): a policy file's example RLModule
    may subclass another example module (``episode_env_aware_rlm`` → ``random_rl_module``)."""
    order: list[str] = []

    def visit(module: str, seen: frozenset[str]) -> None:
        path = _module_file(tree, entry, module)
        if module in order or module in seen or not path.is_file():
            return
        text = path.read_text(encoding="utf-8", errors="replace")
        for dependency in ray_example_imports(text):
            visit(dependency, seen | {module})
        order.append(module)

    for module in modules:
        visit(module, frozenset())
    return order


def wrapper_source(entry: dict[str, Any], pol: dict[str, Any], src: Path, out: Path,
                   migrated: list[str], examples: list[str] = (), isolate: bool = False) -> str:
    """A module that first puts the corpus copies of the ``examples`` Ray modules in
    ``sys.modules`` under their own names, registers the case's ``custom_model`` (and
    ``custom_action_dist``) names (legacy classes, from the un-rewritten copy ``src``), then exports the legacy policy from ``src``'s
    file and the ``migrated`` names from the rewritten file in ``out`` (loaded after the
    project's modules and the ``examples`` are swapped for their rewritten copies in ``out``,
    so each side imports its own version of them): what the repository's training script did
    before building the policy, next to what the rewrite generated. With ``isolate`` (the
    recording's ``isolated_package_init``) the policy file's parent packages are empty
    packages on each side, their ``__init__.py`` not run, by the recorder's own
    ``package_init.py`` (loaded by path)."""
    lines = ["import importlib.util, sys", "from ray.rllib.models import ModelCatalog", "",
             "def _load(name, path):",
             "    spec = importlib.util.spec_from_file_location(name, path)",
             "    module = importlib.util.module_from_spec(spec)",
             "    sys.modules[name] = module",
             "    spec.loader.exec_module(module)",
             "    return module", "",
             "def _register(name, cls):",
             "    from ray.rllib.models.action_dist import ActionDistribution",
             "    if isinstance(cls, type) and issubclass(cls, ActionDistribution):",
             "        ModelCatalog.register_custom_action_dist(name, cls)",
             "    else:",
             "        ModelCatalog.register_custom_model(name, cls)", ""]
    for module in examples:
        lines.append(f"_load({module!r}, {str(_module_file(src, entry, module))!r})")
    legacy_root = src / entry["repo"].replace("/", "+", 1) / entry.get("import_root", "")
    if isolate:
        lines.append(f"_package_init = _load('_corpus_package_init', {str(harness.HERE / 'package_init.py')!r})")
        lines.append(f"_package_init.install_empty_packages({str(legacy_root)!r}, {entry['module']!r})")
    # _register picks register_custom_action_dist or register_custom_model by the class
    registrations = sorted(pol["case"].get("register", {}).items())
    for i, (name, dotted) in enumerate(registrations):
        module, _, attr = dotted.rpartition(".")
        loader = (f"sys.modules[{module!r}]" if module in examples else
                  f"_load('_judge_legacy_{i}_{module.replace('.', '_')}', "
                  f"{str(_module_file(src, entry, module))!r})")
        lines.append(f"_register({name!r}, {loader}.{attr})")
    rel = Path(entry["repo"].replace("/", "+", 1)) / entry["path"]
    lines.append(f"_legacy = _load('_judge_legacy_{pol['name']}', {str(src / rel)!r})")
    lines.append(f"{pol['name']} = _legacy.{pol['name']}")
    if migrated:
        # the rewritten file imports the rewritten copies of the project's modules and of those
        # Ray modules (its models may be modules now), as a user's migrated project would: the
        # legacy copies leave sys.modules (the legacy side keeps its references), the rewritten
        # import root goes first on sys.path, the Ray examples load from their rewritten copies
        root = out / entry["repo"].replace("/", "+", 1) / entry.get("import_root", "")
        lines += legacy_imports_source(src, legacy_root, out, root)
        if isolate:
            lines.append(f"_package_init.install_empty_packages({str(root)!r}, {entry['module']!r})")
        for module in examples:
            rewritten = _module_file(out, entry, module)
            if rewritten.is_file():
                lines.append(f"_load({module!r}, {str(rewritten)!r})")
        lines.append(f"_rewritten = _load('_judge_rewritten_{pol['name']}', {str(out / rel)!r})")
        lines += migrated_registrations_source(registrations)
        lines += [f"{n} = _rewritten.{n}" for n in migrated]
    return "\n".join(lines) + "\n"


def migrated_registrations_source(registrations: list[tuple[str, str]]) -> list[str]:
    """Wrapper lines that register the rewritten twins of the case's registered classes under the
    same names (:mod:`rlmigrate.core.custom_models`), as the user's migrated project registers its
    migrated models and distributions: a generated module that acts with its model config's
    ``custom_model`` finds them there. A class the rewrite left legacy (not a module or a
    distribution) stays unregistered, so such a module says which registration is missing. A
    distribution the rewrite kept in the legacy contract (a model-aware one, built as
    ``cls(inputs, model)``: RLM040 reports it) is registered as it is; the module binds it to
    itself (:mod:`rlmigrate.distributions.model_aware`)."""
    if not registrations:
        return []
    lines = ["import importlib",
             "from rlmigrate import RLModule, Distribution",
             "from rlmigrate.core.custom_models import register_custom_action_dist, register_custom_module",
             "from rlmigrate.distributions.model_aware import is_legacy_contract",
             "",
             "def _register_migrated(name, dotted):",
             "    module, _, attr = dotted.rpartition('.')",
             "    cls = getattr(importlib.import_module(module), attr)",
             "    if isinstance(cls, type) and issubclass(cls, RLModule):",
             "        register_custom_module(name, cls)",
             "    elif isinstance(cls, type) and issubclass(cls, Distribution) or is_legacy_contract(cls):",
             "        register_custom_action_dist(name, cls)", ""]
    lines += [f"_register_migrated({name!r}, {dotted!r})" for name, dotted in registrations]
    return lines


def legacy_imports_source(src: Path, legacy_root: Path, out: Path, root: Path) -> list[str]:
    """Wrapper lines that swap the legacy project (modules loaded from ``src``) out of
    ``sys.modules`` and put the rewritten import ``root`` first on ``sys.path``, while an import
    statement run by legacy code (a hook's ``from models import make_model`` inside
    ``make_model``, executed when verify builds the legacy policy) still gets the legacy
    project: ``builtins.__import__`` sees the importing module's globals and, for a module of
    the legacy project (loaded before the swap, or by such an import), imports with the legacy
    modules (and ``legacy_root`` first) in place, as the legacy training run had them; a file
    under ``src`` that the rewritten side loads itself (an installed package root both sides
    share) imports normally. A legacy module loaded under a private name (a
    registered model) also answers to its own dotted name, so a hook's import of it finds the
    very class that was registered."""
    return [
        "import builtins, os",
        f"_LEGACY, _REWRITTEN = {str(src) + '/'!r}, {str(out) + '/'!r}",
        f"_LEGACY_ROOT, _REWRITTEN_ROOT = {str(legacy_root)!r}, {str(root)!r}",
        "",
        "def _project(prefix):",
        "    return {n: m for n, m in list(sys.modules.items())",
        "            if (getattr(m, '__file__', None) or '').startswith(prefix)}",
        "",
        "def _dotted(module):",
        "    rel = os.path.relpath(module.__file__, _LEGACY_ROOT)[:-3].replace(os.sep, '.')",
        "    return rel[:-len('.__init__')] if rel.endswith('.__init__') else rel",
        "",
        "_legacy_project = _project(_LEGACY)",
        "for _module in list(_legacy_project.values()):",
        "    if not os.path.relpath(_module.__file__, _LEGACY_ROOT).startswith('..'):",
        "        _legacy_project.setdefault(_dotted(_module), _module)",
        "for _name in _legacy_project:",
        "    sys.modules.pop(_name, None)",
        "sys.path.insert(0, _REWRITTEN_ROOT)",
        "_real_import, _depth = builtins.__import__, [0]",
        "",
        "_legacy_globals = {id(m.__dict__) for m in _legacy_project.values()}",
        "",
        "def _import(name, globals=None, locals=None, fromlist=(), level=0):",
        "    if _depth[0] or id(globals) not in _legacy_globals:",
        "        return _real_import(name, globals, locals, fromlist, level)",
        "    rewritten = _project(_REWRITTEN)",
        "    for n in rewritten:",
        "        del sys.modules[n]",
        "    sys.modules.update(_legacy_project)",
        "    sys.path.remove(_REWRITTEN_ROOT)",
        "    sys.path.insert(0, _LEGACY_ROOT)",
        "    _depth[0] += 1",
        "    try:",
        "        return _real_import(name, globals, locals, fromlist, level)",
        "    finally:",
        "        _depth[0] -= 1",
        "        _legacy_project.update(_project(_LEGACY))",
        "        _legacy_globals.update(id(m.__dict__) for m in _legacy_project.values())",
        "        for n in _legacy_project:",
        "            sys.modules.pop(n, None)",
        "        sys.modules.update(rewritten)",
        "        sys.path.remove(_LEGACY_ROOT)",
        "        sys.path.insert(0, _REWRITTEN_ROOT)",
        "",
        "builtins.__import__ = _import",
    ]


def verify_policy(repo_root: Path, entry: dict[str, Any], pol: dict[str, Any], src: Path, out: Path,
                  work: Path, learner: bool = False, observations: Path | None = None,
                  isolate: bool = False) -> tuple[str, str]:
    """``rlmigrate verify`` (``--loss`` with ``learner``) of the legacy policy (the original
    file, as the class verify does: the rewrite may have turned the policy's own model into a
    module) vs the rewritten file's ``<Policy>RLModule`` / ``<Policy>Learner``, with the case,
    run in the case's ``run_dir`` of the un-rewritten copy ``src`` when it names one (both
    sides then open the repository's data files there); (verdict, message). A case that
    registers models goes through :func:`wrapper_source`. ``observations``: the case
    environment's recorded observations (``record_observations.py``), given to the acting
    verify as ``--observations``. ``isolate``: the recorder imported the file with its
    packages' ``__init__.py`` not run (``isolated_package_init``), so the wrapper does too."""
    from judge_codemod import run_verify, verify_supports

    case = pol["case"]
    name = pol["name"]
    rel = f"{entry['repo'].replace('/', '+', 1)}/{entry['path']}"
    legacy, target = src / rel, out / rel
    migrated = f"{name}Learner" if learner else f"{name}RLModule"
    text = legacy.read_text(encoding="utf-8", errors="replace") if legacy.is_file() else ""
    examples = example_closure(src, entry, ray_example_imports(text))
    examples += sorted({d.rpartition(".")[0] for d in case.get("register", {}).values()
                        if d.startswith("ray.rllib.examples.")} - set(examples))
    if case.get("register") or examples or isolate:
        wrapper = work / "wrappers" / f"{policy_harness.policy_id(entry, pol)}.py"
        wrapper.parent.mkdir(parents=True, exist_ok=True)
        wrapper.write_text(wrapper_source(entry, pol, src, out, sorted({migrated, f"{name}RLModule"}),
                                          examples, isolate=isolate))
        legacy = target = wrapper
    # the framework key an Algorithm always put in the policy config (mixins read it)
    config = {"framework": "tf" if pol.get("framework") == "tf" else "torch", **case.get("config", {})}
    if case.get("algorithm"):  # an Algorithm's policy gets its full model config
        from shim.models.model_defaults import MODEL_DEFAULTS

        config["model"] = policy_harness.algorithm_model_config(case, MODEL_DEFAULTS)
    args = [sys.executable, "-m", "rlmigrate.cli", "verify", f"{legacy}:{name}", f"{target}:{migrated}",
            "--obs-space", case["obs_space"], "--action-space", case["action_space"],
            "--format", "json", "--examples", "20"]
    if learner:
        args += ["--loss", "--policy-config", json.dumps(config)]
        if target != legacy:
            args += ["--module", f"{name}RLModule"]
        for column, space in sorted(case.get("loss_columns", {}).items()):  # columns of the policy's own
            args += ["--column", f"{column}={space}"]
    else:
        args += ["--model-config", json.dumps(config.get("model", {}))]
        if verify_supports(repo_root, "--config"):
            args += ["--config", json.dumps(config)]
        if observations is not None and observations.is_file() and verify_supports(repo_root, "--observations"):
            args += ["--observations", str(observations)]
    root = src / entry["repo"].replace("/", "+", 1) / entry.get("import_root", "")
    verdict, message = run_verify(repo_root, args, root if root.is_dir() else src,
                                  harness.package_paths(src, entry),
                                  policy_harness.run_dir(case, src, entry))
    return verdict, message.replace(f"{out}/", "migrated:").replace(f"{src}/", "")


def with_ray_status(verdict: str, message: str, file_record: dict[str, Any],
                    policy_record: dict[str, Any]) -> str:
    """``message`` of the acting verify, with what Ray 2.10 said about the same legacy side:
    ``file_record`` (``policies.json``: ``ray_importable`` false and its ``error``) when the
    verify could not import the file either, so the table says the legacy side does not build
    on Ray 2.10 (pre-2.10 API such as ``ray.rllib.agents``) rather than blame the migration;
    ``policy_record`` (the policy's recording: ``ray_buildable`` false, ``stage``, ``error``)
    whatever the verdict, so a policy proven under a case that Ray 2.10 itself could not build
    says so. The verdict is not changed."""
    notes = []
    codes = (policy_record.get("modernized") or {}).get("codes") if policy_record else None
    isolated = (policy_record.get("isolated_package_init") or {}) if policy_record else {}
    if isolated:
        notes.append(f"legacy side: the policy's module imported with its package's __init__.py not run "
                     f"({', '.join(isolated.get('packages', []))}: {isolated.get('error', '')})")
    if codes:
        notes.append(f"legacy side: the file after the modernize fixes only ({', '.join(codes)}), "
                     "which Ray 2.10 imports")
    elif file_record.get("ray_importable") is False and message.startswith("importing "):
        notes.append(f"legacy side does not build on Ray 2.10 ({file_record.get('error', 'import failed')})")
    elif policy_record and policy_record.get("ray_buildable") is False:
        notes.append(f"Ray 2.10 did not build this case ({policy_record.get('stage')}: "
                     f"{policy_record.get('error')})")
    if not notes:
        return message
    return "; ".join([*notes, message] if message else notes)


# ----------------------------------------------------------------------------- figures
def policy_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Issue 12's figures from the policy rows of ``judge_codemod`` (``framework``,
    ``finding``, ``module_generated``, ``learner_generated``, ``verify_act``,
    ``verify_loss``, ``custom_loss``, ``ray_importable``, ``manual_hooks``).

    Acting denominators: the torch + framework-free definitions (``framework != "tf"``: a
    generated torch module can replace them), and of those the ones in files Ray 2.10
    imports. Learning denominator: those definitions that bring their own loss.

    A policy whose file Ray 2.10 imports only after the modernize fixes (``modernized``: the
    codes, RLM035/RLM036) is recorded, shim-run and verified against that modernized file; it
    counts in ``acting_proven`` (and ``learners_proven``) like any other, is counted apart in
    ``acting_modernized_proven`` / ``learners_modernized_proven``, and never in the
    ``acting_ray_importable_*`` figures, which stay those of the files Ray 2.10 imports as
    they are. Likewise a policy whose module Ray 2.10 imports only with its package's
    ``__init__.py`` not run (``isolated_package_init``: the packages): counted apart in
    ``acting_isolated_init_proven`` / ``learners_isolated_init_proven``, never as
    Ray-2.10-importable.

    A verdict counts as proven only when Ray 2.10 built the policy with its case (``ray_built``:
    the recording's ``ray_buildable``): the legacy side is what Ray 2.10 builds, so a policy the
    shim builds where Ray did not (a case Ray rejects, user code Ray's constructor runs and
    fails in) is proven against nothing real. ``acting_unbuilt_equivalent`` counts those."""
    acting = [r for r in rows if r["framework"] != "tf"]
    acting_ray = [r for r in acting if r.get("ray_importable") is True]
    losses = [r for r in acting if r.get("custom_loss")]
    proven = [r for r in acting if counted(r, "verify_act")]
    learned = [r for r in losses if counted(r, "verify_loss")]
    hooks = Counter(h for r in rows for h in r.get("manual_hooks", []))
    return {
        "policies": len(rows),
        "policies_without_finding": sum(not r["finding"] for r in rows),
        "acting_denominator": len(acting),
        "acting_module_generated": sum(r["module_generated"] for r in acting),
        "acting_proven": len(proven),
        "acting_proven_pct": _pct(len(proven), len(acting)),
        "acting_ray_importable_denominator": len(acting_ray),
        "acting_ray_importable_proven": sum(r in proven for r in acting_ray),
        "acting_ray_importable_proven_pct": _pct(sum(r in proven for r in acting_ray), len(acting_ray)),
        "acting_modernized_proven": sum(bool(r.get("modernized")) for r in proven),
        "acting_modernized_denominator": sum(bool(r.get("modernized")) for r in acting),
        "acting_isolated_init_proven": sum(bool(r.get("isolated_package_init")) for r in proven),
        "acting_isolated_init_denominator": sum(bool(r.get("isolated_package_init")) for r in acting),
        "acting_unbuilt_equivalent": sum(r.get("verify_act") == "equivalent" and r.get("ray_built") is not True
                                         for r in acting),
        "custom_losses": len(losses),
        "learners_generated": sum(r.get("learner_generated", False) for r in losses),
        "learners_proven": len(learned),
        "learners_proven_pct": _pct(len(learned), len(losses)),
        "learners_modernized_proven": sum(bool(r.get("modernized")) for r in learned),
        "learners_isolated_init_proven": sum(bool(r.get("isolated_package_init")) for r in learned),
        "manual_hooks": dict(hooks.most_common()),
    }


def not_proven_reason(row: dict[str, Any]) -> str:
    """Why a policy's acting is not proven (for the table of the rest)."""
    if row["framework"] == "tf":
        return "TensorFlow policy (no torch module is generated)"
    # the legacy side is what Ray 2.10 builds: a file it cannot import cannot be proven
    # (the shim mirrors Ray 2.10's import paths, so verify fails the same way)
    unbuildable = (f"legacy side does not build on Ray 2.10: {row.get('ray_error') or 'import fails'}; "
                   if row.get("ray_importable") is False and not row.get("modernized") else "")
    if unbuildable and row.get("modernized_error"):
        unbuildable += f"after the modernize fixes: {row['modernized_error']}; "
    if row.get("modernized") and row.get("ray_built") is not True:
        unbuildable = (f"legacy side (the file after the modernize fixes {', '.join(row['modernized'])}) "
                       f"not built by Ray 2.10: {row.get('ray_build_error') or 'no recording'}; ")
    if row.get("isolated_package_init") and row.get("ray_built") is not True:
        unbuildable = (f"{unbuildable.rstrip('; ') or 'legacy side'} (imported with "
                       f"{', '.join(row['isolated_package_init'])}/__init__.py not run); ")
    if not row["module_generated"]:
        return f"{unbuildable}no <Policy>RLModule generated ({row.get('codes') or 'no finding'})"[:240]
    if row.get("verify_act") in ("", None):
        return f"{unbuildable}verify not run"[:240]
    uncounted = ("not counted, Ray 2.10 did not build the policy with its case: "
                 if row.get("verify_act") == "equivalent" and row.get("ray_built") is not True else "")
    return f"{unbuildable}{uncounted}verify {row['verify_act']}: {row.get('verify_act_message', '')}"[:240]


def counted(row: dict[str, Any], verdict: str) -> bool:
    """``row``'s ``verdict`` (``"verify_act"`` / ``"verify_loss"``) proves it: equivalent, and
    Ray 2.10 built the policy with its case (see :func:`policy_figures`)."""
    return row.get(verdict) == "equivalent" and row.get("ray_built") is True


def print_report(result: dict[str, Any]) -> None:
    """The policy figures and tables (judge.py calls it after the class report)."""
    s = result.get("policy_shim")
    if s:
        print(f"\npolicy shim: {s['ray_built']}/{s['policies_with_case']} policies built by Ray 2.10 "
              f"({s.get('ray_built_modernized', 0)} from the modernized file, "
              f"{s.get('ray_built_isolated_init', 0)} with their package's __init__.py not run); "
              f"shim matches {s['shim_match']} ({s['shim_match_pct']}%: {s['stochastic_compared_by_shape']} "
              f"stochastic ones by shape/space), numeric mismatches {s['numeric_mismatches']}; Ray losses "
              f"{s['ray_losses']}, shim loss matches {s['shim_loss_match']}"
              + (f"; {s['not_recorded']} not recorded" if s["not_recorded"] else ""))
        for label, count in s["failure_reasons"].items():
            print(f"  {count:3d}  {label}")
        for r in result["policy_shim_rows"]:
            if r["ray_buildable"] and (r["status"] != "match" or r["loss"] not in ("", "match")):
                loss = f" [loss {r['loss']}: {r['loss_message']}]" if r["loss"] not in ("", "match") else ""
                print(f"  [{r['status']}] {r['file']}::{r['policy']}: {r['error']} {r['where']}{loss}".rstrip())
        print("  not built by Ray 2.10 (excluded), by reason:")
        for label, count in s["ray_unbuilt_reasons"].items():
            print(f"  {count:3d}  {label}")
    p = result.get("policies")
    if not p:
        return
    print(f"\npolicies (issue 12): {p['policies']} definitions, {p['policies_without_finding']} without a finding")
    print(f"acting: {p['acting_proven']}/{p['acting_denominator']} torch + framework-free policies "
          f"proven by verify ({p['acting_proven_pct']}%; {p['acting_module_generated']} got a module); "
          f"of those in files Ray 2.10 imports {p['acting_ray_importable_proven']}/"
          f"{p['acting_ray_importable_denominator']} ({p['acting_ray_importable_proven_pct']}%); "
          f"{p['acting_unbuilt_equivalent']} more equivalent under cases Ray 2.10 did not build (not counted); "
          f"proven against the modernized file (RLM035/RLM036, counted above): "
          f"{p.get('acting_modernized_proven', 0)}/{p.get('acting_modernized_denominator', 0)}; "
          f"with the package's __init__.py not run (counted above): "
          f"{p.get('acting_isolated_init_proven', 0)}/{p.get('acting_isolated_init_denominator', 0)}")
    print(f"learning: {p['learners_proven']}/{p['custom_losses']} custom losses became a Learner that "
          f"verify proves ({p['learners_proven_pct']}%; {p['learners_generated']} Learners generated; "
          f"{p.get('learners_modernized_proven', 0)} of them against the modernized file, "
          f"{p.get('learners_isolated_init_proven', 0)} with the package's __init__.py not run)")
    print("hook kinds still manual (findings):")
    for hook, count in p["manual_hooks"].items():
        print(f"  {count:3d}  {hook}")
    modern = [r for r in result["policy_rows"] if r.get("modernized") and counted(r, "verify_act")]
    if modern:
        print("\nproven against the modernized file (the file after the modernize fixes only):")
        for r in modern:
            print(f"  {r['file']}::{r['policy']} ({', '.join(r['modernized'])})")
    print("\npolicies not proven to act like the legacy policy:")
    for r in result["policy_rows"]:
        if not counted(r, "verify_act"):
            print(f"  {r['file']}::{r['policy']} ({r['kind']}, {r['framework']}): {not_proven_reason(r)}")
    print("\ncustom losses not proven:")
    for r in result["policy_rows"]:
        if r.get("custom_loss") and r["framework"] != "tf" and not counted(r, "verify_loss"):
            uncounted = ("not counted, Ray 2.10 did not build the policy with its case: "
                         if r.get("verify_loss") == "equivalent" else "")
            why = (f"{uncounted}verify --loss {r['verify_loss']}: {r.get('verify_loss_message', '')}" if r.get("verify_loss")
                   else "no <Policy>Learner generated" if not r.get("learner_generated") else "verify not run")
            print(f"  {r['file']}::{r['policy']}: {why[:240]}")


def as_dicts(rows: list[Any]) -> list[dict[str, Any]]:
    """JSON-ready rows."""
    return [asdict(r) for r in rows]
