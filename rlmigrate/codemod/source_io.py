"""Reading and writing Python source files without disturbing them.

Reading keeps everything a rewrite must give back unchanged: the encoding (PEP 263 cookie or
BOM), the newline style (the text is decoded without newline translation, so CRLF survives),
and the file mode. Writing is atomic: the new text goes to a temporary file in the same
directory, is flushed to disk, gets the original mode, and replaces the old file with
``os.replace`` — a run killed at any moment leaves each file either old or new, never half.
A run killed between the two steps leaves its temporary file behind (``.NAME.py.XXXXXXXX``
plus :data:`TEMP_SUFFIX`); :func:`is_stale_temp_name` recognises exactly those names, so the
next run can sweep them and nothing else.
"""

from __future__ import annotations

import io
import mmap
import os
import re
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

TEMP_SUFFIX = ".rlmigrate-tmp"
# What ``write_atomic`` names its temporary files: ``.`` + the target's name + ``.`` + the 8
# characters ``tempfile.mkstemp`` draws from [a-z0-9_] + TEMP_SUFFIX.
_TEMP_NAME = re.compile(r"\.(?P<target>.+\.pyi?)\.[a-z0-9_]{8}" + re.escape(TEMP_SUFFIX))


class SourceReadError(Exception):
    """The file could not be read (permissions, not a regular file, I/O error)."""


class SourceDecodeError(Exception):
    """The bytes do not decode with the file's declared encoding, or hold a NUL byte."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class SourceTooLargeError(SourceReadError):
    """The file is larger than the run's ``max_file_bytes`` budget (it was not read)."""

    def __init__(self, path: Path, size: int, limit: int) -> None:
        super().__init__(f"{path}: {size:,} bytes exceeds --max-file-bytes {limit:,}")
        self.size = size
        self.limit = limit


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


def is_stale_temp_name(name: str) -> bool:
    """Whether ``name`` is a temporary file :func:`write_atomic` creates (and a killed run leaves)."""
    return _TEMP_NAME.fullmatch(name) is not None


def read_bytes(path: Path, max_bytes: int | None = None) -> tuple[bytes, os.stat_result]:
    """The file's bytes and stat, or :class:`SourceReadError` naming the path and cause.

    Raises:
        SourceTooLargeError: the file has more than ``max_bytes`` bytes (nothing is read).
    """
    try:
        st = os.stat(path)
    except OSError as err:
        raise SourceReadError(f"{path}: cannot stat ({err.strerror or err})") from err
    if not stat.S_ISREG(st.st_mode):
        raise SourceReadError(f"{path}: not a regular file")
    if not is_readable(st):
        raise SourceReadError(f"{path}: not readable (mode {stat.filemode(st.st_mode)})")
    if max_bytes is not None and st.st_size > max_bytes:
        raise SourceTooLargeError(path, st.st_size, max_bytes)
    try:
        with open(path, "rb") as handle:
            return handle.read(), st
    except OSError as err:
        raise SourceReadError(f"{path}: cannot read ({err.strerror or err})") from err


def file_contains_any(path: Path, tokens: tuple[bytes, ...]) -> bool:
    """Whether the file holds any of ``tokens``, searched through a memory map (a file too
    large to read for parsing is still cheap to scan)."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return False
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return any(data.find(token) >= 0 for token in tokens)
    except (OSError, ValueError) as err:
        raise SourceReadError(f"{path}: cannot read ({getattr(err, 'strerror', None) or err})") from err


def decode_source(path: Path, raw: bytes, mode: int) -> SourceFile:
    """Decode ``raw`` by its PEP 263 cookie / BOM (default UTF-8), keeping newlines as they are.

    Raises:
        SourceDecodeError: unknown encoding name, bytes invalid for the encoding, or a NUL
            byte; the message names the file and, where known, the line.
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
            f"{path}:{line}: bytes are not valid {encoding} ({err})", line
        ) from err
    nul = text.find("\x00")
    if nul >= 0:  # CPython refuses these too ("source code cannot contain null bytes")
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise SourceDecodeError(
            f"{path}:{line}:{column}: NUL byte in the source (not valid Python; a binary or "
            "corrupted file?)", line, column
        )
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
