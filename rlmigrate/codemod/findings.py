"""What the codemod found and did, per file: the vocabulary shared by rules, engine and report.

A :class:`Finding` is one fact at one place (file, line, column, rule code) with a status:

* ``converted`` — rewritten mechanically, safe to accept as is;
* ``review`` — rewritten, but a person should read the result (the rule says why);
* ``manual`` — left unchanged, a person must port it (the message says what to do);
* ``error`` — the engine could not handle the file (syntax error, encoding, permissions).

A file's status is the most severe status among its findings, ``skipped`` when the file was
not touched because it holds no legacy API.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CONVERTED = "converted"
REVIEW = "review"
MANUAL = "manual"
ERROR = "error"
SKIPPED = "skipped"

FINDING_STATUSES = (CONVERTED, REVIEW, MANUAL, ERROR)
FILE_STATUSES = (SKIPPED, CONVERTED, REVIEW, MANUAL, ERROR)
_SEVERITY = {SKIPPED: 0, CONVERTED: 1, REVIEW: 2, MANUAL: 3, ERROR: 4}

# Engine codes (not rules: they describe why a file could not be processed).
SYNTAX_ERROR = "RLM901"
DECODE_ERROR = "RLM902"
READ_ERROR = "RLM903"
WRITE_ERROR = "RLM904"
INVALID_OUTPUT = "RLM905"
RULE_CRASH = "RLM906"
INPUT_LIMIT = "RLM907"
WORKER_CRASH = "RLM908"
LOSSY_PARSE = "RLM909"

ENGINE_CODES: dict[str, str] = {
    SYNTAX_ERROR: "file does not parse; left untouched",
    DECODE_ERROR: "file bytes do not decode with its declared encoding; left untouched",
    READ_ERROR: "file cannot be read; left untouched",
    WRITE_ERROR: "file is read-only or cannot be written; left untouched",
    INVALID_OUTPUT: "rewritten source did not compile (a codemod bug); file left untouched",
    RULE_CRASH: "a rule raised an exception (a codemod bug); file left untouched",
    INPUT_LIMIT: "file exceeds an input limit (--max-file-bytes, --file-timeout, nesting depth "
                 "or memory); left untouched",
    WORKER_CRASH: "the process parsing this file died (a native parser crash, or killed); "
                  "left untouched",
    LOSSY_PARSE: "the parser cannot reproduce this file byte for byte (a libcst limitation); "
                 "left untouched so nothing is lost",
}


def worst_status(statuses: Any) -> str:
    """The most severe of ``statuses`` (``skipped`` for none)."""
    worst = SKIPPED
    for status in statuses:
        if _SEVERITY[status] > _SEVERITY[worst]:
            worst = status
    return worst


@dataclass(frozen=True, order=True)
class Finding:
    """One reported fact: where (1-based line and column), which rule, what status, why."""

    path: str
    line: int
    column: int
    code: str
    status: str
    message: str

    def __post_init__(self) -> None:
        if self.status not in FINDING_STATUSES:
            raise ValueError(
                f"Finding status must be one of {FINDING_STATUSES}; got {self.status!r} "
                f"for {self.code} at {self.path}:{self.line}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (keys as in ``report_schema.json``)."""
        return asdict(self)

    def location(self) -> str:
        """``path:line:column`` as editors and terminals link it."""
        return f"{self.path}:{self.line}:{self.column}"


@dataclass
class FileResult:
    """What happened to one file.

    Attributes:
        path: the file as given or discovered (relative paths stay relative).
        status: one of :data:`FILE_STATUSES`.
        changed: the rewrite produced different text (written unless diff/check/scan).
        written: a new version was written (in place or under ``--out``).
        findings: every finding for this file, sorted by position.
        diff: a unified diff when the run asked for one and the file changed.
        prefiltered: the file was skipped by the byte prefilter (never parsed).
    """

    path: str
    status: str = SKIPPED
    changed: bool = False
    written: bool = False
    findings: list[Finding] = field(default_factory=list)
    diff: str = ""
    prefiltered: bool = False

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form without the findings (they are listed separately)."""
        return {
            "path": self.path,
            "status": self.status,
            "changed": self.changed,
            "written": self.written,
        }
