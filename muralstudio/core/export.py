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
from muralstudio.core import xmp
from muralstudio.core.record import records_json
from muralstudio.core.xmp import build_xmp
from muralstudio.core.imageio.common import json_text

RESTORED_FORMATS = {
    "tiff": "TIFF, source bit depth (archival)",
    "png8": "PNG, 8-bit (for sharing)",
    "jpeg8": "JPEG, 8-bit (for sharing)",
}


def export_restored(doc: Document, path, fmt: str = "tiff", compression: str = "deflate",
                    include_pending: bool = False, xmp_sidecar: bool = False) -> Path:
    """Write the restored image and its record sidecar: applied restorations only, or with
    ``include_pending`` the pending proposals too (recorded as well, so the file never holds a
    fill its record does not name)."""
    path = Path(path)
    if fmt not in RESTORED_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use {', '.join(RESTORED_FORMATS)}")
    record = records_json(doc.applied_records(include_pending), doc.source_description())
    packet = build_xmp(record, title=doc.title)
    pixels = doc.restored_image(include_pending=include_pending)
    info = doc.info
    if doc.user_mm_per_px:  # the scale the user set travels with the restored file, as a resolution
        from dataclasses import replace

        dpi = 25.4 / doc.user_mm_per_px
        info = replace(info, dpi=(dpi, dpi))
    if fmt == "tiff":
        imageio.write_tiff(path, pixels, info, compression=compression, record_json=record, xmp=packet)
    elif fmt == "png8":
        imageio.write_png(path, imageio.to_uint8(pixels), info,
                          text={"MuralStudioRecord": record, xmp.PNG_KEY: packet})
    else:
        imageio.write_jpeg(path, pixels, info)
    imageio.write_record_sidecar(path, record)
    if xmp_sidecar:
        xmp.write_sidecar(path, packet)
    return path


def intervention_map(doc: Document, include_pending: bool = False) -> tuple[np.ndarray, list[dict]]:
    """Where the restored image differs from the original, and by which intervention: a uint8
    map (0 = original pixel, k = the k-th restoration, in the order applied) and its legend
    (value, layer, engine, time). Only pixels whose value really changed are marked — a fill
    that happens to equal the original is not an intervention there (Venice Charter art. 12:
    restored areas distinguishable from the original)."""
    from muralstudio.core.document import RestorationLayer

    original = doc.source
    marks = np.zeros((doc.height, doc.width), np.uint8)
    legend = []
    layers = [l for l in doc.layers if isinstance(l, RestorationLayer) and (include_pending or not l.pending)]
    if len(layers) > 255:
        raise ValueError("an intervention map holds at most 255 restorations")
    for value, layer in enumerate(layers, start=1):
        for patch in layer.patches:
            x, y, w, h = patch.bbox
            before = np.asarray(original.read_region(x, y, w, h))
            changed = patch.mask & np.any((patch.pixels != before).reshape(h, w, -1), axis=2)
            marks[y:y + h, x:x + w][changed] = value
        legend.append({"value": value, "layer": layer.name, "engine": layer.record.engine,
                       "created": layer.record.created, "pending": layer.pending})
    return marks, legend


def export_intervention_map(doc: Document, path, include_pending: bool = False) -> Path:
    """The intervention map as an indexed PNG (palette: one colour per restoration) with its
    legend in ``PATH.legend.json``."""
    import json

    from PIL import Image

    marks, legend = intervention_map(doc, include_pending)
    palette = [0, 0, 0]
    colours = [(230, 60, 60), (60, 140, 230), (60, 190, 90), (230, 180, 40), (160, 80, 200), (40, 190, 190)]
    for i in range(255):
        palette += list(colours[i % len(colours)])
    image = Image.fromarray(marks, mode="P")
    image.putpalette(palette)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    with atomic_write(path) as handle:
        handle.write(buffer.getbuffer())
    with atomic_write(Path(str(path) + ".legend.json"), "w") as handle:
        handle.write(json_text({"0": "original", "restorations": legend}))
    return Path(path)


def marked_restoration(doc: Document, style: str = "outline", include_pending: bool = False) -> np.ndarray:
    """The restored image (8-bit RGB) with every restored pixel made visible: "outline" draws
    the edge of the restored areas, "hatch" adds diagonal lines inside them — a copy for
    publication in which the fills stay distinguishable from the original."""
    import cv2

    if style not in ("outline", "hatch"):
        raise ValueError(f"style must be outline or hatch, not {style!r}")
    rgb = imageio.to_rgb8(doc.restored_image(include_pending=include_pending)).copy()
    restored = intervention_map(doc, include_pending)[0] > 0
    width = max(1, round(max(doc.width, doc.height) / 1500))
    edge = cv2.morphologyEx(restored.astype(np.uint8), cv2.MORPH_GRADIENT,
                            np.ones((2 * width + 1, 2 * width + 1), np.uint8)) > 0
    if style == "hatch":
        yy, xx = np.indices(restored.shape)
        rgb[restored & ((xx + yy) % (8 * width) < width)] = (255, 220, 0)
    rgb[edge] = (255, 220, 0)
    return rgb


def export_marked_restoration(doc: Document, path, style: str = "outline", include_pending: bool = False) -> Path:
    """:func:`marked_restoration` as a PNG (or TIFF by suffix) with the restoration record."""
    record = records_json(doc.applied_records(include_pending), doc.source_description())
    pixels = marked_restoration(doc, style, include_pending)
    if Path(path).suffix.lower() in imageio.TIFF_SUFFIXES:
        imageio.write_tiff(path, pixels, None, record_json=record)
    else:
        imageio.write_png(path, pixels, None, text={"MuralStudioRecord": record})
    return Path(path)


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


def export_training_set(doc: Document, layer: LabelLayer, folder, tile: int = 2048,
                        stem: str | None = None) -> dict:
    """Write image/label pairs that ``muralstudio train label`` reads with no conversion:
    ``FOLDER/images/STEM.png`` (the restored image, source bit depth), ``FOLDER/labels/STEM.png``
    (class indices) and ``FOLDER/classes.json`` (names and colours). Images larger than ``tile``
    are cut into tiles, and only tiles holding labelled (non-background) pixels are written."""
    import json

    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    (folder / "labels").mkdir(parents=True, exist_ok=True)
    # the mural's own name (a project's title is its file's: "cave-45.mural" would name the pairs)
    own = doc.source.path.stem if doc.source.path else doc.source_name
    stem = stem or "".join(c if c.isalnum() or c in "-_" else "-" for c in own) or "mural"
    labels = layer.data
    written = []
    for y in range(0, doc.height, tile):
        for x in range(0, doc.width, tile):
            h, w = min(tile, doc.height - y), min(tile, doc.width - x)
            part = labels[y:y + h, x:x + w]
            if not part.any():
                continue
            name = stem if (w, h) == (doc.width, doc.height) else f"{stem}-x{x}-y{y}"
            pixels = doc.composite_region(x, y, w, h)
            imageio.write_png(folder / "images" / f"{name}.png", pixels)
            imageio.write_png(folder / "labels" / f"{name}.png", np.ascontiguousarray(part))
            written.append(name)
    classes = [{"index": i, "name": n, "color": list(c)} for i, (n, c) in enumerate(layer.classes)]
    with atomic_write(folder / "classes.json", "w") as handle:
        handle.write(json_text({"classes": classes}))
    counts = np.bincount(labels.ravel(), minlength=len(layer.classes))
    return {"pairs": written, "pixels_per_class": {n: int(counts[i]) for i, (n, _) in enumerate(layer.classes)}}
