"""The codemod half of the real-world measurement (issues 13 and 12).

Runs ``rlmigrate rewrite`` over a copy of the corpus files and classifies, from its JSON report:

* each torch ModelV2 class: **rewritten** (a ``converted`` / ``review`` finding on the class
  line), **manual** (a ``manual`` finding there), **error**, or **dropped silently** (no finding
  on the class line nor one naming the class);
* each rewritten class that Ray 2.10 can build: whether ``rlmigrate verify`` — given only the
  manifest case's spaces and model config — reports the rewrite ``equivalent``;
* each policy definition: whether it got a finding (on its line, or naming it), and whether the
  rewritten file holds a generated ``<Policy>RLModule`` class.

Everything runs in subprocesses with ``PYTHONPATH`` = the rlmigrate checkout under test, so the
figures are those of that checkout, whichever is importable here.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import CORPUS_DEPS, HERE

VERIFY_TIMEOUT_S = 180


@dataclass
class ClassOutcome:
    """Codemod + verify outcome of one torch model class."""

    file: str
    cls: str
    outcome: str  # rewritten | manual | error | reported (findings in its body only) | dropped
    status: str = ""  # the finding's status (converted / review / manual / error)
    code: str = ""
    message: str = ""
    ray_buildable: bool = False
    verify: str = ""  # equivalent | different | error: ... | "" (not run)
    verify_message: str = ""
    #: codes of the modernize fixes (RLM035/RLM036) after which Ray 2.10 imported the file and
    #: built the class (its recording): verify's legacy side is that modernized file
    modernized: list[str] = field(default_factory=list)


@dataclass
class PolicyOutcome:
    """Codemod outcome of one policy definition."""

    file: str
    policy: str
    kind: str
    framework: str
    finding: bool
    codes: str = ""
    module_generated: bool = False
    ray_importable: bool | None = None  # the file imports under Ray 2.10 (None: not recorded)
    ray_error: str = ""  # why Ray 2.10 does not import the file (the recorder's first error line)
    ray_built: bool | None = None  # Ray 2.10 built the policy with its case (its recording; None: none)
    learner_generated: bool = False  # the rewrite defines <Policy>Learner
    custom_loss: bool = False  # the definition brings its own loss (loss method / loss_fn=)
    verify_act: str = ""  # rlmigrate verify <Policy> vs <Policy>RLModule: equivalent | different | error | ""
    verify_act_message: str = ""
    verify_loss: str = ""  # rlmigrate verify --loss <Policy> vs <Policy>Learner
    verify_loss_message: str = ""
    manual_hooks: list[str] = field(default_factory=list)  # hook kinds its manual findings name
    #: codes of the modernize fixes (RLM035/RLM036) after which Ray 2.10 imported the file and
    #: built the policy: the recording, the shim row and verify's legacy side are that file
    modernized: list[str] = field(default_factory=list)
    #: where the modernized copy still stops on Ray 2.10 (policies.json), when it does
    modernized_error: str = ""
    #: packages whose __init__.py Ray 2.10's recording did not run (``isolated_package_init``)
    isolated_package_init: list[str] = field(default_factory=list)
    #: why Ray 2.10 did not build the policy with its case (its recording: stage and first error line)
    ray_build_error: str = ""


def _copy_corpus(cache: Path, manifest: dict[str, Any], dest: Path) -> None:
    for entry in [*manifest["files"], *manifest.get("context_files", [])]:
        repo = entry["repo"].replace("/", "+", 1)
        for path in [entry["path"], *entry.get("support", [])]:
            src = cache / repo / path
            if src.is_file():
                (dest / repo / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest / repo / path)


#: ``gym`` -> ``gymnasium`` for the subprocesses, the convention the recorder and the shim judge
#: follow in-process (``sys.modules``): Ray 2.10 only accepts gymnasium spaces.
#: ``gym`` for the subprocesses: gym_alias.py as ``gym/__init__.py`` (every ``gym.X`` is
#: ``gymnasium.X``, as in this process and in the recorder)
_GYM_ALIAS = {"gym/__init__.py": (HERE / "gym_alias.py").read_text()}
_ALIAS_DIR: list[Path] = []


def _gym_alias_dir() -> Path:
    if not _ALIAS_DIR:
        root = Path(tempfile.mkdtemp(prefix="rlm-corpus-gym-"))
        for rel, text in _GYM_ALIAS.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        _ALIAS_DIR.append(root)
    return _ALIAS_DIR[0]


def _env(repo_root: Path, extra: list[Path] = ()) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(repo_root), *map(str, extra), str(_gym_alias_dir()),
                                         *map(str, CORPUS_DEPS)])  # harness.use_corpus_deps
    env.pop("PYTHONHOME", None)
    return env


def run_rewrite(repo_root: Path, src: Path, out: Path, report: Path) -> dict[str, Any]:
    """``rlmigrate rewrite SRC --out OUT --format json --report REPORT``; the parsed report."""
    cmd = [sys.executable, "-m", "rlmigrate.cli", "rewrite", str(src), "--out", str(out),
           "--format", "json", "--report", str(report), "--no-progress", "-j", "1"]
    proc = subprocess.run(cmd, env=_env(repo_root), capture_output=True, text=True, timeout=1800)
    if not report.is_file():
        raise RuntimeError(f"rlmigrate rewrite wrote no report (exit {proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    return json.loads(report.read_text())


def rewrite_per_repository(repo_root: Path, src: Path, out: Path, work: Path) -> dict[str, Any]:
    """One ``rlmigrate rewrite`` per repository folder of ``src`` (into ``out/<repository>``),
    as each team runs it on its own tree: a run's project index (bases, registrations, helpers
    in other files) never sees another repository's files. The reports merged: findings and
    files concatenated, summary counts added."""
    merged: dict[str, Any] = {"summary": {}, "findings": [], "files": []}
    for repository in sorted(p for p in src.iterdir() if p.is_dir()):
        report = run_rewrite(repo_root, repository, out / repository.name,
                             work / f"report__{repository.name}.json")
        merged["findings"].extend(report["findings"])
        merged["files"].extend(report["files"])
        for key, count in report["summary"].items():
            merged["summary"][key] = merged["summary"].get(key, 0) + count
    return merged


def _findings_by_file(report: dict[str, Any], src: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for finding in report["findings"]:
        rel = os.path.relpath(finding["path"], src) if os.path.isabs(finding["path"]) else finding["path"]
        out.setdefault(rel.replace(os.sep, "/"), []).append(finding)
    return out


def _class_finding(findings: list[dict[str, Any]], name: str, line: int) -> dict[str, Any] | None:
    at_line = [f for f in findings if f["line"] == line]
    if at_line:
        order = {"error": 0, "manual": 1, "review": 2, "converted": 3}
        return sorted(at_line, key=lambda f: order.get(f["status"], 9))[0]
    named = [f for f in findings if f["message"].startswith(f"{name}:") or f"{name} " in f["message"]]
    return named[0] if named else None


#: a DQN case's ``model_kwargs`` (what RLlib's DQN policy passed DQNTorchModel) -> the DQN keys of
#: the model config verify gives both sides (rlmigrate.modules.dqn_config reads them there)
_DQN_KWARG_KEYS = {"q_hiddens": "hiddens", "dueling": "dueling", "num_atoms": "num_atoms",
                   "use_noisy": "noisy", "v_min": "v_min", "v_max": "v_max", "sigma0": "sigma0",
                   "add_layer_norm": "add_layer_norm"}
_SAC_KWARG_KEYS = ("twin_q", "initial_alpha", "target_entropy")


def verify_model_config(case: dict[str, Any]) -> dict[str, Any]:
    """The case's model config plus its DQN / SAC ``model_kwargs`` as model-config keys."""
    config = dict(case.get("model_config", {}))
    for key, value in (case.get("model_kwargs") or {}).items():
        if key in _DQN_KWARG_KEYS:
            config[_DQN_KWARG_KEYS[key]] = value
        elif key in ("policy_model_config", "q_model_config") and isinstance(value, dict):
            config[key] = value.get("$model_defaults", value)
        elif key in _SAC_KWARG_KEYS:
            config[key] = value
    return config


