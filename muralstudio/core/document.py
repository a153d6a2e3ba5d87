"""The document: a read-only source image, an ordered list of layers, and the undo history.

Every change goes through :class:`Document` methods so it is recorded for undo and announced
through plain-callback events (the GUI listens; no Qt here). Layers are ordered bottom to top.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from muralstudio.core.events import Event
from muralstudio.core.history import DEFAULT_LIMIT_BYTES, CallbackChange, History, PixelChange, ScatterChange
from muralstudio.core.imageio import ImageInfo
from muralstudio.core.pyramid import ArraySource, FileSource, ImageSource, Pyramid, default_cache_root
from muralstudio.core.record import RestorationRecord

DEFAULT_MASK_COLORS = [(255, 40, 40), (40, 160, 255), (255, 200, 0), (200, 60, 255), (0, 220, 120)]

#: Element classes of PSP-M labeling (index = label value).
DEFAULT_LABEL_CLASSES = [
    ("background", (0, 0, 0)),
    ("animal", (230, 159, 0)),
    ("building", (86, 180, 233)),
    ("cloud", (240, 240, 240)),
    ("people", (0, 158, 115)),
    ("Buddha", (213, 94, 0)),
]


class LayerLockedError(Exception):
    def __init__(self, layer: "Layer"):
        super().__init__(f"layer '{layer.name}' is locked; unlock it to edit")


class Layer:
    """Common state: name, visibility, opacity, lock. ``changed(layer, what, bbox)`` fires on
    every change (``bbox`` = (y0, y1, x0, x1) for pixel edits, else None)."""

    kind = "layer"
    PROPERTIES = ("name", "visible", "opacity", "locked")

    def __init__(self, name: str, visible: bool = True, opacity: float = 1.0,
                 locked: bool = False, uid: str | None = None):
        self.uid = uid or uuid.uuid4().hex
        self.name = name
        self.visible = visible
        self.opacity = float(opacity)
        self.locked = locked
        self.changed = Event(f"layer.changed[{name}]")

    def properties(self) -> dict:
        return {p: getattr(self, p) for p in self.PROPERTIES}

    @property
    def nbytes(self) -> int:
        return 256

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


class PixelLayer(Layer):
    """A layer backed by one 2-D uint8 array the size of the source image."""

    def __init__(self, name: str, data: np.ndarray, **kwargs):
        super().__init__(name, **kwargs)
        if data.ndim != 2 or data.dtype != np.uint8:
            raise ValueError(f"{type(self).__name__} needs a 2-D uint8 array, got "
                             f"{data.dtype} {data.shape}")
        self.data = data

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)


#: what a mask layer holds: damage (0 intact, 255 damaged), or a probability map to look at
MASK_PURPOSES = ("damage", "probability")


class MaskLayer(PixelLayer):
    """A damage mask: 0 intact, 255 damaged (values between come from feathering).
    ``proposed``: the layer holds a detector's proposals awaiting review; they are not damage
    until accepted (moved into a user layer), and user edits never go into such a layer.
    ``purpose`` "probability": a labeler's probability map (0–255 = 0–1) shown to be looked at,
    never damage — not restored, measured or mapped as damage. ``damage_class``: the detector
    class ("paint loss") whose proposals, or whose regions a reviewer accepted, the layer holds —
    known whatever language its name was given in; "" for a layer of the user's own."""

    kind = "mask"
    PROPERTIES = Layer.PROPERTIES + ("color", "proposed")

    def __init__(self, name: str, data: np.ndarray, color=(255, 40, 40), proposed: bool = False,
                 purpose: str = "damage", damage_class: str = "", **kwargs):
        super().__init__(name, data, **kwargs)
        if purpose not in MASK_PURPOSES:
            raise ValueError(f"a mask layer's purpose is one of {', '.join(MASK_PURPOSES)}, not {purpose!r}")
        self.color = tuple(int(c) for c in color)
        self.proposed = bool(proposed)
        self.purpose = purpose
        self.damage_class = str(damage_class or "")

    @property
    def marks_damage(self) -> bool:
        """Damage a person decided: not proposals awaiting review, not a probability map."""
        return not self.proposed and self.purpose == "damage"

    @property
    def area(self) -> int:
        """Damaged pixels (value ≥ 128)."""
        return int(np.count_nonzero(self.data >= 128))


