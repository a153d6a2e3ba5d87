"""TIFF through tifffile, which decodes single tiles or strips: :meth:`TiffCodec.read_region`
decodes only the chunks that intersect the region, and reads the reduced-resolution levels a
pyramidal TIFF stores. tifffile is imported only when a TIFF is read or written."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from muralstudio import __version__
from muralstudio.core.atomic import atomic_path
from muralstudio.core.errors import CorruptImageError, UnsupportedImageError
from muralstudio.core.messages import Text
from muralstudio.core.imageio.codec import Codec
from muralstudio.core.imageio.common import (
    ImageInfo,
    LoadedImage,
    RegionError,
    check_decoded_bytes,
    check_region,
    check_size,
    float_to_uint16,
    warn,
)

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


def _first_directory_offset(path: Path) -> int | None:
    """Where the header says the first image directory (IFD) is, or None for no TIFF header."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    order = {b"II": "<", b"MM": ">"}.get(head[:2])
    if order is None or len(head) < 8:
        return None
    version = int(np.frombuffer(head[2:4], f"{order}u2")[0])
    if version == 43 and len(head) >= 16:  # BigTIFF: an 8-byte offset at byte 8
        return int(np.frombuffer(head[8:16], f"{order}u8")[0])
    return int(np.frombuffer(head[4:8], f"{order}u4")[0])


def _no_pages(path: Path) -> CorruptImageError:
    """The error for a TIFF in which no image directory was found: most often a copy cut short
    of a file whose directory is written after the pixels (as PIL and many cameras write)."""
    offset, size = _first_directory_offset(path), path.stat().st_size
    if offset is not None and offset >= size:
        return CorruptImageError(path, Text("tiff_directory_cut_off", offset=offset, size=size))
    return CorruptImageError(path, Text("tiff_no_directory"))


