"""Image reading and writing that never loses bit depth, alpha, ICC profile or metadata.

Pixels are kept as numpy arrays in one of four canonical layouts, at the source bit depth
(uint8 or uint16): ``(H, W)`` grey, ``(H, W, 2)`` grey + alpha, ``(H, W, 3)`` RGB and
``(H, W, 4)`` RGBA. Odd modes (palette, CMYK, 1-bit, min-is-white, float) are converted to one of
these with a warning that is logged and kept in :attr:`ImageInfo.warnings`.

Each format family is a :class:`~muralstudio.core.imageio.codec.Codec` (:mod:`.tiff`: TIFF
through tifffile, tile by tile for :func:`read_region`; :mod:`.png` and :mod:`.raster`: PNG,
JPEG, BMP and WebP through Pillow, 16-bit PNG through OpenCV and our own encoder). The
functions here check the path, pick the codec by the file's signature (by suffix when
writing) and turn decoder failures into the errors of :mod:`muralstudio.core.errors`. A new
format is one codec module and one entry in :data:`CODECS`; :data:`READ_SUFFIXES` follows.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from muralstudio.core.errors import CorruptImageError, EmptyImageError, ImageIOError, UnsupportedImageError
from muralstudio.core.imageio.codec import Codec, decode
from muralstudio.core.imageio.common import (
    BOMB_CHECK_BYTES,
    BOMB_RATIO,
    DEFAULT_MAX_PIXELS,
    ImageInfo,
    LoadedImage,
    RegionError,
    check_decoded_bytes,
    check_path,
    float_to_uint16,
    full_scale,
    icc_description,
    log,
    max_bytes_setting,
    max_pixels_setting,
    record_sidecar_path,
    short_reason,
    to_rgb8,
    to_uint8,
    write_json,
    write_record_sidecar,
)
from muralstudio.core.imageio.png import PngCodec, PngRowWriter, write_png
from muralstudio.core.imageio.raster import BmpCodec, JpegCodec, WebpCodec, open_pillow, write_jpeg
from muralstudio.core.imageio.tiff import RECORD_TAG, TIFF_TEXT_TAGS, TiffCodec, check_tiff_chunks, write_tiff
from muralstudio.core.messages import Text

__all__ = [
    "BOMB_CHECK_BYTES", "BOMB_RATIO", "CODECS", "DEFAULT_MAX_PIXELS", "READ_SUFFIXES", "RECORD_TAG",
    "TIFF_SUFFIXES", "TIFF_TEXT_TAGS", "Codec", "ImageInfo", "LoadedImage", "PngRowWriter",
    "RegionError", "check_decoded_bytes", "check_float_values", "check_tiff_chunks", "float_to_uint16", "full_scale", "icc_description",
    "image_size", "max_bytes_setting", "max_pixels_setting", "read_header", "read_image",
    "read_label_map", "read_mask", "read_region", "record_sidecar_path", "to_rgb8", "to_uint8",
    "write_image", "write_jpeg", "write_json", "write_png", "write_record_sidecar", "write_tiff",
]

#: Every format MuralStudio reads, in the order signatures are tried.
CODECS: tuple[Codec, ...] = (TiffCodec(), PngCodec(), JpegCodec(), BmpCodec(), WebpCodec())

READ_SUFFIXES = frozenset().union(*(codec.suffixes for codec in CODECS))
TIFF_SUFFIXES = TiffCodec.suffixes


def _codec_for(path: Path) -> Codec:
    """The codec whose signature the file starts with; refused by name when none matches."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    for codec in CODECS:
        if codec.sniff(head):
            return codec
    suffix = path.suffix.lower()
    if suffix in READ_SUFFIXES:
        raise CorruptImageError(path, Text("wrong_signature", format=suffix[1:].upper()))
    raise UnsupportedImageError(path, Text("unknown_file_type"))


