"""``*.mural`` project files: one zip holding the manifest, the masks and the restorations.

Layout (see docs/design/project-format.md for why a zip):

    manifest.json              format version, source reference, layers, records, view
    layers/<uid>.png           mask and label layers (8-bit PNG, lossless)
    layers/<uid>-<i>-pixels.tif  restored pixels of patch i of a restoration (source depth)
    layers/<uid>-<i>-mask.png    its hole mask
    source.tif                 only for documents with no source file (the demo document)

Saving writes a temporary file beside the target and renames it over the old one, so a crash
or kill mid-save leaves the previous project intact. Recovery files (autosave) use the same
writer in a per-user folder.
"""

from __future__ import annotations

import io
import json
import logging
import os
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from muralstudio import __version__
from muralstudio.core import imageio
from muralstudio.core.atomic import atomic_write, remove_stale_temporaries
from muralstudio.core.copies import copy_into
from muralstudio.core.document import (
    Document,
    LabelLayer,
    Layer,
    MASK_PURPOSES,
    MaskLayer,
    NoteLayer,
    Patch,
    RestorationLayer,
)
from muralstudio.core.errors import (
    ImageIOError,
    ProjectError,
    SourceMismatchError,
    SourceMissingError,
)
from muralstudio.core.messages import Text
from muralstudio.core.pyramid import ArraySource, FileSource, file_sha256
from muralstudio.core.record import RestorationRecord
from muralstudio.core.imageio.common import json_text

log = logging.getLogger(__name__)

FORMAT_NAME = "muralstudio-project"
#: 2 (2026-12-07): mask layers may be probability maps ("purpose"), which a version-1 reader
#: would take for damage — it refuses version 2 instead; detections and rejections are kept
FORMAT_VERSION = 2
SUFFIX = ".mural"


def _png_bytes(array: np.ndarray) -> bytes:
    import cv2

    ok, encoded = cv2.imencode(".png", np.ascontiguousarray(array), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ProjectError("<memory>", "PNG encoding of a layer failed")
    return encoded.tobytes()


def _png_array(data: bytes) -> np.ndarray:
    import cv2

    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None:
        raise ValueError("layer image is damaged")
    return array


def _tiff_bytes(array: np.ndarray) -> bytes:
    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, array, compression="zlib", predictor=True, metadata=None,
                     photometric="minisblack" if array.ndim == 2 or array.shape[2] < 3 else "rgb",
                     extrasamples=("unassalpha",) if array.ndim == 3 and array.shape[2] in (2, 4) else None)
    return buffer.getvalue()


def _tiff_array(data: bytes) -> np.ndarray:
    """An embedded TIFF (source or patch), its size checked against the decoded-bytes cap
    before decoding: a project can hide a bomb as well as an image file can."""
    import tifffile

    from muralstudio.core.imageio import check_decoded_bytes

    with tifffile.TiffFile(io.BytesIO(data)) as tif:
        page = tif.pages.first
        samples = int(page.samplesperpixel)
        try:
            check_decoded_bytes(None, page.imagewidth, page.imagelength,
                                samples * np.dtype(page.dtype).itemsize, len(data))
        except ImageIOError as exc:  # the project is named by the caller
            raise ValueError(f"an embedded image: {exc.reason}") from None
        return page.asarray(maxworkers=1)


def _read_entry(zf: zipfile.ZipFile, name: str) -> bytes:
    """A zip entry, its unpacked size checked before unpacking."""
    from muralstudio.core.imageio import max_bytes_setting

    info = zf.getinfo(name)
    if info.file_size > max_bytes_setting():
        raise ValueError(f"{name} would unpack to {info.file_size:,} bytes")
    return zf.read(info)


