"""Build and run one corpus class the way RLlib 2.10's policies do, under Ray or under the shim.

The same code runs on both sides: it only imports ``ray.rllib...`` names, which are real Ray 2.10
in the oracle venv (``record_corpus.py``) and ``shim.ray_compat``'s aliases in rlmigrate's venv
(``judge.py``). So "the way ``ModelCatalog.get_model_v2`` builds it" is literally the catalog
of each side:

1. the observation space goes through ``ModelCatalog.get_preprocessor_for_space`` (Dict/Tuple
   flattening, one-hot, ``_disable_preprocessor_api`` honoured), the model sees the preprocessed
   space (with ``original_space`` attached);
2. the model config is ``MODEL_DEFAULTS`` merged with the manifest case's ``model_config``
   (top-level keys, as ``AlgorithmConfig`` merges ``model``), ``custom_model`` = the class
   (registered under a corpus name) unless the case builds a default model (``"build":
   "default"``, e.g. ``LSTMWrapper`` through ``use_lstm``);
3. ``num_outputs`` is the action distribution's input size (``ModelCatalog.get_action_dist``)
   unless the case gives it (DQN/SAC pass their own);
4. ``ModelCatalog.get_model_v2(..., model_interface=..., **case["model_kwargs"])`` — the
   catalog wraps ``use_lstm`` / ``use_attention`` and the interface, and passes
   ``custom_model_config`` as keyword arguments.

Inputs: ``B`` raw observations sampled from the original space (stored with the recording, so
the other side replays exactly them), preprocessed by each side; recurrent models get two
sequences (``seq_lens = [3, 2]``, 6 rows) and their initial state repeated per sequence.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import importlib
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import package_init
from raw_obs import sample_inputs

HERE = Path(__file__).resolve().parent
ROWS = 4
SEQ_LENS = (3, 2)
MAX_SEQ = 3
SEED = 1234

#: ``<cache>/deps`` (``make corpus-deps``, ``requirements-corpus.txt``): the third-party packages
#: the corpus files import; appended after everything else on the path, so that they never
#: shadow the checkout under test or the venv's own packages
CORPUS_DEPS: list[Path] = []


def use_corpus_deps(cache: Path) -> None:
    """Put ``cache/deps`` (when there) last on this process's import path and on the
    ``PYTHONPATH`` the judge gives its subprocesses."""
    deps = (cache / "deps").resolve()
    if deps.is_dir() and deps not in CORPUS_DEPS:
        CORPUS_DEPS.append(deps)
        sys.path.append(str(deps))


def _space_text() -> Any:
    """rlmigrate's space text parser, loaded by path (it needs only gymnasium and numpy)."""
    name = "_corpus_space_text"
    if name not in sys.modules:
        path = HERE.parents[1] / "rlmigrate" / "testing" / "space_text.py"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules[name] = module
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    return sys.modules[name]


def parse_space(text: str) -> Any:
    """A space from the manifest's text form; RLlib's own spaces (``Repeated(CHILD,
    max_len=N)``, ``Simplex(shape)``), at any depth, are the running side's classes
    (``ray.rllib.utils.spaces``: real Ray's in the recorder, the shim's aliases in the judge)."""
    rllib: dict[str, type] = {}
    if "Repeated(" in text:
        from ray.rllib.utils.spaces.repeated import Repeated

        rllib["Repeated"] = Repeated
    if "Simplex(" in text:
        from ray.rllib.utils.spaces.simplex import Simplex

        rllib["Simplex"] = Simplex
    return _space_text().parse_space(text.strip(), rllib)


def case_id(entry: dict[str, Any], cls: dict[str, Any]) -> str:
    """Filename-safe id of one class of one corpus file."""
    repo = entry["repo"].replace("/", "+", 1)
    return f"{repo}__{entry['path'][:-3].replace('/', '.')}__{cls['name']}"


