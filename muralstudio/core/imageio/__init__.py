"""Image reading and writing that never loses bit depth, alpha, ICC profile or metadata.

Pixels are kept as numpy arrays in one of four canonical layouts, at the source bit depth
(uint8 or uint16): ``(H, W)`` grey, ``(H, W, 2)`` grey + alpha, ``(H, W, 3)`` RGB and
``(H, W, 4)`` RGBA. Odd modes (palette, CMYK, 1-bit, min-is-white, float) are converted to one of
these with a warning that is logged and kept in :attr:`ImageInfo.warnings`.

TIFF goes through tifffile, which lets us decode single tiles or strips: :func:`read_region`
decodes only the chunks that intersect the region. Other formats go through Pillow, except
16-bit PNG, which Pillow reduces to 8 bits for colour images, so OpenCV decodes those.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from muralstudio import __version__
from muralstudio.core.atomic import atomic_path, atomic_write
from muralstudio.core.messages import Text
from muralstudio.core.errors import (
    CorruptImageError,
    EmptyImageError,
    ImageIOError,
    ImageTooLargeError,
    UnreadableFileError,
    UnsupportedImageError,
)

log = logging.getLogger(__name__)

#: Default cap on pixels decoded in one piece by :func:`read_image`; regions and headers are
#: not limited. Override per call, or with the MURALSTUDIO_MAX_PIXELS environment variable.
DEFAULT_MAX_PIXELS = 1_000_000_000

#: Private TIFF tag holding the JSON restoration record (in the private range 65000-65535).
RECORD_TAG = 65000

#: TIFF tags kept in :attr:`ImageInfo.tags` and written back on export.
TIFF_TEXT_TAGS = {
    269: "DocumentName",
    270: "ImageDescription",
    271: "Make",
    272: "Model",
    285: "PageName",
    305: "Software",
    306: "DateTime",
    315: "Artist",
    316: "HostComputer",
    33432: "Copyright",
}
_TAG_CODES = {name: code for code, name in TIFF_TEXT_TAGS.items()}

TIFF_SUFFIXES = {".tif", ".tiff"}
READ_SUFFIXES = TIFF_SUFFIXES | {".png", ".jpg", ".jpeg", ".bmp", ".webp"}


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
# Helpers


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # Windows: no sysconf
        return 16 << 30


#: decoded size at which a file's compression ratio is checked, and the ratio that marks a
#: decompression bomb (a 6.8 KB JPEG header announcing 30000×30000 px is 130,000:1; real
#: murals compress 2–20:1, flat masks a few hundred to a few thousand)
BOMB_CHECK_BYTES, BOMB_RATIO = 256 << 20, 20_000


def max_bytes_setting() -> int:
    """Largest decoded image, in bytes: $MURALSTUDIO_MAX_BYTES, else half the machine's memory."""
    env = os.environ.get("MURALSTUDIO_MAX_BYTES")
    if env:
        try:
            return int(env)
        except ValueError:
            log.warning("ignoring MURALSTUDIO_MAX_BYTES=%r: not an integer", env)
    return _physical_memory() // 2


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
    env = os.environ.get("MURALSTUDIO_MAX_PIXELS")
    if env:
        try:
            return int(env)
        except ValueError:
            log.warning("ignoring MURALSTUDIO_MAX_PIXELS=%r: not an integer", env)
    return DEFAULT_MAX_PIXELS


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


def _check_path(path) -> Path:
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


