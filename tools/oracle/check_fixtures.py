"""Check the oracle fixtures with numpy, safetensors and json only (no Ray, no torch).

Runs in rlmigrate's own venv: ``.venv/bin/python tools/oracle/check_fixtures.py``. For each
``fixtures/oracle/<case>.json`` it checks that

* every array record decodes to its declared dtype and shape, and the weights file holds
  exactly the recorded keys, shapes and dtypes; files stay within the size budget;
* the legacy contract holds: explore=False gives logp 0 / prob 1, ``action_prob ==
  exp(action_logp)``, ``vf_preds`` present for PPO and absent for the bare policy;
* the recorded numbers are what the recorded weights compute (``numpy_reference``):
  ``action_dist_inputs``, ``vf_preds``, state outs, deterministic actions, log-likelihoods
  of both the deterministic and the sampled actions, and ``compute_single_action`` row 0;
* for Dict observations, the flat obs is the preprocessor layout of the raw obs.

Exit status 0 when everything holds, 1 otherwise (each problem printed with case and field).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy_reference as ref
from jsonio import array_from_record
from safetensors.numpy import load_file

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "oracle"
MAX_JSON_BYTES = 200 * 1024
MAX_WEIGHTS_BYTES = 1536 * 1024
ATOL = RTOL = 1e-5


class Problems(list):
    """Collects ``"<case>: <field>: <what>"`` messages instead of stopping at the first."""

    def close(self, case: str, field: str, got: Any, expected: Any, atol: float = ATOL) -> None:
        got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
        if got.shape != expected.shape:
            self.append(
                f"{case}: {field}: shape {list(got.shape)}, expected {list(expected.shape)}"
            )
        elif not np.allclose(got, expected, atol=atol, rtol=RTOL):
            worst = float(np.max(np.abs(got - expected)))
            self.append(f"{case}: {field}: max abs diff {worst:.3g} > atol {atol}")

    def require(self, case: str, condition: bool, message: str) -> None:
        if not condition:
            self.append(f"{case}: {message}")


def decode_all(node: Any, path: str, problems: Problems, case: str) -> int:
    """Decode every array record under ``node``; returns how many were decoded."""
    if isinstance(node, dict) and {"dtype", "shape"} <= node.keys():
        if "values" not in node:
            return 0
        try:
            array_from_record(node)
        except (ValueError, TypeError) as exc:
            problems.append(f"{case}: {path}: {exc}")
        return 1
    children = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    return sum(decode_all(child, f"{path}.{key}", problems, case) for key, child in children)


def model_outputs(
    doc: dict[str, Any], weights: dict[str, np.ndarray], obs: np.ndarray, states: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Recompute ``(action_dist_inputs, value, state_out)`` for the case's model class."""
    model, config = doc["model"]["class"], doc["model"]["config"]
    if model.endswith("LSTMWrapper"):
        inputs = doc["inputs"]
        return ref.lstm_wrapper(
            weights,
            obs,
            states,
            config,
            prev_actions=array_from_record(inputs["prev_actions"])
            if "prev_actions" in inputs
            else None,
            prev_rewards=array_from_record(inputs["prev_rewards"])
            if "prev_rewards" in inputs
            else None,
            action_space=doc["action_space"],
        )
    if model == "FullyConnectedNetwork":
        return (*ref.fcnet(weights, obs, config), [])
    if model == "ValueBranchMLP":
        return (*ref.value_branch_mlp(weights, obs, config["custom_model_config"]), [])
    raise ValueError(f"{doc['case']}: no numpy reference for model class {model!r}")