def purge_corpus_modules(cache: Path) -> None:
    """Forget every module loaded from the corpus cache (files of different repos share names
    such as ``models.action_mask_model``)."""
    root = str(cache.resolve())
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None) or ""
        if file and str(Path(file).resolve()).startswith(root):
            del sys.modules[name]


def _dotted(path: str) -> Any:
    """``module.Name`` -> the object; under the shim, ``ray.rllib.examples.*`` (which the shim
    does not serve) comes from the corpus copy of Ray's file, as the corpus files themselves."""
    module, _, name = path.rpartition(".")
    ray = sys.modules.get("ray")
    if module.startswith("ray.rllib.examples.") and getattr(ray, "__shim_alias__", False):
        if "corpus_" + module not in sys.modules:
            _load_file("corpus_" + module, _CACHE[0] / "ray-project+ray" / (
                module[len("ray."):].replace(".", "/") + ".py"))
        return getattr(sys.modules["corpus_" + module], name)
    return getattr(importlib.import_module(module), name)


def ray_example_imports(source: str) -> list[str]:
    """``ray.rllib.examples...`` modules a file imports (sorted; ``[]`` for unparsable code)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
    return sorted(m for m in names if m.startswith("ray.rllib.examples."))


def serve_ray_examples(cache: Path, path: Path) -> None:
    """Under the shim (which ships no ``ray.rllib.examples``): the example modules the file at
    ``path`` imports that the corpus holds (``support`` files of Ray's entries included) are
    loaded from their cached copies under their own names, their own example imports first,
    so the file's ``from ray.rllib.examples... import X`` gets Ray's code, unmodified, as it
    did under Ray. Left out of ``sys.modules`` again by :func:`purge_corpus_modules`."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    for module in ray_example_imports(text):
        copy = cache / "ray-project+ray" / (module[len("ray."):].replace(".", "/") + ".py")
        loaded = getattr(sys.modules.get(module), "__file__", None) or ""
        if not copy.is_file() or loaded == str(copy):
            continue
        serve_ray_examples(cache, copy)
        parent, _, leaf = module.rpartition(".")
        package = importlib.import_module(parent)  # the shim's package first: then the copy
        setattr(package, leaf, _load_file(module, copy))


def _load_file(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


_CACHE: list[Path] = [Path(".corpus")]
#: ``<cache>/modernized/``: copies of repositories with only the modernize rules' fixes
#: applied (``modernize.py``); a policy whose file Ray 2.10 imports only from there is built
#: from there by the recorder, the shim judge and verify alike
MODERNIZED = "modernized"


def policy_source(cache: Path, entry: dict[str, Any]) -> tuple[Path, dict[str, Any] | None, dict[str, Any] | None]:
    """Where the recorder builds a policy file's policies from: ``cache`` itself, or, when Ray
    2.10 did not import the file but imported its modernized copy (``oracle/policies.json``:
    ``ray_importable`` false, ``modernized.ray_importable`` true), ``cache/modernized`` with
    that record (the codes of the modernize fixes applied). Third: the ``isolated_package_init``
    record when Ray 2.10 imported the file (original, else modernized: its ``from``) only with
    its packages' ``__init__.py`` not run, else None."""
    index = cache / "oracle" / "policies.json"
    if not index.is_file():
        return cache, None, None
    row = json.loads(index.read_text()).get(entry["id"], {})
    modern = row.get("modernized") or {}
    if row.get("ray_importable") is False and modern.get("ray_importable") is True:
        return cache / MODERNIZED, modern, None
    isolated = row.get("isolated_package_init") or {}
    if row.get("ray_importable") is False and isolated.get("ray_importable") is True:
        if isolated.get("from") == "modernized":
            return cache / MODERNIZED, modern, isolated
        return cache, None, isolated
    return cache, None, None


def _forget_other_packages(top: str, root: Path) -> None:
    """Drop a loaded ``top`` package (and submodules) that does not live under ``root``: two
    repositories (or two caches) may both have a top-level ``models`` or ``src`` package.
    Decided before anything is deleted (a namespace package's path is recomputed through its
    parent), and a foreign ``top`` takes all its submodules with it."""
    where = str(root.resolve())

    def foreign(name: str) -> bool:
        module = sys.modules[name]
        file = getattr(module, "__file__", None)
        try:
            places = [file] if file else list(getattr(module, "__path__", []) or [])
        except (KeyError, ImportError):  # a namespace path whose parent is already gone
            return True
        return not any(str(Path(p).resolve()).startswith(where) for p in places)

    names = [n for n in sys.modules if n == top or n.startswith(top + ".")]
    if top in sys.modules and foreign(top):
        doomed = names
    else:
        doomed = [n for n in names if foreign(n)]
    for name in doomed:
        sys.modules.pop(name, None)


def import_root(cache: Path, entry: dict[str, Any]) -> Path | None:
    """The folder a corpus file's repository imports from (its ``import_root`` under the
    repository's copy in ``cache``); None for Ray's own files, which import as ``ray.rllib``."""
    if entry["repo"] == "ray-project/ray":
        return None
    return cache / entry["repo"].replace("/", "+", 1) / entry.get("import_root", "")


def import_module(cache: Path, entry: dict[str, Any], isolate_package_init: bool = False) -> Any:
    """Import a corpus file as its repository would (``import_root`` and the repository's own
    installed packages, :func:`package_paths`, on ``sys.path``); with ``isolate_package_init``
    its parent packages' ``__init__.py`` are not run (``package_init.import_isolated``: the
    recording says the file imports only so, ``isolated_package_init``)."""
    _CACHE[0] = cache
    purge_corpus_modules(cache)
    importlib.invalidate_caches()  # files may have been (re)fetched since the last import
    try:
        ray = sys.modules.get("ray") or importlib.import_module("ray")
    except ImportError:  # neither Ray nor the shim's aliases: a plain import below
        ray = None
    shimmed = bool(getattr(ray, "__shim_alias__", False))
    if shimmed:
        serve_ray_examples(cache, cache / entry["repo"].replace("/", "+", 1) / entry["path"])
    if entry["repo"] == "ray-project/ray":
        if not shimmed:  # real Ray: its own installed module
            return importlib.import_module(entry["module"])
        # Under the shim the same file (the cached copy) runs as a plain module, its
        # `ray.rllib...` imports served by the shim's aliases (and ray.rllib.examples by
        # serve_ray_examples).
        return _load_file("corpus_" + entry["module"], cache / "ray-project+ray" / entry["path"])
    root = import_root(cache, entry)
    assert root is not None  # Ray's own files returned above
    _forget_other_packages(entry["module"].split(".")[0], root)
    with repository_on_path(cache, entry):
        if isolate_package_init:
            return package_init.import_isolated(root, entry["module"])
        return importlib.import_module(entry["module"])


@contextlib.contextmanager
def repository_on_path(cache: Path, entry: dict[str, Any]) -> Iterator[None]:
    """The repository's import root and its own installed packages (:func:`package_paths`)
    first on ``sys.path`` while the block runs: the repository's scripts ran with them there
    the whole time, so a module a method imports when it runs (``from my_models import
    make_model`` inside ``make_model``) is found while the policy is built, acts and learns,
    not only while its file is imported. Nothing for Ray's own files."""
    root = import_root(cache, entry)
    if root is None:
        yield
        return
    paths = [str(root), *map(str, package_paths(cache, entry))]
    sys.path[0:0] = paths
    try:
        yield
    finally:
        for path in paths:
            sys.path.remove(path)


def package_paths(base: Path, entry: dict[str, Any]) -> list[Path]:
    """The folders of the repository's own installable packages that the file imports
    (manifest ``package_roots``, e.g. a ``financial-markets-gym/`` with a ``setup.py`` the
    repository installs with ``pip install -e``), under ``base`` (the cache or a copy of it):
    on the import path after the import root, as the repository's scripts had them."""
    repo = base / entry["repo"].replace("/", "+", 1)
    return [repo / p for p in entry.get("package_roots", [])]


def merged_config(case: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """``MODEL_DEFAULTS`` with the case's model config on top (top-level keys); ``{here}`` in
    a string value is this folder (cases point at data files that must merely exist)."""
    config = copy.deepcopy(defaults)
    config.update(substitute_here(copy.deepcopy(case.get("model_config", {}))))
    return config


def substitute_here(value: Any) -> Any:
    """``value`` with ``{here}`` in every nested string replaced by this folder's path: a case's
    data-file placeholder, resolved the same way for Ray's recording and for ``verify``."""
    if isinstance(value, dict):
        return {k: substitute_here(v) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_here(v) for v in value]
    if isinstance(value, str) and "{here}" in value:
        return value.replace("{here}", str(HERE))
    return value


def build_model(cls: type | None, case: dict[str, Any], key: str) -> tuple[Any, Any, Any, int]:
    """(model, preprocessor, original obs space, num_outputs), built by the running side's
    ``ModelCatalog``; ``cls=None`` builds the default model for the config."""
    import torch
    from ray.rllib.models.catalog import MODEL_DEFAULTS, ModelCatalog

    obs_space = parse_space(case["obs_space"])
    action_space = parse_space(case["action_space"])
    config = merged_config(case, MODEL_DEFAULTS)
    if cls is not None and case.get("build", "custom") == "custom":
        key = "".join(ch if ch.isalnum() else "_" for ch in key)  # a dotted name is a path
        ModelCatalog.register_custom_model(key, cls)
        config["custom_model"] = key
    preprocessor = ModelCatalog.get_preprocessor_for_space(obs_space, config)
    num_outputs = case.get("num_outputs")
    if num_outputs is None:
        _, num_outputs = ModelCatalog.get_action_dist(action_space, config, framework="torch")
    interface = _dotted(case["model_interface"]) if case.get("model_interface") else None
    extra = {}
    if case.get("default_model"):
        extra["default_model"] = _dotted(case["default_model"])
    kwargs = {
        k: _with_defaults(v, MODEL_DEFAULTS) for k, v in case.get("model_kwargs", {}).items()
    }
    torch.manual_seed(SEED)
    model = ModelCatalog.get_model_v2(
        preprocessor.observation_space,
        action_space,
        int(num_outputs),
        config,
        framework="torch",
        name=case.get("name", "corpus_model"),
        model_interface=interface,
        **extra,
        **kwargs,
    )
    return model, preprocessor, obs_space, int(num_outputs)


def _with_defaults(value: Any, defaults: dict[str, Any]) -> Any:
    """``{"$model_defaults": {...}}`` in a case's kwargs -> MODEL_DEFAULTS merged with it
    (SAC's ``policy_model_config`` / ``q_model_config`` are full model configs in RLlib)."""
    if isinstance(value, dict) and set(value) == {"$model_defaults"}:
        return {**copy.deepcopy(defaults), **value["$model_defaults"]}
    return value


def perturb(model: Any, seed: int) -> dict[str, np.ndarray]:
    """Add seeded noise to every float parameter (outputs O(1), not Ray's near-zero init);
    returns the full state dict (buffers included) as numpy."""
    import torch

    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for _, param in model.named_parameters():
            shape = tuple(param.shape)
            scale = 1.0 / np.sqrt(np.prod(shape[1:])) if len(shape) >= 2 else 0.1
            noise = rng.normal(0.0, scale, size=shape).astype(np.float32)
            param.add_(torch.as_tensor(noise, dtype=param.dtype))
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def _batched_state(model: Any, batch: int) -> list[Any]:
    import torch

    state = model.get_initial_state()
    if is_attention(model):  # attention nets: state_in_i is a window of past memory outputs
        return [
            torch.zeros((batch, _memory(model, i), *vr.space.shape))
            for i, vr in enumerate(_state_view_requirements(model))
        ]
    out = []
    for s in state:
        t = torch.as_tensor(np.asarray(s.detach().cpu().numpy() if hasattr(s, "detach") else s))
        out.append(torch.stack([t] * batch).float())
    return out


def _state_view_requirements(model: Any) -> list[Any]:
    reqs = getattr(model, "view_requirements", {}) or {}
    return [reqs[f"state_in_{i}"] for i in range(len(reqs)) if f"state_in_{i}" in reqs]


def _memory(model: Any, index: int) -> int:
    """Memory length of an attention net's ``state_in_i`` (its view requirement's shift)."""
    shift = getattr(_state_view_requirements(model)[index], "shift_from", None)
    return abs(int(shift)) if shift is not None else 1


def is_recurrent(model: Any) -> bool:
    """Whether the model carries state between calls (initial state, or attention memory)."""
    return bool(model.get_initial_state()) or bool(_state_view_requirements(model))


def is_attention(model: Any) -> bool:
    """Attention nets (GTrXL): ``state_in_i`` is a range of past memory outputs (a view
    requirement with ``shift_from``/``shift_to``); inference-style calls, one step per row."""
    return any(
        getattr(vr, "shift_from", None) is not None for vr in _state_view_requirements(model)
    )


def run_model(
    model: Any, flat_obs: np.ndarray, prev_actions: np.ndarray, prev_rewards: np.ndarray,
    state_in: list[np.ndarray] | None, seq_lens: np.ndarray | None, heads: dict[str, Any],
    extra: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """One eval-mode, no-grad call through ``ModelV2.__call__`` plus value/heads; numpy out.

    ``heads``: ``{"dqn": true}`` records ``get_q_value_distributions`` / ``get_state_value``;
    ``{"sac": true}`` records ``get_action_model_outputs`` / ``get_q_values`` /
    ``get_twin_q_values`` (with the case's actions).
    """
    import torch
    from ray.rllib.policy.sample_batch import SampleBatch

    model.eval()
    results: dict[str, np.ndarray] = {}
    with torch.no_grad():
        batch = SampleBatch(
            {
                "obs": torch.as_tensor(flat_obs),
                "prev_actions": torch.as_tensor(prev_actions),
                "prev_rewards": torch.as_tensor(prev_rewards),
            },
            _is_training=False,
        )
        for key, value in (extra or {}).items():
            batch[key] = torch.as_tensor(value)
        state = [torch.as_tensor(s) for s in state_in] if state_in is not None else []
        lens = torch.as_tensor(seq_lens) if seq_lens is not None else None
        out, state_out = model(batch, state, lens)
        results.update(numpy_outputs("out", out))
        for i, s in enumerate(state_out or []):
            results[f"state_out/{i}"] = _np(s)
        try:
            value = model.value_function()
            if value is None:  # a bare `pass` override (no value head): recorded like a raise
                raise TypeError("value_function() returned None")
            results["value"] = _np(value)
        except Exception as exc:  # recorded as "no value function", not a failure
            results["value_error"] = np.frombuffer(
                f"{type(exc).__name__}: {exc}".splitlines()[0].encode()[:200], dtype=np.uint8
            ).copy()
        if heads.get("dqn"):
            q = model.get_q_value_distributions(out)
            for i, part in enumerate(q):
                results[f"heads/q_dist/{i}"] = _np(part)
            if heads.get("dueling"):
                results["heads/state_value"] = _np(model.get_state_value(out))
        if heads.get("sac"):
            action_out, _ = model.get_action_model_outputs(out)
            results["heads/action_model"] = _np(action_out)
            actions = torch.as_tensor(np.asarray(heads["actions"], dtype=np.float32))
            actions = actions[: len(flat_obs)]  # out may be a structure (the observation)
            args = (out,) if heads.get("discrete") else (out, actions)
            results["heads/q"] = _np(model.get_q_values(*args)[0])
            if getattr(model, "twin_q_net", None) is not None:
                results["heads/twin_q"] = _np(model.get_twin_q_values(*args)[0])
        for name, method, args in heads.get("call", []):
            values = [out if a == "out" else torch.as_tensor(np.asarray(heads["actions"])) for a in args]
            results[f"heads/{name}"] = _np(getattr(model, method)(*values))
    return results


def numpy_outputs(key: str, value: Any) -> dict[str, np.ndarray]:
    """``{key: array}`` for a tensor output; a structured one (a SAC model's ``forward`` hands
    back the restored Tuple/Dict observation itself) one array per leaf: ``key/<index>`` for a
    list or tuple, ``key/<name>`` for a dict (sorted), at any depth."""
    if isinstance(value, (list, tuple)):
        return {k: v for i, item in enumerate(value) for k, v in numpy_outputs(f"{key}/{i}", item).items()}
    if isinstance(value, dict):
        return {k: v for name in sorted(value) for k, v in numpy_outputs(f"{key}/{name}", value[name]).items()}
    return {key: _np(value)}


def _np(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        return value.detach().cpu().numpy().copy()
    return np.asarray(value).copy()


def view_inputs(
    model: Any, flat: np.ndarray, prev_actions: np.ndarray, prev_rewards: np.ndarray
) -> dict[str, np.ndarray]:
    """Inputs a model asks for through view requirements beyond obs/prev_*/state (e.g. the
    trajectory-view example's ``prev_n_obs``: a window of past rows, zeros before the start)."""
    sources = {"obs": flat, "actions": prev_actions, "rewards": prev_rewards}
    out = {}
    for key, vr in (getattr(model, "view_requirements", {}) or {}).items():
        if key in ("obs", "prev_actions", "prev_rewards", "seq_lens") or key.startswith("state_"):
            continue
        arr = getattr(vr, "shift_arr", None)
        shifts = [] if arr is None else [int(x) for x in np.asarray(arr).ravel()]
        data = sources.get(vr.data_col or key)
        if data is None or len(shifts) < 2:
            continue
        rows = np.zeros((len(data), len(shifts), *data.shape[1:]), dtype=data.dtype)
        for r in range(len(data)):
            for j, shift in enumerate(shifts):
                if 0 <= r + shift < len(data):
                    rows[r, j] = data[r + shift]
        out[key] = rows.astype(np.float32) if data.dtype.kind == "f" else rows
    return out


def make_inputs(model: Any, preprocessor: Any, obs_space: Any, action_space: Any, seed: int):
    """Raw samples, flat obs, prev action/reward, state and seq_lens for one call."""
    recurrent = is_recurrent(model)
    attention = is_attention(model)
    rows = MAX_SEQ * len(SEQ_LENS) if recurrent else ROWS
    if attention:
        rows = len(SEQ_LENS)
    raw = sample_inputs(obs_space, rows, seed)
    flat = np.stack([np.asarray(preprocessor.transform(r), dtype=np.float32) for r in raw])
    action_space.seed(seed + 1)
    kind = type(action_space).__name__
    if kind in ("Dict", "Tuple"):  # RLlib flattens structured previous actions
        import gymnasium as gym

        prev_actions = np.stack([
            np.asarray(gym.spaces.flatten(action_space, action_space.sample()), np.float32)
            for _ in range(rows)
        ])
    else:
        prev_actions = np.stack([np.asarray(action_space.sample()) for _ in range(rows)])
    prev_rewards = np.random.default_rng(seed + 2).normal(size=rows).astype(np.float32)
    state = _batched_state(model, len(SEQ_LENS)) if recurrent else None
    state_np = [s.numpy() for s in state] if state is not None else None
    seq_lens = np.asarray(SEQ_LENS, dtype=np.int32) if recurrent else None
    if attention:
        seq_lens = np.ones(len(SEQ_LENS), dtype=np.int32)
    return raw, flat, prev_actions, prev_rewards, state_np, seq_lens
