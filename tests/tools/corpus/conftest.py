"""The corpus tools are scripts (``tools/corpus/*.py``), not a package: put their folder on
``sys.path`` for these tests, as the scripts do for each other."""

from __future__ import annotations

import sys
from pathlib import Path

CORPUS_TOOLS = Path(__file__).resolve().parents[3] / "tools" / "corpus"
if str(CORPUS_TOOLS) not in sys.path:
    sys.path.insert(0, str(CORPUS_TOOLS))
