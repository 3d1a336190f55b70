"""The shim half of the real-world measurement: run each corpus file UNMODIFIED through
``shim.ray_compat`` and compare with Ray 2.10's recording (``record_corpus.py``).

Per class: import the file (shim aliases installed), build it with the shim's ``ModelCatalog``
exactly as the recorder built it with Ray's (``harness.build_model``), load Ray's recorded weights
(``load_state_dict(strict=True)``: a different parameter layout is a failure, not a skip),
preprocess Ray's recorded raw observations with the shim's preprocessor (compared with Ray's
flat obs), run the recorded inputs and compare every recorded output (forward, state out,
value, DQN/SAC/custom heads) within ``atol``.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import raw_obs  # noqa: E402

ATOL = 1e-5


@dataclass
class ShimResult:
    """One class's outcome under the shim."""

    id: str
    file: str
    cls: str
    ray_buildable: bool
    ray_error: str = ""
    status: str = ""  # match | mismatch | import | build | weights | forward | no-recording
    error: str = ""
    where: str = ""
    max_abs_diff: float = 0.0
    compared: list[str] = field(default_factory=list)
    #: codes of the modernize fixes (RLM035/RLM036) after which Ray 2.10 imported the file:
    #: the recording and this row are of the modernized copy (its ``modernized`` record)
    modernized: list[str] = field(default_factory=list)
    #: where the modernized copy still stopped on Ray 2.10, for a class Ray did not build
    modernized_error: str = ""


def first_line(exc: BaseException) -> str:
    """``Type: first line`` of an exception (what the table prints)."""
    text = str(exc).strip().splitlines()
    line = text[0].split(". Aliased modules:")[0] if text else ""  # shim's long alias list
    return f"{type(exc).__name__}: {line[:300]}".rstrip(": ")


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""


def _load(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(path))


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def judge_class(cache: Path, entry: dict[str, Any], cls: dict[str, Any]) -> ShimResult:
    """Import, build, load Ray's weights, run Ray's inputs, compare; never raises."""
    import torch

    cid = harness.case_id(entry, cls)
    meta_path = cache / "oracle" / f"{cid}.json"
    result = ShimResult(cid, entry["id"], cls["name"], ray_buildable=False)
    if not meta_path.is_file():
        result.status, result.error = "no-recording", "run record_corpus.py (no Ray recording)"
        return result
    meta = json.loads(meta_path.read_text())
    result.ray_buildable = bool(meta["ray_buildable"])
    result.modernized = list((meta.get("modernized") or {}).get("codes", []))
    if not result.ray_buildable:
        result.ray_error = f"{meta.get('stage')}: {meta.get('error')}"
        result.modernized_error = meta.get("modernized_error", "")
        result.status = "ray-unbuildable"
        return result
    case = cls["case"]
    arrays = _load(cache / "oracle" / f"{cid}.safetensors")
    stage = "import"
    try:
        module = harness.import_module(recorded_class_source(cache, meta), entry)
        target = getattr(module, cls["name"]) if case.get("build", "custom") == "custom" else None
        stage = "build"
        model, prep, obs_space, _ = harness.build_model(target, case, f"corpus_{cid}")
        stage = "weights"
        weights = {k: torch.as_tensor(v) for k, v in _prefixed(arrays, "w/").items()}
        model.load_state_dict(weights, strict=True)
        stage = "forward"
        rows = int(meta["rows"])
        raw = raw_obs.unflatten_raw(obs_space, _prefixed(arrays, "in/raw/"), rows)
        flat = np.stack([np.asarray(prep.transform(r), dtype=np.float32) for r in raw])
        ray_flat = arrays["in/obs_flat"]
        diffs = {"obs_flat": _diff(flat, ray_flat)}
        state = [arrays[f"in/state_in/{i}"] for i in range(len(_prefixed(arrays, "in/state_in/")))]
        heads = dict(case.get("heads", {}))
        if "in/sac_actions" in arrays:
            heads["actions"] = arrays["in/sac_actions"]
        outputs = harness.run_model(
            model, ray_flat, arrays["in/prev_actions"], arrays["in/prev_rewards"],
            state if meta.get("recurrent") else None, arrays.get("in/seq_lens"), heads,
            _prefixed(arrays, "in/extra/"),
        )
    except BaseException as exc:  # noqa: BLE001 - every failure is a measured result
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.status, result.error, result.where = stage, first_line(exc), _where(exc)
        return result
    for key, expected in _prefixed(arrays, "out/").items():
        if key == "value_error":
            diffs["value(raises under Ray)"] = 0.0 if "value" not in outputs else float("inf")
            continue
        got = outputs.get(key)
        diffs[key] = float("inf") if got is None else _diff(got, expected)
    result.compared = sorted(diffs)
    result.max_abs_diff = max(diffs.values())
    bad = sorted(k for k, d in diffs.items() if not d <= ATOL)
    result.status = "match" if not bad else "mismatch"
    if bad:
        result.error = "differs from Ray 2.10: " + ", ".join(
            f"{k} (max |diff| {diffs[k]:.3g})" for k in bad
        )
    return result


def recorded_class_source(cache: Path, meta: dict[str, Any]) -> Path:
    """The copy the recorder built a class from (its recording ``meta``): ``cache``, or the
    modernized copy when the recording says so (``modernized``: Ray 2.10 imported the file only
    after the modernize fixes, ``record_corpus.import_class_file``), so the shim runs the very
    file Ray 2.10 ran."""
    return cache / harness.MODERNIZED if meta.get("modernized") else cache


def _diff(got: Any, expected: np.ndarray) -> float:
    got = np.asarray(got)
    if got.shape != expected.shape:
        return float("inf")
    if got.size == 0:
        return 0.0
    a = got.astype(np.float64)
    b = expected.astype(np.float64)
    same_inf = np.isinf(a) & np.isinf(b) & (np.sign(a) == np.sign(b))
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        d = np.where(same_inf | both_nan, 0.0, np.abs(a - b))
    return float(np.nanmax(np.where(np.isnan(d), np.inf, d)))


def judge_all(cache: Path, manifest: dict[str, Any]) -> list[ShimResult]:
    """Every class with a case, under the shim (``shim.ray_compat`` must be installed)."""
    return [
        judge_class(cache, entry, cls)
        for entry in manifest["files"]
        for cls in entry["classes"]
        if "case" in cls
    ]


def as_dicts(results: list[ShimResult]) -> list[dict[str, Any]]:
    """JSON-ready rows."""
    return [asdict(r) for r in results]