def check_weights(doc: dict[str, Any], weights: dict[str, np.ndarray], problems: Problems) -> None:
    case = doc["case"]
    recorded = {k["name"]: k for k in doc["weights"]["keys_in_order"]}
    problems.require(
        case,
        set(recorded) == set(weights),
        f"weights: file keys {sorted(set(weights) ^ set(recorded))} differ from keys_in_order",
    )
    problems.require(
        case,
        list(recorded) == doc["model"]["state_dict_keys"],
        "weights: keys_in_order != model.state_dict_keys",
    )
    for name, meta in recorded.items():
        if name in weights:
            got = weights[name]
            problems.require(
                case,
                [list(got.shape), str(got.dtype)] == [meta["shape"], meta["dtype"]],
                f"weights[{name}]: {list(got.shape)} {got.dtype}, recorded {meta['shape']} {meta['dtype']}",
            )


def check_contract(doc: dict[str, Any], problems: Problems) -> None:
    case, calls = doc["case"], doc["compute_actions"]
    det = {k: array_from_record(v) for k, v in calls["explore_false"]["extra_fetches"].items()}
    problems.require(
        case,
        np.all(det["action_logp"] == 0.0) and np.all(det["action_prob"] == 1.0),
        "explore_false: action_logp must be 0 and action_prob 1",
    )
    sampled = {k: array_from_record(v) for k, v in calls["explore_true"]["extra_fetches"].items()}
    problems.close(
        case,
        "explore_true: action_prob vs exp(action_logp)",
        sampled["action_prob"],
        np.exp(sampled["action_logp"].astype(np.float64)),
        atol=1e-6,
    )
    wants_vf = doc["policy"]["kind"] == "ppo"
    for name, record in (("explore_false", det), ("explore_true", sampled)):
        problems.require(
            case,
            ("vf_preds" in record) == wants_vf,
            f"{name}: vf_preds present={'vf_preds' in record}, expected {wants_vf}",
        )
        problems.require(
            case,
            all(v.dtype == np.float32 for v in record.values()),
            f"{name}: extra fetches must all be float32",
        )
    kind = doc["action_space"]["space"]
    action_dtype = calls["explore_false"]["actions"]["dtype"]
    problems.require(
        case,
        action_dtype == ("int32" if kind == "discrete" else "float32"),
        f"actions dtype {action_dtype} for a {kind} action space",
    )


def check_numbers(doc: dict[str, Any], weights: dict[str, np.ndarray], problems: Problems) -> None:
    case, space = doc["case"], doc["action_space"]
    obs = array_from_record(doc["inputs"]["obs"])
    states = [array_from_record(s) for s in doc["inputs"]["state_in"]]
    inputs, value, state_out = model_outputs(doc, weights, obs, states)
    for name in ("explore_false", "explore_true"):
        call = doc["compute_actions"][name]
        fetches = {k: array_from_record(v) for k, v in call["extra_fetches"].items()}
        problems.close(case, f"{name}: action_dist_inputs", fetches["action_dist_inputs"], inputs)
        if "vf_preds" in fetches:
            problems.close(case, f"{name}: vf_preds", fetches["vf_preds"], value)
        for i, (got, want) in enumerate(zip(call["state_out"], state_out, strict=True)):
            problems.close(case, f"{name}: state_out[{i}]", array_from_record(got), want)
    det_actions = array_from_record(doc["compute_actions"]["explore_false"]["actions"])
    problems.close(
        case, "explore_false: actions", det_actions, ref.deterministic_action(space, inputs)
    )
    sampled = doc["compute_actions"]["explore_true"]
    sampled_actions = array_from_record(sampled["actions"])
    problems.close(
        case,
        "explore_true: action_logp of the sampled actions",
        array_from_record(sampled["extra_fetches"]["action_logp"]),
        ref.logp(space, inputs, sampled_actions),
    )
    for key in ("in_training_true", "in_training_false"):
        got = array_from_record(doc["compute_log_likelihoods"][key])
        problems.close(
            case, f"compute_log_likelihoods.{key}", got, ref.logp(space, inputs, det_actions)
        )
    single = doc["compute_single_action"]["explore_false"]
    problems.close(
        case, "compute_single_action: action", array_from_record(single["actions"]), det_actions[0]
    )
    problems.close(
        case,
        "compute_single_action: action_dist_inputs",
        array_from_record(single["extra_fetches"]["action_dist_inputs"]),
        inputs[0],
    )
    for i, (got, want) in enumerate(zip(single["state_out"], state_out, strict=True)):
        problems.close(
            case, f"compute_single_action: state_out[{i}]", array_from_record(got), want[0]
        )


