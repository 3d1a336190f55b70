"""Rendering a run's results: ``concise``, ``full``, ``github`` (``report_text.py``), ``json``
(our schema) and ``sarif`` (2.1.0).

Every format carries the same facts per finding — file, line, column, code, status, message —
and (except ``github``) the summary counts (files seen / skipped / rewritten / needing review /
manual / failed). The JSON layout is pinned by ``report_schema.json`` next to this module; SARIF
follows the OASIS SARIF 2.1.0 schema so code-scanning services can show the findings inline.
SARIF locations are relative URIs resolved against ``%SRCROOT%`` (the working directory of the
run, also given as ``originalUriBaseIds``); a file outside it gets an absolute ``file://`` URI.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from rlmigrate.codemod.engine import RunResult
from rlmigrate.codemod.engine_code_docs import engine_code_doc
from rlmigrate.codemod.findings import ENGINE_CODES, ERROR, MANUAL, REVIEW
from rlmigrate.codemod.report_text import render_concise, render_full, render_github
from rlmigrate.codemod.rules import ALL_RULES

FORMATS = ("concise", "full", "json", "sarif", "github")
# Older spellings still accepted by --format / --output-format.
FORMAT_ALIASES = {"text": "full"}
SRCROOT = "%SRCROOT%"
JSON_REPORT_VERSION = 1
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# status -> (SARIF result kind, level); converted findings are informational.
_SARIF_KIND = {
    "converted": ("informational", "none"),
    REVIEW: ("review", "warning"),
    MANUAL: ("fail", "warning"),
    ERROR: ("fail", "error"),
}


def tool_version() -> str:
    """rlmigrate's version string (without importing torch)."""
    import rlmigrate

    return rlmigrate.__version__


def load_report_schema() -> dict[str, Any]:
    """The JSON schema of ``--format json`` reports."""
    text = resources.files("rlmigrate.codemod").joinpath("report_schema.json").read_text("utf-8")
    return json.loads(text)


def to_json_dict(result: RunResult, *, command: str, target: str) -> dict[str, Any]:
    """The JSON report as a dict (see ``report_schema.json``)."""
    return {
        "version": JSON_REPORT_VERSION,
        "tool": {"name": "rlmigrate", "version": tool_version()},
        "command": command,
        "target": target,
        "summary": result.summary(),
        "files": [r.to_dict() for r in result.files],
        "findings": [f.to_dict() for f in result.findings],
        "skipped_links": [str(p) for p in result.skipped_links],
        "swept_temp_files": [str(p) for p in result.swept_temp_files],
    }


def render_json(result: RunResult, *, command: str, target: str) -> str:
    """The JSON report as text (indented, stable key order)."""
    return json.dumps(to_json_dict(result, command=command, target=target), indent=2) + "\n"


def _rule_descriptors() -> list[dict[str, Any]]:
    out = []
    for rule in ALL_RULES:
        sections = rule.doc_sections()
        out.append({
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": sections.get("What it does", rule.title)},
            "help": {"text": rule.doc()},
            "properties": {"fixSafety": rule.fix_safety},
        })
    for code, text in ENGINE_CODES.items():
        doc = engine_code_doc(code)
        out.append({
            "id": code,
            "name": doc.name if doc else "engine-error",
            "shortDescription": {"text": text},
            "help": {"text": doc.what_to_do if doc else text},
            "properties": {"fixSafety": "manual"},
        })
    return out


def artifact_location(path: str) -> dict[str, str]:
    """A SARIF ``artifactLocation``: a relative URI under ``%SRCROOT%``, or an absolute
    ``file://`` URI for a path outside the working directory (both percent-encoded, as URIs
    must be: ``my dir/m.py`` → ``my%20dir/m.py``)."""
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(PurePosixPath(*Path(path).parts).as_posix(), safe="/"), "uriBaseId": SRCROOT}


def to_sarif_dict(result: RunResult, *, root: Path | None = None) -> dict[str, Any]:
    """The SARIF 2.1.0 log as a dict (one run, rules = every rule and engine code).

    Args:
        root: the directory relative paths are relative to (``%SRCROOT%``; default: the
            working directory).
    """
    root = (root or Path.cwd()).resolve()
    rules = _rule_descriptors()
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for finding in result.findings:
        results.append({
            "ruleId": finding.code,
            "ruleIndex": index[finding.code],
            "kind": _SARIF_KIND[finding.status][0],
            "level": _SARIF_KIND[finding.status][1],
            "message": {"text": finding.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": artifact_location(finding.path),
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }],
            "properties": {"status": finding.status},
        })
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rlmigrate",
                "version": tool_version(),
                "informationUri": "https://github.com/rlmigrate/rlmigrate",
                "rules": rules,
            }},
            "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri() + "/"}},
            "results": results,
            "properties": {"summary": result.summary()},
        }],
    }


def render_sarif(result: RunResult) -> str:
    """The SARIF log as text."""
    return json.dumps(to_sarif_dict(result), indent=2) + "\n"


def render(result: RunResult, fmt: str, *, command: str, target: str, color: bool = False,
           width: int | None = None) -> str:
    """Render ``result`` in ``fmt`` (one of :data:`FORMATS` or :data:`FORMAT_ALIASES`).

    Args:
        color: ANSI styles in ``full`` (only when writing to a terminal).
        width: the terminal width ``full`` fills (default: the terminal's).

    Raises:
        ValueError: unknown format.
    """
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if fmt == "json":
        return render_json(result, command=command, target=target)
    if fmt == "sarif":
        return render_sarif(result)
    if fmt == "full":
        return render_full(result, color=color, width=width)
    if fmt == "concise":
        return render_concise(result)
    if fmt == "github":
        return render_github(result)
    raise ValueError(f"format must be one of {FORMATS}; got {fmt!r}")