def _sniff_format(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return "TIFF"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if head[:2] == b"BM":
        return "BMP"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    suffix = path.suffix.lower()
    if suffix in READ_SUFFIXES:
        raise CorruptImageError(path, Text("wrong_signature", format=suffix[1:].upper()))
    raise UnsupportedImageError(path, Text("unknown_file_type"))


def _check_size(path, width: int, height: int, max_pixels: int | None) -> None:
    if width <= 0 or height <= 0:
        raise EmptyImageError(path, Text("image_empty", width=width, height=height))
    limit = max_pixels_setting(max_pixels)
    if width * height > limit:
        raise ImageTooLargeError(path, width * height, limit)


def _warn(info: ImageInfo, message: str) -> None:
    info.warnings.append(message)
    log.warning("%s: %s", info.path, message)


# --------------------------------------------------------------------------------------------
# TIFF


def _xmp_summary(packet: str | None) -> dict | None:
    if not packet:
        return None
    from muralstudio.core.xmp import parse_xmp

    try:
        return parse_xmp(packet)
    except Exception as exc:  # noqa: BLE001 - another program's packet: shown, not trusted
        return {"unreadable": str(exc)[:200]}


def _tiff_text(value: str):
    """A text tag's value: plain ASCII as it is, anything else as UTF-8 bytes (TIFF's ASCII type
    is 7-bit, but readers — ours included — decode UTF-8, and a Chinese file name, an artist
    敦煌研究院 or a record naming 壁画.tif must survive)."""
    return value if value.isascii() else value.encode("utf-8")


def _tiff_value(tag):
    value = tag.value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").rstrip("\0")
    return str(value)


def _tiff_info(path: Path, tif) -> tuple[ImageInfo, object]:
    import tifffile

    page = tif.pages.first
    if page.is_reduced or page.subfiletype:
        # first page is a thumbnail: the full image is the first full-resolution page
        for candidate in tif.pages:
            if not candidate.subfiletype:
                page = candidate
                break
    photometric = int(page.photometric)
    samples = int(page.samplesperpixel)
    extras = tuple(int(e) for e in (page.extrasamples or ()))
    tags = {}
    icc = None
    record = None
    xmp = None
    dpi = None
    for tag in page.tags.values():
        if tag.code in TIFF_TEXT_TAGS:
            tags[TIFF_TEXT_TAGS[tag.code]] = _tiff_value(tag)
        elif tag.code == 34675:
            icc = bytes(tag.value) if not isinstance(tag.value, bytes) else tag.value
        elif tag.code == RECORD_TAG:
            record = _tiff_value(tag)
        elif tag.code == 700:
            xmp = _tiff_value(tag)
    xres, yres = page.tags.get(282), page.tags.get(283)
    if xres is not None and yres is not None:
        try:
            unit = int(page.tags[296].value) if 296 in page.tags else 2
            x = xres.value[0] / xres.value[1]
            y = yres.value[0] / yres.value[1]
            if unit == 3:  # centimetre
                x, y = x * 2.54, y * 2.54
            if unit in (2, 3) and x > 0 and y > 0:
                dpi = (round(x, 4), round(y, 4))
        except (ZeroDivisionError, TypeError, IndexError, KeyError):
            dpi = None
    mode = f"{tifffile.PHOTOMETRIC(photometric).name.lower()}, {samples} samples, " \
           f"{page.bitspersample}-bit {np.dtype(page.dtype).kind if page.dtype is not None else '?'}"
    info = ImageInfo(
        path=path,
        format="TIFF",
        width=int(page.imagewidth),
        height=int(page.imagelength),
        channels=samples,
        dtype=np.dtype(page.dtype) if page.dtype is not None else np.dtype(np.uint8),
        has_alpha=False,
        pages=len(tif.pages),
        tiled=bool(page.is_tiled),
        chunk_shape=(int(page.chunks[0]), int(page.chunks[1])) if page.chunks else None,
        compression=tifffile.COMPRESSION(page.compression).name.lower(),
        bigtiff=bool(tif.is_bigtiff),
        icc_profile=icc,
        dpi=dpi,
        tags=tags,
        source_mode=mode,
        record_json=record,
        xmp=xmp,
    )
    _plan_tiff_conversion(info, page, photometric, samples, extras)
    if info.pages > 1:
        _warn(info, f"file has {info.pages} pages; MuralStudio uses the first image "
                    f"({info.width}×{info.height}) and ignores the rest")
    return info, page


def _plan_tiff_conversion(info: ImageInfo, page, photometric: int, samples: int, extras) -> None:
    """Fill in the canonical channels/dtype the pixels will have after :func:`_tiff_normalize`."""
    path = info.path
    dtype = info.dtype
    if page.planarconfig == 2 and photometric not in (1, 0, 2):
        raise UnsupportedImageError(path, "planar (separate) TIFF layout is only supported for "
                                          "grey and RGB images")
    if dtype.kind == "f":
        _warn(info, f"{dtype.itemsize * 8}-bit floating point pixels are converted to 16-bit "
                    f"integers (values 0–1 map to 0–65535)")
        info.dtype = np.dtype(np.uint16)
    elif dtype == np.bool_:
        _warn(info, "1-bit (bilevel) image converted to 8-bit grey")
        info.dtype = np.dtype(np.uint8)
    elif dtype not in (np.uint8, np.uint16):
        raise UnsupportedImageError(path, f"{dtype.itemsize * 8}-bit {'signed ' if dtype.kind == 'i' else ''}"
                                          f"integer pixels are not supported; save as 8- or 16-bit "
                                          f"unsigned")
    if photometric in (0, 1):  # min-is-white, min-is-black
        if samples > 2:
            raise UnsupportedImageError(path, f"grey image with {samples} samples per pixel is "
                                              f"not supported")
        info.channels = samples
        info.has_alpha = samples == 2
        if photometric == 0:
            _warn(info, "min-is-white grey image inverted to min-is-black")
    elif photometric == 2:  # RGB
        if samples not in (3, 4):
            raise UnsupportedImageError(path, f"RGB image with {samples} samples per pixel is "
                                              f"not supported (1–4 channels only)")
        info.channels = samples
        info.has_alpha = samples == 4
    elif photometric == 3:  # palette
        _warn(info, "palette (indexed colour) image converted to 8-bit RGB")
        info.channels, info.dtype, info.has_alpha = 3, np.dtype(np.uint8), False
    elif photometric == 5:  # separated: CMYK
        if samples not in (4, 5) or getattr(page, "inkset", 1) not in (1, None):
            raise UnsupportedImageError(path, f"separated image with {samples} inks is not "
                                              f"supported (only CMYK)")
        _warn(info, "CMYK image converted to RGB with a simple (non colour-managed) formula; "
                    "convert it with its ICC profile elsewhere for exact colours")
        info.channels, info.has_alpha = 3, False
        info.icc_profile = None  # a CMYK profile no longer describes RGB pixels
    elif photometric == 6:  # YCbCr: tifffile returns RGB for JPEG-compressed data
        info.channels = 3
    else:
        raise UnsupportedImageError(path, f"TIFF photometric interpretation {photometric} "
                                          f"({info.source_mode}) is not supported")


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


def _tiff_normalize(data: np.ndarray, page, info: ImageInfo) -> np.ndarray:
    """Convert a decoded TIFF array (H, W[, S]) to the canonical layout planned in ``info``."""
    photometric = int(page.photometric)
    if data.ndim == 3 and data.shape[-1] == 1:
        data = data[..., 0]
    if data.dtype.kind == "f":
        data = float_to_uint16(data, info.path)
    elif data.dtype == np.bool_:
        data = data.astype(np.uint8) * 255
    if photometric == 0:
        top = np.iinfo(data.dtype).max
        if data.ndim == 3:
            data = np.concatenate([top - data[..., :1], data[..., 1:]], axis=-1)
        else:
            data = top - data
    elif photometric == 3:
        cmap = np.asarray(page.colormap)
        cmap8 = (cmap.astype(np.uint32) * 255 // 65535).astype(np.uint8).T
        idx = np.clip(data if data.ndim == 2 else data[..., 0], 0, cmap8.shape[0] - 1)
        data = cmap8[idx]
    elif photometric == 5:
        c, m, y, k = (data[..., i].astype(np.float32) for i in range(4))
        top = float(np.iinfo(data.dtype).max)
        white = top - k
        rgb = np.stack([white * (top - c), white * (top - m), white * (top - y)], axis=-1) / top
        data = np.clip(np.round(rgb), 0, top).astype(data.dtype)
    return np.ascontiguousarray(data)


def _read_tiff(path: Path, max_pixels: int | None) -> LoadedImage:
    import tifffile

    with tifffile.TiffFile(path) as tif:
        info, page = _tiff_info(path, tif)
        _check_size(path, info.width, info.height, max_pixels)
        check_decoded_bytes(path, info.width, info.height, info.channels * np.dtype(info.dtype).itemsize,
                            path.stat().st_size)
        data = page.asarray(maxworkers=1)
        if page.planarconfig == 2 and data.ndim == 3:
            data = np.moveaxis(data, 0, -1)
        return LoadedImage(_tiff_normalize(data, page, info), info)


def _read_tiff_region(path: Path, x: int, y: int, w: int, h: int, level: int) -> np.ndarray:
    import tifffile

    with tifffile.TiffFile(path) as tif:
        info, page = _tiff_info(path, tif)
        if level:
            levels = tif.series[0].levels
            if level >= len(levels):
                raise RegionError(f"{path}: has no pyramid level {level} in the file "
                                 f"(levels 0–{len(levels) - 1}); use core.pyramid.Pyramid")
            page = levels[level].keyframe
            info = replace(info, width=int(page.imagewidth), height=int(page.imagelength))
        _check_region(path, info, x, y, w, h)
        if page.planarconfig != 1 or not page.chunks or page.dtype is None:
            # unusual layouts: decode the page and crop (still correct, just not lazy)
            data = page.asarray(maxworkers=1)
            if page.planarconfig == 2 and data.ndim == 3:
                data = np.moveaxis(data, 0, -1)
            return _tiff_normalize(data[y:y + h, x:x + w], page, info)
        chunk_h, chunk_w = int(page.chunks[0]), int(page.chunks[1])
        samples = int(page.samplesperpixel)
        across = math.ceil(page.imagewidth / chunk_w)
        out = np.zeros((h, w, samples), dtype=page.dtype)
        handle = tif.filehandle
        for row in range(y // chunk_h, (y + h - 1) // chunk_h + 1):
            for col in range(x // chunk_w, (x + w - 1) // chunk_w + 1):
                index = row * across + col
                offset, count = page.dataoffsets[index], page.databytecounts[index]
                if count == 0:
                    continue  # sparse tile: stays zero, as TIFF readers do
                handle.seek(offset)
                chunk, _, _ = page.decode(handle.read(count), index)
                if chunk is None:
                    continue
                chunk = chunk.reshape(chunk.shape[-3], chunk.shape[-2], samples)
                y0, x0 = row * chunk_h, col * chunk_w
                ys, ye = max(y, y0), min(y + h, y0 + chunk.shape[0])
                xs, xe = max(x, x0), min(x + w, x0 + chunk.shape[1])
                if ye > ys and xe > xs:
                    out[ys - y:ye - y, xs - x:xe - x] = chunk[ys - y0:ye - y0, xs - x0:xe - x0]
        return _tiff_normalize(out, page, info)


# --------------------------------------------------------------------------------------------
# PNG, JPEG, BMP, WebP through Pillow (16-bit PNG through OpenCV)

_pillow_lock = threading.Lock()


def _open_pillow(path: Path):
    """Open with Pillow, letting our own pixel limit (checked from the header) stand in for
    Pillow's decompression-bomb limit, which would otherwise refuse ordinary large murals."""
    from PIL import Image

    with _pillow_lock:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = max(saved or 0, max_pixels_setting())
        try:
            return Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _png_ihdr(path: Path) -> tuple[int, int]:
    """(bit depth, colour type) from the PNG header."""
    with open(path, "rb") as handle:
        head = handle.read(33)
    if len(head) < 33 or head[12:16] != b"IHDR":
        raise CorruptImageError(path, Text("png_header_damaged"))
    return head[24], head[25]


_PIL_CANONICAL = {"L": (1, False), "LA": (2, True), "RGB": (3, False), "RGBA": (4, True)}


def _pillow_info(path: Path, img) -> ImageInfo:
    fmt = (img.format or path.suffix[1:]).upper()
    info = ImageInfo(path=path, format=fmt, width=img.width, height=img.height,
                     channels=3, dtype=np.dtype(np.uint8), source_mode=img.mode,
                     pages=getattr(img, "n_frames", 1))
    info.icc_profile = img.info.get("icc_profile") or None
    dpi = img.info.get("dpi")
    if dpi and all(float(d) > 0 for d in dpi):
        info.dpi = (round(float(dpi[0]), 4), round(float(dpi[1]), 4))
    info.exif = img.info.get("exif") or None
    for key, value in img.info.items():
        if isinstance(value, str) and key not in ("icc_profile", "exif"):
            info.tags[key] = value
    if "MuralStudioRecord" in info.tags:
        info.record_json = info.tags.pop("MuralStudioRecord")
    if "XML:com.adobe.xmp" in info.tags:
        info.xmp = info.tags.pop("XML:com.adobe.xmp")
    mode = img.mode
    bit_depth, colour_type = _png_ihdr(path) if fmt == "PNG" else (8, None)
    if bit_depth == 16:
        info.dtype = np.dtype(np.uint16)
        info.channels, info.has_alpha = {0: (1, False), 2: (3, False), 4: (2, True), 6: (4, True)}[colour_type]
        info.source_mode = f"{mode} (16-bit)"
    elif mode in _PIL_CANONICAL:
        info.channels, info.has_alpha = _PIL_CANONICAL[mode]
    elif mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        info.channels, info.dtype = 1, np.dtype(np.uint16)
    elif mode in ("P", "PA"):
        alpha = mode == "PA" or "transparency" in img.info
        info.channels, info.has_alpha = (4, True) if alpha else (3, False)
        _warn(info, f"palette (indexed colour) image converted to 8-bit {'RGBA' if alpha else 'RGB'}")
    elif mode == "CMYK":
        info.channels = 3
        _warn(info, "CMYK image converted to RGB; colours are approximate without its profile")
        info.icc_profile = None
    elif mode == "1":
        info.channels = 1
        _warn(info, "1-bit (bilevel) image converted to 8-bit grey")
    elif mode in ("YCbCr", "LAB", "HSV", "RGBX", "RGBa", "La"):
        info.channels, info.has_alpha = (4, True) if mode == "RGBa" else (3, False)
        _warn(info, f"{mode} image converted to RGB")
    elif mode == "F":
        info.channels, info.dtype = 1, np.dtype(np.uint16)
        _warn(info, "floating point image converted to 16-bit grey (values 0–1 map to 0–65535)")
    elif mode == "I":
        info.channels, info.dtype = 1, np.dtype(np.uint16)
        _warn(info, "32-bit integer grey image converted to 16-bit (values clipped to 0–65535)")
    else:
        raise UnsupportedImageError(path, Text("mode_unsupported", mode=mode))
    if info.pages > 1:
        _warn(info, f"file has {info.pages} frames; MuralStudio uses the first")
    return info


def _pillow_pixels(path: Path, img, info: ImageInfo) -> np.ndarray:
    if info.format == "PNG" and info.dtype == np.uint16:
        import cv2

        data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if data is None:
            raise CorruptImageError(path, Text("png16_undecodable"))
        if info.channels == 2 and data.ndim == 3:
            data = data[..., [0, 3]]  # OpenCV expands grey+alpha to BGRA
        elif data.ndim == 3 and data.shape[2] == 3:
            data = data[..., ::-1]
        elif data.ndim == 3 and data.shape[2] == 4:
            data = data[..., [2, 1, 0, 3]]
        return np.ascontiguousarray(data.astype(np.uint16, copy=False))
    img.load()
    mode = img.mode
    if mode in _PIL_CANONICAL:
        return np.asarray(img).copy()
    if mode.startswith("I;16"):
        return np.asarray(img).astype(np.uint16)
    if mode == "F":
        return float_to_uint16(np.asarray(img), path)
    if mode == "I":
        return np.clip(np.asarray(img), 0, 65535).astype(np.uint16)
    if mode == "1":
        return np.asarray(img.convert("L")).copy()
    return np.asarray(img.convert("RGBA" if info.has_alpha else "RGB")).copy()


# --------------------------------------------------------------------------------------------
# Public API


def read_header(path) -> ImageInfo:
    """Answer "how big is it, what is it" from the file header alone (no pixel decoding)."""
    path = _check_path(path)
    fmt = _sniff_format(path)
    try:
        if fmt == "TIFF":
            import tifffile

            with tifffile.TiffFile(path) as tif:
                info, _ = _tiff_info(path, tif)
        else:
            with _open_pillow(path) as img:
                info = _pillow_info(path, img)
    except ImageIOError:
        raise
    except Exception as exc:  # noqa: BLE001 - decoders raise many types on damaged files
        raise CorruptImageError(path, Text("header_unreadable", format=fmt, reason=_short(exc))) from exc
    if info.width <= 0 or info.height <= 0:
        raise EmptyImageError(path, Text("image_empty", width=info.width, height=info.height))
    return info


def image_size(path) -> tuple[int, int]:
    """(width, height) from the header alone."""
    info = read_header(path)
    return info.width, info.height


def read_mask(path) -> np.ndarray:
    """A mask or label map as one 2-D array (first channel of colour files). Bilevel and
    palette files are expected here, so their conversion is not logged as a warning."""
    quiet = logging.getLogger(__name__)
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        pixels = read_image(path).pixels
    finally:
        quiet.setLevel(level)
    return pixels[..., 0] if pixels.ndim == 3 else pixels


def read_label_map(path) -> np.ndarray:
    """A label map as its class indices: a palette PNG's indices (not its colours, which
    :func:`read_mask` would give), or a grey map's values."""
    path = _check_path(path)
    img = _open_pillow(path)
    try:
        if img.mode in ("P", "L"):
            return np.asarray(img)
    finally:
        img.close()
    return read_mask(path)


def read_image(path, max_pixels: int | None = None) -> LoadedImage:
    """Decode a whole image at its own bit depth, with its metadata.

    Raises a subclass of :class:`ImageIOError` naming the file and the problem for anything
    that is not a readable image.
    """
    path = _check_path(path)
    fmt = _sniff_format(path)
    try:
        if fmt == "TIFF":
            return _read_tiff(path, max_pixels)
        with _open_pillow(path) as img:
            info = _pillow_info(path, img)
            _check_size(path, info.width, info.height, max_pixels)
            check_decoded_bytes(path, info.width, info.height, info.channels * np.dtype(info.dtype).itemsize,
                                path.stat().st_size)
            pixels = _pillow_pixels(path, img, info)
    except ImageIOError:
        raise
    except MemoryError as exc:
        raise ImageTooLargeError(path, 0, max_pixels_setting(max_pixels)) from exc
    except Exception as exc:  # noqa: BLE001 - decoders raise many types on damaged files
        raise CorruptImageError(path, f"cannot decode the {fmt} data ({_short(exc)}); "
                                      f"the file may be truncated or damaged") from exc
    if pixels.shape[:2] != (info.height, info.width):
        raise CorruptImageError(path, Text("decoded_size_mismatch"))
    return LoadedImage(pixels, info)


def read_region(path, x: int, y: int, w: int, h: int, level: int = 0) -> np.ndarray:
    """Pixels of the rectangle (x, y, w, h) in the given level's own pixel grid.

    For tiled or striped TIFF only the intersecting chunks are decoded. Level > 0 refers to
    reduced-resolution levels stored inside the file; for any other file, build a
    :class:`muralstudio.core.pyramid.Pyramid`.
    """
    path = _check_path(path)
    fmt = _sniff_format(path)
    try:
        if fmt == "TIFF":
            return _read_tiff_region(path, int(x), int(y), int(w), int(h), int(level))
        if level:
            raise RegionError(f"{path}: {fmt} files hold a single level; use core.pyramid.Pyramid")
        image = read_image(path)
        _check_region(path, image.info, x, y, w, h)
        return np.ascontiguousarray(image.pixels[y:y + h, x:x + w])
    except (ImageIOError, RegionError):
        raise
    except Exception as exc:  # noqa: BLE001 - tifffile's errors are ValueErrors too
        raise CorruptImageError(path, Text("region_undecodable", reason=_short(exc))) from exc


class RegionError(ValueError):
    """A region request outside the image (the caller's mistake, not the file's)."""


def _check_region(path, info: ImageInfo, x, y, w, h) -> None:
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > info.width or y + h > info.height:
        raise RegionError(f"{path}: region x={x} y={y} w={w} h={h} is outside the "
                         f"{info.width}×{info.height} image")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


# --------------------------------------------------------------------------------------------
# Writing


def _photometric_for(pixels: np.ndarray) -> tuple[str, tuple]:
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    if channels not in (1, 2, 3, 4):
        raise ValueError(f"cannot write an image with {channels} channels")
    photometric = "minisblack" if channels <= 2 else "rgb"
    extrasamples = ("unassalpha",) if channels in (2, 4) else ()
    return photometric, extrasamples


def write_tiff(path, pixels: np.ndarray, info: ImageInfo | None = None, *,
               compression: str = "deflate", record_json: str | None = None,
               tile: tuple[int, int] | None = (256, 256), bigtiff: bool | None = None,
               xmp: str | None = None) -> Path:
    """Write a TIFF at the array's bit depth, keeping ICC, resolution and text tags from ``info``.

    ``compression`` is "deflate", "lzw" or "none". BigTIFF is chosen automatically when the
    data would pass the classic TIFF's 4 GB limit. The restoration record, if given, goes into
    a private tag. The write is atomic and refuses original images.
    """
    import tifffile

    path = Path(path)
    if pixels.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"write_tiff takes uint8 or uint16 pixels, not {pixels.dtype}")
    codec = {"deflate": "zlib", "zlib": "zlib", "lzw": "lzw", "none": None, None: None}
    if compression not in codec:
        raise ValueError(f"unknown TIFF compression {compression!r}: use deflate, lzw or none")
    photometric, extrasamples = _photometric_for(pixels)
    if bigtiff is None:
        bigtiff = pixels.nbytes > 2**32 - 2**26  # margin for tags and offsets
    tags = dict(info.tags) if info else {}
    tags["Software"] = f"MuralStudio {__version__}"
    description = tags.pop("ImageDescription", None)
    software = tags.pop("Software")
    datetime = tags.pop("DateTime", None)
    extratags = []
    for name, value in tags.items():
        if name in _TAG_CODES and value:
            extratags.append((_TAG_CODES[name], "s", 0, _tiff_text(value), True))
    if datetime:
        extratags.append((306, "s", 0, _tiff_text(datetime), True))
    if record_json:
        extratags.append((RECORD_TAG, "s", 0, _tiff_text(record_json), True))
    if xmp:
        packet = xmp.encode("utf-8")
        extratags.append((700, "B", len(packet), packet, True))
    description = _tiff_text(description) if description else description
    kwargs = {}
    if info and info.dpi:
        kwargs["resolution"] = info.dpi
        kwargs["resolutionunit"] = "INCH"
    if tile and (pixels.shape[0] < tile[0] or pixels.shape[1] < tile[1]):
        tile = None
    with atomic_path(path) as tmp:
        tifffile.imwrite(
            tmp, pixels, bigtiff=bigtiff, photometric=photometric,
            extrasamples=extrasamples or None, planarconfig="contig",
            compression=codec[compression], predictor=bool(codec[compression]),
            tile=tile, iccprofile=info.icc_profile if info else None,
            description=description, software=software, datetime=False, metadata=None,
            extratags=extratags, **kwargs,
        )
    return path


def write_png(path, pixels: np.ndarray, info: ImageInfo | None = None, *,
              text: dict[str, str] | None = None, compress_level: int = 3) -> Path:
    """Write a PNG (8- or 16-bit, 1–4 channels), atomically. Used for masks and label maps."""
    path = Path(path)
    if pixels.dtype == np.bool_:
        pixels = pixels.astype(np.uint8) * 255
    if pixels.dtype == np.uint16:
        with atomic_write(path) as handle:
            handle.write(_png_with_metadata(_encode_png16(pixels, compress_level), info, text))
        return path
    if pixels.dtype != np.uint8:
        raise ValueError(f"write_png takes uint8, uint16 or bool pixels, not {pixels.dtype}")
    return _write_pillow(path, pixels, info, "PNG", text=text, compress_level=compress_level)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    import zlib

    return (len(payload).to_bytes(4, "big") + kind + payload
            + zlib.crc32(kind + payload).to_bytes(4, "big"))


def _encode_png16(pixels: np.ndarray, compress_level: int) -> bytes:
    """A 16-bit PNG of 1–4 channels (Pillow cannot write 16-bit colour, OpenCV not grey+alpha)."""
    import zlib

    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    height, width = pixels.shape[:2]
    rows = pixels.astype(">u2").reshape(height, width * channels).view(np.uint8)
    raw = np.zeros((height, rows.shape[1] + 1), np.uint8)  # filter byte 0 (None) per row
    raw[:, 1:] = rows
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([16, colour_type, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), compress_level))
            + _png_chunk(b"IEND", b""))


class PngRowWriter:
    """Write an 8-bit grey or palette PNG a band of rows at a time, atomically, so a map of a
    500-Mpx image is never whole in memory (Pillow and OpenCV encode whole arrays only).

        with PngRowWriter(path, width, height, palette=[(0, 0, 0), ...]) as png:
            for band in bands:
                png.write(band)  # (rows, width) uint8

    The file appears under ``path`` only when every row was written and the block exits
    without an error; otherwise nothing is left behind."""

    def __init__(self, path, width: int, height: int, palette=None, compress_level: int = 3):
        import contextlib
        import zlib

        self.path, self.width, self.height, self.rows = Path(path), int(width), int(height), 0
        self._stack = contextlib.ExitStack()
        self._handle = self._stack.enter_context(atomic_write(self.path))
        colour_type = 0 if palette is None else 3
        ihdr = (self.width.to_bytes(4, "big") + self.height.to_bytes(4, "big")
                + bytes([8, colour_type, 0, 0, 0]))
        self._handle.write(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr))
        if palette is not None:
            self._handle.write(_png_chunk(b"PLTE", bytes(v for colour in palette for v in colour[:3])))
        self._compressor = zlib.compressobj(compress_level)

    def write(self, rows: np.ndarray) -> None:
        rows = np.asarray(rows)
        if rows.dtype != np.uint8 or rows.ndim != 2 or rows.shape[1] != self.width:
            raise ValueError(f"{self.path}: rows must be uint8 of width {self.width}, "
                             f"not {rows.dtype} {rows.shape}")
        if self.rows + rows.shape[0] > self.height:
            raise ValueError(f"{self.path}: more than {self.height} rows written")
        raw = np.zeros((rows.shape[0], self.width + 1), np.uint8)  # filter byte 0 (None) per row
        raw[:, 1:] = rows
        self._emit(self._compressor.compress(raw.tobytes()))
        self.rows += rows.shape[0]

    def _emit(self, data: bytes) -> None:
        if data:
            self._handle.write(_png_chunk(b"IDAT", data))

    def __enter__(self) -> "PngRowWriter":
        return self

    def __exit__(self, kind, error, trace) -> bool:
        if kind is None and self.rows != self.height:
            error = ValueError(f"{self.path}: {self.rows} of {self.height} rows written")
            kind, trace = ValueError, None
        if kind is None:
            self._emit(self._compressor.flush())
            self._handle.write(_png_chunk(b"IEND", b""))
            self._stack.close()
            return False
        self._stack.__exit__(kind, error, trace)  # the temporary file is removed
        if error is not None and trace is None:
            raise error
        return False


