"""Record what Ray 2.10's legacy Policy API returns, as fixtures the shim is tested against.

Run inside the oracle venv (``tools/oracle/setup.sh`` makes it)::

    tools/oracle/.venv/bin/python tools/oracle/record.py            # every case + timings
    tools/oracle/.venv/bin/python tools/oracle/record.py fc_box      # some cases, no timings

For each case in ``cases.CASES`` it writes ``fixtures/oracle/<case>.json`` (layout in
``fixtures/oracle/README.md``) and ``fixtures/oracle/<case>.weights.safetensors``
(``policy.get_weights()``, keys unchanged). With every case it also writes
``fixtures/oracle/timings.json`` (case fc_discrete, see ``bench_ray.py``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import warnings
from pathlib import Path
from typing import Any

import cases
import gymnasium
import numpy as np
import ray
import torch
from jsonio import array_meta, array_record, jsonable, space_to_json
from probes import construction_probes, recurrent_without_state_errors
from ray.rllib.models.modelv2 import restore_original_dimensions
from safetensors.numpy import save_file

FORMAT_VERSION = 1
BATCH = 5
FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "oracle"
#: Extra-fetch keys whose values are draws from the action distribution under explore=True.
RANDOM_KEYS = ("actions", "action_logp", "action_prob")


def versions() -> dict[str, str]:
    """Versions of everything that shapes the recorded numbers."""
    return {
        "ray": ray.__version__,
        "torch": torch.__version__,
        "gymnasium": gymnasium.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def _fetches(extra: dict[str, Any], with_values: bool) -> dict[str, Any]:
    encode = array_record if with_values else array_meta
    return {key: encode(value) for key, value in extra.items()}


def _call_record(result: tuple, *, with_values: bool) -> dict[str, Any]:
    """Encode a ``(actions, state_outs, extra_fetches)`` triple, keeping container types."""
    actions, state_outs, extra = result
    encode = array_record if with_values else array_meta
    return {
        "return_type": type(result).__name__,
        "actions": encode(actions),
        "actions_type": type(actions).__name__,
        "state_out_type": type(state_outs).__name__,
        "state_out": [array_record(s) for s in state_outs],
        "extra_fetches_type": type(extra).__name__,
        "extra_fetch_keys_in_order": list(extra),
        "extra_fetches": _fetches(extra, with_values),
    }


def _prev_kwargs(prev: dict[str, np.ndarray], row: int | None = None) -> dict[str, Any]:
    """``prev_action_batch`` / ``prev_reward_batch`` kwargs (or, for ``row``, the single-action
    ``prev_action`` / ``prev_reward`` of that row); empty when the case has no prev inputs."""
    if row is None:
        return {f"{key}_batch": value for key, value in prev.items()}
    return {key: value[row] for key, value in prev.items()}


def _explore_record(
    policy: Any,
    obs: np.ndarray,
    states: list[np.ndarray],
    seed: int,
    prev: dict[str, np.ndarray],
) -> dict[str, Any]:
    """explore=True: dtypes/shapes everywhere; values of the deterministic keys; checks."""
    torch.manual_seed(seed)
    result = policy.compute_actions(
        obs, state_batches=states or None, explore=True, **_prev_kwargs(prev)
    )
    actions, _, extra = result
    record = _call_record(result, with_values=True)
    record["random_keys"] = list(RANDOM_KEYS)
    record["note"] = (
        "values of random_keys are one seeded draw (torch.manual_seed(seed + 1) before the call); "
        "compare them only through logp(actions) under action_dist_inputs, not directly"
    )
    logp = np.asarray(extra["action_logp"], dtype=np.float64)
    prob = np.asarray(extra["action_prob"], dtype=np.float64)
    recomputed = _log_likelihoods(policy, actions, obs, states, prev, in_training=True)
    record["checks"] = {
        "action_prob_equals_exp_action_logp_max_abs_diff": float(
            np.max(np.abs(prob - np.exp(logp)))
        ),
        "action_logp_vs_compute_log_likelihoods_max_abs_diff": float(
            np.max(np.abs(recomputed - logp))
        ),
    }
    return record


def _log_likelihoods(
    policy: Any,
    actions: Any,
    obs: np.ndarray,
    states: list[np.ndarray],
    prev: dict[str, np.ndarray],
    *,
    in_training: bool,
) -> np.ndarray:
    out = policy.compute_log_likelihoods(
        actions, obs, state_batches=states or None, in_training=in_training, **_prev_kwargs(prev)
    )
    return out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)


def _single_record(
    policy: Any,
    obs: np.ndarray,
    states: list[np.ndarray],
    explore: bool,
    prev: dict[str, np.ndarray],
) -> dict[str, Any]:
    state = [s[0] for s in states] if states else None
    result = policy.compute_single_action(
        obs[0], state=state, explore=explore, **_prev_kwargs(prev, row=0)
    )
    record = _call_record(result, with_values=not explore)
    record["called_with"] = {
        "obs": "inputs.obs[0]",
        "state": "[s[0] for s in inputs.state_in]" if states else None,
        "explore": explore,
    }
    for key in prev:
        record["called_with"][key] = f"inputs.{key}s[0]"
    return record


PERTURBATION = (
    "after construction every weight got seeded noise (np.random.default_rng(seed + 2), keys in "
    "get_weights() order): matrices + N(0, 1/sqrt(fan_in)) with fan_in = prod(shape[1:]), "
    "vectors + N(0, 0.1); then policy.set_weights(). Ray's own init (normc 0.01 logits) gives "
    "logits near 0, which would make argmax ties and std ~ 1 too forgiving a test"
)


def perturb_weights(policy: Any, seed: int) -> None:
    """Spread the freshly initialised weights so outputs are O(1) (see ``PERTURBATION``).

    Raises:
        RuntimeError: ``get_weights()`` after ``set_weights()`` does not give back the new weights.
    """
    rng = np.random.default_rng(seed)
    new = {}
    for key, value in policy.get_weights().items():
        scale = 1.0 / np.sqrt(np.prod(value.shape[1:])) if value.ndim >= 2 else 0.1
        new[key] = (value + rng.normal(0.0, scale, size=value.shape)).astype(value.dtype)
    policy.set_weights(new)
    back = policy.get_weights()
    if list(back) != list(new) or any(not np.array_equal(back[k], new[k]) for k in new):
        raise RuntimeError("set_weights/get_weights round trip changed the perturbed weights")


def _weights(policy: Any, case: str, out_dir: Path) -> dict[str, Any]:
    weights = policy.get_weights()
    arrays = {key: np.ascontiguousarray(value) for key, value in weights.items()}
    path = out_dir / f"{case}.weights.safetensors"
    # One metadata key only: safetensors writes metadata in hash order, and re-recording should
    # give byte-identical files.
    save_file(
        arrays,
        str(path),
        metadata={"source": f"ray {ray.__version__} Policy.get_weights(), case {case}"},
    )
    path.chmod(0o644)
    return {
        "file": path.name,
        "perturbation": PERTURBATION,
        "returned_type": type(weights).__name__,
        "value_type": sorted({type(v).__name__ for v in weights.values()}),
        "keys_in_order": [
            {"name": k, "shape": list(v.shape), "dtype": str(v.dtype)} for k, v in weights.items()
        ],
    }


def _model_record(policy: Any, spec: dict[str, Any]) -> dict[str, Any]:
    dist = policy.dist_class
    dist_name = getattr(dist, "func", dist).__name__
    model = policy.model
    return {
        "class": type(model).__name__,
        "mro": [c.__name__ for c in type(model).__mro__][:8],
        "num_outputs": int(model.num_outputs),
        "dist_class": dist_name,
        "dist_class_is_partial": hasattr(dist, "func"),
        "state_dict_keys": list(model.state_dict().keys()),
        "config": jsonable(policy.config["model"]),
        "overrides": jsonable(spec.get("model", {})),
    }


def _view_requirements(policy: Any) -> dict[str, Any]:
    out = {}
    for key, vr in sorted(policy.view_requirements.items()):
        out[key] = {
            "data_col": vr.data_col,
            "shift": jsonable(vr.shift),
            "used_for_compute_actions": bool(vr.used_for_compute_actions),
            "used_for_training": bool(vr.used_for_training),
            "batch_repeat_value": int(vr.batch_repeat_value),
        }
    return out


def _preprocessor_record(
    policy: Any, preprocessor: Any, spec: dict[str, Any], flat: np.ndarray
) -> dict[str, Any]:
    """Layout of the flattening preprocessor and what ``restore_original_dimensions`` rebuilds."""
    layout, offset = [], 0
    for key, child in zip(spec["observation_space"]["spaces"], preprocessor.preprocessors):
        size = int(child.size)
        layout.append(
            {"key": key, "offset": offset, "size": size, "preprocessor": type(child).__name__}
        )
        offset += size
    restored = restore_original_dimensions(
        torch.from_numpy(flat), policy.observation_space, "torch"
    )
    return {
        "class": type(preprocessor).__name__,
        "shape": list(preprocessor.shape),
        "layout": layout,
        "policy_observation_space": space_to_json(policy.observation_space),
        "policy_observation_space_has_original_space": hasattr(
            policy.observation_space, "original_space"
        ),
        "restored_obs": {key: array_record(value) for key, value in restored.items()},
        "restored_obs_type": type(restored).__name__,
    }


def record_case(case: str, spec: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """Build the case's policy, run every recorded call, write weights; return the JSON document."""
    policy, preprocessor = cases.build_policy(spec)
    perturb_weights(policy, spec["seed"] + 2)
    rng = np.random.default_rng(spec["seed"])
    raw, obs = cases.sample_observations(spec, preprocessor, BATCH, rng)
    initial = policy.get_initial_state()
    states = [
        (0.5 * rng.standard_normal((BATCH, *np.shape(s)))).astype(np.float32) for s in initial
    ]
    prev_actions, prev_rewards = cases.sample_prev_inputs(spec, BATCH, rng)
    prev = {
        key: value
        for key, value in (("prev_action", prev_actions), ("prev_reward", prev_rewards))
        if value is not None
    }

    timesteps = [("start", policy.global_timestep)]
    deterministic = policy.compute_actions(
        obs, state_batches=states or None, explore=False, **_prev_kwargs(prev)
    )
    timesteps.append(("compute_actions(explore=False)", policy.global_timestep))
    explore = _explore_record(policy, obs, states, spec["seed"] + 1, prev)
    timesteps.append(("compute_actions(explore=True)", policy.global_timestep))
    single_false = _single_record(policy, obs, states, explore=False, prev=prev)
    timesteps.append(("compute_single_action(explore=False)", policy.global_timestep))
    single_true = _single_record(policy, obs, states, explore=True, prev=prev)
    timesteps.append(("compute_single_action(explore=True)", policy.global_timestep))

    det_actions = deterministic[0]
    doc: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "case": case,
        "letter": spec["letter"],
        "description": spec["description"],
        "versions": versions(),
        "seed": spec["seed"],
        "batch_size": BATCH,
        "observation_space": spec["observation_space"],
        "action_space": space_to_json(policy.action_space),
        "policy": {
            "class": type(policy).__name__,
            "kind": spec["policy"],
            "config_passed": jsonable(
                {k: v for k, v in cases.policy_config(spec).items() if k != "model"}
            ),
            "config_effective": {
                k: jsonable(policy.config.get(k))
                for k in (
                    "explore",
                    "normalize_actions",
                    "clip_actions",
                    "exploration_config",
                    "lr",
                    "num_gpus",
                    "_fake_gpus",
                    "framework",
                )
            },
            "exploration_class": type(policy.exploration).__name__,
            "is_recurrent": bool(policy.is_recurrent()),
            "num_state_tensors": int(policy.num_state_tensors()),
            "initial_state_type": type(initial).__name__,
            "initial_state": [array_record(s) for s in initial],
            "max_seq_len": int(policy.max_seq_len),
            "global_timestep_trace": [
                {"after": call, "global_timestep": int(t)} for call, t in timesteps
            ],
            "view_requirements": _view_requirements(policy),
        },
        "model": _model_record(policy, spec),
        "weights": _weights(policy, case, out_dir),
        "inputs": {"obs": array_record(obs), "state_in": [array_record(s) for s in states]},
        "compute_actions": {
            "explore_false": _call_record(deterministic, with_values=True),
            "explore_true": explore,
        },
        "compute_single_action": {"explore_false": single_false, "explore_true": single_true},
        "compute_log_likelihoods": {
            "actions": "compute_actions.explore_false.actions",
            "return_type": type(
                policy.compute_log_likelihoods(
                    det_actions, obs, state_batches=states or None, **_prev_kwargs(prev)
                )
            ).__name__,
            "in_training_true": array_record(
                _log_likelihoods(policy, det_actions, obs, states, prev, in_training=True)
            ),
            "in_training_false": array_record(
                _log_likelihoods(policy, det_actions, obs, states, prev, in_training=False)
            ),
        },
        "construction": construction_probes(spec),
    }
    for key, value in prev.items():
        doc["inputs"][f"{key}s"] = array_record(value)
    if prev:
        doc["compute_actions"]["called_with"] = {
            "prev_action_batch": "inputs.prev_actions" if "prev_action" in prev else None,
            "prev_reward_batch": "inputs.prev_rewards" if "prev_reward" in prev else None,
            "note": "every recorded call (compute_actions, compute_single_action with row 0, "
            "compute_log_likelihoods) got these prev inputs",
        }
    if spec["observation_space"]["space"] == "dict":
        doc["inputs"]["obs_raw"] = {key: array_record(value) for key, value in raw.items()}
        doc["preprocessor"] = _preprocessor_record(policy, preprocessor, spec, obs)
    if policy.is_recurrent():
        doc["observed_errors"] = recurrent_without_state_errors(
            policy, obs, _prev_kwargs(prev), _prev_kwargs(prev, row=0)
        )
    return doc


def write_case(case: str, out_dir: Path) -> Path:
    """Record one case and write its JSON; returns the JSON path."""
    doc = record_case(case, cases.CASES[case], out_dir)
    path = out_dir / f"{case}.json"
    path.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "cases", nargs="*", help=f"cases to record (default: all): {', '.join(cases.CASES)}"
    )
    parser.add_argument(
        "--out", type=Path, default=FIXTURE_DIR, help="output folder (default: fixtures/oracle)"
    )
    parser.add_argument(
        "--no-timings", action="store_true", help="skip timings.json even when recording every case"
    )
    args = parser.parse_args(argv)
    unknown = [c for c in args.cases if c not in cases.CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; expected some of {list(cases.CASES)}")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args.out.mkdir(parents=True, exist_ok=True)
    for case in args.cases or list(cases.CASES):
        path = write_case(case, args.out)
        print(f"wrote {path} ({path.stat().st_size} bytes)", file=sys.stderr)
    if not args.cases and not args.no_timings:
        import bench_ray

        timings = bench_ray.bench_spec(cases.CASES["fc_discrete"], case="fc_discrete")
        path = args.out / "timings.json"
        path.write_text(json.dumps(timings, indent=1) + "\n")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
