"""Formats Pillow decodes whole: JPEG, BMP and WebP here, and the base that PNG
(:mod:`.png`) extends. Pillow is imported only when such a file is read or written."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np

from muralstudio.core.atomic import atomic_write
from muralstudio.core.errors import CorruptImageError, UnsupportedImageError
from muralstudio.core.imageio.codec import Codec
from muralstudio.core.imageio.common import (
    ImageInfo,
    LoadedImage,
    check_decoded_bytes,
    check_size,
    float_to_uint16,
    max_pixels_setting,
    to_uint8,
    warn,
)
from muralstudio.core.messages import Text

_pillow_lock = threading.Lock()


def open_pillow(path: Path):
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


_PIL_CANONICAL = {"L": (1, False), "LA": (2, True), "RGB": (3, False), "RGBA": (4, True)}


class PillowCodec(Codec):
    """A format Pillow reads; subclasses give the name, suffixes and signature."""

    def read_header(self, path: Path) -> ImageInfo:
        with open_pillow(path) as img:
            return self._header(path, img)

    def read(self, path: Path, max_pixels: int | None) -> LoadedImage:
        with open_pillow(path) as img:
            info = self._header(path, img)
            check_size(path, info.width, info.height, max_pixels)
            check_decoded_bytes(path, info.width, info.height, info.channels * np.dtype(info.dtype).itemsize,
                                path.stat().st_size)
            pixels = self._pixels(path, img, info)
        if pixels.shape[:2] != (info.height, info.width):
            raise CorruptImageError(path, Text("decoded_size_mismatch"))
        return LoadedImage(pixels, info)

    def _header(self, path: Path, img) -> ImageInfo:
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
        self._plan_conversion(path, img, info)
        if info.pages > 1:
            warn(info, f"file has {info.pages} frames; MuralStudio uses the first")
        return info

    def _plan_conversion(self, path: Path, img, info: ImageInfo) -> None:
        """Fill in the canonical channels/dtype :meth:`_pixels` will return for Pillow's mode."""
        mode = img.mode
        if mode in _PIL_CANONICAL:
            info.channels, info.has_alpha = _PIL_CANONICAL[mode]
        elif mode in ("I;16", "I;16B", "I;16L", "I;16N"):
            info.channels, info.dtype = 1, np.dtype(np.uint16)
        elif mode in ("P", "PA"):
            alpha = mode == "PA" or "transparency" in img.info
            info.channels, info.has_alpha = (4, True) if alpha else (3, False)
            warn(info, f"palette (indexed colour) image converted to 8-bit {'RGBA' if alpha else 'RGB'}")
        elif mode == "CMYK":
            info.channels = 3
            warn(info, "CMYK image converted to RGB; colours are approximate without its profile")
            info.icc_profile = None
        elif mode == "1":
            info.channels = 1
            warn(info, "1-bit (bilevel) image converted to 8-bit grey")
        elif mode in ("YCbCr", "LAB", "HSV", "RGBX", "RGBa", "La"):
            info.channels, info.has_alpha = (4, True) if mode == "RGBa" else (3, False)
            warn(info, f"{mode} image converted to RGB")
        elif mode == "F":
            info.channels, info.dtype = 1, np.dtype(np.uint16)
            warn(info, "floating point image converted to 16-bit grey (values 0–1 map to 0–65535)")
        elif mode == "I":
            info.channels, info.dtype = 1, np.dtype(np.uint16)
            warn(info, "32-bit integer grey image converted to 16-bit (values clipped to 0–65535)")
        else:
            raise UnsupportedImageError(path, Text("mode_unsupported", mode=mode))

    def _pixels(self, path: Path, img, info: ImageInfo) -> np.ndarray:
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


class JpegCodec(PillowCodec):
    name = "JPEG"
    suffixes = frozenset({".jpg", ".jpeg"})
    write_suffixes = (".jpg", ".jpeg")

    def sniff(self, head: bytes) -> bool:
        return head[:3] == b"\xff\xd8\xff"

    def write(self, path: Path, pixels: np.ndarray, info: ImageInfo | None, *,
              record_json: str | None = None, compression: str = "deflate",
              xmp: str | None = None) -> Path:
        return write_jpeg(path, pixels, info)


class BmpCodec(PillowCodec):
    name = "BMP"
    suffixes = frozenset({".bmp"})

    def sniff(self, head: bytes) -> bool:
        return head[:2] == b"BM"


class WebpCodec(PillowCodec):
    name = "WEBP"
    suffixes = frozenset({".webp"})

    def sniff(self, head: bytes) -> bool:
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def write_jpeg(path, pixels: np.ndarray, info: ImageInfo | None = None, quality: int = 95) -> Path:
    """Write an 8-bit JPEG for quick sharing (16-bit input is reduced to 8 bits)."""
    pixels = to_uint8(pixels)
    if pixels.ndim == 3 and pixels.shape[2] in (2, 4):
        pixels = pixels[..., :-1] if pixels.shape[2] == 4 else pixels[..., 0]
    exif = {"exif": info.exif} if info and info.exif else {}
    return write_pillow(Path(path), pixels, info, "JPEG", quality=quality, **exif)


def write_pillow(path: Path, pixels: np.ndarray, info: ImageInfo | None, fmt: str, **save_args) -> Path:
    """Encode with Pillow in memory, keeping the ICC profile and resolution of ``info``, then
    write the file atomically."""
    from PIL import Image

    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[1 if pixels.ndim == 2 else pixels.shape[2]]
    img = Image.fromarray(np.ascontiguousarray(pixels), mode=mode)
    if info and info.icc_profile:
        save_args["icc_profile"] = info.icc_profile
    if info and info.dpi:
        save_args["dpi"] = info.dpi
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **save_args)
    with atomic_write(path) as handle:
        handle.write(buffer.getbuffer())
    return path
