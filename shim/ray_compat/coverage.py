"""Figures of the import surface ``shim.ray_compat`` serves, walked over the whole inventory.

    python -m shim.ray_compat.coverage        # prints the counts (installs ray_compat)

Every Ray 2.10 module path is imported and every name Ray binds there resolved; a name is
*real* (a shim implementation, a Ray re-export of one, a literal, an outside object such as
``typing.Dict``) or a *placeholder* (TensorFlow: port it; training-side: train with Ray;
example: copy the file; other: not implemented). Paths under ``served.UNSERVED`` raise
:class:`shim.ray_compat.UnservedPathError`.
"""

from __future__ import annotations

import collections
import importlib
import json

from shim import ray_compat
from shim.placeholders import is_placeholder
from shim.ray_compat import inventory, served

__all__ = ["walk"]


def walk() -> tuple[dict[str, int], list[str]]:
    """``(counts, failures)``; needs ``ray_compat`` installed. Failures list any name that raised."""
    counts: collections.Counter = collections.Counter()
    failures: list[str] = []
    for path, record in inventory.modules().items():
        counts["paths"] += 1
        try:
            module = importlib.import_module(path)
        except ray_compat.UnservedPathError as err:
            if served.unserved_reason(path) is None or "Instead:" not in str(err):
                failures.append(f"{path}: undocumented refusal: {err}")
            counts["unserved paths"] += 1
            continue
        counts["served paths"] += 1
        counts["paths with shim implementations"] += path in served.SOURCES
        for name in record["names"]:
            counts["names"] += 1
            try:
                value = getattr(module, name)
            except Exception as err:  # noqa: BLE001 -- reported, the test fails on any
                failures.append(f"{path}.{name}: {type(err).__name__}: {err}")
                continue
            if is_placeholder(value):
                counts[f"placeholders ({served.category(value.__module__, value.__name__)})"] += 1
            else:
                counts["real names"] += 1
                entry = record["names"][name]
                if isinstance(entry, list) and entry[0] == "const":
                    counts["real: Ray literals"] += 1
                elif str(getattr(value, "__module__", "")).startswith(("shim", "rlmigrate")):
                    counts["real: shim implementations"] += 1
                else:
                    counts["real: outside objects (typing, numpy, torch, ...)"] += 1
    return dict(sorted(counts.items())), failures


def main() -> int:
    with ray_compat.installed():
        counts, failures = walk()
    print(json.dumps({"ray_version": inventory.load()["ray_version"], **counts}, indent=1))
    print(f"unserved prefixes: {json.dumps({k: v[0] for k, v in served.UNSERVED.items()})}")
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