def _layer_entry(layer: Layer) -> dict:
    entry = {"uid": layer.uid, "kind": layer.kind, "name": layer.name, "visible": layer.visible,
             "opacity": layer.opacity, "locked": layer.locked}
    if isinstance(layer, MaskLayer):
        entry["color"] = list(layer.color)
        if layer.proposed:
            entry["proposed"] = True
        if layer.purpose != "damage":
            entry["purpose"] = layer.purpose
        if layer.damage_class:
            entry["damage_class"] = layer.damage_class
    elif isinstance(layer, LabelLayer):
        entry["classes"] = [[name, list(color)] for name, color in layer.classes]
        entry["element_names"] = dict(layer.element_names)
    elif isinstance(layer, RestorationLayer):
        entry.update(patches=[list(p.bbox) for p in layer.patches], pending=layer.pending,
                     record=layer.record.to_dict())
    elif isinstance(layer, NoteLayer):
        entry.update(text=layer.text, position=list(layer.position))
    return entry


@dataclass
class ProjectSnapshot:
    """Everything a project file holds, copied from the document at one moment, so the slow
    part (hashing the source, compressing layers, writing) can run on another thread while the
    user keeps editing."""

    manifest: dict
    entries: list  # (name in the zip, "png" | "tiff", array)
    source_sha256: Callable[[], str]
    embedded_source: Callable[[], np.ndarray] | None
    history_index: int
    history_top: object = None  # the undo step on top when the snapshot was taken

    def still_matches(self, doc: Document) -> bool:
        """True while the document's history still contains the snapshot's state."""
        undo = doc.history.undo_stack
        if len(undo) < self.history_index:
            return False
        return self.history_index == 0 or undo[self.history_index - 1] is self.history_top


def project_file_name(path) -> Path:
    path = Path(path or "")
    if not path.name:
        raise ProjectError(path, Text("project_no_name"))
    return path if path.suffix.lower() == SUFFIX else path.with_name(path.name + SUFFIX)


def edited_arrays(doc: Document) -> list[tuple[tuple, np.ndarray]]:
    """(key, array) of every array a snapshot copies (the ones edited in place: masks, labels,
    rejected proposals), for :func:`core.copies.ready_buffers` (the window readies their memory
    on its file thread)."""
    arrays = [(("layer", layer.uid), layer.data) for layer in doc.layers if isinstance(layer, (MaskLayer, LabelLayer))]
    return arrays + [(("rejected", name), rejected) for name, rejected in doc.rejected.items()]


def snapshot_project(doc: Document, path, *, embed_source: bool | None = None,
                     buffers: dict | None = None) -> ProjectSnapshot:
    """Copy what :func:`write_snapshot` needs (fast: layer arrays are copied, nothing encoded),
    into ``buffers`` (:func:`core.copies.ready_buffers`, keys of :func:`edited_arrays`) where
    they hold one of the right shape."""
    path = Path(path)
    buffers = dict(buffers or {})
    embed = embed_source if embed_source is not None else doc.source.path is None
    source: dict = {"width": doc.width, "height": doc.height, "bit_depth": doc.info.bit_depth,
                    "channels": doc.info.channels}
    if doc.source.path is not None and not embed:
        source["path"] = str(doc.source.path)
        try:
            source["relative_path"] = os.path.relpath(doc.source.path, path.parent.resolve())
        except ValueError:  # different drives on Windows
            source["relative_path"] = None
        source["size_bytes"] = doc.source.path.stat().st_size
    else:
        source["embedded"] = "source.tif"
        source["name"] = doc.title
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "software_version": __version__,
        "source": source,
        "layers": [_layer_entry(layer) for layer in doc.layers],
        "label_classes": [[n, list(c)] for n, c in doc.label_classes],
        "view": dict(doc.view) if isinstance(doc.view, dict) else doc.view,
        "scale_mm_per_px": doc.user_mm_per_px,
        "properties": dict(doc.properties),
        "detections": [dict(e) for e in doc.detections],
        # rejected detector proposals, per class (named by position: class names are free text)
        "rejected": [{"class": name, "entry": f"rejected/{i}.png"} for i, name in enumerate(doc.rejected)],
        "probabilities": [{"class": name, "entry": f"probabilities/{i}.png"}
                          for i, name in enumerate(doc.detection_probabilities)],
    }
    entries = []
    for layer in doc.layers:
        if isinstance(layer, (MaskLayer, LabelLayer)):
            entries.append((f"layers/{layer.uid}.png", "png", copy_into(layer.data, buffers.pop(("layer", layer.uid), None))))
        elif isinstance(layer, RestorationLayer):
            for i, patch in enumerate(layer.patches):  # patches are never edited in place
                entries.append((f"layers/{layer.uid}-{i}-pixels.tif", "tiff", patch.pixels))
                entries.append((f"layers/{layer.uid}-{i}-mask.png", "png", patch.mask))  # 0/255 when written
    for i, (name, rejected) in enumerate(doc.rejected.items()):  # edited in place: copied (bool, one pass)
        entries.append((f"rejected/{i}.png", "png", copy_into(rejected, buffers.pop(("rejected", name), None))))
    for i, probability in enumerate(doc.detection_probabilities.values()):  # replaced whole, never edited
        entries.append((f"probabilities/{i}.png", "png", probability))
    undo = doc.history.undo_stack
    return ProjectSnapshot(manifest, entries, doc.source_sha256,
                           doc.source.full if embed else None, len(undo), undo[-1] if undo else None)


