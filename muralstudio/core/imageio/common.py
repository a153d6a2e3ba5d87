"""What every codec shares: the header record (:class:`ImageInfo`), decoded pixels
(:class:`LoadedImage`), the size and memory limits, path checks, pixel conversions and the
small JSON files written beside images."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from muralstudio.core.atomic import atomic_write
from muralstudio.core.errors import (
    CorruptImageError,
    EmptyImageError,
    ImageTooLargeError,
    UnreadableFileError,
    UnsupportedImageError,
)
from muralstudio.core.messages import Text

# Every module of the package logs under the package's name, as the single module did: log
# lines keep their logger name, and read_mask silences conversion warnings by that name.
log = logging.getLogger("muralstudio.core.imageio")

#: Default cap on pixels decoded in one piece by :func:`read_image`; regions and headers are
#: not limited. Override per call, or with the MURALSTUDIO_MAX_PIXELS environment variable.
DEFAULT_MAX_PIXELS = 1_000_000_000


@dataclass
class ImageInfo:
    """What is known about an image file from its header, plus conversion warnings."""

    path: Path | None
    format: str
    width: int
    height: int
    channels: int
    dtype: np.dtype
    has_alpha: bool = False
    pages: int = 1
    tiled: bool = False
    chunk_shape: tuple[int, int] | None = None
    compression: str | None = None
    bigtiff: bool = False
    icc_profile: bytes | None = None
    dpi: tuple[float, float] | None = None
    tags: dict[str, str] = field(default_factory=dict)
    exif: bytes | None = None
    source_mode: str = ""
    record_json: str | None = None
    xmp: str | None = None  # the XMP packet (TIFF tag 700, PNG iTXt XML:com.adobe.xmp)
    warnings: list[str] = field(default_factory=list)

    @property
    def float_samples(self) -> bool:
        """The file stores floating-point samples (converted to 16-bit when read, every value
        checked: those outside 0–1 are refused)."""
        return self.source_mode.endswith("-bit f")

    @property
    def bit_depth(self) -> int:
        return np.dtype(self.dtype).itemsize * 8

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def shape(self) -> tuple[int, ...]:
        if self.channels == 1:
            return (self.height, self.width)
        return (self.height, self.width, self.channels)

    @property
    def nbytes(self) -> int:
        return self.pixels * self.channels * np.dtype(self.dtype).itemsize

    def describe(self) -> dict:
        """A JSON-friendly summary (for ``muralstudio info``)."""
        return {
            "path": str(self.path) if self.path else None,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "channels": self.channels,
            "bit_depth": self.bit_depth,
            "has_alpha": self.has_alpha,
            "mode": self.source_mode,
            "pages": self.pages,
            "tiled": self.tiled,
            "chunk_shape": list(self.chunk_shape) if self.chunk_shape else None,
            "compression": self.compression,
            "bigtiff": self.bigtiff,
            "icc_profile_bytes": len(self.icc_profile) if self.icc_profile else 0,
            "icc_description": icc_description(self.icc_profile),
            "dpi": list(self.dpi) if self.dpi else None,
            "tags": dict(self.tags),
            "has_restoration_record": self.record_json is not None,
            "xmp": _xmp_summary(self.xmp),
            "warnings": list(self.warnings),
        }


@dataclass
class LoadedImage:
    """Decoded pixels and the header they came from."""

    pixels: np.ndarray
    info: ImageInfo


# --------------------------------------------------------------------------------------------
# Limits and checks


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # Windows: no sysconf
        return 16 << 30


#: decoded size at which a file's compression ratio is checked, and the ratio that marks a
#: decompression bomb (a 6.8 KB JPEG header announcing 30000×30000 px is 130,000:1; real
#: murals compress 2–20:1, flat masks a few hundred to a few thousand)
BOMB_CHECK_BYTES, BOMB_RATIO = 256 << 20, 20_000


def _int_from_environment(name: str) -> int | None:
    """The integer in environment variable ``name``; None (with a warning) when unset or not one."""
    env = os.environ.get(name)
    if env:
        try:
            return int(env)
        except ValueError:
            log.warning("ignoring %s=%r: not an integer", name, env)
    return None


def max_bytes_setting() -> int:
    """Largest decoded image, in bytes: $MURALSTUDIO_MAX_BYTES, else half the machine's memory."""
    value = _int_from_environment("MURALSTUDIO_MAX_BYTES")
    return _physical_memory() // 2 if value is None else value


def check_decoded_bytes(path, width: int, height: int, bytes_per_pixel: int, file_bytes: int | None) -> None:
    """Refuse, before decoding, an image whose pixels would not fit in memory or whose header
    promises far more pixels than its file could hold."""
    decoded = int(width) * int(height) * int(bytes_per_pixel)
    limit = max_bytes_setting()
    if decoded > limit:
        raise ImageTooLargeError(path, int(width) * int(height), max_pixels_setting(),
                                 f"decoding it needs {decoded / 2**30:.1f} GiB, more than the "
                                 f"{limit / 2**30:.1f} GiB allowed (half this machine's memory; set "
                                 "MURALSTUDIO_MAX_BYTES to change it)")
    if file_bytes and decoded > BOMB_CHECK_BYTES and decoded > BOMB_RATIO * file_bytes:
        raise CorruptImageError(path, f"its header announces {width}×{height} pixels "
                                      f"({decoded / 2**30:.1f} GiB) in a file of {file_bytes:,} bytes: "
                                      "a damaged header or a decompression bomb; not decoded")


def max_pixels_setting(max_pixels: int | None = None) -> int:
    if max_pixels is not None:
        return int(max_pixels)
    value = _int_from_environment("MURALSTUDIO_MAX_PIXELS")
    return DEFAULT_MAX_PIXELS if value is None else value


