"""Line-oriented and table reports: ``concise``, ``full`` and ``github``.

* ``concise`` — one ``path:line:col: CODE [status] message`` line per finding (what grep, editors
  and terminals understand: the location is clickable), then one summary line.
* ``full`` — a rich table that uses the terminal's width; the location column never wraps, so a
  path is never split across lines (the table grows wider than the terminal instead).
* ``github`` — GitHub Actions workflow commands (``::warning file=...,line=...,col=...,
  title=RLMxxx::message``), which the Actions runner turns into annotations on the diff.

Paths are printed as the engine reports them (relative to the working directory when the file
lies under it, see ``cli_paths.py``).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Mapping
from typing import Any

from rlmigrate.codemod.engine import RunResult
from rlmigrate.codemod.findings import CONVERTED, ERROR, MANUAL, REVIEW, Finding

_STYLE = {CONVERTED: "green", REVIEW: "yellow", MANUAL: "magenta", ERROR: "red"}
# status -> GitHub workflow command (annotation level)
_GITHUB_LEVEL = {CONVERTED: "notice", REVIEW: "warning", MANUAL: "warning", ERROR: "error"}
_SUMMARY_LABELS = {
    "seen": "files seen", "skipped": "skipped", "rewritten": "rewritten",
    "review": "needing review", "manual": "manual", "failed": "failed",
}
# The narrowest a message column may get before the table widens past the terminal.
_MIN_MESSAGE_WIDTH = 24


def _one_line(text: str) -> str:
    return " ".join(text.split())


def concise_line(finding: Finding) -> str:
    """``path:line:col: CODE [status] message`` (the message on one line)."""
    return f"{finding.location()}: {finding.code} [{finding.status}] {_one_line(finding.message)}"


def summary_line(summary: Mapping[str, int], seconds: float = 0.0) -> str:
    """``rlmigrate: 4 files seen, 2 skipped, ... (0.12 s)`` — the one-line summary."""
    parts = [f"{summary[key]} {label}" for key, label in _SUMMARY_LABELS.items()]
    return f"rlmigrate: {', '.join(parts)} ({seconds:.2f} s)"


def render_concise(result: RunResult) -> str:
    """One line per finding, then the summary line."""
    lines = [concise_line(f) for f in result.findings]
    lines.append(summary_line(result.summary(), result.seconds))
    lines += _swept_lines(result)
    return "\n".join(lines) + "\n"


def _swept_lines(result: RunResult) -> list[str]:
    """The temporary files an interrupted run left behind that this run removed."""
    swept = getattr(result, "swept_temp_files", ())
    if not swept:
        return []
    return [f"removed {len(swept)} temporary file(s) an interrupted run left behind:",
            *(f"  {temp}" for temp in swept)]


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` when set, 80 when there is no terminal)."""
    return shutil.get_terminal_size(fallback=(80, 24)).columns


def render_full(result: RunResult, *, width: int | None = None, color: bool = False) -> str:
    """The findings table and the summary table.

    Args:
        width: the terminal width to fill (default: :func:`terminal_width`). The table is made
            wider when the longest location plus a minimal message column does not fit.
        color: emit ANSI styles (only when writing to a terminal).
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    width = width or terminal_width()
    findings = result.findings
    location_width = max((len(f.location()) for f in findings), default=0)
    code_width = max((len(f.code) for f in findings), default=4)
    # borders and padding of a 4-column SIMPLE box: 2 spaces per column + separators
    needed = location_width + code_width + len("converted") + _MIN_MESSAGE_WIDTH + 4 * 3
    buffer = io.StringIO()
    console = Console(file=buffer, width=max(width, needed), force_terminal=color,
                      color_system="auto" if color else None, highlight=False)
    if findings:
        table = Table(title="Findings", box=box.SIMPLE_HEAD, expand=False)
        table.add_column("location", no_wrap=True, min_width=location_width)
        table.add_column("code", no_wrap=True)
        table.add_column("status", no_wrap=True)
        table.add_column("message", overflow="fold", ratio=1)
        for f in findings:
            style = _STYLE[f.status]
            table.add_row(f.location(), f.code, f"[{style}]{f.status}[/{style}]", f.message)
        console.print(table)
    console.print(summary_table(result.summary(), result.seconds))
    for line in _swept_lines(result):
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    return buffer.getvalue()


def summary_table(summary: Mapping[str, int], seconds: float = 0.0) -> Any:
    """The rich summary table (files seen / skipped / rewritten / review / manual / failed)."""
    from rich.table import Table

    table = Table(title=f"rlmigrate summary ({seconds:.2f} s)")
    for label in _SUMMARY_LABELS.values():
        table.add_column(label, justify="right")
    table.add_row(*(str(summary[key]) for key in _SUMMARY_LABELS))
    return table


def _escape_data(text: str) -> str:
    # GitHub workflow-command escaping (the runner decodes these in the message part).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(finding: Finding) -> str:
    """One GitHub Actions annotation command for ``finding``."""
    level = _GITHUB_LEVEL[finding.status]
    props = ",".join([
        f"file={_escape_property(finding.path)}",
        f"line={finding.line}",
        f"col={finding.column}",
        f"title={_escape_property(finding.code)}",
    ])
    return f"::{level} {props}::{_escape_data(f'[{finding.status}] {finding.message}')}"


def render_github(result: RunResult) -> str:
    """One annotation per finding (nothing else: the runner reads every line)."""
    return "".join(github_line(f) + "\n" for f in result.findings)
