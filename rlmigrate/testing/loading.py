"""Load ``FILE:Class`` references for ``rlmigrate verify`` and the end-to-end tests.

A legacy file is executed with ``shim.ray_compat`` aliases active, so its unmodified
``from ray.rllib... import TorchModelV2`` lines resolve to the shim. Each file is loaded as a
fresh module under a private name (two files may both be called ``model.py``), with its own
directory first on ``sys.path`` for the time of the load, so sibling imports work. A file with
relative imports (``from .util import f``) is loaded inside its package, under a private
package name per folder, so ``.util`` is the sibling of that very file.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["ReferenceError_", "legacy_imports", "load_file", "load_reference", "parse_reference"]


class ReferenceError_(ValueError):  # noqa: N801 - avoid shadowing the builtin ReferenceError
    """A ``FILE:Class`` reference that cannot be resolved (message names file and class)."""


def parse_reference(reference: str) -> tuple[Path, str | None]:
    """``"path/to/file.py:Class"`` → ``(Path, "Class")``; ``"file.py"`` → ``(Path, None)``.

    Raises:
        ReferenceError_: no file part, or the file does not exist.
    """
    path_text, sep, name = reference.rpartition(":")
    if not sep or not path_text or (len(path_text) == 1 and path_text.isalpha()):
        path_text, name = reference, ""
    path = Path(path_text)
    if not path.is_file():
        raise ReferenceError_(
            f"{reference!r}: no such file {str(path)!r} (expected FILE.py:ClassName)"
        )
    return path, (name or None)


def legacy_imports() -> contextlib.AbstractContextManager[None]:
    """The ``shim.ray_compat`` aliases on while the block runs (nothing when Ray itself is
    installed): what legacy code that imports ``ray.rllib`` when it *runs* needs, beyond the
    load of its file (a policy's ``make_model`` importing a module that imports ``ray.rllib``).

    Example:
        >>> with legacy_imports():
        ...     policy = legacy_policy_cls(obs_space, action_space, config)  # doctest: +SKIP
    """
    return _legacy_imports(True)


@contextlib.contextmanager
def _legacy_imports(enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    from shim import ray_compat

    try:
        context = ray_compat.installed()
        context.__enter__()
    except ray_compat.RealRayInstalledError:
        yield  # Ray itself is here: the file imports the real thing
        return
    try:
        yield
    finally:
        # Uninstalled again (unless it was on before): modules already imported keep their
        # shim objects; an import of ray.rllib inside a function body needs the aliases on
        # when it runs (legacy_imports(): `rlmigrate verify` keeps them on for its run).
        context.__exit__(None, None, None)
        # The numpy-1 names (np.product, ...) stay: legacy code calls them when its classes
        # are built and run, after the import (RLlib 2.10's own FCNet does, in __init__).
        from shim.ray_compat import numpy_aliases

        numpy_aliases.install()


def load_file(path: Path, *, legacy: bool) -> ModuleType:
    """Execute ``path`` as a fresh module (``legacy=True``: with the ray.rllib aliases).

    Raises:
        ReferenceError_: the file raised while importing (the message names file and error).
    """
    path = path.resolve()
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    package = _package_of(path)
    name = f"{package[0]}.{path.stem}" if package else f"_rlmigrate_verify_{path.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ReferenceError_(f"{str(path)!r} cannot be imported as a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    before = set(sys.modules)
    try:
        with _legacy_imports(legacy):
            if package:
                _import_package(*package)
            sys.modules[name] = module
            spec.loader.exec_module(module)
    except Exception as err:
        sys.modules.pop(name, None)
        raise ReferenceError_(
            f"importing {str(path)!r} failed: {type(err).__name__}: {err}"
        ) from err
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(path.parent))
        _forget_siblings(path.parent, set(sys.modules) - before)
    return module


def _package_of(path: Path) -> tuple[str, Path, list[str]] | None:
    """For a file with relative imports (``from .util import f``): the private name of its
    package, the folder of its top package and the sub-package names from there to the file's
    folder; None for a file without relative imports (loaded as a plain module, as before).

    The package is the chain of folders with an ``__init__.py`` above the file, or the file's
    own folder alone when it has none (a namespace package such as a repository's ``models/``).
    Its private name (the folder's hash) keeps a legacy file and its rewrite, which live in two
    folders with the same package names, each with its own siblings."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None
    if not any(isinstance(n, ast.ImportFrom) and n.level for n in ast.walk(tree)):
        return None
    top = path.parent
    while (top / "__init__.py").is_file() and (top.parent / "__init__.py").is_file():
        top = top.parent
    parts = list(path.parent.relative_to(top).parts)
    if not all(part.isidentifier() for part in parts):
        return None
    digest = hashlib.sha1(str(top).encode()).hexdigest()[:10]
    root = f"_rlmigrate_verify_pkg_{digest}"
    return ".".join([root, *parts]), top, parts


def _import_package(name: str, top: Path, parts: list[str]) -> None:
    """Import the file's package under its private name: the top package from ``top`` (its
    ``__init__.py`` run, as Python runs it before any module of the package), then the
    sub-packages through the normal import machinery."""
    root = name.split(".")[0]
    if root not in sys.modules:
        init = top / "__init__.py"
        if init.is_file():
            spec = importlib.util.spec_from_file_location(root, init, submodule_search_locations=[str(top)])
        else:
            spec = importlib.machinery.ModuleSpec(root, None, is_package=True)
            spec.submodule_search_locations = [str(top)]
        assert spec is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[root] = package
        try:
            if spec.loader is not None:
                spec.loader.exec_module(package)
        except BaseException:
            sys.modules.pop(root, None)
            raise
    if parts:
        importlib.import_module(name)


def _forget_siblings(folder: Path, names: set[str]) -> None:
    """Drop from ``sys.modules`` the modules of ``folder`` that this load imported by their
    plain names (``import my_models``): a legacy file and its rewrite live in two folders with
    the same sibling names, and each must import its own (the loaded module keeps its objects).
    """
    for name in names:
        file = getattr(sys.modules.get(name), "__file__", None)
        if file and Path(file).resolve().is_relative_to(folder) and not name.startswith("_rlmigrate_verify_"):
            sys.modules.pop(name, None)


def load_reference(reference: str, *, legacy: bool) -> tuple[Any, ModuleType]:
    """Resolve ``FILE:Class`` to ``(class, module)``.

    Raises:
        ReferenceError_: missing file, import error, or no such class (the message lists the
            classes the file defines).
    """
    path, name = parse_reference(reference)
    module = load_file(path, legacy=legacy)
    classes = sorted(
        k
        for k, v in vars(module).items()
        if isinstance(v, type) and v.__module__ == module.__name__
    )
    if name is None:
        raise ReferenceError_(
            f"{reference!r}: name the class as FILE:Class; {path} defines {classes}"
        )
    if not hasattr(module, name):
        raise ReferenceError_(f"{reference!r}: {path} has no {name!r}; it defines {classes}")
    return getattr(module, name), module