def check_dict_layout(doc: dict[str, Any], problems: Problems) -> None:
    case, pre = doc["case"], doc["preprocessor"]
    flat = array_from_record(doc["inputs"]["obs"])
    raw = {k: array_from_record(v) for k, v in doc["inputs"]["obs_raw"].items()}
    for part in pre["layout"]:
        piece = flat[:, part["offset"] : part["offset"] + part["size"]]
        space = doc["observation_space"]["spaces"][part["key"]]
        want = (
            np.eye(space["n"])[raw[part["key"]]]
            if space["space"] == "discrete"
            else raw[part["key"]].reshape(len(flat), -1)
        )
        problems.close(case, f"obs flat slice {part['key']}", piece, want, atol=0.0)
        problems.close(
            case,
            f"restored_obs.{part['key']}",
            array_from_record(pre["restored_obs"][part["key"]]).reshape(len(flat), -1),
            piece,
            atol=0.0,
        )


def check_case(json_path: Path, problems: Problems) -> None:
    """Run every check on one case JSON and its weights file."""
    doc = json.loads(json_path.read_text())
    case = doc.get("case", json_path.stem)
    problems.require(
        case,
        doc.get("format_version") == 1,
        f"format_version {doc.get('format_version')!r}, expected 1",
    )
    weights_path = json_path.parent / doc["weights"]["file"]
    problems.require(
        case,
        json_path.stat().st_size < MAX_JSON_BYTES,
        f"{json_path.name} is {json_path.stat().st_size} bytes (limit {MAX_JSON_BYTES})",
    )
    problems.require(
        case,
        weights_path.stat().st_size < MAX_WEIGHTS_BYTES,
        f"{weights_path.name} is {weights_path.stat().st_size} bytes (limit {MAX_WEIGHTS_BYTES})",
    )
    decode_all(doc, case, problems, case)
    weights = load_file(str(weights_path))
    steps: list[tuple[str, Callable[[], None]]] = [
        ("check_weights", lambda: check_weights(doc, weights, problems)),
        ("check_contract", lambda: check_contract(doc, problems)),
        ("check_numbers", lambda: check_numbers(doc, weights, problems)),
    ]
    if "preprocessor" in doc:
        steps.append(("check_dict_layout", lambda: check_dict_layout(doc, problems)))
    for name, step in steps:
        try:
            step()
        except (KeyError, ValueError, IndexError) as exc:
            problems.append(f"{case}: {name} raised {type(exc).__name__}: {exc}")


def check_timings(path: Path, problems: Problems) -> None:
    doc = json.loads(path.read_text())
    timings = doc.get("timings_us", {})
    for name in (
        "compute_single_action_explore_false",
        "compute_single_action_explore_true",
        f"compute_actions_b{doc.get('batch_size')}_explore_false",
    ):
        value = timings.get(name, {}).get("median")
        problems.require(
            "timings",
            isinstance(value, float) and value > 0,
            f"{name}.median is {value!r}, expected a positive float",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dir", type=Path, default=FIXTURE_DIR, help="fixture folder (default: fixtures/oracle)"
    )
    args = parser.parse_args(argv)
    problems = Problems()
    case_files = sorted(p for p in args.dir.glob("*.json") if p.name != "timings.json")
    if not case_files:
        problems.append(f"no case JSON files in {args.dir}")
    for path in case_files:
        before = len(problems)
        check_case(path, problems)
        print(f"{path.stem}: {'ok' if len(problems) == before else 'FAILED'}")
    if (args.dir / "timings.json").exists():
        check_timings(args.dir / "timings.json", problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