class LabelLayer(PixelLayer):
    """An element label map: each value indexes ``classes`` (name, colour).
    ``element_names`` maps ``"x,y"`` anchor pixels to the names users gave elements: a name
    belongs to the element holding its anchor (:func:`muralstudio.core.elements.renamed` puts
    it at the element's innermost pixel, so edits at its edge keep it)."""

    kind = "labels"
    PROPERTIES = Layer.PROPERTIES + ("classes", "element_names")

    def __init__(self, name: str, data: np.ndarray, classes=None, element_names=None, **kwargs):
        super().__init__(name, data, **kwargs)
        self.classes = [(str(n), tuple(int(v) for v in c)) for n, c in (classes or DEFAULT_LABEL_CLASSES)]
        self.element_names = dict(element_names or {})


@dataclass
class Patch:
    """Restored pixels of one damaged region's bounding box at (x, y), in the source's dtype
    and channels, and the mask of the pixels they replace."""

    x: int
    y: int
    pixels: np.ndarray
    mask: np.ndarray
    #: the screen's image of the patch, made ahead on a worker (:meth:`prepare_display`)
    display: object | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        self.mask = np.asarray(self.mask, bool)
        if self.pixels.shape[:2] != self.mask.shape:
            raise ValueError("patch pixels and mask differ in size")

    def display_rgba(self) -> np.ndarray:
        """The patch as 8-bit RGBA (alpha = mask)."""
        from muralstudio.core.imageio import to_rgb8

        rgba = np.empty(self.mask.shape + (4,), np.uint8)
        rgba[..., :3] = to_rgb8(self.pixels)
        rgba[..., 3] = self.mask * np.uint8(255)
        return rgba

    def prepare_display(self, convert=None) -> None:
        """Make the screen's image of the patch ahead, on the job's thread: its
        :meth:`display_rgba`, or what ``convert`` makes of that (the window's image) — thousands
        of flake patches of a 16-bit image took seconds to convert on the window's thread, and
        copying them into the window's images half a second more at 108 Mpx."""
        rgba = self.display_rgba()
        self.display = rgba if convert is None else convert(rgba)

    def take_display(self, convert):
        """The screen's image: the one made ahead, handed over once (the window keeps its
        own), else ``convert(display_rgba())`` made now."""
        made, self.display = self.display, None
        if made is None:
            return convert(self.display_rgba())
        return convert(made) if isinstance(made, np.ndarray) else made

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return int(self.x), int(self.y), self.mask.shape[1], self.mask.shape[0]


class RestorationLayer(Layer):
    """Restored patches (one per damaged region) and the record of how they were made.

    A *pending* layer is a proposal: it is shown but not part of the restored image until the
    user applies it.
    """

    kind = "restoration"
    PROPERTIES = Layer.PROPERTIES + ("pending",)

    def __init__(self, name: str, patches: list[Patch], record: RestorationRecord,
                 pending: bool = True, **kwargs):
        super().__init__(name, **kwargs)
        if not patches:
            raise ValueError("a restoration needs at least one patch")
        self.patches = list(patches)
        self.record = record
        self.pending = pending

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        """Union of the patches' boxes (x, y, w, h)."""
        x0 = min(p.x for p in self.patches)
        y0 = min(p.y for p in self.patches)
        x1 = max(p.x + p.bbox[2] for p in self.patches)
        y1 = max(p.y + p.bbox[3] for p in self.patches)
        return x0, y0, x1 - x0, y1 - y0

    @property
    def mask_pixels(self) -> int:
        return int(sum(p.mask.sum() for p in self.patches))

    @property
    def nbytes(self) -> int:
        return int(sum(p.pixels.nbytes + p.mask.nbytes for p in self.patches))


class NoteLayer(Layer):
    """A text note pinned at an image position."""

    kind = "note"
    PROPERTIES = Layer.PROPERTIES + ("text", "position")

    def __init__(self, name: str, text: str = "", position=(0, 0), **kwargs):
        super().__init__(name, **kwargs)
        self.text = text
        self.position = tuple(int(v) for v in position)


#: the object metadata a condition report starts with (Document properties dialog)
PROPERTY_FIELDS = ("site", "cave", "wall", "subject", "photographer", "date", "notes")


def scale_from_line(length_px: float, length: float, unit: str = "cm") -> float:
    """mm per pixel from a line of ``length_px`` pixels drawn over ``length`` ``unit`` (mm, cm, m)."""
    factor = {"mm": 1.0, "cm": 10.0, "m": 1000.0}.get(unit)
    if factor is None:
        raise ValueError(f"unit must be mm, cm or m, not {unit!r}")
    if not (length_px > 0 and length > 0):
        raise ValueError("the line and its length must both be longer than zero")
    return length * factor / length_px