def read_header(path) -> ImageInfo:
    """Answer "how big is it, what is it" from the file header alone (no pixel decoding)."""
    path = check_path(path)
    codec = _codec_for(path)
    try:
        info = codec.read_header(path)
    except ImageIOError:
        raise
    except Exception as exc:  # noqa: BLE001 - decoders raise many types on damaged files
        raise CorruptImageError(path, Text("header_unreadable", format=codec.name,
                                           reason=short_reason(exc))) from exc
    if info.width <= 0 or info.height <= 0:
        raise EmptyImageError(path, Text("image_empty", width=info.width, height=info.height))
    return info


def image_size(path) -> tuple[int, int]:
    """(width, height) from the header alone."""
    info = read_header(path)
    return info.width, info.height


def read_image(path, max_pixels: int | None = None) -> LoadedImage:
    """Decode a whole image at its own bit depth, with its metadata.

    Raises a subclass of :class:`ImageIOError` naming the file and the problem for anything
    that is not a readable image.
    """
    path = check_path(path)
    return decode(_codec_for(path), path, max_pixels)


def read_mask(path) -> np.ndarray:
    """A mask or label map as one 2-D array (first channel of colour files). Bilevel and
    palette files are expected here, so their conversion is not logged as a warning."""
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        pixels = read_image(path).pixels
    finally:
        log.setLevel(level)
    return pixels[..., 0] if pixels.ndim == 3 else pixels


def read_label_map(path) -> np.ndarray:
    """A label map as its class indices: a palette PNG's indices (not its colours, which
    :func:`read_mask` would give), or a grey map's values."""
    path = check_path(path)
    img = open_pillow(path)
    try:
        if img.mode in ("P", "L"):
            return np.asarray(img)
    finally:
        img.close()
    return read_mask(path)


def read_region(path, x: int, y: int, w: int, h: int, level: int = 0) -> np.ndarray:
    """Pixels of the rectangle (x, y, w, h) in the given level's own pixel grid.

    For tiled or striped TIFF only the intersecting chunks are decoded. Level > 0 refers to
    reduced-resolution levels stored inside the file; for any other file, build a
    :class:`muralstudio.core.pyramid.Pyramid`.
    """
    path = check_path(path)
    codec = _codec_for(path)
    try:
        return codec.read_region(path, x, y, w, h, level)
    except (ImageIOError, RegionError):
        raise
    except Exception as exc:  # noqa: BLE001 - tifffile's errors are ValueErrors too
        raise CorruptImageError(path, Text("region_undecodable", reason=short_reason(exc))) from exc


def check_float_values(path, info: ImageInfo, band_pixels: int = 1 << 24) -> None:
    """Decode a floating-point image a band of rows at a time, raising the error naming the file
    that a read would raise on a value the conversion cannot place (outside 0–1, NaN): such a
    file's header reads fine, so without this it opens as a canvas whose every tile fails."""
    rows = max(1, band_pixels // max(1, info.width))
    for top in range(0, info.height, rows):
        read_region(path, 0, top, info.width, min(rows, info.height - top))


def writer_for(path):
    """The codec that writes ``path`` by its extension; a clear error naming the file when none
    does (called before a long job too, so that it is not lost at the end)."""
    suffix = Path(path).suffix.lower()
    for codec in CODECS:
        if suffix in codec.write_suffixes:
            return codec
    names = [codec.write_suffixes[0] for codec in CODECS if codec.write_suffixes]
    raise ValueError(f"{path}: cannot write {suffix or 'files without an extension'}; "
                     f"use {', '.join(names[:-1])} or {names[-1]}")


def write_image(path, pixels: np.ndarray, info: ImageInfo | None = None, *,
                record_json: str | None = None, compression: str = "deflate",
                xmp: str | None = None) -> Path:
    """Write by extension: TIFF keeps the bit depth; PNG keeps 8/16 bits; JPEG is 8-bit."""
    return writer_for(path).write(path, pixels, info, record_json=record_json, compression=compression, xmp=xmp)