def write_snapshot(snapshot: ProjectSnapshot, path) -> Path:
    """Encode and write a snapshot atomically (safe to call from a worker thread)."""
    path = Path(path)
    manifest = dict(snapshot.manifest)
    manifest["source"] = dict(manifest["source"], sha256=snapshot.source_sha256())
    manifest["saved"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    with atomic_write(path) as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
            for name, kind, array in snapshot.entries:
                if array.dtype == bool:  # masks kept as taken (no conversion on the window's thread)
                    array = array.view(np.uint8) * np.uint8(255)
                data = _png_bytes(array) if kind == "png" else _tiff_bytes(array)
                zf.writestr(name, data, compress_type=zipfile.ZIP_STORED)
            if snapshot.embedded_source is not None:
                zf.writestr("source.tif", _tiff_bytes(snapshot.embedded_source()),
                            compress_type=zipfile.ZIP_STORED)
            # the manifest goes last: a reader that finds it knows every entry was written
            zf.writestr("manifest.json", json_text(manifest))
    return path


def write_project(doc: Document, path, *, embed_source: bool | None = None) -> Path:
    """Write ``doc`` to ``path`` atomically; does not change ``doc.project_path``."""
    return write_snapshot(snapshot_project(doc, path, embed_source=embed_source), path)


def save_project(doc: Document, path=None) -> Path:
    """Save to ``path`` (or the document's own project path) and mark the document clean."""
    path = project_file_name(path or doc.project_path)
    write_project(doc, path)
    doc.project_path = path.resolve()
    doc.mark_clean()
    return path


def read_manifest(path) -> dict:
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            return _manifest(zf, path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProjectError(path, Text("project_damaged", reason=str(exc))) from exc


#: the manifest is read whole: a larger one is not a project we wrote (a 1.5 MB zip can unpack
#: to a 1.5 GB manifest and freeze the window)
MAX_MANIFEST_BYTES = 64 << 20


def _manifest(zf: zipfile.ZipFile, path: Path) -> dict:
    try:
        info = zf.getinfo("manifest.json")
    except KeyError:
        raise ProjectError(path, Text("project_no_manifest")) from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise ProjectError(path, f"damaged project: manifest.json would unpack to "
                                 f"{info.file_size:,} bytes (at most {MAX_MANIFEST_BYTES:,})")
    try:
        manifest = json.loads(zf.read(info))
    except (ValueError, RecursionError) as exc:
        raise ProjectError(path, f"damaged project: manifest.json is not valid JSON ({exc})") from exc
    except (NotImplementedError, zlib.error, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ProjectError(path, f"damaged project: manifest.json cannot be unpacked ({exc})") from exc
    if not isinstance(manifest, dict):
        raise ProjectError(path, f"damaged project: manifest.json holds a {type(manifest).__name__}, "
                                 "not an object")
    if manifest.get("format") != FORMAT_NAME:
        raise ProjectError(path, Text("project_unknown_format"))
    version = manifest.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise ProjectError(path, f"project format version {version} is newer than this "
                                 f"MuralStudio understands ({FORMAT_VERSION}); please update")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(path, f"damaged project: format_version {version!r} is not a version number")
    validate_manifest(manifest, path)
    return manifest


def _field(path, where: str, value, check, expected: str):
    if not check(value):
        raise ProjectError(path, f"damaged project: {where} is {json.dumps(value)[:60]}, expected {expected}")
    return value


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_colour(v) -> bool:
    return isinstance(v, list) and len(v) == 3 and all(_is_int(c) and 0 <= c <= 255 for c in v)


def _is_detection_list(value) -> bool:
    def text(v, optional=False):
        return (optional and v is None) or (isinstance(v, str) and len(v) <= 1000)

    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1e15

    return isinstance(value, list) and len(value) <= 10000 and all(
        isinstance(e, dict) and text(e.get("run")) and text(e.get("engine")) and text(e.get("time"))
        and text(e.get("weights_sha256"), optional=True) and isinstance(e.get("classes"), dict)
        and (e.get("settings") is None or (isinstance(e["settings"], dict) and len(e["settings"]) <= 100 and all(
            text(k) and (v is None or isinstance(v, bool) or number(v) or text(v)) for k, v in e["settings"].items())))
        and all(text(k) and isinstance(c, dict) and all(text(n) and number(x) for n, x in c.items())
                for k, c in e["classes"].items())
        for e in value)


def validate_manifest(manifest: dict, path) -> None:
    """Every field the loader uses, checked for type and range before anything is built: a
    colour of 256 once reached the overlay painter and crashed the window."""
    source = _field(path, "source", manifest.get("source"), lambda v: isinstance(v, dict), "an object")
    for key in ("width", "height"):
        _field(path, f"source.{key}", source.get(key), lambda v: _is_int(v) and 0 < v <= 1 << 20,
               "a positive pixel count")
    for key in ("path", "relative_path", "embedded", "sha256", "name"):
        if key in source and source[key] is not None:
            _field(path, f"source.{key}", source[key], lambda v: isinstance(v, str), "text")
    if manifest.get("scale_mm_per_px") is not None:
        _field(path, "scale_mm_per_px", manifest["scale_mm_per_px"],
               lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < 1e6,
               "a positive number of mm per pixel")
    if manifest.get("properties") is not None:
        _field(path, "properties", manifest["properties"],
               lambda v: isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str) and len(x) < 10000
                                                     for k, x in v.items()), "an object of texts")
    if manifest.get("detections") is not None:
        _field(path, "detections", manifest["detections"], _is_detection_list,
               "a list of detection records (engine, run, time, counts per class)")
    if manifest.get("probabilities") is not None:
        _field(path, "probabilities", manifest["probabilities"],
               lambda v: isinstance(v, list) and len(v) <= 100 and all(
                   isinstance(r, dict) and isinstance(r.get("class"), str) and 0 < len(r["class"]) <= 1000
                   for r in v), "a list of probability maps per class")
    if manifest.get("rejected") is not None:
        _field(path, "rejected", manifest["rejected"],
               lambda v: isinstance(v, list) and len(v) <= 100 and all(
                   isinstance(r, dict) and isinstance(r.get("class"), str) and 0 < len(r["class"]) <= 1000
                   for r in v), "a list of rejected regions per class")
    layers = _field(path, "layers", manifest.get("layers"), lambda v: isinstance(v, list), "a list")
    for i, entry in enumerate(layers):
        where = f"layers[{i}]"
        _field(path, where, entry, lambda v: isinstance(v, dict), "an object")
        _field(path, f"{where}.kind", entry.get("kind"), lambda v: v in ("mask", "labels", "restoration", "note"),
               "mask, labels, restoration or note")
        for key in ("uid", "name"):
            _field(path, f"{where}.{key}", entry.get(key), lambda v: isinstance(v, str) and 0 < len(v) <= 1000,
                   "text")
        _field(path, f"{where}.uid", entry["uid"], lambda v: all(c.isalnum() or c in "-_" for c in v),
               "letters, digits, - and _")
        _field(path, f"{where}.uid", entry["uid"], lambda v: v not in (e.get("uid") for e in layers[:i]),
               "a uid no other layer has")
        for key in ("visible", "locked"):
            _field(path, f"{where}.{key}", entry.get(key), lambda v: isinstance(v, bool), "true or false")
        _field(path, f"{where}.opacity", entry.get("opacity"),
               lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1, "a number 0–1")
        if entry["kind"] == "mask":
            _field(path, f"{where}.color", entry.get("color", [255, 0, 0]), _is_colour, "three integers 0–255")
            _field(path, f"{where}.proposed", entry.get("proposed", False), lambda v: isinstance(v, bool),
                   "true or false")
            _field(path, f"{where}.purpose", entry.get("purpose", "damage"), lambda v: v in MASK_PURPOSES,
                   " or ".join(MASK_PURPOSES))
            _field(path, f"{where}.damage_class", entry.get("damage_class", ""),
                   lambda v: isinstance(v, str) and len(v) <= 200, "a class name")
        elif entry["kind"] == "labels":
            classes = entry.get("classes") or []
            _field(path, f"{where}.classes", classes, lambda v: isinstance(v, list) and len(v) <= 256
                   and all(isinstance(c, list) and len(c) == 2 and isinstance(c[0], str) and _is_colour(c[1])
                           for c in v), "[name, [r, g, b]] pairs")
            _field(path, f"{where}.element_names", entry.get("element_names") or {},
                   lambda v: isinstance(v, dict) and all(isinstance(k, str) and isinstance(n, str)
                                                         for k, n in v.items()), "names by element key")
        elif entry["kind"] == "restoration":
            w, h = source["width"], source["height"]
            _field(path, f"{where}.patches", entry.get("patches"), lambda v: isinstance(v, list) and all(
                isinstance(b, list) and len(b) == 4 and all(_is_int(n) for n in b)
                and 0 <= b[0] and 0 <= b[1] and 0 < b[2] and 0 < b[3] and b[0] + b[2] <= w and b[1] + b[3] <= h
                for b in v), "boxes [x, y, w, h] inside the image")
            _field(path, f"{where}.pending", entry.get("pending"), lambda v: isinstance(v, bool), "true or false")
            _field(path, f"{where}.record", entry.get("record"), lambda v: isinstance(v, dict), "an object")
        elif entry["kind"] == "note":
            _field(path, f"{where}.text", entry.get("text"), lambda v: isinstance(v, str), "text")
            _field(path, f"{where}.position", entry.get("position"), lambda v: isinstance(v, list) and len(v) == 2
                   and all(isinstance(n, (int, float)) and not isinstance(n, bool) and abs(n) < 1 << 24 for n in v),
                   "[x, y]")
    classes = manifest.get("label_classes", [])
    _field(path, "label_classes", classes, lambda v: isinstance(v, list) and all(
        isinstance(c, list) and len(c) == 2 and isinstance(c[0], str) and _is_colour(c[1]) for c in v),
        "[name, [r, g, b]] pairs")


def _resolve_source(path: Path, source: dict, source_path) -> Path:
    if source_path is not None:
        candidate = Path(source_path)
    else:
        candidates = [Path(source["path"])] if source.get("path") else []
        if source.get("relative_path"):
            candidates.append(path.parent / source["relative_path"])
        existing = [c for c in candidates if c.exists()]
        if not existing:
            raise SourceMissingError(path, source.get("path", "?"), source.get("sha256", ""))
        candidate = existing[0]
    if not candidate.exists():
        raise SourceMissingError(path, candidate, source.get("sha256", ""))
    if not candidate.is_file():  # /dev/zero, a FIFO: hashing would never return
        raise ProjectError(path, f"the source {candidate} is not a regular file")
    actual = file_sha256(candidate)
    if source.get("sha256") and actual != source["sha256"]:
        raise SourceMismatchError(path, candidate, source["sha256"], actual)
    return candidate


def load_project(path, source_path=None, max_pixels: int | None = None) -> Document:
    """Open a project. Raises :class:`SourceMissingError` when the source image moved (pass
    ``source_path`` to say where it is now) and :class:`SourceMismatchError` when the file
    given is not the same image."""
    path = Path(path)
    if not path.exists():
        raise ProjectError(path, Text("file_not_found"))
    if not path.is_file():
        raise ProjectError(path, "not a regular file")
    remove_stale_temporaries(path)  # left by saves that were killed
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() in imageio.READ_SUFFIXES:
            raise ProjectError(path, Text("project_is_image"))
        size = path.stat().st_size
        raise ProjectError(path, Text("project_empty") if size == 0 else Text("project_not_zip", size=size))
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = _manifest(zf, path)
            source = manifest["source"]
            if source.get("embedded"):
                pixels = _tiff_array(_read_entry(zf, source["embedded"]))
                doc = Document(ArraySource(pixels, name=source.get("name", path.stem)))
            else:
                resolved = _resolve_source(path, source, source_path)
                doc = Document(FileSource(resolved, max_pixels=max_pixels))
                doc._source_sha256 = source.get("sha256")
            if (doc.width, doc.height) != (source["width"], source["height"]):
                raise ProjectError(path, f"source image is {doc.width}×{doc.height}, the project "
                                         f"expects {source['width']}×{source['height']}")
            doc.label_classes = [(n, tuple(c)) for n, c in manifest.get("label_classes", [])] \
                or doc.label_classes
            for entry in manifest["layers"]:
                doc.layers.append(_load_layer(zf, entry, doc))
            doc.view = manifest.get("view", {})
            doc.user_mm_per_px = manifest.get("scale_mm_per_px")
            doc.properties = dict(manifest.get("properties") or {})
            doc.detections = [dict(e) for e in manifest.get("detections") or []]
            for i, item in enumerate(manifest.get("rejected") or []):
                rejected = _png_array(_read_entry(zf, f"rejected/{i}.png")) > 0
                if rejected.shape != (doc.height, doc.width):
                    raise ValueError(f"rejected regions of '{item['class']}' have size {rejected.shape[::-1]}, "
                                     f"not {doc.width}×{doc.height}")
                doc.rejected[item["class"]] = rejected
            for i, item in enumerate(manifest.get("probabilities") or []):
                probability = _png_array(_read_entry(zf, f"probabilities/{i}.png"))
                if probability.shape != (doc.height, doc.width) or probability.dtype != np.uint8:
                    raise ValueError(f"the probabilities of '{item['class']}' are not a {doc.width}×{doc.height} "
                                     "8-bit map")
                doc.detection_probabilities[item["class"]] = probability
    except (ProjectError, ImageIOError):
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, NotImplementedError,
            zlib.error, MemoryError, RecursionError, AttributeError, IndexError, EOFError,
            struct.error) as exc:
        raise ProjectError(path, f"damaged project ({type(exc).__name__}: {exc})") from exc
    doc.project_path = path.resolve()
    doc.history.clear()
    doc.mark_clean()
    return doc


