"""Count the legacy idioms met in the corpus and write ``tools/corpus/IDIOMS.md``.

    python tools/corpus/idioms.py [--cache .corpus] [--results benchmarks/results/real_world.json]

For each idiom: how many corpus files / torch classes use it, one example location, and — from
a ``judge.py`` result, when given — how the shim and the codemod fare on the classes of those
files (shim: matched / Ray-buildable; codemod: rewritten / dropped of all classes). The
detectors are source patterns (this is a survey for writing our own fixtures, not a rewrite).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from fetch import DEFAULT_DEST, load_manifest  # noqa: E402

#: (idiom, regex over the file source). Kept in the order of the table.
IDIOMS: list[tuple[str, str]] = [
    ("`torch, nn = try_import_torch()` (RLlib's import idiom)", r"try_import_torch\(\)"),
    ("`try_import_tf()` / `ray.rllib.models.tf` next to the torch model (TF neighbour)",
     r"try_import_tf|ray\.rllib\.models\.tf"),
    ("`import gym` / `from gym...` (pre-gymnasium)", r"^\s*(import gym\b|from gym(\.| ))"),
    ("`import tree` (dm-tree)", r"^\s*import tree\b"),
    ("numpy-1 names (`np.product`, `np.bool8`, `np.float_`)", r"np\.(product|bool8|float_|cumproduct)\b"),
    ("`nn.Module.__init__(self)` before the ModelV2 init", r"nn\.Module\.__init__\(self\)\s*\n\s*(super|TorchModelV2|TorchRNN|RecurrentNetwork)"),
    ("`super().__init__(obs_space, ...)` / `super(Cls, self).__init__` chain", r"super\([^)]*\)\.__init__\(\s*(obs_space|observation_space|self\.obs)"),
    ("sub-model delegation (inner FullyConnectedNetwork / VisionNetwork / TorchFC built in `__init__`)",
     r"=\s*(TorchFC|FullyConnectedNetwork|TorchFullyConnectedNetwork|VisionNetwork|ComplexInputNetwork)\("),
    ("action masking from `input_dict[\"obs\"][\"action_mask\"]`", r"\[\s*[\"']action_mask[\"']\s*\]"),
    ("`FLOAT_MIN` / `torch.clamp(torch.log(mask))` inf-mask", r"FLOAT_MIN|clamp\(torch\.log"),
    ("`obs_space.original_space` (Dict/Tuple obs)", r"original_space"),
    ("`input_dict[\"obs_flat\"]`", r"obs_flat"),
    ("`input_dict[\"obs\"][key]` on Dict observations", r"\[\s*[\"']obs[\"']\s*\]\s*\[\s*[\"'][a-z_]+[\"']\s*\]"),
    ("`is_training` read in forward", r"is_training"),
    ("`RecurrentNetwork` subclass (`forward_rnn`)", r"def forward_rnn"),
    ("`DQNTorchModel` / `SACTorchModel` subclass or interface", r"DQNTorchModel|SACTorchModel"),
    ("custom kwargs in the constructor signature (`**kwargs` / named)", r"def __init__\([^)]*name[^)]*(\*\*|,\s*[a-z_]+\s*=)"),
    ("`model_config[\"custom_model_config\"]` read directly", r"model_config\[\s*[\"']custom_model_config"),
    ("MODEL_DEFAULTS keys read (`model_config.get(\"fcnet_hiddens\"...)` / `[\"fcnet_...\"]`)",
     r"model_config(\.get\(|\[)\s*[\"'](fcnet_|conv_|lstm_|vf_share|post_fcnet|max_seq_len|use_lstm)"),
    ("`get_preprocessor(obs_space)(obs_space).size`", r"get_preprocessor\("),
    ("`restore_original_dimensions`", r"restore_original_dimensions"),
    ("`SlimFC` / `SlimConv2d` / `normc_initializer` (models.torch.misc)", r"SlimFC|SlimConv2d|normc_initializer"),
    ("`view_requirements` / `ViewRequirement`", r"view_requirements|ViewRequirement"),
    ("`custom_loss` / `metrics` override", r"def (custom_loss|metrics)\("),
    ("`ModelCatalog.register_custom_model(...)` in the model file", r"register_custom_model\("),
    ("`ray.rllib.utils.framework.TensorType` / `utils.typing` Dict/List", r"framework import[^\n]*TensorType|typing import[^\n]*\b(Dict|List)\b[^\n]*TensorType"),
    ("`ray.rllib.models.torch.modules` (GRUGate, attention blocks)", r"models\.torch\.modules"),
    ("`ray.tune` / `ray.air` imports in a model file", r"from ray\.(tune|air)|import ray\.(tune|air)"),
    ("`ray.rllib.agents.*` (pre-2.0 API, gone in 2.10)", r"ray\.rllib\.agents"),
    ("`ray.rllib.utils.torch_ops` (renamed torch_utils before 2.10)", r"ray\.rllib\.utils\.torch_ops"),
    ("`Repeated` observation space", r"Repeated"),
    ("policy subclass of `Policy` / `TorchPolicyV2` / algorithm policy", r"class \w+\((\w+\.)*(Policy|TorchPolicyV2|TorchPolicy|PPOTorchPolicy|DQNTorchPolicy)\b"),
    ("`build_policy_class` / `build_torch_policy` / `.with_updates(`", r"build_policy_class|build_torch_policy|build_tf_policy|\w+Policy\.with_updates\("),
    ("policy `postprocess_trajectory` / `postprocess_fn` (GAE, centralized critic)", r"postprocess_trajectory|postprocess_fn"),
]


def survey(cache: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Per idiom: files, classes (torch model classes in those files), an example location."""
    rows = []
    for title, pattern in IDIOMS:
        regex = re.compile(pattern, re.MULTILINE)
        files, classes, policies, example = [], [], [], ""
        for entry in manifest["files"]:
            path = cache / entry["repo"].replace("/", "+", 1) / entry["path"]
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            match = regex.search(text)
            if not match:
                continue
            files.append(entry["id"])
            classes.extend(f"{entry['id']}::{c['name']}" for c in entry["classes"])
            policies.extend(f"{entry['id']}::{p['name']}" for p in entry["policies"])
            if not example:
                example = f"{entry['repo']}:{entry['path']}:{text.count(chr(10), 0, match.start()) + 1}"
        rows.append({"idiom": title, "files": files, "classes": classes, "policies": policies,
                     "example": example})
    return rows


