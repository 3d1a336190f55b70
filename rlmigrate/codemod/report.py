"""Rendering a run's results: ``text`` (rich), ``json`` (our schema), ``sarif`` (2.1.0).

Every format carries the same facts per finding — file, line, column, code, status, message —
and the summary counts (files seen / skipped / rewritten / needing review / manual / failed).
The JSON layout is pinned by ``report_schema.json`` next to this module; SARIF follows the OASIS
SARIF 2.1.0 schema so code-scanning services can show the findings inline.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from rlmigrate.codemod.engine import RunResult
from rlmigrate.codemod.findings import ENGINE_CODES, ERROR, MANUAL, REVIEW
from rlmigrate.codemod.rules import ALL_RULES

FORMATS = ("text", "json", "sarif")
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
        out.append({
            "id": code,
            "name": "engine-error",
            "shortDescription": {"text": text},
            "properties": {"fixSafety": "manual"},
        })
    return out


def to_sarif_dict(result: RunResult) -> dict[str, Any]:
    """The SARIF 2.1.0 log as a dict (one run, rules = every rule and engine code)."""
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
                    "artifactLocation": {"uri": finding.path.replace("\\", "/")},
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
            "results": results,
            "properties": {"summary": result.summary()},
        }],
    }


def render_sarif(result: RunResult) -> str:
    """The SARIF log as text."""
    return json.dumps(to_sarif_dict(result), indent=2) + "\n"


def render_text(result: RunResult, *, width: int = 100, color: bool = False) -> str:
    """A human report: the findings table and the summary table (rich)."""
    from rich.console import Console
    from rich.table import Table

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=color, color_system="auto" if color else None)
    findings = result.findings
    if findings:
        table = Table(title="Findings", show_lines=False)
        for column in ("location", "code", "status", "message"):
            table.add_column(column, overflow="fold")
        for f in findings:
            style = {"converted": "green", REVIEW: "yellow", MANUAL: "magenta", ERROR: "red"}[f.status]
            table.add_row(f.location(), f.code, f"[{style}]{f.status}[/{style}]", f.message)
        console.print(table)
    console.print(summary_table(result.summary(), result.seconds))
    if result.swept_temp_files:
        console.print(f"removed {len(result.swept_temp_files)} temporary file(s) an interrupted run "
                      "left behind:", highlight=False)
        for temp in result.swept_temp_files:
            console.print(f"  {temp}", highlight=False, markup=False, soft_wrap=True)
    return buffer.getvalue()


def summary_table(summary: Mapping[str, int], seconds: float = 0.0) -> Any:
    """The rich summary table (files seen / skipped / rewritten / review / manual / failed)."""
    from rich.table import Table

    table = Table(title=f"rlmigrate summary ({seconds:.2f} s)")
    labels = {
        "seen": "files seen", "skipped": "skipped", "rewritten": "rewritten",
        "review": "needing review", "manual": "manual", "failed": "failed",
    }
    for key in labels:
        table.add_column(labels[key], justify="right")
    table.add_row(*(str(summary[key]) for key in labels))
    return table


def render(result: RunResult, fmt: str, *, command: str, target: str, color: bool = False) -> str:
    """Render ``result`` in ``fmt`` (one of :data:`FORMATS`).

    Raises:
        ValueError: unknown format.
    """
    if fmt == "json":
        return render_json(result, command=command, target=target)
    if fmt == "sarif":
        return render_sarif(result)
    if fmt == "text":
        return render_text(result, color=color)
    raise ValueError(f"format must be one of {FORMATS}; got {fmt!r}")
