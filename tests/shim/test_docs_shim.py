"""Every python example in docs/shim.md runs (in order, in one namespace)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "shim.md"


def test_docs_shim_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) >= 8
    namespace: dict = {"__name__": "docs_shim"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"docs/shim.md[block {i}]", "exec"), namespace)  # noqa: S102
        except Exception as err:  # pragma: no cover - the message is the point
            raise AssertionError(f"docs/shim.md python block {i} failed: {err!r}\n{block}") from err