#: what a reviewer does with a detector's proposed region
REVIEW_DECISIONS = ("accepted", "rejected")



#: a pixel change is kept for undo pixel by pixel (an 8-byte index and the old value each) when
#: its pixels are fewer than 1/SCATTERED_BELOW of the box they span, else as a copy of that box
SCATTERED_BELOW = 9

class Document:
    """Source image + layers + history. Open one with :meth:`open` or :meth:`from_array`."""

    def __init__(self, source: ImageSource, history_limit: int = DEFAULT_LIMIT_BYTES):
        self.source = source
        self.layers: list[Layer] = []
        self.history = History(history_limit)
        self.project_path: Path | None = None
        self.uid = uuid.uuid4().hex
        self.view: dict = {}
        self.label_classes = list(DEFAULT_LABEL_CLASSES)
        #: the physical scale set by the user (a line over a known length), else None: the file's DPI
        self.user_mm_per_px: float | None = None
        #: object metadata for reports (PROPERTY_FIELDS), saved in the project
        self.properties: dict[str, str] = {}
        #: the damage is drawn by core.synth (the demo), not photographed: the window then starts
        #: with the detector trained on such damage instead of the one for real walls
        self.synthetic_damage = False
        #: the detections run on this document and what the review made of their proposals
        #: (see :meth:`record_detection`), saved in the project: the condition report says how
        #: the damage was found
        self.detections: list[dict] = []
        #: per detector class, the pixels a reviewer rejected (bool, image size; made at the first
        #: rejection): no later threshold or detection proposes them again. Saved in the project
        self.rejected: dict[str, np.ndarray] = {}
        #: the last detection's probability maps per class (uint8, 0–255 = 0–1), kept with the
        #: project so that a review reopened still knows the detector's confidence (and the
        #: restore still asks about weak proposals)
        self.detection_probabilities: dict[str, np.ndarray] = {}
        self._source_sha256: str | None = None
        self._pyramid: Pyramid | None = None
        self._clean_index: int | None = 0
        self.layer_inserted = Event("document.layer_inserted")  # (index, layer)
        self.layer_removed = Event("document.layer_removed")  # (index, layer)
        self.layer_moved = Event("document.layer_moved")  # (old_index, new_index)
        self.layer_changed = Event("document.layer_changed")  # (layer, what, bbox)
        self.modified_changed = Event("document.modified_changed")  # (modified,)
        self.scale_changed = Event("document.scale_changed")  # (mm_per_px,): set, undone or redone
        self.history.changed.connect(self._history_changed)

    # construction ------------------------------------------------------------------------
    @classmethod
    def open(cls, path, max_pixels: int | None = None, **kwargs) -> "Document":
        return cls(FileSource(path, max_pixels=max_pixels), **kwargs)

    @classmethod
    def from_array(cls, pixels: np.ndarray, info: ImageInfo | None = None, name="untitled",
                   **kwargs) -> "Document":
        return cls(ArraySource(pixels, info, name), **kwargs)

    # basic facts -------------------------------------------------------------------------
    @property
    def mm_per_px(self) -> float | None:
        """Millimetres per pixel: the user's scale, else the file's resolution, else None."""
        if self.user_mm_per_px:
            return self.user_mm_per_px
        dpi = getattr(self.source.info, "dpi", None)
        return 25.4 / dpi[0] if dpi and dpi[0] else None

    @property
    def scale_origin(self) -> str | None:
        """"user", "file" or None (no scale known)."""
        if self.user_mm_per_px:
            return "user"
        return "file" if self.mm_per_px else None

    def set_scale(self, mm_per_px: float | None) -> None:
        """Set (or with None, clear) the user's scale: one undo step (a wrong length typed
        would otherwise stay in every area measured)."""
        if mm_per_px is not None and not (np.isfinite(mm_per_px) and mm_per_px > 0):
            raise ValueError(f"a scale must be a positive number of mm per pixel, not {mm_per_px}")
        old, new = self.user_mm_per_px, float(mm_per_px) if mm_per_px else None

        def assign(value):
            self.user_mm_per_px = value
            self.scale_changed.emit(self.mm_per_px)

        assign(new)
        self.history.record(CallbackChange(lambda: assign(old), lambda: assign(new)), "Set scale")

    def set_properties(self, properties: dict) -> None:
        self.properties = {k: str(v) for k, v in properties.items() if k in PROPERTY_FIELDS and str(v).strip()}
        self._clean_index = None
        self.modified_changed.emit(True)

    @property
    def info(self) -> ImageInfo:
        return self.source.info

    @property
    def width(self) -> int:
        return self.source.info.width

    @property
    def height(self) -> int:
        return self.source.info.height

    @property
    def title(self) -> str:
        return self.project_path.name if self.project_path else self.source_name

    @property
    def source_name(self) -> str:
        """The mural's own name: its image file's (a reopened project's title is the project
        file's), else the in-memory image's."""
        return self.source.path.name if self.source.path else getattr(self.source, "name", "untitled")

    def source_sha256(self, cancelled=None) -> str:
        """SHA-256 of the source file (or pixels for in-memory sources), computed once;
        ``cancelled()`` is polled between blocks of the file."""
        if self._source_sha256 is None:
            if self.source.path is not None:
                from muralstudio.core.pyramid import file_sha256

                check = getattr(self.source, "check_unchanged", lambda: None)
                check()  # the hash recorded must be of the file whose pixels are shown
                digest = file_sha256(self.source.path, cancelled=cancelled)
                check()
                self._source_sha256 = digest
            else:
                self._source_sha256 = self.source.identity.split("|", 1)[1]
        return self._source_sha256

    @property
    def cache_root(self) -> Path:
        """Pyramids live beside the project (``NAME.mural.cache``), never beside the original."""
        if self.project_path:
            return self.project_path.with_name(self.project_path.name + ".cache")
        return default_cache_root()

    def pyramid(self) -> Pyramid:
        if self._pyramid is None or self._pyramid.folder.parent != self.cache_root:
            self._pyramid = Pyramid(self.source, self.cache_root)
        return self._pyramid

    # modified state ----------------------------------------------------------------------
    @property
    def is_modified(self) -> bool:
        return self._clean_index != len(self.history.undo_stack) or self._clean_index is None

    def mark_clean(self, history_index: int | None = None) -> None:
        """The current state (or the state at ``history_index`` undo steps, for a save that
        started before later edits) is the saved one."""
        self._clean_index = len(self.history.undo_stack) if history_index is None else history_index
        self.modified_changed.emit(self.is_modified)

    def _history_changed(self) -> None:
        if self._clean_index is not None and self._clean_index > len(self.history.undo_stack) \
                and not self.history.redo_stack:
            self._clean_index = None  # the saved state was dropped from history
        self.modified_changed.emit(self.is_modified)

    # grouping ----------------------------------------------------------------------------
    def action(self, name: str):
        """``with doc.action("Brush stroke"): ...`` makes one undo step of the block."""
        return self.history.group(name)

    def undo(self) -> str | None:
        return self.history.undo()

    def redo(self) -> str | None:
        return self.history.redo()

    # layer list --------------------------------------------------------------------------
    def index_of(self, layer: Layer) -> int:
        for i, candidate in enumerate(self.layers):
            if candidate is layer:
                return i
        raise ValueError(f"{layer!r} is not in this document")

    def layer_by_name(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def layers_of_kind(self, kind: str) -> list[Layer]:
        return [layer for layer in self.layers if layer.kind == kind]

    def unique_name(self, base: str) -> str:
        names = {layer.name for layer in self.layers}
        if base not in names:
            return base
        n = 2
        while f"{base} {n}" in names:
            n += 1
        return f"{base} {n}"

    def _insert(self, index: int, layer: Layer) -> None:
        self.layers.insert(index, layer)
        self.layer_inserted.emit(index, layer)

    def _remove_at(self, index: int) -> None:
        layer = self.layers.pop(index)
        self.layer_removed.emit(index, layer)

    def add_layer(self, layer: Layer, index: int | None = None, action: str | None = None) -> Layer:
        if any(existing is layer for existing in self.layers):
            raise ValueError(f"{layer!r} is already in the document")
        if isinstance(layer, PixelLayer) and layer.data.shape != (self.height, self.width):
            raise ValueError(f"layer size {layer.data.shape[::-1]} does not match the image "
                             f"({self.width}×{self.height})")
        index = len(self.layers) if index is None else index
        self._insert(index, layer)
        self.history.record(CallbackChange(lambda: self._remove_at(self.index_of(layer)),
                                           lambda: self._insert(index, layer), layer.nbytes),
                            action or f"Add layer '{layer.name}'")
        return layer

    def remove_layer(self, layer: Layer) -> None:
        index = self.index_of(layer)
        self._remove_at(index)
        self.history.record(CallbackChange(lambda: self._insert(index, layer),
                                           lambda: self._remove_at(self.index_of(layer)),
                                           layer.nbytes),
                            f"Delete layer '{layer.name}'")

    def move_layer(self, layer: Layer, new_index: int) -> None:
        old_index = self.index_of(layer)
        new_index = max(0, min(new_index, len(self.layers) - 1))
        if old_index == new_index:
            return

        def move(src, dst):
            self.layers.insert(dst, self.layers.pop(src))
            self.layer_moved.emit(src, dst)

        move(old_index, new_index)
        self.history.record(CallbackChange(lambda: move(new_index, old_index),
                                           lambda: move(old_index, new_index)),
                            f"Move layer '{layer.name}'")

    def set_property(self, layer: Layer, name: str, value, amend: bool = False) -> None:
        """Set a layer property, undoably; ``amend``: as part of the last undo step (a
        consequence of it, undone with it) rather than a step of its own."""
        if name not in layer.PROPERTIES:
            raise AttributeError(f"{layer.kind} layers have no property {name!r}")
        old = getattr(layer, name)
        if old == value:
            return

        def assign(v):
            setattr(layer, name, v)
            layer.changed.emit(layer, name, None)
            self.layer_changed.emit(layer, name, None)

        assign(value)
        change = CallbackChange(lambda: assign(old), lambda: assign(value))
        (self.history.amend if amend else self.history.record)(change, f"Set {name} of '{layer.name}'")

    # detections and their review ----------------------------------------------------------
    def _set_detections(self, entries: list[dict], action: str) -> None:
        old = self.detections

        def assign(value):
            self.detections = value

        assign(entries)
        self.history.record(CallbackChange(lambda: assign(old), lambda: assign(entries)), action)

    def _detections_copy(self) -> list[dict]:
        """The records, copied down to each class's counts (the undo step keeps the old ones)."""
        return [dict(e, classes={k: dict(v) for k, v in e["classes"].items()},
                     **({"settings": dict(e["settings"])} if "settings" in e else {})) for e in self.detections]

    def record_detection(self, run: str, engine: str, weights_sha256: str | None, when: str,
                         classes: dict[str, dict], settings: dict | None = None) -> None:
        """Record what a detection proposed: ``classes`` maps a damage class to its
        ``threshold``, ``min_area``, ``proposed_regions`` and ``proposed_pixels``; ``settings``:
        the detector's (its working scale, …), which its proposals depend on. The same ``run``
        again (a re-threshold) replaces its proposals and keeps its review counts. Undoable, in
        the current action."""
        entries = self._detections_copy()
        entry = entries[-1] if entries and entries[-1].get("run") == run else None
        if entry is None:
            entry = {"run": run, "classes": {}}
            entries.append(entry)
        entry.update(engine=engine, weights_sha256=weights_sha256, time=when)
        if settings:
            entry["settings"] = dict(settings)
        for name, proposed in classes.items():
            counts = entry["classes"].setdefault(name, {f"{d}_{u}": 0 for d in REVIEW_DECISIONS for u in ("regions", "pixels")})
            counts.update(proposed)
        if entries != self.detections:  # a re-threshold that changes nothing is no undo step
            self._set_detections(entries, "Record detection")

    def reject_pixels(self, name: str, x0: int, y0: int, region: np.ndarray) -> None:
        """Remember ``region`` (a bool window at (x0, y0)) as rejected for class ``name``:
        undoable, in the current action (only the rejected pixels' bounding box is kept)."""
        rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
        if not rows.size:
            return
        region = region[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
        y0, x0 = y0 + int(rows[0]), x0 + int(cols[0])
        rejected = self.rejected.get(name)
        if rejected is None:
            rejected = self.rejected[name] = np.zeros((self.height, self.width), bool)
        bbox = (y0, y0 + region.shape[0], x0, x0 + region.shape[1])
        window = rejected[bbox[0]:bbox[1], bbox[2]:bbox[3]]
        self.history.record(PixelChange(rejected, bbox, window.copy(), lambda _bbox: None), "Reject")
        window |= region

    def count_review(self, name: str, accepted: bool, regions: int, pixels: int) -> None:
        """Count a review decision on proposals of class ``name`` against the last detection
        (a project reopened goes on with the detection it was saved with). Undoable, in the
        current action; nothing to count against, nothing happens."""
        if not self.detections or not regions:
            return
        entries = self._detections_copy()
        counts = entries[-1]["classes"].setdefault(name, {})
        decision = "accepted" if accepted else "rejected"
        counts[f"{decision}_regions"] = counts.get(f"{decision}_regions", 0) + int(regions)
        counts[f"{decision}_pixels"] = counts.get(f"{decision}_pixels", 0) + int(pixels)
        self._set_detections(entries, "Count review")

    # layer factories ---------------------------------------------------------------------
    def new_mask_layer(self, name: str = "damage", data: np.ndarray | None = None,
                       color=None, proposed: bool = False, purpose: str = "damage",
                       damage_class: str = "") -> MaskLayer:
        if data is None:
            data = np.zeros((self.height, self.width), np.uint8)  # lazily committed pages
        else:
            data = np.where(np.asarray(data) > 0, 255, 0).astype(np.uint8) if data.dtype == bool \
                else np.ascontiguousarray(data, dtype=np.uint8)
        color = color or self._distinct_mask_colour()
        return self.add_layer(MaskLayer(self.unique_name(name), data, color=color, proposed=proposed,
                                        purpose=purpose, damage_class=damage_class))

    def _distinct_mask_colour(self, apart: float = 80.0) -> tuple:
        """The next default mask colour, skipping those within ``apart`` (RGB distance) of a
        mask layer's colour already shown: a user's "loss 2" came out the magenta of accepted
        paint loss, and the legend told them apart by name only."""
        used = [np.array(layer.color, float) for layer in self.layers_of_kind("mask")]
        start = len(used) % len(DEFAULT_MASK_COLORS)
        order = DEFAULT_MASK_COLORS[start:] + DEFAULT_MASK_COLORS[:start]

        def nearest(colour) -> float:
            return min((float(np.linalg.norm(np.array(colour, float) - u)) for u in used), default=np.inf)

        return next((c for c in order if nearest(c) >= apart), max(order, key=nearest))

    def new_label_layer(self, name: str = "elements", data: np.ndarray | None = None,
                        classes=None, element_names: dict | None = None) -> LabelLayer:
        if data is None:
            data = np.zeros((self.height, self.width), np.uint8)
        return self.add_layer(LabelLayer(self.unique_name(name), np.ascontiguousarray(data, np.uint8),
                                         classes=classes or self.label_classes, element_names=element_names))

    def duplicate_layer(self, layer: Layer) -> Layer:
        """A copy of ``layer`` just above it (pixel data copied), undoable."""
        props = {k: v for k, v in layer.properties().items() if k in ("visible", "opacity", "locked")}
        name = self.unique_name(f"{layer.name} copy")
        if isinstance(layer, MaskLayer):
            copy = MaskLayer(name, layer.data.copy(), color=layer.color, purpose=layer.purpose, **props)
        elif isinstance(layer, LabelLayer):
            copy = LabelLayer(name, layer.data.copy(), classes=layer.classes,
                              element_names=layer.element_names, **props)
        elif isinstance(layer, RestorationLayer):
            copy = RestorationLayer(name, layer.patches, layer.record, pending=layer.pending, **props)
        elif isinstance(layer, NoteLayer):
            copy = NoteLayer(name, layer.text, layer.position, **props)
        else:
            raise ValueError(f"cannot duplicate {layer.kind} layers")
        return self.add_layer(copy, self.index_of(layer) + 1, action=f"Duplicate '{layer.name}'")

    def merge_mask_down(self, layer: MaskLayer) -> MaskLayer:
        """Union ``layer`` into the nearest mask layer below it of the same kind (damage into
        damage, never into a probability map or a detector's proposals, nor the other way) and
        remove it: one undo step."""
        below = [l for l in self.layers[:self.index_of(layer)] if isinstance(l, MaskLayer)
                 and isinstance(layer, MaskLayer) and (l.purpose, l.proposed) == (layer.purpose, layer.proposed)]
        if not isinstance(layer, MaskLayer) or not below:
            raise ValueError("merging needs a mask layer with another mask layer of the same kind below it")
        target = below[-1]
        with self.action(f"Merge '{layer.name}' into '{target.name}'"):
            self.set_layer_data(target, np.maximum(target.data, layer.data), "merge")
            self.remove_layer(layer)
        return target

    # pixel edits -------------------------------------------------------------------------
    def _notify_pixels(self, layer: Layer):
        def notify(bbox):
            layer.changed.emit(layer, "pixels", bbox)
            self.layer_changed.emit(layer, "pixels", bbox)
        return notify

    def _clipped(self, x: int, y: int, w: int, h: int) -> tuple[int, int, int, int] | None:
        """The part (x0, y0, x1, y1) of a w×h window at (x, y) that lies in the image; None if none."""
        x0, y0 = max(0, x), max(0, y)
        x1, y1 = min(self.width, x + w), min(self.height, y + h)
        return None if x1 <= x0 or y1 <= y0 else (x0, y0, x1, y1)

    def write_pixels(self, layer: PixelLayer, x: int, y: int, values: np.ndarray,
                     where: np.ndarray | None = None, action: str = "Paint") -> None:
        """Write ``values`` at (x, y) into a pixel layer, clipped to the image; undoable.

        ``where`` (bool, same shape) limits the write to some pixels (a brush dab). Only the
        touched bounding box is copied for undo.
        """
        if layer.locked:
            raise LayerLockedError(layer)
        values = np.asarray(values)
        clipped = self._clipped(x, y, values.shape[1], values.shape[0])
        if clipped is None:
            return
        x0, y0, x1, y1 = clipped
        values = values[y0 - y:y1 - y, x0 - x:x1 - x]
        target = layer.data[y0:y1, x0:x1]
        if where is not None:
            where = np.asarray(where, bool)[y0 - y:y1 - y, x0 - x:x1 - x]
            if not where.any():
                return
            # shrink the saved box to the pixels really touched
            ys, xs = np.flatnonzero(where.any(axis=1)), np.flatnonzero(where.any(axis=0))
            ty0, ty1, tx0, tx1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
            values, where = values[ty0:ty1, tx0:tx1], where[ty0:ty1, tx0:tx1]
            y0, y1, x0, x1 = y0 + ty0, y0 + ty1, x0 + tx0, x0 + tx1
            target = layer.data[y0:y1, x0:x1]
            new = np.where(where, values, target)
        else:
            new = values.astype(layer.data.dtype, copy=False)
        if np.array_equal(new, target):
            return
        self._replace_box(layer, (y0, y1, x0, x1), new, action)

    def fill_pixels(self, layer: PixelLayer, x: int, y: int, where: np.ndarray, value: int,
                    action: str = "Paint") -> None:
        """Set the pixels of ``where`` (a bool window at (x, y), clipped to the image) to
        ``value``; undoable. Pixels spread thin over a large box (every proposal of a layer) are
        saved for undo one by one — their indices and old values — instead of as the box: at
        108 Mpx that spares several whole-layer temporaries on the window's thread."""
        if layer.locked:
            raise LayerLockedError(layer)
        where = np.asarray(where, bool)
        clipped = self._clipped(x, y, where.shape[1], where.shape[0])
        if clipped is None:
            return
        x0, y0, x1, y1 = clipped
        where = where[y0 - y:y1 - y, x0 - x:x1 - x]
        count = int(np.count_nonzero(where))
        if not count:
            return
        rows = cols = None
        if count * SCATTERED_BELOW < where.size and layer.data.flags.c_contiguous:
            # flat indices (np.nonzero's row and column arrays took 15 times as long at 108 Mpx)
            rows, cols = np.divmod(np.flatnonzero(where), where.shape[1])
            box_area = (int(rows[-1]) - int(rows[0]) + 1) * (int(cols.max()) - int(cols.min()) + 1)
        if rows is None or count * SCATTERED_BELOW >= box_area:  # dense: the box is smaller
            self.write_pixels(layer, x0, y0, np.full(where.shape, value, layer.data.dtype), where, action)
            return
        index = (rows + y0).astype(np.int64) * self.width + (cols + x0)
        changed = layer.data.reshape(-1)[index] != value
        if not changed.any():
            return
        index, rows, cols = index[changed], rows[changed] + y0, cols[changed] + x0
        bbox = (int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1)
        self._replace_scattered(layer, index, value, bbox, action)

    def _replace_scattered(self, layer: PixelLayer, index: np.ndarray, values, bbox, action: str) -> None:
        """Write ``values`` at the flat ``index`` of the layer as one undo step that keeps those
        pixels' old values (``bbox``: the box they span, for the redraw)."""
        flat = layer.data.reshape(-1)  # a view: layers are C-contiguous
        saved = flat[index]
        flat[index] = values
        notify = self._notify_pixels(layer)
        self.history.record(ScatterChange(layer.data, index, saved, bbox, notify), action)
        notify(bbox)

    def _replace_box(self, layer: PixelLayer, box, new: np.ndarray, action: str) -> None:
        """Write ``new`` into the box (y0, y1, x0, x1) of the layer as one undo step."""
        y0, y1, x0, x1 = box
        target = layer.data[y0:y1, x0:x1]
        saved = target.copy()
        target[...] = new
        notify = self._notify_pixels(layer)
        self.history.record(PixelChange(layer.data, (y0, y1, x0, x1), saved, notify), action)
        notify((y0, y1, x0, x1))

    def set_layer_data(self, layer: PixelLayer, data: np.ndarray, action: str) -> None:
        """Replace a whole pixel layer (mask operations); only the changed box is kept."""
        data = np.asarray(data, np.uint8)
        if data.shape != layer.data.shape:
            raise ValueError("new data does not match the layer size")
        diff = data != layer.data
        changed = int(np.count_nonzero(diff))
        if not changed:
            return
        if layer.locked:
            raise LayerLockedError(layer)
        if changed * SCATTERED_BELOW < diff.size:  # few pixels: their box from their positions
            index = np.flatnonzero(diff)
            first_row, last_row = (int(i) // self.width for i in index[[0, -1]])  # indices ascend
            cols = index % self.width
            y0, y1, x0, x1 = bbox = (first_row, last_row + 1, int(cols.min()), int(cols.max()) + 1)
            if changed * SCATTERED_BELOW >= (y1 - y0) * (x1 - x0) or not layer.data.flags.c_contiguous:
                self._replace_box(layer, bbox, data[y0:y1, x0:x1], action)
                return
            # spread thin over the layer (a re-threshold): kept one by one, not as their box
            self._replace_scattered(layer, index, data.reshape(-1)[index], bbox, action)
            return
        rows, cols = np.flatnonzero(diff.any(axis=1)), np.flatnonzero(diff.any(axis=0))
        y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        # the change is known (no second comparison of a 100-MB layer on the window's thread)
        self._replace_box(layer, (y0, y1, x0, x1), data[y0:y1, x0:x1], action)

    # restorations ------------------------------------------------------------------------
    def add_restoration(self, patches: list[Patch], record: RestorationRecord,
                        name: str | None = None) -> RestorationLayer:
        """Add a restoration as a pending proposal (not yet part of the restored image)."""
        layer = RestorationLayer(self.unique_name(name or f"restored ({record.engine})"),
                                 patches, record, pending=True)
        return self.add_layer(layer, action=f"Propose restoration ({record.engine})")

    def apply_restoration(self, layer: RestorationLayer) -> None:
        with self.action(f"Apply restoration '{layer.name}'"):  # the history names what was done
            self.set_property(layer, "pending", False)

    def applied_records(self, include_pending: bool = False) -> list[RestorationRecord]:
        return [layer.record for layer in self.layers
                if isinstance(layer, RestorationLayer) and (include_pending or not layer.pending)]

    def pending_restorations(self) -> list[RestorationLayer]:
        return [layer for layer in self.layers if isinstance(layer, RestorationLayer) and layer.pending]

    def composite_region(self, x: int, y: int, w: int, h: int, include_pending: bool = False,
                         visible_only: bool = False) -> np.ndarray:
        """Source pixels with applied restorations pasted inside their masks, at source depth.

        The view passes ``include_pending`` and ``visible_only`` to show proposals and honour
        the eye toggles; exports use the applied restorations only, visible or not.
        """
        out = self.source.read_region(x, y, w, h)
        for layer in self.layers:
            if not isinstance(layer, RestorationLayer) or (layer.pending and not include_pending) \
                    or (visible_only and not layer.visible):
                continue
            for patch in layer.patches:
                px, py, pw, ph = patch.bbox
                ix0, iy0 = max(x, px), max(y, py)
                ix1, iy1 = min(x + w, px + pw), min(y + h, py + ph)
                if ix1 <= ix0 or iy1 <= iy0:
                    continue
                hole = patch.mask[iy0 - py:iy1 - py, ix0 - px:ix1 - px]
                region = out[iy0 - y:iy1 - y, ix0 - x:ix1 - x]
                region[hole] = patch.pixels[iy0 - py:iy1 - py, ix0 - px:ix1 - px][hole]
        return out

    def restored_image(self, include_pending: bool = False, visible_only: bool = False) -> np.ndarray:
        return self.composite_region(0, 0, self.width, self.height, include_pending, visible_only)

    def source_description(self) -> dict:
        from muralstudio.core.record import source_description

        return source_description(self.source.path, self.source_sha256(), self.info)
