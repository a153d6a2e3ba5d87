"""The interface every format family implements, and the decode step shared by the public
readers. A codec's methods may raise anything its decoder raises on a damaged file:
:func:`decode` and the public functions turn that into the project's own errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from muralstudio.core.errors import CorruptImageError, ImageIOError, ImageTooLargeError
from muralstudio.core.imageio.common import (
    ImageInfo,
    LoadedImage,
    RegionError,
    check_region,
    max_pixels_setting,
    short_reason,
)


class Codec:
    """One format family.

    ``name`` is the format as messages name it ("TIFF", "PNG"); ``suffixes`` are the file
    suffixes it reads (lower case, with the dot); ``write_suffixes`` those :meth:`write` is
    asked for, empty when it does not write (the first one is named in the error for a
    suffix no codec writes)."""

    name: str = ""
    suffixes: frozenset[str] = frozenset()
    write_suffixes: tuple[str, ...] = ()

    def sniff(self, head: bytes) -> bool:
        """Whether the file's first 16 bytes are this format's signature."""
        raise NotImplementedError

    def read_header(self, path: Path) -> ImageInfo:
        """The header, with the canonical channels and dtype :meth:`read` will return."""
        raise NotImplementedError

    def read(self, path: Path, max_pixels: int | None) -> LoadedImage:
        """The whole image, refused before decoding when it is past ``max_pixels`` or memory."""
        raise NotImplementedError

    def read_region(self, path: Path, x, y, w, h, level) -> np.ndarray:
        """Pixels of (x, y, w, h) in level ``level``. This default suits formats without tiles
        or stored levels: decode the whole image and crop."""
        if level:
            raise RegionError(f"{path}: {self.name} files hold a single level; use core.pyramid.Pyramid")
        image = decode(self, path, None)
        check_region(path, image.info, x, y, w, h)
        return np.ascontiguousarray(image.pixels[y:y + h, x:x + w])

    def write(self, path: Path, pixels: np.ndarray, info: ImageInfo | None, *,
              record_json: str | None = None, compression: str = "deflate",
              xmp: str | None = None) -> Path:
        """Write ``pixels`` to ``path`` (a suffix in ``write_suffixes``), keeping what the
        format can hold of ``info``, the record and the XMP packet. Only asked of codecs with
        ``write_suffixes``."""
        raise NotImplementedError


def decode(codec: Codec, path: Path, max_pixels: int | None) -> LoadedImage:
    """``codec.read`` with decoder failures turned into :class:`ImageIOError`s naming the file."""
    try:
        return codec.read(path, max_pixels)
    except ImageIOError:
        raise
    except MemoryError as exc:
        raise ImageTooLargeError(path, 0, max_pixels_setting(max_pixels)) from exc
    except Exception as exc:  # noqa: BLE001 - decoders raise many types on damaged files
        raise CorruptImageError(path, f"cannot decode the {codec.name} data ({short_reason(exc)}); "
                                      f"the file may be truncated or damaged") from exc
