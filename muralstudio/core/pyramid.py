"""Image sources (a file read lazily, or an array) and their cached downsampled pyramids.

Level 0 is the source itself; level k is 2^k times smaller (each side rounded up), averaged
2×2 from level k−1. Levels are built once, streaming bands of rows so memory stays bounded,
and kept as tiled TIFFs in a cache folder chosen by the caller (next to the project, never
next to the original).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
from pathlib import Path
from typing import Callable

import numpy as np

from muralstudio.core import imageio
from muralstudio.core.atomic import protect_original
from muralstudio.core.messages import Text
from muralstudio.core.errors import Cancelled, ImageIOError
from muralstudio.core.imageio import ImageInfo

log = logging.getLogger(__name__)

PYRAMID_FORMAT = 1
TILE = 256


class ImageSource:
    """Read-only access to the source image: header, regions, and the whole array on demand."""

    info: ImageInfo
    path: Path | None = None

    def read_region(self, x: int, y: int, w: int, h: int) -> np.ndarray:
        raise NotImplementedError

    def full(self) -> np.ndarray:
        return self.read_region(0, 0, self.info.width, self.info.height)

    @property
    def identity(self) -> str:
        """A string that changes whenever the pixels could have changed (cache key)."""
        raise NotImplementedError


class FileSource(ImageSource):
    """A source image file. TIFF is read lazily by region; other formats are decoded once.

    The file is registered as an original, so no MuralStudio writer can overwrite it.
    """

    def __init__(self, path, max_pixels: int | None = None):
        self.path = Path(path).resolve()
        self.info = imageio.read_header(self.path)
        self._pixels: np.ndarray | None = None
        self._lazy = self.info.format == "TIFF" and self.info.chunk_shape is not None
        if self._lazy:
            # read by region, so the chunk table is checked now: a truncated file or a header
            # promising more than the file holds (a bomb's trick: 40 Gpx in 179 KB) is refused
            # when opened, not found out tile by tile or by an engine allocating 56 GiB
            imageio.check_tiff_chunks(self.path)
            if self.info.float_samples:
                # every float value is checked now, a band at a time (a float TIFF of values
                # 0–255 opened as a grey canvas, each tile failing as "damaged")
                imageio.check_float_values(self.path, self.info)
        else:
            loaded = imageio.read_image(self.path, max_pixels=max_pixels)
            self._pixels, self.info = loaded.pixels, loaded.info
        protect_original(self.path)
        stat = self.path.stat()
        # what a later read checks the file against: a copy that keeps the old modification
        # time (`cp -p`, `rsync -t`) still changes the inode or the status-change time
        self._stamp = file_stamp(stat)
        self._sample = sampled_digest(self.path, stat.st_size)

    @property
    def changed_on_disk(self) -> bool:
        """Whether the file was rewritten since it was opened: its size or modification time
        differ, or its inode or status-change time moved and a sample of its bytes differs (a
        change of permissions, or the same file copied back, moves those too and is not a new
        image). On Windows the status-change time is the creation time: a copy over the file in
        place that keeps its size and time is not noticed there."""
        try:
            stat = self.path.stat()
        except OSError:
            return True
        stamp = file_stamp(stat)
        if stamp[:2] != self._stamp[:2]:
            return True
        if stamp[2:] != self._stamp[2:]:
            try:
                if sampled_digest(self.path, stat.st_size) != self._sample:
                    return True
            except OSError:
                return True
            self._stamp = stamp  # the same bytes: not sampled again on every read
        return False

    def check_unchanged(self) -> None:
        """Raise :class:`SourceChangedError` when the file was rewritten since it was opened:
        regions read from it would no longer be the image shown (a stat, microseconds)."""
        if self.changed_on_disk:
            from muralstudio.core.errors import SourceChangedError

            raise SourceChangedError(self.path)

    @property
    def read_by_region(self) -> bool:
        """Whether the pixels are read from the file region by region (a tiled or striped
        TIFF), not held decoded."""
        return self._lazy and self._pixels is None

    def read_region(self, x, y, w, h):
        if self._pixels is not None:
            return self._pixels[y:y + h, x:x + w].copy()
        self.check_unchanged()
        return imageio.read_region(self.path, x, y, w, h)

    def full(self) -> np.ndarray:
        if self._pixels is None:
            self.check_unchanged()
            self._pixels = imageio.read_image(self.path).pixels
        return self._pixels

    @property
    def identity(self) -> str:
        stat = self.path.stat()
        # the pyramid cache's key: the byte sample taken when the file was opened, not the
        # status-change time, tells a copy kept at the old size and time from the image cached
        # before (a chmod must not throw away a multi-GB pyramid)
        return f"{self.path}|{stat.st_size}|{stat.st_mtime_ns}|{self._sample}"


class ArraySource(ImageSource):
    """An in-memory image (the generated demo document, tests)."""

    def __init__(self, pixels: np.ndarray, info: ImageInfo | None = None, name: str = "untitled"):
        pixels = np.ascontiguousarray(pixels)
        pixels.setflags(write=False)
        self._pixels = pixels
        channels = 1 if pixels.ndim == 2 else pixels.shape[2]
        self.info = info or ImageInfo(path=None, format="ARRAY", width=pixels.shape[1],
                                      height=pixels.shape[0], channels=channels,
                                      dtype=pixels.dtype, has_alpha=channels in (2, 4))
        self.name = name
        self._digest = None

    def read_region(self, x, y, w, h):
        return self._pixels[y:y + h, x:x + w].copy()

    def full(self):
        return self._pixels

    @property
    def identity(self) -> str:
        if self._digest is None:
            self._digest = hashlib.sha256(self._pixels.tobytes()).hexdigest()
        return f"array|{self._digest}"


def file_stamp(stat: os.stat_result) -> tuple[int, int, int, int]:
    """Size, modification time, inode and status-change time (ns) of a file's ``os.stat``: a
    rewrite changes one of them even when it keeps the old modification time."""
    return stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns


def sampled_digest(path, size: int, blocks: int = 16, block: int = 1 << 16) -> str:
    """A digest of ``blocks`` blocks spread evenly through the file (1 MiB read at most): tells
    a rewritten file from one whose permissions alone changed, without reading it all."""
    digest = hashlib.blake2b(str(size).encode(), digest_size=16)
    with open(path, "rb") as handle:
        for index in range(blocks):
            handle.seek(max(0, size - block) * index // max(1, blocks - 1))
            digest.update(handle.read(block))
    return digest.hexdigest()


def file_sha256(path, chunk: int = 1 << 22, cancelled=None) -> str:
    """SHA-256 of a regular file. Anything else (a device such as /dev/zero, a FIFO, a folder)
    is refused before it is opened: reading one would never end or block forever."""
    import stat

    from muralstudio.core.errors import UnreadableFileError

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise UnreadableFileError(path, exc.strerror or str(exc)) from None
    if not stat.S_ISREG(mode):
        raise UnreadableFileError(path, "not a regular file (a device, pipe or folder)")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
            if cancelled is not None and cancelled():  # a multi-GB source takes seconds
                from muralstudio.core.errors import Cancelled

                raise Cancelled()
    return digest.hexdigest()


def level_sizes(width: int, height: int, tile: int = TILE) -> list[tuple[int, int]]:
    """(width, height) of every level, from the source down to one tile."""
    sizes = [(width, height)]
    while max(sizes[-1]) > tile:
        w, h = sizes[-1]
        sizes.append((math.ceil(w / 2), math.ceil(h / 2)))
    return sizes


def _downsample2(band: np.ndarray) -> np.ndarray:
    """2×2 mean with rounding, edges replicated for odd sizes; keeps dtype."""
    if band.ndim == 2:
        band = band[..., None]
    h, w = band.shape[:2]
    if h % 2 or w % 2:
        band = np.pad(band, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    acc = band.reshape(band.shape[0] // 2, 2, band.shape[1] // 2, 2, band.shape[2]).astype(np.uint32)
    out = (acc.sum(axis=(1, 3)) + 2) // 4
    return out.astype(band.dtype)


class Pyramid:
    """Multi-resolution access to an :class:`ImageSource`, with levels cached on disk."""

    def __init__(self, source: ImageSource, cache_root, tile: int = TILE):
        self.source = source
        self.tile = tile
        self.sizes = level_sizes(source.info.width, source.info.height, tile)
        key = hashlib.sha256(f"{source.identity}|{tile}|{PYRAMID_FORMAT}".encode("utf-8", "surrogateescape")).hexdigest()[:20]
        self.folder = Path(cache_root) / f"pyramid-{key}"

    @property
    def levels(self) -> int:
        return len(self.sizes)

    def level_path(self, level: int) -> Path:
        return self.folder / f"level-{level:02d}.tif"

    @property
    def is_built(self) -> bool:
        manifest = self.folder / "pyramid.json"
        if not manifest.exists():
            return False
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            return False
        return data.get("sizes") == [list(s) for s in self.sizes] and all(
            self.level_path(k).exists() for k in range(1, self.levels))

    def build(self, progress: Callable[[float, str], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> "Pyramid":
        """Build missing levels (no-op when the cache is complete). Memory: a band of rows."""
        if self.is_built:
            return self
        self.folder.mkdir(parents=True, exist_ok=True)
        total = sum(w * h for w, h in self.sizes[1:]) or 1
        done = 0
        for level in range(1, self.levels):
            w, h = self.sizes[level]

            def band_done(rows, level=level, before=done, w=w):
                if progress:
                    progress((before + rows * w) / total, Text("stage_pyramid_level", level=level, last=self.levels - 1))

            self._build_level(level, cancelled, band_done)
            done += w * h
            if progress:
                progress(done / total, Text("stage_pyramid_level_ready", level=level, last=self.levels - 1))
        manifest = {"format": PYRAMID_FORMAT, "source": self.source.identity,
                    "sizes": [list(s) for s in self.sizes], "tile": self.tile}
        imageio.write_json(self.folder / "pyramid.json", manifest)
        return self

    def _build_level(self, level: int, cancelled, band_done=None) -> None:
        import tifffile

        src_w, src_h = self.sizes[level - 1]
        dst_w, dst_h = self.sizes[level]
        info = self.source.info
        channels = info.channels
        band_rows = 2 * self.tile

        def tiles():
            for y in range(0, src_h, band_rows):
                if cancelled and cancelled():
                    raise Cancelled()
                h = min(band_rows, src_h - y)
                band = self.read_region(0, y, src_w, h, level - 1)
                for x in range(0, dst_w, self.tile):
                    # downsample one tile's worth of columns at a time: memory stays ~ one band
                    block = _downsample2(band[:, 2 * x:2 * (x + self.tile)])
                    if block.shape[0] < self.tile or block.shape[1] < self.tile:
                        full = np.zeros((self.tile, self.tile, block.shape[2]), block.dtype)
                        full[:block.shape[0], :block.shape[1]] = block
                        block = full
                    yield block if channels > 1 else block[..., 0]
                if band_done:
                    band_done(min(dst_h, (y + h + 1) // 2))

        shape = (dst_h, dst_w, channels) if channels > 1 else (dst_h, dst_w)
        tmp = self.level_path(level).with_suffix(".tmp")
        try:
            tifffile.imwrite(tmp, tiles(), shape=shape, dtype=info.dtype,
                             tile=(self.tile, self.tile), compression="zstd",
                             compressionargs={"level": 1}, photometric="minisblack" if channels < 3 else "rgb",
                             planarconfig="contig" if channels > 1 else None, metadata=None,
                             extrasamples=("unassalpha",) if channels in (2, 4) else None)
            os.replace(tmp, self.level_path(level))
        finally:
            if tmp.exists():
                tmp.unlink()

    def read_region(self, x: int, y: int, w: int, h: int, level: int = 0,
                    compute_missing: bool = False) -> np.ndarray:
        """Region in the level's own pixel grid; always (h, w, channels).

        A level not built yet raises, unless ``compute_missing``: then the region is averaged
        from the source (4^level source pixels per pixel: only sensible for low levels or
        in-memory sources), exactly as :meth:`build` would have.
        """
        if level == 0:
            out = self.source.read_region(x, y, w, h)
        elif self.level_path(level).exists():
            out = imageio.read_region(self.level_path(level), x, y, w, h)
        elif compute_missing:
            s = 2 ** level
            info = self.source.info
            out = self.source.read_region(x * s, y * s, min(w * s, info.width - x * s),
                                          min(h * s, info.height - y * s))
            out = out if out.ndim == 3 else out[..., None]
            for _ in range(level):
                out = _downsample2(out)
            out = out[:h, :w]
        else:
            raise ImageIOError(self.level_path(level), "pyramid level missing; call build()")
        return out if out.ndim == 3 else out[..., None]

    def best_level(self, scale: float) -> int:
        """The coarsest level still at least as detailed as ``scale`` (display px per image px)."""
        level = 0
        while level + 1 < self.levels and 2 ** -(level + 1) >= scale:
            level += 1
        return level

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def default_cache_root() -> Path:
    """Cache for documents not yet saved as projects (a project uses ``NAME.mural.cache``)."""
    base = os.environ.get("MURALSTUDIO_CACHE") or os.environ.get("XDG_CACHE_HOME") \
        or os.path.join(Path.home(), ".cache")
    return Path(base) / "muralstudio"