def _load_layer(zf: zipfile.ZipFile, entry: dict, doc: Document) -> Layer:
    common = dict(visible=entry["visible"], opacity=entry["opacity"], locked=entry["locked"],
                  uid=entry["uid"])
    kind = entry["kind"]
    if kind in ("mask", "labels"):
        data = _png_array(_read_entry(zf, f"layers/{entry['uid']}.png"))
        if data.shape != (doc.height, doc.width):
            raise ValueError(f"layer '{entry['name']}' has size {data.shape[::-1]}, "
                             f"not {doc.width}×{doc.height}")
        if kind == "mask":
            return MaskLayer(entry["name"], data, color=entry.get("color", (255, 0, 0)),
                             proposed=entry.get("proposed", False) is True,
                             purpose=entry.get("purpose", "damage"),
                             damage_class=entry.get("damage_class", ""), **common)
        return LabelLayer(entry["name"], data, classes=entry.get("classes"),
                          element_names=entry.get("element_names"), **common)
    if kind == "restoration":
        patches = []
        for i, (x, y, w, h) in enumerate(entry["patches"]):
            pixels = _tiff_array(_read_entry(zf, f"layers/{entry['uid']}-{i}-pixels.tif"))
            mask = _png_array(_read_entry(zf, f"layers/{entry['uid']}-{i}-mask.png")) > 0
            if mask.shape != (h, w):
                raise ValueError(f"patch {i} of '{entry['name']}' has the wrong size")
            info = doc.source.info
            expected = (h, w) if info.channels == 1 else (h, w, info.channels)
            if pixels.shape not in (expected, (h, w, 1) if info.channels == 1 else expected) \
                    or pixels.dtype != info.dtype:
                # found out at export otherwise, as a numpy broadcasting error
                raise ValueError(f"patch {i} of '{entry['name']}' holds {pixels.dtype} pixels of shape "
                                 f"{pixels.shape}, not the source's {info.dtype} {expected}")
            patches.append(Patch(x, y, pixels, mask))
        return RestorationLayer(entry["name"], patches, RestorationRecord.from_dict(entry["record"]),
                                pending=entry["pending"], **common)
    if kind == "note":
        return NoteLayer(entry["name"], entry.get("text", ""), entry.get("position", (0, 0)), **common)
    raise ValueError(f"unknown layer kind {kind!r}")