def verify_rewrite(repo_root: Path, legacy: Path, migrated: Path, cls: str, case: dict[str, Any],
                   import_root: Path, packages: list[Path] | tuple[Path, ...] = ()) -> tuple[str, str]:
    """``rlmigrate verify`` with the case's spaces and model config only; (verdict, message).

    The model config gets the recording's ``{here}`` substitution: a case that names a data
    file (``input_files``) must point at the same existing file on both runs."""
    import harness

    model_config = harness.substitute_here(verify_model_config(case))
    cmd = [sys.executable, "-m", "rlmigrate.cli", "verify", f"{legacy}:{cls}", f"{migrated}:{cls}",
           "--obs-space", case["obs_space"], "--action-space", case["action_space"],
           "--model-config", json.dumps(model_config), "--format", "json",
           "--examples", "20"]
    return run_verify(repo_root, cmd, import_root, packages)


#: an equivalent verdict on a legacy side that raised on more inputs than it acted on
MOSTLY_FAILING = "equivalent-legacy-mostly-raises"


def judged_equivalence(report: dict[str, Any], message: str) -> tuple[str, str]:
    """The judge's reading of an ``equivalent`` verify report: when the legacy code itself
    raised (and the module with it) on more inputs, generated and recorded, than it acted on,
    the proof covers only a corner of what the policy is for (a search that always fails on
    Python 3.11, say, compared only where it passes its turn): verdict :data:`MOSTLY_FAILING`,
    listed with the rest and not counted as proven."""
    acted = int(report.get("examples") or 0) + int(report.get("recorded_acted") or 0)
    raised = sum((report.get("raised") or {}).values()) + sum((report.get("recorded_raised") or {}).values())
    if raised <= acted:
        return "equivalent", message
    return MOSTLY_FAILING, (f"not counted: the legacy code itself raised on {raised} inputs and acted on "
                            f"{acted} (the proof covers only the inputs it handles); {message}")


