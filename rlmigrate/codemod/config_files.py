"""YAML / JSON experiment configs: ``model: {custom_model: NAME}`` entries are reported.

Tune-era experiment files (``rllib train -f experiment.yaml``) name the legacy model by its
registered name. The rewrite of the Python side turns those registrations into
``RLModuleSpec(module_class=...)``; a config file that still names ``custom_model`` would then
point at nothing, so each such entry is a finding (RLM090, manual) with its line. Only a
``custom_model`` key inside the mapping of a ``model`` key counts (a data file that merely
contains the word is not an experiment config). Files are read, never written.

YAML is read with PyYAML (``yaml.compose`` keeps line numbers); JSON is YAML too for this
purpose. Without PyYAML, JSON is still read (positions then point at the key's first line).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from rlmigrate.codemod import findings as F
from rlmigrate.codemod.findings import FileResult, Finding

CONFIG_SUFFIXES = (".yaml", ".yml", ".json")
CODE = "RLM090"
_LEGACY_MODEL_KEYS = ("custom_model", "custom_action_dist", "custom_preprocessor")
_MAX_BYTES = 2 * 1024 * 1024


def is_config_file(path: Path) -> bool:
    """Whether discovery should hand ``path`` to :func:`scan_config_file`."""
    return path.suffix.lower() in CONFIG_SUFFIXES


def scan_config_file(file: Path, root: Path, out_dir: Path | None = None) -> FileResult:
    """Findings for the legacy model keys of one config file (never raises for the file).

    With ``out_dir`` the file is mirrored there unchanged (``rewrite --out``).
    """
    path = str(file)
    result = FileResult(path=path)
    try:
        if file.stat().st_size > _MAX_BYTES:
            result.prefiltered = True
            return _mirrored(result, file, root, out_dir)
        raw = file.read_bytes()
    except OSError as err:
        return FileResult(path=path, status=F.ERROR, findings=[
            Finding(path, 1, 1, F.READ_ERROR, F.ERROR, f"{path}: cannot read ({err.strerror})")])
    if b"custom_model" not in raw and b"custom_action_dist" not in raw and b"custom_preprocessor" not in raw:
        result.prefiltered = True
        return _mirrored(result, file, root, out_dir)
    text = raw.decode("utf-8", errors="replace")
    for line, column, key, value in _model_entries(text, json_only=file.suffix.lower() == ".json"):
        result.findings.append(Finding(path, line, column, CODE, F.MANUAL, _message(key, value)))
    result.findings.sort()
    result.status = F.worst_status(f.status for f in result.findings)
    return _mirrored(result, file, root, out_dir)


def _message(key: str, value: str) -> str:
    what = {"custom_model": "the legacy model registered as",
            "custom_action_dist": "the legacy distribution registered as",
            "custom_preprocessor": "the legacy preprocessor registered as"}[key]
    todo = {"custom_model": "set the module with RLModuleSpec(module_class=<the migrated class>) "
                            "in the AlgorithmConfig (.rl_module(rl_module_spec=...))",
            "custom_action_dist": "the migrated module names its distribution itself "
                                  "(get_*_action_dist_cls)",
            "custom_preprocessor": "custom preprocessors are gone: use a ConnectorV2 piece"}[key]
    return f"experiment config: model.{key} names {what} {value!r}; {todo}"


def _model_entries(text: str, *, json_only: bool) -> list[tuple[int, int, str, str]]:
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency; JSON still works
        yaml = None
    if yaml is not None:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            node = None
        if node is not None:
            return list(_yaml_entries(node, yaml, parent_key=None))
    if json_only or yaml is None:
        try:
            data = json.loads(text)
        except ValueError:
            return []
        return [(1, 1, key, value) for key, value in _json_entries(data, parent_key=None)]
    return []


def _yaml_entries(node: Any, yaml: Any, parent_key: str | None):  # type: ignore[no-untyped-def]
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if parent_key == "model" and key in _LEGACY_MODEL_KEYS and isinstance(value_node, yaml.ScalarNode) \
                    and value_node.value not in ("", "null", "None", "~"):
                mark = key_node.start_mark
                yield mark.line + 1, mark.column + 1, key, value_node.value
            yield from _yaml_entries(value_node, yaml, key)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yaml_entries(item, yaml, parent_key)


def _json_entries(data: Any, parent_key: str | None):  # type: ignore[no-untyped-def]
    if isinstance(data, dict):
        for key, value in data.items():
            if parent_key == "model" and key in _LEGACY_MODEL_KEYS and isinstance(value, str) and value:
                yield key, value
            yield from _json_entries(value, key)
    elif isinstance(data, list):
        for item in data:
            yield from _json_entries(item, parent_key)


def _mirrored(result: FileResult, file: Path, root: Path, out_dir: Path | None) -> FileResult:
    if out_dir is not None:
        dest = out_dir / file.relative_to(root)
        if dest != file:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, dest)
            os.chmod(dest, file.stat().st_mode & 0o7777)
    return result