# ---------------------------------------------------------------------------------------------
# Autosave and recovery


def recovery_dir() -> Path:
    base = os.environ.get("MURALSTUDIO_DATA") or os.environ.get("XDG_DATA_HOME") \
        or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "muralstudio" / "recovery"


def write_recovery(doc: Document, snapshot: ProjectSnapshot | None = None) -> Path:
    """Write the document's recovery file (autosave); the source is referenced, not copied,
    unless it has no file. With ``snapshot`` (taken earlier with :func:`recovery_snapshot`)
    nothing of the live document is touched, so this can run on a worker thread."""
    folder = recovery_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{doc.uid}{SUFFIX}"
    write_snapshot(snapshot or snapshot_project(doc, target), target)
    imageio.write_json(folder / f"{doc.uid}.json", {
        "project_path": str(doc.project_path) if doc.project_path else None,
        "title": doc.title, "saved": time.time(), "pid": os.getpid()})
    return target


def recovery_snapshot(doc: Document, buffers: dict | None = None) -> ProjectSnapshot:
    return snapshot_project(doc, recovery_dir() / f"{doc.uid}{SUFFIX}", buffers=buffers)


def discard_recovery(doc_or_uid) -> None:
    uid = getattr(doc_or_uid, "uid", doc_or_uid)
    for suffix in (SUFFIX, ".json"):
        try:
            (recovery_dir() / f"{uid}{suffix}").unlink()
        except FileNotFoundError:
            pass


