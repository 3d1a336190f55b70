"""Find the legacy torch ModelV2 classes and the custom policy definitions in Python files.

A static pass (``ast`` only, nothing imported or run), used to build the corpus index and to
cross-check the manifest: every torch model class and policy definition a file contains must be
listed in ``manifest.json``, so nothing in a corpus file escapes the measurement.

* **torch model class**: a class whose base resolves (through the file's imports and aliases) to
  one of RLlib's torch ModelV2 classes (:data:`TORCH_MODEL_BASES`), or to a class already found
  to be one in the same file or in another scanned file of the same repository.
* **policy definition**: a class whose base resolves to a ``ray.rllib`` name ending in
  ``Policy`` / ``PolicyV2`` (or to a policy class of the same repository); a call of
  ``build_policy_class`` / ``build_torch_policy`` / ``build_tf_policy``; ``X.with_updates(...)``
  where ``X`` is a policy (not a Trainer).

    python tools/corpus/scan.py DIR_OR_FILE ...      # prints JSON {file: {classes, policies}}
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Last dotted component of RLlib's torch ModelV2 classes (resolved names must also contain
#: ``rllib`` and ``torch`` / ``dqn`` / ``sac``, so the TF classes of the same name do not count).
TORCH_MODEL_BASES = frozenset(
    {
        "TorchModelV2",
        "RecurrentNetwork",
        "FullyConnectedNetwork",
        "VisionNetwork",
        "ComplexInputNetwork",
        "GTrXLNet",
        "AttentionWrapper",
        "LSTMWrapper",
        "TorchNoopModel",
        "DQNTorchModel",
        "SACTorchModel",
        "RNNSACTorchModel",
        "DDPGTorchModel",
    }
)
POLICY_BUILDERS = frozenset({"build_policy_class", "build_torch_policy", "build_tf_policy"})
_TORCH_MARKERS = (".torch", "torch_", "_torch")


@dataclass
class ClassInfo:
    """One class definition: name, line, resolved bases, and whether it is torch."""

    name: str
    line: int
    bases: list[str]
    framework: str = "torch"
    end_line: int = 0


@dataclass
class PolicyInfo:
    """One policy definition: a subclass, a builder call, or a ``with_updates`` call."""

    name: str
    line: int
    kind: str  # "subclass" | "builder" | "with_updates"
    bases: list[str] = field(default_factory=list)
    framework: str = "torch"  # "torch" | "tf" | "any" (a bare Policy subclass: no framework)
    end_line: int = 0


def _import_map(tree: ast.Module) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if alias.name == "*":
                    names.setdefault("*", node.module)
                else:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _resolve(expr: ast.expr, imports: dict[str, str]) -> str:
    text = ast.unparse(expr)
    head, _, rest = text.partition(".")
    if head in imports and head != "*":
        return imports[head] + ("." + rest if rest else "")
    if "*" in imports and "rllib" in imports["*"]:  # `from ray.rllib.x import *`
        return f"{imports['*']}.{text}"
    return text


def _is_torch_model_base(dotted: str, local: set[str]) -> bool:
    last = dotted.rsplit(".", 1)[-1]
    if dotted in local or last in local and "." not in dotted:
        return True
    if last not in TORCH_MODEL_BASES:
        return False
    if last in {"TorchModelV2", "TorchNoopModel", "DQNTorchModel", "SACTorchModel"}:
        return True
    if last.startswith(("RNNSAC", "DDPGTorch")):
        return True
    # RecurrentNetwork / FullyConnectedNetwork / VisionNetwork ... exist for TF and torch:
    # only the torch module path counts (an unresolved bare name is assumed torch only when
    # the file imports nothing TF under that name, i.e. it was not resolved to a tf module).
    return "rllib" in dotted and any(m in dotted for m in _TORCH_MARKERS) and ".tf." not in dotted


def _is_policy_base(dotted: str, local_policies: set[str]) -> tuple[bool, str]:
    last = dotted.rsplit(".", 1)[-1]
    if last in local_policies:
        return True, "torch"
    if "rllib" not in dotted or not last.endswith(("Policy", "PolicyV2")):
        return False, ""
    if last == "Policy":
        return True, "any"
    is_tf = "TF" in last or ".tf" in dotted or "_tf_" in dotted
    return True, "tf" if is_tf else "torch"


def scan_source(
    source: str, known_models: set[str] | None = None, known_policies: set[str] | None = None
) -> tuple[list[ClassInfo], list[PolicyInfo]]:
    """Scan one file's source. ``known_*``: class names found in other files of the same repo."""
    tree = ast.parse(source)
    imports = _import_map(tree)
    local_models = set(known_models or ())
    local_policies = set(known_policies or ())
    models: list[ClassInfo] = []
    policies: list[PolicyInfo] = []
    classes = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)), key=lambda n: n.lineno
    )
    for _ in range(2):  # second round: bases defined later in the file
        for node in classes:
            if any(m.name == node.name for m in models) or any(
                p.name == node.name for p in policies
            ):
                continue
            bases = [_resolve(b, imports) for b in node.bases]
            raw = [ast.unparse(b) for b in node.bases]
            if any(_is_torch_model_base(b, local_models) for b in bases) or any(
                r in local_models for r in raw
            ):
                local_models.add(node.name)
                models.append(ClassInfo(node.name, node.lineno, bases, "torch", node.end_lineno or 0))
                continue
            for base, raw_name in zip(bases, raw):
                ok, framework = _is_policy_base(base, local_policies)
                if not ok and raw_name in local_policies:
                    ok, framework = True, "torch"
                if ok:
                    local_policies.add(node.name)
                    policies.append(PolicyInfo(
                        node.name, node.lineno, "subclass", bases, framework, node.end_lineno or 0))
                    break
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = _resolve(node.func, imports)
        last = func.rsplit(".", 1)[-1]
        if last in POLICY_BUILDERS:
            name = next((ast.literal_eval(k.value) for k in node.keywords if k.arg == "name"
                         and isinstance(k.value, ast.Constant)), None)
            if name is None and node.args and isinstance(node.args[0], ast.Constant):
                name = node.args[0].value
            framework = "tf" if last == "build_tf_policy" else (
                "torch" if last == "build_torch_policy" else _builder_framework(node))
            policies.append(PolicyInfo(
                str(name or last), node.lineno, "builder", [func], framework, node.end_lineno or 0))
        elif last == "with_updates" and isinstance(node.func, ast.Attribute):
            owner = ast.unparse(node.func.value)
            if "Trainer" in owner or "Algorithm" in owner:
                continue
            name = next((ast.literal_eval(k.value) for k in node.keywords if k.arg == "name"
                         and isinstance(k.value, ast.Constant)), owner + ".with_updates")
            framework = _with_updates_framework(owner, str(name))
            policies.append(PolicyInfo(
                str(name), node.lineno, "with_updates", [owner], framework, node.end_lineno or 0))
    models.sort(key=lambda m: m.line)
    policies.sort(key=lambda p: p.line)
    return models, policies