def icc_description(icc: bytes | None) -> str | None:
    """The profile's description ('desc' tag), read from the ICC bytes without extra packages."""
    if not icc or len(icc) < 132:
        return None
    try:
        count = int.from_bytes(icc[128:132], "big")
        for i in range(min(count, 100)):
            entry = icc[132 + 12 * i: 144 + 12 * i]
            sig, offset, size = entry[:4], int.from_bytes(entry[4:8], "big"), int.from_bytes(entry[8:12], "big")
            if sig != b"desc":
                continue
            data = icc[offset: offset + size]
            if data[:4] == b"desc":
                length = int.from_bytes(data[8:12], "big")
                return data[12: 12 + length].rstrip(b"\0").decode("latin-1")
            if data[:4] == b"mluc":  # ICC v4: first record, UTF-16BE
                rec_len = int.from_bytes(data[20:24], "big")
                rec_off = int.from_bytes(data[24:28], "big")
                return data[rec_off: rec_off + rec_len].decode("utf-16-be", "replace")
    except Exception:  # noqa: BLE001 - a description is only informative
        return None
    return None


def check_path(path) -> Path:
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(path, Text("file_not_found"))
    if path.is_dir():
        raise UnreadableFileError(path, Text("is_folder"))
    if not os.access(path, os.R_OK):
        raise UnreadableFileError(path, Text("permission_denied"))
    if path.stat().st_size == 0:
        raise CorruptImageError(path, Text("file_empty"))
    return path


def check_size(path, width: int, height: int, max_pixels: int | None) -> None:
    if width <= 0 or height <= 0:
        raise EmptyImageError(path, Text("image_empty", width=width, height=height))
    limit = max_pixels_setting(max_pixels)
    if width * height > limit:
        raise ImageTooLargeError(path, width * height, limit)


def warn(info: ImageInfo, message: str) -> None:
    info.warnings.append(message)
    log.warning("%s: %s", info.path, message)


def _xmp_summary(packet: str | None) -> dict | None:
    if not packet:
        return None
    from muralstudio.core.xmp import parse_xmp

    try:
        return parse_xmp(packet)
    except Exception as exc:  # noqa: BLE001 - another program's packet: shown, not trusted
        return {"unreadable": str(exc)[:200]}


class RegionError(ValueError):
    """A region request outside the image (the caller's mistake, not the file's)."""


def check_region(path, info: ImageInfo, x, y, w, h) -> None:
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > info.width or y + h > info.height:
        raise RegionError(f"{path}: region x={x} y={y} w={w} h={h} is outside the "
                         f"{info.width}×{info.height} image")


def short_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# --------------------------------------------------------------------------------------------
# Pixel conversions


def float_to_uint16(data: np.ndarray, path) -> np.ndarray:
    """Floating-point pixels in 0–1 as 16-bit (computed in float32: float16 data would overflow
    at × 65535). NaN, infinite values and values outside 0–1 are refused, naming the file:
    silently turning them into black would pass a damaged archive file as good."""
    data = np.asarray(data, dtype=np.float32)
    bad = int(np.count_nonzero(~np.isfinite(data)))
    if bad:
        raise UnsupportedImageError(path, f"{bad:,} pixel values are NaN or infinite")
    if data.size and (data.min() < 0 or data.max() > 1):
        raise UnsupportedImageError(path, "floating point pixels outside 0–1 cannot "
                                          "be converted without guessing their range")
    return np.round(data * np.float32(65535)).astype(np.uint16)


def full_scale(dtype) -> float:
    """The value of full intensity: 255 for 8-bit, 65535 for 16-bit, 1.0 for float."""
    dtype = np.dtype(dtype)
    return float(np.iinfo(dtype).max) if dtype.kind in "ui" else 1.0


def to_rgb8(pixels: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 from any canonical layout (grey repeated, alpha dropped): the form the
    screen and the 8-bit algorithms (GrabCut, benchmarks) take. The data keeps its depth."""
    pixels = to_uint8(pixels)
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.shape[2] < 3:
        return np.repeat(pixels[..., :1], 3, axis=2)
    return np.ascontiguousarray(pixels[..., :3])


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """Scale 16-bit pixels to 8 bits (rounding); 8-bit input is returned as is."""
    if pixels.dtype == np.uint8:
        return pixels
    if pixels.dtype == np.uint16:
        return ((pixels.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    if pixels.dtype == np.bool_:
        return pixels.astype(np.uint8) * 255
    raise ValueError(f"cannot convert {pixels.dtype} pixels to 8 bits")


# --------------------------------------------------------------------------------------------
# Files beside images


def record_sidecar_path(path) -> Path:
    """Where the JSON restoration record of an exported image is written."""
    path = Path(path)
    return path.with_name(path.name + ".record.json")


def write_record_sidecar(image_path, record_json: str) -> Path:
    """The restoration record beside an exported image (``NAME.record.json``), atomically."""
    path = record_sidecar_path(image_path)
    with atomic_write(path, "w") as handle:
        handle.write(record_json)
    return path


def json_text(data, indent: int | None = 2, **options) -> str:
    """``data`` as JSON, Chinese as it is; a file name that is not UTF-8 (bytes of another
    encoding, held by Python as lone surrogates) is written escaped, so that reading the JSON
    back gives the same name."""
    text = json.dumps(data, indent=indent, ensure_ascii=False, **options)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, indent=indent, ensure_ascii=True, **options)
    return text


def write_json(path, data) -> Path:
    text = json_text(data)
    with atomic_write(path, "w") as handle:
        handle.write(text)
    return Path(path)
