"""Atomic file writes and the guard that keeps original images from ever being written."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import tempfile
import threading
from pathlib import Path

from muralstudio.core.errors import ProtectedFileError
from muralstudio.core.messages import Text

_protected: set[str] = set()
_protected_lock = threading.Lock()


def file_name_part(text: str, fallback: str = "item") -> str:
    """``text`` (a class or layer name a user typed) as part of a file name on any system:
    letters and digits of any script, ``-`` and ``_`` kept, anything else (``/``, ``\\``, ``:``,
    spaces) a single hyphen; ``fallback`` when nothing is left."""
    return re.sub("-+", "-", "".join(c if c.isalnum() or c in "-_" else "-" for c in text)).strip("-") or fallback


def distinct_file_parts(names, fallback: str = "item") -> list[str]:
    """:func:`file_name_part` of each name, a number added where two would be the same
    ("a/b" and "a:b" are both "a-b": the second "a-b-2"), so their files do not overwrite each other."""
    parts, seen = [], set()
    for name in names:
        part = base = file_name_part(name, fallback)
        number = 2
        while part.lower() in seen:  # case-insensitive file systems too
            part, number = f"{base}-{number}", number + 1
        seen.add(part.lower())
        parts.append(part)
    return parts


def _key(path) -> str:
    return os.path.normcase(os.path.realpath(os.fspath(path)))


def protect_original(path) -> None:
    """Mark ``path`` as an original image: every writer in MuralStudio refuses to touch it."""
    with _protected_lock:
        _protected.add(_key(path))


def release_original(path) -> None:
    """Undo :func:`protect_original` (a command's inputs, once the command has ended)."""
    with _protected_lock:
        _protected.discard(_key(path))


def is_protected(path) -> bool:
    with _protected_lock:
        return _key(path) in _protected


def check_writable_target(path) -> None:
    if is_protected(path):
        raise ProtectedFileError(path, Text("original_protected"))


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


#: a temporary file of a save not touched for this long belongs to a save that was killed
STALE_SECONDS = 15 * 60


#: the longest file name most file systems take (bytes)
NAME_MAX = 255


def temporary_stem(path: Path) -> str:
    """What a temporary file of ``path`` is named after: its name, or — when the hidden
    ``.NAME.XXXXXXXX.SUFFIX.tmp`` would pass :data:`NAME_MAX` — a digest of it (a 245-byte
    Chinese name the system takes failed with "File name too long")."""
    if len(os.fsencode(path.name)) + len(os.fsencode(path.suffix)) + 16 <= NAME_MAX:
        return path.name
    import hashlib

    return "long-" + hashlib.sha256(os.fsencode(path.name)).hexdigest()[:24]


def remove_stale_temporaries(path, older_than: float = STALE_SECONDS) -> int:
    """Delete the hidden ``.NAME.*SUFFIX.tmp`` files that killed saves of ``path`` left beside
    it (a project's can be tens of MB each); returns how many. Recent ones are left: another
    save may be writing them now."""
    import time

    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    removed = 0
    now = time.time()
    with contextlib.suppress(OSError):
        for candidate in directory.glob(f".{glob.escape(temporary_stem(path))}.*{glob.escape(path.suffix)}.tmp"):
            with contextlib.suppress(OSError):
                if candidate.is_file() and now - candidate.stat().st_mtime > older_than:
                    candidate.unlink()
                    removed += 1
    return removed


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path`` to write; on success it is fsynced and renamed
    over ``path``, on failure deleted. Refuses original images."""
    path = Path(path)
    check_writable_target(path)
    remove_stale_temporaries(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():  # else the error would name the hidden temporary file
        raise FileNotFoundError(2, "the folder does not exist", str(directory))
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{temporary_stem(path)}.", suffix=path.suffix + ".tmp", dir=directory)
    except OSError as exc:  # a read-only or full folder: name the file asked for, not the temporary
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    os.close(fd)
    with contextlib.suppress(OSError):  # mkstemp makes 0600; saved files follow the umask
        os.chmod(tmp_name, 0o666 & ~_UMASK)
    try:
        yield Path(tmp_name)
        with open(tmp_name, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename in (None, tmp_name):
            # a full disk while writing ("No space left on device") names the file asked for
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    _fsync_directory(directory)


@contextlib.contextmanager
def atomic_write(path, mode: str = "wb", encoding: str | None = None, newline: str | None = None):
    """Yield a file object for a temporary file beside ``path``; replace ``path`` on success.
    Text modes take ``encoding`` (UTF-8 unless given: never the system's code page); a file
    name of another encoding held in the text (lone surrogates) is written as its own bytes.

    The temp file lives in the same directory so ``os.replace`` is atomic. A crash or kill at
    any point leaves either the old file or the new one, never a mix.
    """
    if "b" not in mode:
        encoding = encoding or "utf-8"
    errors = None if "b" in mode else "surrogateescape"
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding, newline=newline, errors=errors) as handle:
        yield handle


def _fsync_directory(directory) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