class _DropFirstPageOffsetWarning(logging.Filter):
    """tifffile logs a file whose first directory lies past its end; the error raised for it
    (:func:`_no_pages`) says so in words, so the log line would only repeat it, stray."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "invalid offset to first page" not in record.getMessage()


logging.getLogger("tifffile").addFilter(_DropFirstPageOffsetWarning())


def _tiff_info(path: Path, tif) -> tuple[ImageInfo, object]:
    import tifffile

    if not len(tif.pages):
        raise _no_pages(path)
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
        warn(info, f"file has {info.pages} pages; MuralStudio uses the first image "
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
        warn(info, f"{dtype.itemsize * 8}-bit floating point pixels are converted to 16-bit "
                   f"integers (values 0–1 map to 0–65535)")
        info.dtype = np.dtype(np.uint16)
    elif dtype == np.bool_:
        warn(info, "1-bit (bilevel) image converted to 8-bit grey")
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
            warn(info, "min-is-white grey image inverted to min-is-black")
    elif photometric == 2:  # RGB
        if samples not in (3, 4):
            raise UnsupportedImageError(path, f"RGB image with {samples} samples per pixel is "
                                              f"not supported (1–4 channels only)")
        info.channels = samples
        info.has_alpha = samples == 4
    elif photometric == 3:  # palette
        warn(info, "palette (indexed colour) image converted to 8-bit RGB")
        info.channels, info.dtype, info.has_alpha = 3, np.dtype(np.uint8), False
    elif photometric == 5:  # separated: CMYK
        if samples not in (4, 5) or getattr(page, "inkset", 1) not in (1, None):
            raise UnsupportedImageError(path, f"separated image with {samples} inks is not "
                                              f"supported (only CMYK)")
        warn(info, "CMYK image converted to RGB with a simple (non colour-managed) formula; "
                   "convert it with its ICC profile elsewhere for exact colours")
        info.channels, info.has_alpha = 3, False
        info.icc_profile = None  # a CMYK profile no longer describes RGB pixels
    elif photometric == 6:  # YCbCr: tifffile returns RGB for JPEG-compressed data
        info.channels = 3
    else:
        raise UnsupportedImageError(path, f"TIFF photometric interpretation {photometric} "
                                          f"({info.source_mode}) is not supported")


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


class TiffCodec(Codec):
    name = "TIFF"
    suffixes = frozenset({".tif", ".tiff"})
    write_suffixes = (".tif", ".tiff")

    def sniff(self, head: bytes) -> bool:
        return head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")

    def read_header(self, path: Path) -> ImageInfo:
        import tifffile

        with tifffile.TiffFile(path) as tif:
            info, _ = _tiff_info(path, tif)
        return info

    def read(self, path: Path, max_pixels: int | None) -> LoadedImage:
        import tifffile

        with tifffile.TiffFile(path) as tif:
            info, page = _tiff_info(path, tif)
            check_size(path, info.width, info.height, max_pixels)
            check_decoded_bytes(path, info.width, info.height, info.channels * np.dtype(info.dtype).itemsize,
                                path.stat().st_size)
            data = page.asarray(maxworkers=1)
            if page.planarconfig == 2 and data.ndim == 3:
                data = np.moveaxis(data, 0, -1)
            return LoadedImage(_tiff_normalize(data, page, info), info)

    def read_region(self, path: Path, x, y, w, h, level) -> np.ndarray:
        import tifffile

        x, y, w, h, level = int(x), int(y), int(w), int(h), int(level)
        with tifffile.TiffFile(path) as tif:
            info, page = _tiff_info(path, tif)
            if level:
                levels = tif.series[0].levels
                if level >= len(levels):
                    raise RegionError(f"{path}: has no pyramid level {level} in the file "
                                     f"(levels 0–{len(levels) - 1}); use core.pyramid.Pyramid")
                page = levels[level].keyframe
                info = replace(info, width=int(page.imagewidth), height=int(page.imagelength))
            check_region(path, info, x, y, w, h)
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

    def write(self, path: Path, pixels: np.ndarray, info: ImageInfo | None, *,
              record_json: str | None = None, compression: str = "deflate",
              xmp: str | None = None) -> Path:
        return write_tiff(path, pixels, info, compression=compression, record_json=record_json, xmp=xmp)


def check_tiff_chunks(path) -> None:
    """Refuse a TIFF whose table of tiles or strips does not fit its image or its file: a
    truncated file (the last tiles lie past its end) or a header promising more pixels than it
    has chunks for (a decompression bomb's trick). Reads the table only, decodes nothing."""
    import tifffile

    path = Path(path)
    size = path.stat().st_size
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            offsets, counts = page.dataoffsets, page.databytecounts
            if page.chunks and page.imagewidth and page.imagelength:
                chunk_h, chunk_w = int(page.chunks[0]), int(page.chunks[1])
                expected = math.ceil(page.imagelength / chunk_h) * math.ceil(page.imagewidth / chunk_w)
                if page.planarconfig == 2:
                    expected *= int(page.samplesperpixel)
                if len(offsets) < expected or len(counts) < expected:
                    raise CorruptImageError(path, f"its header announces {page.imagewidth}×{page.imagelength} "
                                                  f"pixels in {expected:,} tiles or strips, but lists only "
                                                  f"{min(len(offsets), len(counts)):,}: damaged or not a real image")
            ends = [int(o) + int(c) for o, c in zip(offsets, counts) if c]
            if ends and max(ends) > size:
                missing = sum(1 for end in ends if end > size)
                raise CorruptImageError(path, f"the file ends before its image data: {missing:,} of "
                                              f"{len(ends):,} tiles or strips lie past its {size:,} bytes "
                                              "(a truncated copy or download)")
    except CorruptImageError:
        raise
    except Exception as exc:  # noqa: BLE001 - tifffile's own errors about a damaged table
        raise CorruptImageError(path, f"its table of tiles or strips cannot be read ({exc})") from exc


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
