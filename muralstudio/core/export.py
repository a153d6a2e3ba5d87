"""Exports: the restored image (with its record), masks, and label maps.

The restored image keeps the source bit depth in TIFF, with ICC profile, resolution and tags,
the restoration record inside (private tag) and beside it (``NAME.record.json``). PNG and JPEG
exports are 8-bit, for sharing. Nothing here can write to the source file (atomic writers
refuse originals).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from muralstudio.core import imageio
from muralstudio.core.atomic import atomic_write
from muralstudio.core.document import Document, LabelLayer, MaskLayer
from muralstudio.core.record import records_json

RESTORED_FORMATS = {
    "tiff": "TIFF, source bit depth (archival)",
    "png8": "PNG, 8-bit (for sharing)",
    "jpeg8": "JPEG, 8-bit (for sharing)",
}


def export_restored(doc: Document, path, fmt: str = "tiff", compression: str = "deflate") -> Path:
    """Write the restored image (applied restorations only) and its record sidecar."""
    path = Path(path)
    if fmt not in RESTORED_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use {', '.join(RESTORED_FORMATS)}")
    record = records_json(doc.applied_records(), doc.source_description())
    pixels = doc.restored_image()
    if fmt == "tiff":
        imageio.write_tiff(path, pixels, doc.info, compression=compression, record_json=record)
    elif fmt == "png8":
        imageio.write_png(path, imageio.to_uint8(pixels), doc.info, text={"MuralStudioRecord": record})
    else:
        imageio.write_jpeg(path, pixels, doc.info)
    imageio.write_record_sidecar(path, record)
    return path


def export_mask(layer: MaskLayer, path) -> Path:
    """8-bit mask (0 intact, 255 damaged, feathered values kept) as PNG or TIFF."""
    path = Path(path)
    if path.suffix.lower() in imageio.TIFF_SUFFIXES:
        return imageio.write_tiff(path, layer.data, tile=None)
    return imageio.write_png(path, layer.data)


def export_labels(layer: LabelLayer, path) -> Path:
    """Indexed PNG: pixel values are class indices, the palette holds the class colours."""
    from PIL import Image

    palette = []
    for _, colour in layer.classes:
        palette += list(colour)
    palette += [0, 0, 0] * (256 - len(layer.classes))
    image = Image.fromarray(np.ascontiguousarray(layer.data), mode="P")
    image.putpalette(palette)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    with atomic_write(path) as handle:
        handle.write(buffer.getbuffer())
    return Path(path)