def list_recoveries() -> list[dict]:
    """Recovery files left by sessions that did not close cleanly, newest first."""
    folder = recovery_dir()
    found = []
    for meta in folder.glob("*.json") if folder.exists() else []:
        project = meta.with_suffix(SUFFIX)
        if not project.exists():
            continue
        try:
            info = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        if info.get("pid") == os.getpid():
            continue  # our own live autosave
        info.update(uid=meta.stem, recovery_path=str(project))
        found.append(info)
    return sorted(found, key=lambda r: r.get("saved", 0), reverse=True)


class Autosaver:
    """Writes a recovery file when the document changed since the last autosave.

    The GUI calls :meth:`tick` from a timer; :meth:`close` removes the file after a clean exit.
    ``recovered_from``: the uid of the recovery file the document was recovered from, kept until
    this document's own copy is written or it closes cleanly (a second crash soon after
    recovering would otherwise lose the recovered work).
    """

    def __init__(self, doc: Document, recovered_from: str | None = None):
        self.doc = doc
        self._saved_state = None
        self.recovered_from = recovered_from

    def _written(self) -> None:
        if self.recovered_from:
            discard_recovery(self.recovered_from)
            self.recovered_from = None

    def _state(self):
        return self.doc.history.state()

    def due(self) -> bool:
        return self.doc.is_modified and self._state() != self._saved_state

    def tick(self) -> Path | None:
        if not self.due():
            return None
        path = write_recovery(self.doc)
        self._saved_state = self._state()
        self._written()
        return path

    def prepare(self, buffers: dict | None = None):
        """For writing on a worker thread: a ``write()`` that writes the recovery file from a
        snapshot taken now (into ``buffers``, :func:`core.copies.ready_buffers`); None when nothing changed
        since the last autosave."""
        if not self.due():
            return None
        snapshot, state = recovery_snapshot(self.doc, buffers), self._state()

        def write() -> Path:
            path = write_recovery(self.doc, snapshot)
            self._saved_state = state
            self._written()
            return path

        return write

    def close(self) -> None:
        discard_recovery(self.doc)
        self._written()
