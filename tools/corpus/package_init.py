"""Import a corpus module without running its packages' ``__init__.py`` (the recording stage
"package __init__ isolated"; tools/corpus/README.md, "Decided: isolating a package's __init__").

A repository's package ``__init__.py`` often imports everything the package holds, the
policy's module and an unrelated trainer alike (``from pkg.trainer import MyTrainer``). When
only that unrelated import fails on Ray 2.10, the policy's own module is still Ray-2.10 code:
imported with its parent packages present as *empty* package modules (their ``__path__`` set,
their ``__init__.py`` not run), it imports, and so does everything it imports itself. This
module does exactly that, standard library only: the recorder and the shim judge call it in
their own processes, and the verify wrapper (a generated module run by ``rlmigrate verify``)
loads this very file by path and calls it, so both sides isolate the same way.

It is used only where the module failed to import *inside* a parent package's ``__init__.py``
(:func:`init_in_traceback`) and imports once that ``__init__`` is not run
(:func:`import_isolated`); a failure that remains is the module's own, and is reported as such.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType

#: set on a package module whose ``__init__.py`` was not run
MARK = "__corpus_isolated_init__"


def parent_packages(module: str) -> list[str]:
    """The dotted names of ``module``'s parent packages, outermost first (``a.b.c`` -> ``a``,
    ``a.b``); ``[]`` for a top-level module."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def package_inits(root: Path, module: str) -> dict[str, Path]:
    """``{package: its __init__.py}`` for each parent package of ``module`` that is a regular
    package under the import ``root`` (namespace packages have no ``__init__`` to skip)."""
    inits = {}
    for package in parent_packages(module):
        init = Path(root) / package.replace(".", "/") / "__init__.py"
        if init.is_file():
            inits[package] = init
    return inits


def init_in_traceback(exc: BaseException, root: Path, module: str) -> list[str]:
    """The parent packages of ``module`` (under ``root``) whose ``__init__.py`` ran in the
    traceback of ``exc`` (or of the exceptions it was raised from): where the import failed
    inside a package's ``__init__``; ``[]`` when no such frame is there."""
    inits = {str(p.resolve()): name for name, p in package_inits(root, module).items()}
    seen: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        for frame in traceback.extract_tb(current.__traceback__):
            name = inits.get(str(Path(frame.filename).resolve()))
            if name is not None and name not in seen:
                seen.append(name)
        current = current.__cause__ or current.__context__
    return seen


def install_empty_packages(root: Path, module: str) -> list[str]:
    """Put ``module``'s parent packages (regular packages under ``root``) in ``sys.modules``
    as package modules whose ``__init__.py`` is not run: ``__path__`` is the package's folder,
    ``__file__`` its ``__init__.py`` (so tools that forget the corpus's modules by file forget
    these too), and :data:`MARK` is set. Each is also an attribute of its parent, as the import
    system binds a submodule. Returns the packages installed."""
    installed = []
    for package, init in package_inits(root, module).items():
        spec = importlib.util.spec_from_file_location(
            package, init, submodule_search_locations=[str(init.parent)])
        assert spec is not None  # a .py file always has a spec
        empty = importlib.util.module_from_spec(spec)  # not executed: the __init__ is skipped
        setattr(empty, MARK, True)
        sys.modules[package] = empty
        parent, _, leaf = package.rpartition(".")
        if parent and parent in sys.modules:
            setattr(sys.modules[parent], leaf, empty)
        installed.append(package)
    return installed


def import_isolated(root: Path, module: str) -> ModuleType:
    """Import ``module`` from ``root`` (which must be on ``sys.path``) with its parent
    packages' ``__init__.py`` not run (:func:`install_empty_packages`); whatever the module
    imports itself is imported normally. Submodules of those packages already loaded are
    forgotten first, so they are imported again under the empty packages."""
    for package in parent_packages(module):
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]
    install_empty_packages(root, module)
    importlib.invalidate_caches()
    return importlib.import_module(module)


def first_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (at most 300 characters of it)."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}".rstrip(": ")


def package_init_error(exc: BaseException, root: Path, module: str) -> dict[str, object] | None:
    """What a recording says about a failed import that went through a parent package's
    ``__init__.py`` (:func:`init_in_traceback`): ``{"packages": [...], "error": first line}``;
    None when the failure was not inside such an ``__init__``."""
    packages = init_in_traceback(exc, root, module)
    if not packages:
        return None
    return {"packages": packages, "error": first_line(exc)}
