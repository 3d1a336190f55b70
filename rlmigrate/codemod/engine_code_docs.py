"""Documentation of the engine codes (RLM9xx), which ``rlmigrate rules`` lists beside the rules.

Engine codes are not rules: they say why a file could not be processed at all, always with
status ``error`` (exit code 2), and the file is left byte-for-byte untouched. The one-line
meaning of each code lives in ``findings.ENGINE_CODES``; this module adds a name and a
"what to do" paragraph, in the layout ``rlmigrate rules CODE`` prints for rules.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from rlmigrate.codemod import findings as F


@dataclass(frozen=True)
class EngineCodeDoc:
    """An engine code's name and documentation."""

    code: str
    name: str
    what_to_do: str

    @property
    def title(self) -> str:
        """The one-line meaning (``findings.ENGINE_CODES``)."""
        return F.ENGINE_CODES.get(self.code, self.name)

    def text(self) -> str:
        """What ``rlmigrate rules CODE`` prints."""
        return (
            f"{self.code} ({self.name}): {self.title}\n"
            "Fix safety: none (engine code: the file is reported with status error and left "
            "untouched; the run exits 2)\n\n"
            f"What to do:\n{textwrap.fill(self.what_to_do, 88, initial_indent='    ', subsequent_indent='    ')}\n"
        )


_DOCS = (
    EngineCodeDoc(F.SYNTAX_ERROR, "syntax-error",
                  "The file does not parse as Python 3 (the message gives line and column). Fix "
                  "the syntax, or exclude the file (--exclude, [tool.rlmigrate] exclude) if it is "
                  "not meant to be Python 3 (a template, Python 2 code)."),
    EngineCodeDoc(F.DECODE_ERROR, "decode-error",
                  "The bytes do not decode with the file's declared encoding (a PEP 263 "
                  "coding line, else UTF-8). Re-save the file in its declared encoding or fix the "
                  "coding line."),
    EngineCodeDoc(F.READ_ERROR, "read-error",
                  "The file could not be read (permissions, a vanished file, an I/O error; the "
                  "message says which). Make it readable, or exclude it."),
    EngineCodeDoc(F.WRITE_ERROR, "write-error",
                  "The rewrite could not be written (a read-only file or folder, a full disk). "
                  "Make it writable, or write elsewhere with --out DIR; --diff shows the change "
                  "without writing."),
    EngineCodeDoc(F.INVALID_OUTPUT, "invalid-output",
                  "A rule produced code that does not compile: a codemod bug, so nothing was "
                  "written. Please report it with the file (or a reduced copy); meanwhile "
                  "--ignore the rule named in the message for that file (per-file-ignores)."),
    EngineCodeDoc(F.RULE_CRASH, "rule-crash",
                  "A rule raised an exception: a codemod bug, so nothing was written. Please "
                  "report it with the message (it names the rule's file and line); meanwhile "
                  "--ignore that rule for the file (per-file-ignores)."),
    EngineCodeDoc(F.INPUT_LIMIT, "input-limit",
                  "The file is larger than --max-file-bytes, took longer than --file-timeout, "
                  "nests deeper than Python's own parser allows, or needed more memory than a "
                  "worker may use (the message says which). Raise the limit if the file is "
                  "genuine, or exclude it (generated code, say)."),
    EngineCodeDoc(F.WORKER_CRASH, "worker-crash",
                  "The worker process handling the file died (a crash in the native parser, or "
                  "killed from outside); the run went on with the other files. Run again on "
                  "the file alone (-j 1) to tell a crash from an outside kill, and report a "
                  "reproducible crash with the file."),
    EngineCodeDoc(F.LOSSY_PARSE, "lossy-parse",
                  "libcst does not print this file back byte for byte (it would drop some "
                  "text, the message gives the line), so a rewrite could lose it: nothing was "
                  "written. Port the file by hand, or normalise the whitespace or comments "
                  "near that line and run again."),
)

ENGINE_CODE_DOCS: dict[str, EngineCodeDoc] = {doc.code: doc for doc in _DOCS}


def engine_code_doc(code: str) -> EngineCodeDoc | None:
    """The documentation of engine ``code`` (case-insensitive); a code added to
    ``findings.ENGINE_CODES`` without an entry here gets its one-line meaning only."""
    code = code.upper()
    if code in ENGINE_CODE_DOCS:
        return ENGINE_CODE_DOCS[code]
    if code in F.ENGINE_CODES:
        return EngineCodeDoc(code, "engine-error", F.ENGINE_CODES[code])
    return None