def _shim_cell(classes: list[str], results: dict[str, Any] | None) -> str:
    if results is None:
        return "?"
    rows = [r for r in results.get("shim_rows", []) if f"{r['file']}::{r['cls']}" in classes and r["ray_buildable"]]
    if not rows:
        return "n/a (no Ray-buildable class)"
    matched = sum(r["status"] == "match" for r in rows)
    return f"{matched}/{len(rows)} match"


def _codemod_cell(
    classes: list[str], policies: list[str], results: dict[str, Any] | None
) -> str:
    if results is None or "codemod_rows" not in results:
        return "?"
    rows = [r for r in results["codemod_rows"] if f"{r['file']}::{r['cls']}" in classes]
    if not rows:
        pols = [r for r in results.get("policy_rows", []) if f"{r['file']}::{r['policy']}" in policies]
        if not pols:
            return "n/a"
        found = sum(r["finding"] for r in pols)
        modules = sum(r["module_generated"] for r in pols)
        return f"policies: {found}/{len(pols)} with a finding, {modules} with a module"
    rewritten = sum(r["outcome"] == "rewritten" for r in rows)
    dropped = sum(r["outcome"] == "dropped" for r in rows)
    cell = f"{rewritten}/{len(rows)} rewritten"
    return cell + (f", {dropped} dropped" if dropped else "")


def render(rows: list[dict[str, Any]], results: dict[str, Any] | None, source: str) -> str:
    """The markdown document."""
    out = [
        "# Legacy idioms in the development corpus",
        "",
        "Written by `tools/corpus/idioms.py` from the corpus (`tools/corpus/manifest.json`) and "
        f"a `judge.py` result ({source}). *files* / *classes*: corpus files using the idiom and "
        "the torch ModelV2 classes they define; *shim*: of those classes that Ray 2.10 builds, how "
        "many import, build and match Ray's outputs through `shim.ray_compat`; *codemod*: how "
        "many `rlmigrate rewrite` rewrote (converted or review) and dropped silently. Each idiom "
        "deserves a fixture of our own (never a copy of the corpus file).",
        "",
        "| idiom | files | classes | policies | example | shim | codemod |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if not row["files"]:
            continue
        out.append(
            f"| {row['idiom']} | {len(row['files'])} | {len(row['classes'])} | "
            f"{len(row['policies'])} | {row['example']} | {_shim_cell(row['classes'], results)} | "
            f"{_codemod_cell(row['classes'], row['policies'], results)} |"
        )
    return "\n".join(out) + "\n"


def _gaps(results: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    """Sections listing what the judge found missing (for writing our own fixtures)."""
    bases = {f"{e['id']}::{c['name']}": ", ".join(c.get("bases", []))
             for e in manifest["files"] for c in e["classes"]}
    out = ["", "## Gaps the judge found", ""]
    shim = results.get("shim", {})
    if shim.get("failure_reasons"):
        out += ["Shim failures of Ray-buildable classes, by reason:", "",
                "| reason | classes |", "|---|---|"]
        out += [f"| {k} | {v} |" for k, v in shim["failure_reasons"].items()]
        out.append("")
    rows = results.get("codemod_rows", [])
    dropped = [r for r in rows if r["outcome"] == "dropped"]
    if dropped:
        out += ["Torch model classes the codemod dropped silently (no finding at all):", "",
                "| class | bases |", "|---|---|"]
        out += [f"| {r['file']}::{r['cls']} | {bases.get(r['file'] + '::' + r['cls'], '')} |"
                for r in dropped]
        out.append("")
    unproven = [r for r in rows if r["outcome"] == "rewritten" and r["verify"] not in ("", "equivalent")]
    if unproven:
        out += ["Rewritten classes (Ray-buildable) that `rlmigrate verify` did not prove:", "",
                "| class | status | verify |", "|---|---|---|"]
        for r in unproven:
            message = r["verify_message"].replace("|", "/")
            message = message.split(". Aliased modules")[0][:220]
            out.append(f"| {r['file']}::{r['cls']} | {r['status']} | {r['verify']}: {message} |")
        out.append("")
    pols = [r for r in results.get("policy_rows", []) if not r["finding"]]
    if pols:
        out += [f"Policy definitions without any finding: {len(pols)} — "
                + ", ".join(sorted({f"{r['kind']}/{r['framework']}" for r in pols}))]
    return out


def main(argv: list[str] | None = None) -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_DEST)
    parser.add_argument("--results", type=Path)
    parser.add_argument("--out", type=Path, default=HERE / "IDIOMS.md")
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text()) if args.results else None
    if results is not None and "real_world" in results:  # a benchmarks/_results.py record
        results = results["real_world"]
    source = f"`{args.results.name}` of `{results['repo_root']}`" if results else "no judge result"
    manifest = load_manifest()
    text = render(survey(args.cache, manifest), results, source)
    if results:
        text += "\n".join(_gaps(results, manifest)) + "\n"
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
