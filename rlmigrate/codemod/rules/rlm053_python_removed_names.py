"""RLM053: standard-library names that Python 3 removed are reported with their replacement."""

from __future__ import annotations

import libcst as cst

from rlmigrate.codemod.context import FileContext
from rlmigrate.codemod.findings import MANUAL
from rlmigrate.codemod.rules.base import Rule

# qualified name -> (the Python version that removed it, what to use instead)
REMOVED = {
    "time.clock": ("3.8", "time.perf_counter() (wall-clock time, as clock() measured on Windows) "
                          "or time.process_time() (CPU time, as clock() measured on Unix)"),
    "cgi.escape": ("3.8", "html.escape(s, quote=False)"),
    "platform.linux_distribution": ("3.8", "the distro package (distro.id(), distro.version())"),
    "platform.dist": ("3.8", "the distro package (distro.id(), distro.version())"),
    "fractions.gcd": ("3.9", "math.gcd (non-negative for negative arguments)"),
    "base64.encodestring": ("3.9", "base64.encodebytes"),
    "base64.decodestring": ("3.9", "base64.decodebytes"),
    "inspect.getargspec": ("3.11", "inspect.getfullargspec or inspect.signature"),
    **{f"collections.{name}": ("3.10", f"collections.abc.{name}") for name in (
        "Mapping", "MutableMapping", "Sequence", "MutableSequence", "Iterable", "Iterator",
        "Callable", "Set", "MutableSet", "Hashable", "Sized", "Container", "Generator")},
}
#: the last component of each removed name: a use resolves to ``time.clock`` only where the
#: source spells ``clock`` (``time.clock``, ``from time import clock as c``)
_LAST_NAMES = frozenset(name.rsplit(".", 1)[1] for name in REMOVED)
#: Ray 2.10, the legacy stack's last release, runs on Python 3.8 to 3.11
RAY_PYTHONS = "3.8-3.11"


class PythonRemovedNames(Rule):
    """Report standard-library names that Python 3 removed (the legacy code raised there too).

    What it does:
        Reports each use of a standard-library name that Python removed (``time.clock``,
        ``cgi.escape``, ``platform.linux_distribution``, ``fractions.gcd``,
        ``base64.encodestring``, ``inspect.getargspec``, ``collections.Mapping`` and the other
        ABC aliases), matched by qualified name (``import time as t``; ``from time import
        clock``), with the Python version that removed it and what to use instead. The code is
        left unchanged.
    Why:
        Such code raises ``AttributeError`` (or ``ImportError``) on every Python that Ray 2.10
        supports, the legacy policy or model included: the migrated code inherits the failure,
        and ``rlmigrate verify`` has nothing to compare where the legacy side raises. Some
        names have no one-to-one successor (``time.clock`` measured CPU time on Unix and wall
        time on Windows), so the choice is the user's.
    Before:
        import time
        start = time.clock()
    After:
        import time
        start = time.clock()  # unchanged; reported: use time.perf_counter() or time.process_time()
    Fix safety:
        manual: the successor depends on what the code meant to measure or accept.
    """

    code = "RLM053"
    name = "python-removed-names"
    title = "standard-library names removed from Python 3 (the legacy code raised too)"
    fix_safety = "manual"

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self._reported: set[int] = set()
        # asking the scope about every name costs; a file that never spells a removed name's
        # last component cannot use one
        text = getattr(ctx.facts, "source_text", None)
        self._active = text is None or any(name in text for name in _LAST_NAMES)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False  # reported where the name is used, not where it is imported

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self._active:
            return
        self._check(node)
        self._reported.add(id(node.attr))  # the attr Name of a checked attribute is not a use

    def visit_Name(self, node: cst.Name) -> None:
        if self._active and id(node) not in self._reported:
            self._check(node)

    def _check(self, node: cst.Attribute | cst.Name) -> None:
        for qualified in sorted(self.ctx.qualified_names(node)):
            if qualified in REMOVED:
                version, instead = REMOVED[qualified]
                self.report(node, MANUAL, f"{qualified} was removed in Python {version}: this code "
                            f"raises on every Python that Ray 2.10 runs on ({RAY_PYTHONS}), the "
                            f"legacy code included; use {instead}")
                return
