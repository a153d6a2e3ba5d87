"""PNG: read through Pillow, except 16-bit files, which Pillow reduces to 8 bits for colour
images, so OpenCV decodes those; written through Pillow at 8 bits and by our own encoder at 16
bits (Pillow cannot write 16-bit colour, OpenCV not grey + alpha), and a band of rows at a time
by :class:`PngRowWriter`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from muralstudio.core.atomic import atomic_write
from muralstudio.core.errors import CorruptImageError
from muralstudio.core.imageio.common import ImageInfo
from muralstudio.core.imageio.raster import PillowCodec, write_pillow
from muralstudio.core.messages import Text


class PngCodec(PillowCodec):
    name = "PNG"
    suffixes = frozenset({".png"})
    write_suffixes = (".png",)

    def sniff(self, head: bytes) -> bool:
        return head[:8] == b"\x89PNG\r\n\x1a\n"

    def _plan_conversion(self, path: Path, img, info: ImageInfo) -> None:
        bit_depth, colour_type = _png_ihdr(path)
        if bit_depth != 16:
            super()._plan_conversion(path, img, info)
            return
        info.dtype = np.dtype(np.uint16)
        info.channels, info.has_alpha = {0: (1, False), 2: (3, False), 4: (2, True), 6: (4, True)}[colour_type]
        info.source_mode = f"{img.mode} (16-bit)"

    def _pixels(self, path: Path, img, info: ImageInfo) -> np.ndarray:
        if info.dtype != np.uint16:
            return super()._pixels(path, img, info)
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

    def write(self, path: Path, pixels: np.ndarray, info: ImageInfo | None, *,
              record_json: str | None = None, compression: str = "deflate",
              xmp: str | None = None) -> Path:
        text = {"MuralStudioRecord": record_json} if record_json else {}
        if xmp:
            text["XML:com.adobe.xmp"] = xmp
        return write_png(path, pixels, info, text=text or None)


def _png_ihdr(path: Path) -> tuple[int, int]:
    """(bit depth, colour type) from the PNG header."""
    with open(path, "rb") as handle:
        head = handle.read(33)
    if len(head) < 33 or head[12:16] != b"IHDR":
        raise CorruptImageError(path, Text("png_header_damaged"))
    return head[24], head[25]


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
    if text:
        from PIL import PngImagePlugin

        chunks = PngImagePlugin.PngInfo()
        for key, value in text.items():
            chunks.add_itxt(key, value)
        return write_pillow(path, pixels, info, "PNG", compress_level=compress_level, pnginfo=chunks)
    return write_pillow(path, pixels, info, "PNG", compress_level=compress_level)


def _chunk(kind: bytes, payload: bytes) -> bytes:
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
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(raw.tobytes(), compress_level))
            + _chunk(b"IEND", b""))


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
        self._handle.write(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr))
        if palette is not None:
            self._handle.write(_chunk(b"PLTE", bytes(v for colour in palette for v in colour[:3])))
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
            self._handle.write(_chunk(b"IDAT", data))

    def __enter__(self) -> "PngRowWriter":
        return self

    def __exit__(self, kind, error, trace) -> bool:
        if kind is None and self.rows != self.height:
            error = ValueError(f"{self.path}: {self.rows} of {self.height} rows written")
            kind, trace = ValueError, None
        if kind is None:
            self._emit(self._compressor.flush())
            self._handle.write(_chunk(b"IEND", b""))
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
        chunks += _chunk(b"iCCP", b"icc\0\0" + zlib.compress(info.icc_profile))
    if info and info.dpi:
        ppm = [max(1, round(d / 0.0254)) for d in info.dpi]
        chunks += _chunk(b"pHYs", ppm[0].to_bytes(4, "big") + ppm[1].to_bytes(4, "big") + b"\1")
    for key, value in (text or {}).items():
        chunks += _chunk(b"iTXt", key.encode("latin-1") + b"\0\0\0\0\0" + value.encode("utf-8"))
    ihdr_end = 8 + 8 + 13 + 4
    return png[:ihdr_end] + chunks + png[ihdr_end:]
