"""Build and run one corpus *policy* the way RLlib 2.10's workers did, under Ray or under the shim.

Like ``harness.py`` for model classes, the same code runs on both sides and only names
``ray.rllib...``: real Ray 2.10 in the oracle venv (``record_corpus.py``), the shim's aliases
in rlmigrate's venv (``judge_policies.py``). A policy case (manifest ``policies[*].case``) has
``obs_space`` / ``action_space`` (raw, as the env gives them), ``config`` (the user's policy
config, ``"model"`` inside), optionally ``algorithm`` (whose default config the user config is
merged over, as ``Algorithm`` does) and ``register`` (``{name: "module.Class"}``: the
``custom_model`` names the repository registers in other files) and ``run_dir`` (the working
directory the repository's scripts run from, relative to its root: a policy that opens
``"custom_models/model.zip"`` is built and run there, :func:`run_directory`).

Building, as ``RolloutWorker`` did: the config is the algorithm's ``to_dict()`` with the case
config on top (``"model"`` merged key by key over the default ``MODEL_DEFAULTS``); the policy
sees the preprocessed observation space (``original_space`` attached) unless
``_disable_preprocessor_api``; it is constructed as ``cls(obs_space, action_space, config)``.

Acting: ``ROWS`` raw observations → the side's preprocessor → ``compute_actions(obs,
initial state, prev_action_batch=None, ..., explore=False)`` (every keyword, as the worker's
``compute_actions_from_input_dict`` passed them; a policy that overrides that method gets it,
with the episode columns its view requirements ask for) with every RNG seeded; outputs
flattened to ``{"actions/...", "state_out/i", "extra/<key>"}`` numpy arrays.

Learning (torch policies with a model): a train batch from one acting call (``explore=True``),
seeded rewards, ``postprocess_trajectory``, then ``policy.loss(model, dist_class, batch)``.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import os
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from harness import _dotted, _forget_other_packages, parse_space

ROWS = 4
SEED = 4321
#: algorithm name in a case -> Ray 2.10 config class (module, class); others (DDPG, MADDPG,
#: COMA, ...) left Ray in 2.10 (rllib_contrib) and have no default config to merge.
ALGORITHMS = {
    "PPO": ("ray.rllib.algorithms.ppo", "PPOConfig"),
    "APPO": ("ray.rllib.algorithms.appo", "APPOConfig"),
    "IMPALA": ("ray.rllib.algorithms.impala", "ImpalaConfig"),
    "DQN": ("ray.rllib.algorithms.dqn", "DQNConfig"),
    "SAC": ("ray.rllib.algorithms.sac", "SACConfig"),
    "CQL": ("ray.rllib.algorithms.cql", "CQLConfig"),
    "PG": ("ray.rllib.algorithms.pg", "PGConfig"),
    # a custom Trainer of Ray 1.x built on `with_common_config(...)`: the common config every
    # algorithm shared, which Ray 2.10's AlgorithmConfig defaults replace
    "Algorithm": ("ray.rllib.algorithms.algorithm_config", "AlgorithmConfig"),
}


def policy_id(entry: dict[str, Any], policy: dict[str, Any]) -> str:
    """Filename-safe id of one policy of one corpus file (``policy__`` + the class-id form)."""
    repo = entry["repo"].replace("/", "+", 1)
    return f"policy__{repo}__{entry['path'][:-3].replace('/', '.')}__{policy['name']}"


def observations_path(cache: Path, entry: dict[str, Any], policy: dict[str, Any]) -> Path:
    """Where ``record_observations.py`` keeps the observations the policy case's environment
    produced (``verify --observations``)."""
    return cache / "oracle" / f"observations__{policy_id(entry, policy)}.npz"


def seed_all(seed: int) -> None:
    """Seed every RNG a policy may draw from (``random``, numpy's global, torch)."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:  # pragma: no cover - both venvs have torch
        pass


#: the keys of an algorithm's default ``config["model"]`` that differ from ``MODEL_DEFAULTS``
#: (Ray 2.10's ``<Algo>Config().to_dict()["model"]``, read in the oracle venv: PPOConfig sets
#: ``vf_share_layers=False``; APPO, IMPALA, DQN, SAC, CQL, PG change nothing)
ALGORITHM_MODEL_DEFAULTS: dict[str, dict[str, Any]] = {"PPO": {"vf_share_layers": False}}


def algorithm_model_config(case: dict[str, Any], model_defaults: dict[str, Any]) -> dict[str, Any]:
    """The ``config["model"]`` an Algorithm hands the case's policy: ``model_defaults``
    (``MODEL_DEFAULTS``), the algorithm's own model defaults, then the case's model config on
    top (key by key). A policy constructor may read it before its base class fills anything in
    (``config["model"]["max_seq_len"]`` in a copy of ``PPOTorchPolicy.__init__``)."""
    model = copy.deepcopy(model_defaults)
    model.update(ALGORITHM_MODEL_DEFAULTS.get(case.get("algorithm") or "", {}))
    model.update(copy.deepcopy((case.get("config") or {}).get("model") or {}))
    return model


def algorithm_defaults(name: str | None, framework: str) -> dict[str, Any]:
    """The algorithm's default config dict (old API stack), ``{}`` without an algorithm.

    Raises:
        ValueError: an algorithm this Ray has no config class for.
    """
    if not name:
        return {}
    if name not in ALGORITHMS:
        raise ValueError(f"no Ray 2.10 default config for algorithm {name!r} (rllib_contrib)")
    module, cls = ALGORITHMS[name]
    config = getattr(importlib.import_module(module), cls)()
    if hasattr(config, "experimental"):
        config = config.experimental(_enable_new_api_stack=False)
    config = config.framework(framework)
    return config.to_dict()


def merge_config(defaults: dict[str, Any], case_config: dict[str, Any],
                 model_defaults: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` with ``case_config`` on top; ``"model"`` merged key by key over the
    defaults' model (``model_defaults`` when the defaults have none), as ``Algorithm`` does."""
    config = copy.deepcopy(defaults)
    user = copy.deepcopy(case_config)
    model = copy.deepcopy(config.get("model") or model_defaults)
    model.update(user.pop("model", {}) or {})
    config.update(user)
    config["model"] = model
    return config


def preprocessor_disabled(config: dict[str, Any]) -> bool:
    """``_disable_preprocessor_api`` set at the top level or in the model config."""
    return bool(config.get("_disable_preprocessor_api") or config["model"].get("_disable_preprocessor_api"))


def register_models(case: dict[str, Any], root: Path | None) -> None:
    """``ModelCatalog.register_custom_model`` for each of the case's ``register`` entries
    (names the repository's training script registers; ``register_custom_action_dist`` when
    the class is an ``ActionDistribution`` subclass, a ``custom_action_dist`` name);
    ``ray.rllib.examples...`` through ``harness._dotted``, others imported from ``root``."""
    from ray.rllib.models import ModelCatalog
    from ray.rllib.models.action_dist import ActionDistribution

    for name, dotted in sorted(case.get("register", {}).items()):
        cls = _registered_class(dotted, root)
        if isinstance(cls, type) and issubclass(cls, ActionDistribution):
            ModelCatalog.register_custom_action_dist(name, cls)
        else:
            ModelCatalog.register_custom_model(name, cls)


def _registered_class(dotted: str, root: Path | None) -> Any:
    """The class ``module.Class`` names: Ray's through ``harness._dotted``, the repository's
    imported from ``root``."""
    if dotted.startswith("ray.") or root is None:
        return _dotted(dotted)
    module, _, attr = dotted.rpartition(".")
    _forget_other_packages(module.split(".")[0], root)
    sys.path.insert(0, str(root))
    try:
        return getattr(importlib.import_module(module), attr)
    finally:
        sys.path.remove(str(root))


def repository_dir(base: Path, entry: dict[str, Any]) -> Path:
    """The repository's folder under ``base`` (the cache or a copy of it)."""
    return base / entry["repo"].replace("/", "+", 1)


def run_dir(case: dict[str, Any], base: Path, entry: dict[str, Any]) -> Path | None:
    """The folder the case's ``run_dir`` names (relative to the repository's root) under
    ``base``; None when the case names none (the caller's working directory stays).

    Raises:
        ValueError: ``run_dir`` leaves the repository (absolute, or ``..`` above its root).
    """
    if "run_dir" not in case:
        return None
    rel = Path(case["run_dir"])
    if rel.is_absolute() or ".." in rel.parts:
        raise ValueError(f"run_dir {case['run_dir']!r}: a folder inside the repository was expected")
    return repository_dir(base.resolve(), entry) / rel


@contextlib.contextmanager
def run_directory(case: dict[str, Any], base: Path, entry: dict[str, Any]) -> Iterator[None]:
    """Build and run the case's policy in the folder its ``run_dir`` names (:func:`run_dir`),
    as the repository's scripts ran it (relative data paths, e.g. a model file the policy's
    constructor loads, resolve against it); the working directory is restored afterwards.
    Without ``run_dir`` nothing changes."""
    folder = run_dir(case, base, entry)
    if folder is None:
        yield
        return
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def set_module_globals(module: Any, case: dict[str, Any]) -> None:
    """The case's ``module_globals`` (``{name: {attr: value}}``) set on the policy's module as
    namespaces: globals a script defines under ``__main__`` (``args = parser.parse_args()``)
    and its functions read, which an import never creates."""
    import types

    for name, attrs in sorted(case.get("module_globals", {}).items()):
        setattr(module, name, types.SimpleNamespace(**attrs))


def build_policy(cls: type, case: dict[str, Any], config: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(policy, preprocessor or None, raw observation space), built as a worker did."""
    from ray.rllib.models.catalog import ModelCatalog

    raw_space = parse_space(case["obs_space"])
    action_space = parse_space(case["action_space"])
    if preprocessor_disabled(config):
        prep, obs_space = None, raw_space
    else:
        prep = ModelCatalog.get_preprocessor_for_space(raw_space, config["model"])
        obs_space = prep.observation_space
    seed_all(SEED)
    return cls(obs_space, action_space, copy.deepcopy(config)), prep, raw_space


def torch_model(policy: Any) -> Any:
    """The policy's torch model (``policy.model`` when it is an ``nn.Module``), else None."""
    import torch

    model = getattr(policy, "model", None)
    return model if isinstance(model, torch.nn.Module) else None


def seed_spaces(policy: Any, seed: int) -> None:
    """Seed the gymnasium spaces the policy holds: its action space, and every space it (or an
    object it holds, such as its model) keeps as an attribute: a random policy or the module it
    wraps may sample a space of its own (a state space made in its constructor), whose
    generator would otherwise start from OS entropy and change every recording."""
    import gymnasium as gym

    def attributes(obj: Any) -> list[Any]:
        try:
            return list(vars(obj).values())
        except TypeError:
            return []

    held = [policy.action_space]
    for value in attributes(policy):
        held += [value] if isinstance(value, gym.Space) else [
            v for v in attributes(value) if isinstance(v, gym.Space)]
    for space in held:
        space.seed(seed)


def observations(prep: Any, raw: list[Any]) -> Any:
    """The batch a worker passed to ``compute_actions``: preprocessed rows stacked, or the raw
    rows (stacked when they are arrays/scalars) when preprocessing is disabled."""
    if prep is not None:
        return np.stack([np.asarray(prep.transform(r), dtype=np.float32) for r in raw])
    if all(not isinstance(r, (dict, tuple, list)) for r in raw):
        return np.stack([np.asarray(r) for r in raw])
    return raw


def initial_state(policy: Any, rows: int) -> list[np.ndarray] | None:
    """The policy's initial state tiled to ``rows`` (None when it has none)."""
    seed_spaces(policy, SEED)  # an initial state drawn from a space of its own repeats
    state = policy.get_initial_state() or []
    if not state:
        return None
    return [np.stack([np.asarray(_np(s))] * rows) for s in state]


def _np(value: Any) -> Any:
    return value.detach().cpu().numpy() if hasattr(value, "detach") else value


def leaves(value: Any, prefix: str) -> dict[str, np.ndarray]:
    """Numeric numpy leaves of a (nested) output: dicts by key, tuples by index, lists and
    arrays stacked; non-numeric leaves (strings, objects) are left out."""
    out: dict[str, np.ndarray] = {}
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            out.update(leaves(value[key], f"{prefix}/{key}"))
        return out
    if isinstance(value, tuple):
        for i, sub in enumerate(value):
            out.update(leaves(sub, f"{prefix}/{i}"))
        return out
    if isinstance(value, list) and value and isinstance(value[0], (dict, tuple)):
        for i, sub in enumerate(value):
            out.update(leaves(sub, f"{prefix}/{i}"))
        return out
    try:
        arr = np.asarray(_np(value) if not isinstance(value, list) else [_np(v) for v in value])
    except (TypeError, ValueError):
        return out
    if arr.dtype.kind in "biuf":
        out[prefix] = np.array(arr, copy=True, order="C")  # keeps 0-d (ascontiguousarray makes (1,))
    return out


#: the episode columns a 2.10 worker's input dict carried when a policy's view requirements
#: asked for them (``SampleBatch.T``, ``EPS_ID``, ``ENV_ID``, ``AGENT_INDEX``, ``UNROLL_ID``)
EPISODE_COLUMNS = ("t", "eps_id", "env_id", "agent_index", "unroll_id")
#: modules whose ``compute_actions_from_input_dict`` is the library's own (Ray's or the shim's)
_LIBRARY_MODULES = ("ray.rllib.policy.", "ray.rllib.algorithms.", "shim.")


def overrides_input_dict(policy: Any) -> bool:
    """Whether the policy's own code (not Ray's or the shim's policy classes) defines
    ``compute_actions_from_input_dict``: the method a 2.10 worker called."""
    for klass in type(policy).__mro__:
        if "compute_actions_from_input_dict" in vars(klass):
            return not klass.__module__.startswith(_LIBRARY_MODULES)
    return False


def input_columns(policy: Any, rows: int, seed: int) -> dict[str, np.ndarray]:
    """Seeded episode columns (:data:`EPISODE_COLUMNS`) the policy's view requirements use
    for acting, as a worker's input dict carried them; ``{}`` unless the policy overrides
    ``compute_actions_from_input_dict`` (otherwise the base passes only observations, state
    and previous actions/rewards on to ``compute_actions``)."""
    if not overrides_input_dict(policy):
        return {}
    rng = np.random.default_rng(seed)
    made = {"t": rng.integers(0, 200, rows), "eps_id": rng.integers(0, 2**31 - 1, rows),
            "env_id": np.arange(rows), "agent_index": rng.integers(0, 4, rows),
            "unroll_id": rng.integers(0, 100, rows)}
    wanted = getattr(policy, "view_requirements", None) or {}
    return {k: made[k].astype(np.int64) for k in EPISODE_COLUMNS
            if k in wanted and getattr(wanted[k], "used_for_compute_actions", True)}


def act(policy: Any, obs: Any, state: list[np.ndarray] | None, seed: int,
        explore: bool = False, columns: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """One seeded acting call; outputs as :func:`leaves` (``actions``, ``state_out/i``,
    ``extra/<key>``).

    A policy that overrides ``compute_actions_from_input_dict`` (the worker's call) gets it,
    with an input dict of the observations, ``state_in_<i>`` and the episode ``columns``
    (:func:`input_columns`). Any other gets ``compute_actions`` with every keyword, as the
    base ``compute_actions_from_input_dict`` passed them: a hand-written ``compute_actions``
    may declare them without defaults; the values are the defaults of a torch policy's own
    ``compute_actions``."""
    seed_all(seed)
    seed_spaces(policy, seed)
    if overrides_input_dict(policy):
        from ray.rllib.policy.sample_batch import SampleBatch

        data: dict[str, Any] = {"obs": obs, **{k: np.copy(v) for k, v in (columns or {}).items()}}
        for i, s in enumerate(state or []):
            data[f"state_in_{i}"] = np.copy(s)
        if state:
            data["seq_lens"] = np.ones(len(obs), dtype=np.int32)
        actions, state_out, extra = policy.compute_actions_from_input_dict(
            SampleBatch(data), explore=explore, timestep=None, episodes=None)
    else:
        actions, state_out, extra = policy.compute_actions(
            obs, [np.copy(s) for s in state] if state else None, prev_action_batch=None,
            prev_reward_batch=None, info_batch=None, explore=explore, timestep=None, episodes=None)
    out = leaves(actions, "actions")
    # enumerated as the 2.10 sampler enumerated them (an array state out: by its first axis)
    for i, s in enumerate([] if state_out is None else state_out):
        out.update(leaves(s, f"state_out/{i}"))
    out.update(leaves(dict(extra or {}), "extra"))
    return out


def collected_actions(actions: Any, rows: int, config: dict[str, Any]) -> np.ndarray:
    """The ``actions`` column a 2.10 worker's ``AgentCollector`` built from ``rows`` batched
    (possibly nested) actions: a nested action (Dict/Tuple space) is flattened per timestep
    into one vector, leaves in ``tree.flatten`` order (dict keys sorted), as its
    ``flatten_to_single_ndarray`` did, unless ``_disable_action_flattening``."""
    import tree

    if not isinstance(actions, (dict, tuple, list)) or config.get("_disable_action_flattening"):
        return np.asarray(_np(actions))
    leaves_ = [np.asarray(_np(leaf)) for leaf in tree.flatten(actions)]
    return np.stack([np.concatenate([np.reshape(leaf[i], [-1]) for leaf in leaves_])
                     for i in range(rows)])


def train_batch(policy: Any, obs: np.ndarray, seed: int,
                opponent: bool = False) -> dict[str, np.ndarray]:
    """A postprocessed one-episode train batch (numeric columns as numpy): an acting call
    with ``explore=True`` for actions and extra fetches, seeded rewards, ``t``, ids, then
    ``policy.postprocess_trajectory``. ``opponent`` (the case's ``"other_agent_batches":
    "self"``): a copy of the batch is passed as the one other agent's, in the tuple layout
    the config's ``enable_connectors`` selects (centralized critics need one)."""
    from ray.rllib.policy.sample_batch import SampleBatch

    rows = len(obs)
    seed_all(seed)
    actions, _, extra = policy.compute_actions(obs, explore=True)
    columns: dict[str, Any] = {
        "obs": obs, "new_obs": np.roll(obs, -1, axis=0),
        "actions": collected_actions(actions, rows, policy.config),
        "rewards": np.random.default_rng(seed).normal(size=rows).astype(np.float32),
        "terminateds": np.zeros(rows, dtype=bool), "truncateds": np.zeros(rows, dtype=bool),
        "eps_id": np.zeros(rows, dtype=np.int64), "agent_index": np.zeros(rows, dtype=np.int64),
        "unroll_id": np.zeros(rows, dtype=np.int64), "t": np.arange(rows, dtype=np.int64),
    }
    for key, value in (extra or {}).items():
        columns[key] = np.asarray(_np(value))
    batch = SampleBatch(columns)
    others = None
    if opponent:
        copy_ = SampleBatch({k: np.copy(v) for k, v in columns.items()})
        others = {"opponent": ("opponent", policy, copy_) if policy.config.get("enable_connectors")
                  else ("opponent", copy_)}
    seed_all(seed)
    post = policy.postprocess_trajectory(batch, other_agent_batches=others)
    return {k: v for k, v in leaves(dict(post), "").items()}


def loss(policy: Any, columns: dict[str, np.ndarray], seed: int) -> dict[str, np.ndarray]:
    """``policy.loss(model, dist_class, batch)`` on the train batch ``columns`` (keys as
    :func:`train_batch` returns them, ``"/col"``), model in train mode; the loss (first
    tensor when a list) and the numeric tower stats."""
    import torch
    from ray.rllib.policy.sample_batch import SampleBatch

    batch = SampleBatch({k.lstrip("/"): v for k, v in columns.items()})
    if hasattr(batch, "set_training"):
        batch.set_training(True)
    if hasattr(policy, "_lazy_tensor_dict"):
        tensors = policy._lazy_tensor_dict(batch)
    else:  # the shim's policies take tensors directly
        tensors = SampleBatch({k: torch.as_tensor(v) for k, v in batch.items()})
        tensors.set_training(True)
    model = torch_model(policy)
    model.train()
    seed_all(seed)
    value = policy.loss(model, policy.dist_class, tensors)
    value = value[0] if isinstance(value, (list, tuple)) else value
    out = {"loss": np.asarray(_np(value), dtype=np.float64)}
    for key, stat in sorted((getattr(model, "tower_stats", None) or {}).items()):
        out.update({k: v for k, v in leaves(stat, f"stats/{key}").items() if v.size})
    return out
