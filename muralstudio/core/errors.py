"""Errors that reach the user. Every message names the file and the problem."""

from __future__ import annotations

from pathlib import Path

from muralstudio.core.messages import Text


def _with_path(path, reason) -> str:
    """``"PATH: reason"``, keeping the reason's message id when it has one."""
    if isinstance(reason, Text):
        return reason.with_prefix(f"{path}: ")
    return f"{path}: {reason}"


def os_error_text(exc: OSError) -> str:
    """``"FILE: reason"`` for an operating-system error (Python's own text reads
    ``[Errno 2] reason: 'FILE'``)."""
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename else reason


class MuralStudioError(Exception):
    """Base class for errors shown to users as plain messages (no traceback). A message made
    as a :class:`~muralstudio.core.messages.Text` keeps its id (``str(error)`` returns it)."""

    def __str__(self) -> str:
        if len(self.args) == 1 and isinstance(self.args[0], Text):
            return self.args[0]
        return super().__str__()


class Cancelled(MuralStudioError):
    """Raised at a checkpoint when the user asked a job to stop; nothing was changed."""

    def __init__(self, message: str | None = None):
        super().__init__(Text("cancelled") if message is None else message)


class ImageIOError(MuralStudioError):
    """An image could not be read or written. ``path`` and ``reason`` are kept separately."""

    def __init__(self, path, reason: str):
        self.path = Path(path) if path is not None else None
        self.reason = reason
        super().__init__(_with_path(self.path, reason) if self.path else reason)


class UnreadableFileError(ImageIOError):
    """Missing file, directory, or no permission."""


class CorruptImageError(ImageIOError):
    """Truncated or damaged file: the decoder failed."""


class UnsupportedImageError(ImageIOError):
    """A valid file in a format or mode MuralStudio does not handle."""


class EmptyImageError(ImageIOError):
    """Zero-sized image."""


class ImageTooLargeError(ImageIOError):
    """The image is past the configured pixel limit."""

    def __init__(self, path, pixels: int, limit: int, reason: str | None = None):
        self.pixels = pixels
        self.limit = limit
        super().__init__(
            path,
            reason or Text("image_too_large", pixels=pixels, limit=limit),
        )


class SourceChangedError(ImageIOError):
    """The source file was replaced or rewritten on disk after it was opened: its pixels are no
    longer the ones shown, so nothing more is read from it."""

    def __init__(self, path):
        super().__init__(path, Text("source_changed"))


class ProtectedFileError(ImageIOError):
    """Refused to write over an original image opened as a source."""


class ProjectError(MuralStudioError):
    """A project file is corrupt, of an unknown version, or cannot be saved."""

    def __init__(self, path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(_with_path(self.path, reason))


class SourceMissingError(ProjectError):
    """The project's source image is not where it was; the caller should ask for it."""

    def __init__(self, path, source_path, expected_sha256: str):
        self.source_path = Path(source_path)
        self.expected_sha256 = expected_sha256
        super().__init__(path, Text("source_missing", path=str(source_path)))


class SourceMismatchError(ProjectError):
    """The image offered as the project's source is not the same file (hash differs)."""

    def __init__(self, path, source_path, expected_sha256: str, actual_sha256: str):
        self.source_path = Path(source_path)
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256
        super().__init__(
            path,
            Text("source_mismatch", path=str(source_path), found=f"{actual_sha256[:12]}…",
                 expected=f"{expected_sha256[:12]}…"),
        )


class WeightsError(MuralStudioError):
    """Model weights that are missing, unreadable or do not fit the network."""

    def __init__(self, path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(_with_path(path, reason))
