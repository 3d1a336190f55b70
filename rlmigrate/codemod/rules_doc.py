"""Generate ``docs/rules.md`` from the rule docstrings (``python -m rlmigrate.codemod.rules_doc``).

A test regenerates the page and fails when the committed file is stale.
"""

from __future__ import annotations

import sys

from rlmigrate.codemod.engine_code_docs import engine_code_doc
from rlmigrate.codemod.findings import ENGINE_CODES
from rlmigrate.codemod.rules import ALL_RULES


def render_rules_markdown() -> str:
    """The whole rules page as Markdown."""
    out = [
        "# Codemod rules",
        "",
        "<!-- docs-test: no-run -->",
        "<!-- Before/After snippets are fragments (legacy names undefined); a codemod test compiles each. -->",
        "",
        "Generated from the rule docstrings by `python -m rlmigrate.codemod.rules_doc > docs/rules.md`;",
        "do not edit by hand. `rlmigrate rules CODE` prints the same text.",
        "",
        "| code | name | fix safety | title |",
        "|---|---|---|---|",
    ]
    for rule in ALL_RULES:
        out.append(f"| [{rule.code}](#{rule.code.lower()}) | `{rule.name}` | {rule.fix_safety} | {rule.title} |")
    out.append("")
    for rule in ALL_RULES:
        sections = rule.doc_sections()
        out += [f"## {rule.code}", "", f"**{rule.title}** (`{rule.name}`, fix safety: {rule.fix_safety})", "",
                sections["summary"], ""]
        for name in ("What it does", "Why"):
            out += [f"### {name}", "", sections[name], ""]
        for name in ("Before", "After"):
            out += [f"### {name}", "", "```python", sections[name], "```", ""]
        out += ["### Fix safety", "", sections["Fix safety"], ""]
    out += ["## Engine codes", "", "Reported with status `error` (exit code 2); the file is left untouched. "
            "`rlmigrate rules CODE` prints the same text.", "",
            "| code | name | meaning |", "|---|---|---|"]
    docs = {code: engine_code_doc(code) for code in ENGINE_CODES}
    out += [f"| [{code}](#{code.lower()}) | `{doc.name}` | {ENGINE_CODES[code]} |"
            for code, doc in docs.items() if doc is not None]
    out.append("")
    for code, doc in docs.items():
        if doc is not None:
            out += [f"### {code}", "", f"**{ENGINE_CODES[code]}** (`{doc.name}`)", "", doc.what_to_do, ""]
    return "\n".join(out).rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_rules_markdown())
