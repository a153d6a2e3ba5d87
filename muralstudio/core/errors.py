"""Errors that reach the user. Every message names the file and the problem."""

from __future__ import annotations

from pathlib import Path


class MuralStudioError(Exception):
    """Base class for errors shown to users as plain messages (no traceback)."""


class Cancelled(MuralStudioError):
    """Raised at a checkpoint when the user asked a job to stop; nothing was changed."""

    def __init__(self, message: str = "cancelled"):
        super().__init__(message)


class ImageIOError(MuralStudioError):
    """An image could not be read or written. ``path`` and ``reason`` are kept separately."""

    def __init__(self, path, reason: str):
        self.path = Path(path) if path is not None else None
        self.reason = reason
        super().__init__(f"{self.path}: {reason}" if self.path else reason)


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
            reason or f"image has {pixels:,} pixels, more than the limit of {limit:,}; raise it with "
            f"--max-pixels N (command line) or the MURALSTUDIO_MAX_PIXELS environment variable",
        )


class ProtectedFileError(ImageIOError):
    """Refused to write over an original image opened as a source."""


class ProjectError(MuralStudioError):
    """A project file is corrupt, of an unknown version, or cannot be saved."""

    def __init__(self, path, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class SourceMissingError(ProjectError):
    """The project's source image is not where it was; the caller should ask for it."""

    def __init__(self, path, source_path, expected_sha256: str):
        self.source_path = Path(source_path)
        self.expected_sha256 = expected_sha256
        super().__init__(path, f"source image {source_path} was not found; locate it to continue")


class SourceMismatchError(ProjectError):
    """The image offered as the project's source is not the same file (hash differs)."""

    def __init__(self, path, source_path, expected_sha256: str, actual_sha256: str):
        self.source_path = Path(source_path)
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256
        super().__init__(
            path,
            f"{source_path} is not this project's source image "
            f"(SHA-256 {actual_sha256[:12]}…, expected {expected_sha256[:12]}…)",
        )


class WeightsError(MuralStudioError):
    """Model weights that are missing, unreadable or do not fit the network."""

    def __init__(self, path, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")