def _png_with_metadata(png: bytes, info: ImageInfo | None, text: dict[str, str] | None) -> bytes:
    """Insert iCCP, pHYs and iTXt chunks after IHDR (OpenCV's encoder writes none of them)."""
    import zlib

    chunks = b""
    if info and info.icc_profile:
        chunks += _png_chunk(b"iCCP", b"icc\0\0" + zlib.compress(info.icc_profile))
    if info and info.dpi:
        ppm = [max(1, round(d / 0.0254)) for d in info.dpi]
        chunks += _png_chunk(b"pHYs", ppm[0].to_bytes(4, "big") + ppm[1].to_bytes(4, "big") + b"\1")
    for key, value in (text or {}).items():
        chunks += _png_chunk(b"iTXt", key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8"))
    ihdr_end = 8 + 8 + 13 + 4
    return png[:ihdr_end] + chunks + png[ihdr_end:]


def write_jpeg(path, pixels: np.ndarray, info: ImageInfo | None = None, quality: int = 95) -> Path:
    """Write an 8-bit JPEG for quick sharing (16-bit input is reduced to 8 bits)."""
    pixels = to_uint8(pixels)
    if pixels.ndim == 3 and pixels.shape[2] in (2, 4):
        pixels = pixels[..., :-1] if pixels.shape[2] == 4 else pixels[..., 0]
    return _write_pillow(Path(path), pixels, info, "JPEG", quality=quality)


def _write_pillow(path: Path, pixels: np.ndarray, info: ImageInfo | None, fmt: str,
                  text: dict[str, str] | None = None, **save_args) -> Path:
    from PIL import Image, PngImagePlugin

    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[1 if pixels.ndim == 2 else pixels.shape[2]]
    img = Image.fromarray(np.ascontiguousarray(pixels), mode=mode)
    if info and info.icc_profile:
        save_args["icc_profile"] = info.icc_profile
    if info and info.dpi:
        save_args["dpi"] = info.dpi
    if fmt == "JPEG" and info and info.exif:
        save_args["exif"] = info.exif
    if fmt == "PNG" and text:
        chunks = PngImagePlugin.PngInfo()
        for key, value in text.items():
            chunks.add_itxt(key, value)
        save_args["pnginfo"] = chunks
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **save_args)
    with atomic_write(path) as handle:
        handle.write(buffer.getbuffer())
    return path


def write_image(path, pixels: np.ndarray, info: ImageInfo | None = None, *,
                record_json: str | None = None, compression: str = "deflate",
                xmp: str | None = None) -> Path:
    """Write by extension: TIFF keeps the bit depth; PNG keeps 8/16 bits; JPEG is 8-bit."""
    suffix = Path(path).suffix.lower()
    if suffix in TIFF_SUFFIXES:
        return write_tiff(path, pixels, info, compression=compression, record_json=record_json, xmp=xmp)
    if suffix == ".png":
        text = {"MuralStudioRecord": record_json} if record_json else {}
        if xmp:
            text["XML:com.adobe.xmp"] = xmp
        return write_png(path, pixels, info, text=text or None)
    if suffix in (".jpg", ".jpeg"):
        return write_jpeg(path, pixels, info)
    raise ValueError(f"{path}: cannot write {suffix or 'files without an extension'}; "
                     f"use .tif, .png or .jpg")


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


def write_json(path, data) -> Path:
    with atomic_write(path, "w") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False)
    return Path(path)