def run_verify(repo_root: Path, cmd: list[str], cwd: Path,
               extra: list[Path] | tuple[Path, ...] = (),
               run_dir: Path | None = None) -> tuple[str, str]:
    """Run a ``rlmigrate verify ... --format json`` command line in ``cwd`` (or ``run_dir``,
    a policy case's working directory, ``policy_harness.run_dir``) with the checkout under
    test, ``cwd`` (the import root) and ``extra`` (the repository's own installed packages,
    ``harness.package_paths``) importable; (verdict, first line of the message or problems)."""
    try:
        proc = subprocess.run(cmd, env=_env(repo_root, [cwd, *extra]), capture_output=True,
                              text=True, timeout=VERIFY_TIMEOUT_S, cwd=str(run_dir or cwd))
    except subprocess.TimeoutExpired:
        return "error", f"verify timed out after {VERIFY_TIMEOUT_S}s"
    for line in reversed(proc.stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            message = str(data.get("message") or "; ".join(map(str, data.get("problems") or [])))
            message = message.splitlines()[0] if message else ""
            verdict = str(data.get("verdict"))
            if verdict == "equivalent":
                verdict, message = judged_equivalence(data.get("report") or {}, message)
            return verdict, message[:400]
    tail = (proc.stderr or proc.stdout).strip().splitlines()
    return "error", tail[-1][:300] if tail else f"exit {proc.returncode}, no output"


_HELP: dict[str, str] = {}


def verify_supports(repo_root: Path, flag: str) -> bool:
    """Whether the checkout's ``rlmigrate verify`` has ``flag`` (read once from ``--help``)."""
    key = str(repo_root)
    if key not in _HELP:
        proc = subprocess.run([sys.executable, "-m", "rlmigrate.cli", "verify", "--help"],
                              env=_env(repo_root), capture_output=True, text=True, timeout=120)
        _HELP[key] = proc.stdout
    return re.search(rf"(^|\s){re.escape(flag)}[\s,=]", _HELP[key]) is not None


def _generated_modules(path: Path) -> set[str]:
    """Names of the ``...RLModule`` / ``...Learner`` classes the rewritten file defines."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError):
        return set()
    return {n.name for n in ast.walk(tree)
            if isinstance(n, ast.ClassDef) and n.name.endswith(("RLModule", "Learner"))}


def uses_legacy_api(source: str) -> bool:
    """Whether a Python source imports anything from ``ray.rllib`` (the legacy API a scanned
    file must get a rewrite or a finding for, issue 13 item 3)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
                a.name == "ray.rllib" or a.name.startswith("ray.rllib.") for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and not node.level and node.module and (
                node.module == "ray.rllib" or node.module.startswith("ray.rllib.")
                or (node.module == "ray" and any(a.name == "rllib" for a in node.names))):
            return True
    return False


def legacy_files_without_finding(src: Path, by_file: dict[str, list[dict[str, Any]]],
                                 only: set[str] | None = None) -> tuple[int, list[str]]:
    """(Python files under ``src`` that use the legacy API, those of them with no finding);
    ``only``: count just these paths (relative to ``src``), the judged files of an ``--only`` run."""
    legacy, silent = 0, []
    for path in sorted(src.rglob("*.py")):
        rel = path.relative_to(src).as_posix()
        if only is not None and rel not in only:
            continue
        if uses_legacy_api(path.read_text(encoding="utf-8", errors="replace")):
            legacy += 1
            if not by_file.get(rel):
                silent.append(rel)
    return legacy, silent


def judge_codemod(repo_root: Path, cache: Path, manifest: dict[str, Any],
                  ray_buildable: dict[str, bool], run_verify: bool = True,
                  keep: Path | None = None) -> tuple[list[ClassOutcome], list[PolicyOutcome], dict]:
    """Rewrite a copy of the corpus, classify every class and policy, verify the rewrites."""
    import harness
    import judge_policies
    import policy_harness

    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="rlm-corpus-"))
    src, out = work / "src", work / "out"
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    _copy_corpus(cache, manifest, src)
    # the modernized copies (tools/corpus/modernize.py): verify's legacy side of a policy Ray
    # 2.10 built only from there
    modern = work / harness.MODERNIZED
    shutil.rmtree(modern, ignore_errors=True)
    _copy_corpus(cache / harness.MODERNIZED, manifest, modern)
    report = rewrite_per_repository(repo_root, src, out, work)
    by_file = _findings_by_file(report, src)
    policy_files = cache / "oracle" / "policies.json"
    importable = json.loads(policy_files.read_text()) if policy_files.is_file() else {}
    classes: list[ClassOutcome] = []
    policies: list[PolicyOutcome] = []
    for entry in manifest["files"]:
        rel = f"{entry['repo'].replace('/', '+', 1)}/{entry['path']}"
        findings = by_file.get(rel, [])
        for cls in entry["classes"]:
            finding = _class_finding(findings, cls["name"], cls["line"])
            cid = harness.case_id(entry, cls)
            item = ClassOutcome(entry["id"], cls["name"], "dropped",
                                ray_buildable=ray_buildable.get(cid, False))
            inside = [f for f in findings
                      if cls["line"] <= f["line"] <= cls.get("end_line", cls["line"])]
            if finding is None and inside:
                item.outcome, item.code = "reported", ",".join(sorted({f["code"] for f in inside}))
                item.message = "no finding on the class line; findings in its body only"
            if finding is not None:
                item.status, item.code = finding["status"], finding["code"]
                item.message = finding["message"].splitlines()[0][:200]
                item.outcome = {"converted": "rewritten", "review": "rewritten"}.get(
                    finding["status"], finding["status"])
            item.modernized = recorded_modernize_codes(cache, cid)
            legacy_base = modern if item.modernized else src
            if run_verify and item.outcome == "rewritten" and item.ray_buildable and "case" in cls:
                root = legacy_base / entry["repo"].replace("/", "+", 1) / entry.get("import_root", "")
                verdict, message = verify_rewrite(
                    repo_root, legacy_base / rel, out / rel, cls["name"], cls["case"], root,
                    harness.package_paths(legacy_base, entry))
                message = message.split(". Aliased modules")[0]  # the shim's long alias list
                item.verify = verdict
                item.verify_message = modernized_note(item.modernized, message.replace(
                    f"{out}/", "migrated:").replace(f"{modern}/", "modernized:").replace(f"{src}/", ""))
            classes.append(item)
        generated = _generated_modules(out / rel)
        source = (src / rel).read_text(encoding="utf-8", errors="replace") if (src / rel).is_file() else ""
        for pol in entry["policies"]:
            end = pol.get("end_line") or pol["line"]
            hits = [f for f in findings
                    if pol["line"] <= f["line"] <= end or pol["name"] in f["message"]]
            item = PolicyOutcome(
                entry["id"], pol["name"], pol["kind"], pol["framework"], bool(hits),
                ",".join(sorted({f["code"] for f in hits})),
                f"{pol['name'].split('.')[0]}RLModule" in generated,
                importable.get(entry["id"], {}).get("ray_importable"),
                ray_error=importable.get(entry["id"], {}).get("error", ""),
                learner_generated=f"{pol['name'].split('.')[0]}Learner" in generated,
                custom_loss=judge_policies.defines_loss(source, pol),
                manual_hooks=judge_policies.manual_hooks(hits))
            recording_path = cache / "oracle" / f"{policy_harness.policy_id(entry, pol)}.json"
            recording = json.loads(recording_path.read_text()) if "case" in pol and recording_path.is_file() else {}
            if recording:
                item.ray_built = bool(recording.get("ray_buildable"))
                item.modernized = list((recording.get("modernized") or {}).get("codes", []))
                item.isolated_package_init = list(
                    (recording.get("isolated_package_init") or {}).get("packages", []))
                if not item.ray_built:
                    item.ray_build_error = f"{recording.get('stage')}: {recording.get('error')}"
            file_record = importable.get(entry["id"], {})
            if (file_record.get("modernized") or {}).get("ray_importable") is False:
                item.modernized_error = file_record["modernized"].get("error", "")
            legacy_src = modern if item.modernized else src
            if run_verify and "case" in pol and item.module_generated:
                item.verify_act, item.verify_act_message = judge_policies.verify_policy(
                    repo_root, entry, pol, legacy_src, out, work,
                    observations=policy_harness.observations_path(cache, entry, pol),
                    isolate=bool(item.isolated_package_init))
                item.verify_act_message = judge_policies.with_ray_status(
                    item.verify_act, item.verify_act_message, file_record, recording)
            if run_verify and "case" in pol and item.module_generated and item.learner_generated:
                item.verify_loss, item.verify_loss_message = judge_policies.verify_policy(
                    repo_root, entry, pol, legacy_src, out, work, learner=True,
                    isolate=bool(item.isolated_package_init))
            policies.append(item)
    summary = dict(report["summary"])
    judged = {f"{e['repo'].replace('/', '+', 1)}/{p}" for e in manifest["files"]
              for p in [e["path"], *e.get("support", [])]} if manifest.get("context_files") else None
    summary["legacy_api_files"], summary["legacy_api_files_without_finding"] = legacy_files_without_finding(
        src, by_file, judged)
    return classes, policies, summary


def recorded_modernize_codes(cache: Path, cid: str) -> list[str]:
    """The modernize codes a class's recording names (``<cache>/oracle/<cid>.json``:
    ``modernized``, ``record_corpus.import_class_file``): Ray 2.10 built the class from its
    file's modernized copy; ``[]`` for a class built from the file as it is (or unrecorded)."""
    path = cache / "oracle" / f"{cid}.json"
    if not path.is_file():
        return []
    return list((json.loads(path.read_text()).get("modernized") or {}).get("codes", []))


def modernized_note(codes: list[str], message: str) -> str:
    """A class verify message, saying first when its legacy side is the modernized file."""
    if not codes:
        return message
    return (f"legacy side: the file after the modernize fixes only ({', '.join(codes)}), which Ray "
            f"2.10 imports; {message}")


def as_dicts(rows: list[Any]) -> list[dict[str, Any]]:
    """JSON-ready rows."""
    return [asdict(r) for r in rows]
