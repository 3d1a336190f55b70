"""Reading and writing Python source files without disturbing them.

Reading keeps everything a rewrite must give back unchanged: the encoding (PEP 263 cookie or
BOM), the newline style (the text is decoded without newline translation, so CRLF survives),
and the file mode. Writing is atomic: the new text goes to a temporary file in the same
directory, is flushed to disk, gets the original mode, and replaces the old file with
``os.replace`` — a run killed at any moment leaves each file either old or new, never half.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

TEMP_SUFFIX = ".rlmigrate-tmp"


class SourceReadError(Exception):
    """The file could not be read (permissions, not a regular file, I/O error)."""


class SourceDecodeError(Exception):
    """The bytes do not decode with the file's declared encoding."""


@dataclass(frozen=True)
class SourceFile:
    """A decoded Python file and what is needed to write it back the same way."""

    path: Path
    raw: bytes
    text: str
    encoding: str
    mode: int
    has_bom: bool


def is_readable(st: os.stat_result) -> bool:
    """Owner read bit set. Checked on the mode (not ``os.access``) so root behaves like users."""
    return bool(st.st_mode & stat.S_IRUSR)


def is_writable(st: os.stat_result) -> bool:
    """Owner write bit set. A read-only file is never replaced, even where root could."""
    return bool(st.st_mode & stat.S_IWUSR)


def read_bytes(path: Path) -> tuple[bytes, os.stat_result]:
    """The file's bytes and stat, or :class:`SourceReadError` naming the path and cause."""
    try:
        st = os.stat(path)
    except OSError as err:
        raise SourceReadError(f"{path}: cannot stat ({err.strerror or err})") from err
    if not stat.S_ISREG(st.st_mode):
        raise SourceReadError(f"{path}: not a regular file")
    if not is_readable(st):
        raise SourceReadError(f"{path}: not readable (mode {stat.filemode(st.st_mode)})")
    try:
        with open(path, "rb") as handle:
            return handle.read(), st
    except OSError as err:
        raise SourceReadError(f"{path}: cannot read ({err.strerror or err})") from err


def decode_source(path: Path, raw: bytes, mode: int) -> SourceFile:
    """Decode ``raw`` by its PEP 263 cookie / BOM (default UTF-8), keeping newlines as they are.

    Raises:
        SourceDecodeError: unknown encoding name or bytes invalid for the encoding; the
            message names the file and, where known, the line.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as err:
        raise SourceDecodeError(f"{path}: {err}") from err
    has_bom = encoding == "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError) as err:
        line = raw[: getattr(err, "start", 0)].count(b"\n") + 1
        raise SourceDecodeError(
            f"{path}:{line}: bytes are not valid {encoding} ({err})"
        ) from err
    return SourceFile(path=path, raw=raw, text=text, encoding=encoding, mode=mode, has_bom=has_bom)


def encode_source(source: SourceFile, text: str) -> bytes:
    """Encode rewritten ``text`` the way ``source`` was encoded (same codec, same BOM)."""
    return text.encode(source.encoding)


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Replace ``path`` with ``data`` atomically, giving the new file ``mode``.

    The temporary file lives in the destination directory (``os.replace`` is atomic only
    within one file system) and is removed if anything fails before the replace.
    """
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, stat.S_IMODE(mode))
        os.replace(tmp_name, path)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except FileNotFoundError:
            pass
        raise