def _with_updates_framework(owner: str, name: str) -> str:
    """``tf`` when the template a ``.with_updates`` derives from is a TF policy: its name says so
    (``PPOTFPolicy``), or, for a runtime value (``policy_tf_cls.with_updates(...)``), a ``tf``
    word of its name or the new policy's ``name=`` (``"ActionModTFPolicy"``)."""
    words = set(re.split(r"[._]", owner.lower()))
    if "TF" in owner or "Tf" in owner or "tf" in words:
        return "tf"
    return "tf" if ("TF" in name and "Torch" not in name) else "torch"


def _builder_framework(call: ast.Call) -> str:
    for kw in call.keywords:
        if kw.arg == "framework" and isinstance(kw.value, ast.Constant):
            return "tf" if str(kw.value.value).startswith("tf") else "torch"
    return "torch"


def scan_files(paths: list[Path]) -> dict[str, dict[str, list[dict]]]:
    """Scan files together (two passes, so a base class defined in a sibling file counts)."""
    sources = {}
    for path in paths:
        try:
            sources[path] = path.read_text(encoding="utf-8", errors="replace")
            ast.parse(sources[path])
        except SyntaxError:
            sources.pop(path, None)
    known_models: set[str] = set()
    known_policies: set[str] = set()
    result: dict[str, dict[str, list[dict]]] = {}
    for _ in range(2):
        for path, source in sources.items():
            models, policies = scan_source(source, known_models, known_policies)
            known_models |= {m.name for m in models}
            known_policies |= {p.name for p in policies if p.kind == "subclass"}
            result[str(path)] = {
                "classes": [asdict(m) for m in models],
                "policies": [asdict(p) for p in policies],
            }
    return {k: v for k, v in result.items() if v["classes"] or v["policies"]}


def main(argv: list[str]) -> int:
    """CLI: scan the given files/directories and print the JSON index."""
    paths: list[Path] = []
    for arg in argv:
        p = Path(arg)
        paths.extend(sorted(p.rglob("*.py")) if p.is_dir() else [p])
    print(json.dumps(scan_files(paths), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
