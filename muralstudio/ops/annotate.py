"""Annotation sessions: label a crop of a mural with the product's own click segmenter and brush,
one command at a time, and keep what was done (the clicks, strokes and seconds) beside the label
map. This is how the project's own datasets are made (``muralstudio annotate``), so the records
double as a usability measure of the click tool on real murals.

A session lives in a folder: ``session.json`` (the crop, the class set, every element and
stroke in order, timestamps) and one cached mask PNG per element. The label map is the masks and
strokes painted in order (later ones win) over the class set's default class.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from muralstudio.core.imageio.common import json_text

CLASS_SETS = {
    # the element classes of ../shared/datasets/mural-labels (label value = index)
    "elements": ["background", "animal", "building", "cloud", "people", "Buddha"],
    # 0 = intact; "confusable" marks intact paint a detector must leave alone
    "damage": ["intact", "paint-loss", "crack", "confusable"],
}
# the window's label colours (core.document.DEFAULT_LABEL_CLASSES), so a map looks the same there
PALETTE = [(0, 0, 0), (230, 159, 0), (86, 180, 233), (240, 240, 240), (0, 158, 115), (213, 94, 0)]
DAMAGE_PALETTE = [(0, 0, 0), (255, 0, 255), (0, 255, 255), (60, 220, 60)]


#: "no saved label kept here" in a revision's kept.png
KEEP_NONE = 255
#: the line round a revision's kept pixels in ``show --kept`` (no class has it)
KEPT_COLOUR = (255, 220, 0)


class AnnotationError(ValueError):
    pass


@dataclass
class Element:
    """One clicked object: its class and the clicks that made it (x, y, positive) in crop pixels."""

    label: int
    clicks: list = field(default_factory=list)
    engine: str = "clicknet"
    kind: str = "element"
    #: keep only pixels within this many px of a positive click (a fleck in dark paint must not
    #: become the whole robe); None: no limit
    within: float | None = None
    #: clicks added per command, so the last command's clicks can be taken back (sessions made
    #: before it was recorded: empty, all clicks one round)
    rounds: list = field(default_factory=list)
    #: brought back from the saved crop by ``revise`` (not made in this session)
    saved: bool = False


def near_positive_clicks(clicks, radius: float, shape) -> np.ndarray:
    """Pixels within ``radius`` of a positive click (x, y, positive)."""
    import cv2

    near = np.zeros(shape, np.uint8)
    for x, y, positive in clicks:
        if positive:
            cv2.circle(near, (int(round(x)), int(round(y))), int(round(radius)), 1, -1)
    return near > 0


MIN_CONTRAST = 10.0  # Lab units between a fleck and the paint around it
RIM = 1.5  # the rim a little beyond the disk: the paint around the fleck, not its own edge


def fleck_region(rgb: np.ndarray, x: float, y: float, radius: float) -> np.ndarray:
    """The small loss under a click, found by colour alone: pixels within ``radius`` of (x, y)
    whose Lab colour is nearer the clicked pixel's than the colour at the disk's rim, connected
    to the click; empty when the click's colour is hardly unlike the rim's. Used where the
    click model took the paint around a fleck."""
    import cv2
    from scipy import ndimage

    h, w = rgb.shape[:2]
    cx, cy, r = int(round(x)), int(round(y)), max(2, int(round(radius)))
    x0, y0, x1, y1 = max(0, cx - r), max(0, cy - r), min(w, cx + r + 1), min(h, cy + r + 1)
    lab = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1, :3]), cv2.COLOR_RGB2LAB).astype(np.float32)
    px, py = cx - x0, cy - y0
    seed = np.median(lab[max(0, py - 1):py + 2, max(0, px - 1):px + 2].reshape(-1, 3), axis=0)
    yy, xx = np.mgrid[0:lab.shape[0], 0:lab.shape[1]]
    distance = np.hypot(xx - px, yy - py)
    rim = np.median(lab[(distance > r - 3) & (distance <= r)], axis=0)
    out = np.zeros((h, w), bool)
    if np.linalg.norm(seed - rim) < MIN_CONTRAST:  # the click's colour goes on past the rim
        return out
    nearer = (np.linalg.norm(lab - seed, axis=2) < np.linalg.norm(lab - rim, axis=2)) & (distance <= r)
    parts, _ = ndimage.label(nearer)
    if parts[py, px]:
        out[y0:y1, x0:x1] = parts == parts[py, px]
    return out


def limit_to_clicks(mask: np.ndarray, rgb: np.ndarray, clicks, radius: float,
                    flooded_share: float = 0.6) -> np.ndarray:
    """``--within``: keep the click model's mask within ``radius`` of its positive clicks; where
    it fills most of a click's disk (it took the dark paint around a fleck, and clipping would
    leave a plain disk), the fleck's own colour region replaces it there. Measured by
    ``bench/click_small_losses.py``."""
    shape = mask.shape
    kept = mask & near_positive_clicks(clicks, radius, shape)
    for x, y, positive in clicks:
        if not positive:
            continue
        disk = near_positive_clicks([(x, y, True)], radius, shape)
        if (mask & disk).sum() > flooded_share * disk.sum():
            fleck = fleck_region(rgb, x, y, RIM * radius) & disk
            if fleck.any():  # else a uniform region: the clipped mask is the honest answer
                kept = (kept & ~disk) | fleck
    return kept


def pale_fleck_candidates(rgb: np.ndarray, radius: int = 4, contrast: float = 45.0,
                          where: np.ndarray | None = None, marked: np.ndarray | None = None,
                          min_area: int = 1, wholly: bool = False, dark: float | None = None,
                          max_area: int | None = None) -> list[dict]:
    """Pale specks smaller than a disk of ``radius`` standing out by at least ``contrast`` (Lab
    lightness, 0–255 scale) from the paint around them — where flakes of loss show the ground
    through dark paint — as candidates for an annotator to judge: ``x``, ``y`` (centre),
    ``area`` and ``contrast``, strongest first. ``where``: only specks touching these pixels.
    ``marked``: pixels already labelled as the class being marked; a speck on them and at least
    half within a pixel of them gets ``marked`` True (listed, so the numbers stay those of the first listing; a
    lower contrast lists a fleck marked before as a slightly larger speck, still marked). ``min_area``:
    leave out smaller specks (on grainy photographs most candidates are 1–2 px of print grain);
    ``max_area`` larger ones (neighbouring specks joined into patches that cover the view).
    ``wholly``: only specks lying wholly in ``where`` (those straddling a robe's edge were most of
    what two annotators rejected: pale ground beside the paint). ``dark``: only specks in paint
    darker than this (Lab lightness 0–255 of the paint with the speck taken away, on average over
    it): the flecks in black bands and robes, whether or not they are marked confusable."""
    import cv2

    from muralstudio.core.maskops import lab_lightness, pale_speck_rise

    lightness = lab_lightness(rgb)
    rise = pale_speck_rise(rgb, radius, lightness)
    near_marked = None if marked is None else cv2.dilate(marked.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    count, parts, stats, centres = cv2.connectedComponentsWithStats((rise >= contrast).astype(np.uint8), connectivity=8)
    found = []
    for index in range(1, count):
        if stats[index, cv2.CC_STAT_AREA] < min_area or (max_area and stats[index, cv2.CC_STAT_AREA] > max_area):
            continue
        region = parts == index
        if where is not None and not (where[region].all() if wholly else where[region].any()):
            continue
        if dark is not None and float((lightness - rise)[region].mean()) >= dark:
            continue
        contours, _ = cv2.findContours(region.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        outline = max(contours, key=len).reshape(-1, 2)
        found.append({"x": int(round(centres[index][0])), "y": int(round(centres[index][1])),
                      "area": int(stats[index, cv2.CC_STAT_AREA]), "contrast": float(rise[region].max()),
                      # on the marks, and half of it within a pixel of them: a neighbour beside
                      # a typed polygon (a pixel larger all round) is not marked
                      "marked": bool(near_marked is not None and marked[region].any()
                                     and near_marked[region].mean() >= 0.5),
                      # the speck's own boundary pixels: filled, they give back exactly its pixels
                      "outline": [[int(x), int(y)] for x, y in outline]})
    return sorted(found, key=lambda c: -c["contrast"])


#: the candidate tiles of ``annotate flecks --tiles``: size (output px), columns, a page's count
TILE_PX, TILE_GAP, TILE_LABEL_PX, TILE_COLUMNS = 112, 4, 18, 6
TILES_PER_PAGE = 8 * TILE_COLUMNS


#: grid lines of a zoomed view at least this many output px apart, so their numbers can be read
GRID_SPACING_PX = 44


def grid_step(wanted: int, scale: float) -> int:
    """A grid step of crop pixels (1, 2, 5, 10, 20, 25, 50, 100 …) at least ``wanted`` (and 1)
    whose lines lie :data:`GRID_SPACING_PX` apart or more at ``scale`` output px per crop px: a
    zoom on a whole crop at 2× with lines every 10 px had numbers written over each other."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if step >= max(1, wanted) and step * scale >= GRID_SPACING_PX:
            return step
    return 10000


LABEL_FONT_SCALE = 0.38


def grid_labels(x0: int, y0: int, w: float, h: float, step: int, scale: float) -> list[tuple[str, tuple]]:
    """The grid's numbers and where they go: x along the top, y down the left side. A y number
    that would fall in the top row of x numbers is left out (a zoom starting on a grid line wrote
    both numbers in the top-left corner, one over the other); its line is the next one's step
    away from a labelled one."""
    labels = [(str(gx), (int((gx - x0) * scale) + 2, 12))
              for gx in range((x0 + step - 1) // step * step, int(x0 + w), step)]
    for gy in range((y0 + step - 1) // step * step, int(y0 + h), step):
        if (gy - y0) * scale >= 16:  # the x numbers' row ends 15 px down (baseline 12, outline)
            labels.append((str(gy), (2, int((gy - y0) * scale) + 12)))
    return labels


def _label(image: np.ndarray, text: str, origin) -> None:
    """Yellow grid numbers with a dark edge, readable on pale plaster and on dark paint alike."""
    import cv2

    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, LABEL_FONT_SCALE, (0, 0, 0), 3)
    cv2.putText(image, text, origin, cv2.FONT_HERSHEY_SIMPLEX, LABEL_FONT_SCALE, (255, 255, 0), 1)


def parse_numbers(text: str, count: int, what: str = "candidate", option: str = "--accept") -> list[int]:
    """``"0,3,7-9"`` → [0, 3, 7, 8, 9], each checked against ``count`` candidates (or items)."""
    numbers = []
    for part in (p.strip() for p in str(text).split(",") if p.strip()):
        first, _, last = part.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            raise AnnotationError(f"{option} takes {what} numbers like 0,3,7-9, not {part!r}") from None
        if not 0 <= low <= high < count:
            listed = f"0–{count - 1}" if count else "none"
            raise AnnotationError(f"{what} {part} is not among the {count} listed ({listed})")
        numbers += range(low, high + 1)
    if not numbers:
        raise AnnotationError(f"{option} takes {what} numbers like 0,3,7-9, not {text!r}")
    return sorted(set(numbers))


def flattened_lightness(rgb: np.ndarray, background_sigma: float = 6.0, smooth_sigma: float = 1.2) -> np.ndarray:
    """A grey view for fine cracks: the Lab lightness, lightly smoothed (print grain fades), less
    its blur at ``background_sigma`` px (the wall's shading and mottling go), stretched to 0–255
    between its 1st and 99th percentiles. A crack a pixel wide stays a continuous dark line."""
    import cv2

    from muralstudio.core.maskops import lab_lightness

    lightness = lab_lightness(rgb)
    detail = cv2.GaussianBlur(lightness, (0, 0), smooth_sigma) - cv2.GaussianBlur(lightness, (0, 0), background_sigma)
    low, high = np.percentile(detail, (1, 99))
    return np.clip((detail - low) / max(high - low, 1e-6) * 255, 0, 255).astype(np.uint8)


def hole_free_outlines(piece: np.ndarray) -> list[list[list[float]]]:
    """Polygons (x, y vertex lists) that fill exactly the 8-connected ``piece``: its outer
    boundary pixels, and where it has holes (a ring round a dark island), cut first at the column
    through a hole, recursively, since a filled outline would fill the hole too."""
    import cv2

    contours, hierarchy = cv2.findContours(piece.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    holes = [c for c, h in zip(contours, hierarchy[0]) if h[3] >= 0]
    if holes:
        column = int(np.median(holes[0][:, 0, 0]))
        left, right = piece.copy(), piece.copy()
        left[:, column:] = False
        right[:, :column] = False
        polygons = []
        for half in (left, right):
            count, parts = cv2.connectedComponents(half.astype(np.uint8), connectivity=8)
            for part in range(1, count):
                polygons += hole_free_outlines(parts == part)
        return polygons
    return [polygon_vertices(max(contours, key=len)[:, 0, :].tolist())]


def stroke_pixels(shape, points, radius: float) -> np.ndarray:
    """The pixels a brush stroke of ``radius`` along ``points`` paints (at least 1 px wide)."""
    import cv2

    canvas = np.zeros(shape, np.uint8)
    pts = np.round(np.asarray(points, np.float64)).astype(np.int32)
    r = max(1, int(round(radius)))
    cv2.polylines(canvas, [pts], False, 1, thickness=2 * r, lineType=cv2.LINE_8)
    for px, py in pts:
        cv2.circle(canvas, (int(px), int(py)), r, 1, -1)
    return canvas.astype(bool)


def polygon_vertices(outline) -> list[list[float]]:
    """Boundary pixels (x, y) as a polygon's vertices; a one- or two-pixel speck gets its last
    pixel repeated, a degenerate polygon that still fills it."""
    outline = list(outline)
    while len(outline) < 3:
        outline = outline + outline[-1:]
    return [[float(x), float(y)] for x, y in outline]


def _in_view(point, box) -> bool:
    """Whether crop pixel ``point`` (x, y) lies in the zoom ``box`` (x, y, w, h; None: all)."""
    if box is None:
        return True
    x0, y0, bw, bh = box
    return x0 <= point[0] < x0 + bw and y0 <= point[1] < y0 + bh


def _label_spot(mask: np.ndarray, box=None) -> tuple[float, float] | None:
    """Where to write an item's number: its pixel nearest its centre (a ring's centre is not on
    it), relative to ``box`` (x, y, w, h) when zoomed; None when nothing of it is in view."""
    if box is not None:
        x0, y0, bw, bh = box
        mask = mask[y0:y0 + bh, x0:x0 + bw]
    ys, xs = np.nonzero(mask)
    if not xs.size:
        return None
    k = int(np.argmin((xs - xs.mean()) ** 2 + (ys - ys.mean()) ** 2))
    return float(xs[k]), float(ys[k])


@dataclass
class Stroke:
    """A brush stroke (a polyline of ``radius``) or a filled polygon painting ``label``."""

    label: int
    points: list
    radius: float = 0.0
    kind: str = "stroke"  # "stroke" or "polygon"
    #: the points as typed, when the stroke was snapped onto the line they follow
    typed: list | None = None
    #: brought back from the saved crop by ``revise`` (not made in this session)
    saved: bool = False
    #: a polygon's holes, each a vertex list left unpainted inside it (a halo's ring round the
    #: head it frames)
    holes: list = field(default_factory=list)


def class_names(class_set: str) -> list[str]:
    try:
        return CLASS_SETS[class_set]
    except KeyError:
        raise AnnotationError(f"unknown class set {class_set!r} (choose {', '.join(CLASS_SETS)})") from None


#: the classes whose clicks mark damage: a click on a fleck takes the fleck (clicknet's target)
DAMAGE_CLASS_NAMES = ("paint-loss", "crack")


def engine_for_class(engine: str, label_name: str) -> str:
    """The click engine of a new element: for loss and crack marks ``clicknet`` is told its
    clicks mark damage, unless the session's spec already says what it targets (kept with the
    element, so replaying its clicks later gives the same mask)."""
    from muralstudio.engines.registry import split_spec
    from muralstudio.engines.segmentation import damage_settings

    name, settings = split_spec(engine)
    if label_name.lower() not in DAMAGE_CLASS_NAMES or "target" in settings:
        return engine
    extra = damage_settings(name)  # the window's click tool asks the same
    return engine + "".join(f":{key}={value}" for key, value in extra.items())


def class_index(class_set: str, name: str) -> int:
    names = class_names(class_set)
    lowered = [n.lower() for n in names]
    if name.lower() not in lowered:
        raise AnnotationError(f"unknown class {name!r} for {class_set} (choose {', '.join(names)})")
    return lowered.index(name.lower())


#: a pause between two commands longer than this counts as this much work (a session left
#: open — a reviewer opening eight at once, a lunch break — is not time spent on the crop)
IDLE_SECONDS = 180.0


def active_seconds(times: list[float], idle: float = IDLE_SECONDS) -> float:
    """Seconds of work in a session whose commands ran at ``times``: the gaps between them, each
    at most ``idle``."""
    return round(float(sum(min(b - a, idle) for a, b in zip(times, times[1:]))), 1)


def crop_name(stem: str, box, width: int, height: int) -> str:
    """``STEM`` for the whole image, ``STEM-xXyY`` for a crop of it."""
    x, y, w, h = box
    return stem if (x, y, w, h) == (0, 0, width, height) else f"{stem}-x{x}y{y}"


#: commands that only look (or save) and change no item
LOOKS = ("show", "flecks", "list", "save")


class Session:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        path = self.folder / "session.json"
        if not path.is_file():
            raise AnnotationError(f"{self.folder}: no annotation session here (start one with 'annotate new')")
        self.data = json.loads(path.read_text(encoding="utf-8"))
        self.items = [Element(**a) if a["kind"] == "element" else Stroke(**a) for a in self.data["items"]]
        self._crop = None  # read once per command
        self._base = None  # the saved label map of a revised crop, likewise
        self._kept = None  # its saved labels the replayed items do not reproduce, likewise
        self._segmenters = {}  # engine spec -> warm segmenter: a revise replays many elements

    # -- creation -----------------------------------------------------------------------------
    @staticmethod
    def _make_room(folder: Path, replace: bool) -> None:
        """Refuse to start over a session whose work is not saved (unless ``replace``), then
        clear the files a session keeps, so none of the old one's elements linger."""
        path = folder / "session.json"
        if path.is_file() and not replace:
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                old = {}  # damaged: nothing to keep
            edits = [c["time"] for c in old.get("commands", []) if c.get("command") not in ("new", "save")]
            if old.get("items") and edits and (not old.get("saved") or max(edits) > old["saved"]):
                raise AnnotationError(
                    f"{folder}: holds a session of {old.get('name')} with {len(old['items'])} items not saved "
                    f"since their last change; save it ('annotate save'), choose another folder, or add "
                    f"--replace to discard it")
        for pattern in ("session.json", "element-*.png", "moving-*.png", "kept.png", "base.png", "tightened.png"):
            for stale in folder.glob(pattern):
                stale.unlink()

    @classmethod
    def create(cls, folder: Path, image: Path, class_set: str, box=None, engine: str = "clicknet",
               replace: bool = False) -> "Session":
        from muralstudio.core import imageio

        class_names(class_set)
        info = imageio.read_header(image)
        x, y, w, h = box or (0, 0, info.width, info.height)
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > info.width or y + h > info.height:
            raise AnnotationError(f"{image}: crop {x},{y},{w},{h} is not inside the "
                                  f"{info.width}×{info.height} image")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        cls._make_room(folder, replace)
        data = {"image": str(image), "stem": Path(image).stem, "box": [x, y, w, h],
                "name": crop_name(Path(image).stem, (x, y, w, h), info.width, info.height),
                "classes": class_set, "engine": engine, "items": [], "commands": [],
                "started": time.time(), "saved": None}
        (folder / "session.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
        session = cls(folder)
        session._log("new")
        return session

    @classmethod
    def revise(cls, folder: Path, dataset: Path, name: str, murals: Path, items: bool = True,
               replace: bool = False) -> "Session":
        """Reopen a saved crop of ``dataset`` to add to or correct its labels (a second look, a
        reviewer's completion). With ``items`` its saved items come back — elements re-segmented
        from their clicks, strokes and polygons as drawn — so a wrong mark is listed, deleted,
        moved or relabelled like one just made; saved pixels the replay does not reproduce (an
        element made by an older click model, say) are kept as saved, over the saved items and
        under new ones. Without ``items`` the saved map is a flat base the new items paint over.
        The save keeps the earlier annotators and seconds in the record."""
        from muralstudio.core import imageio
        from muralstudio.core.datasets import list_images

        dataset = Path(dataset)
        record_path = dataset / "records" / f"{name}.json"
        labels_path = dataset / "labels" / f"{name}.png"
        if not record_path.is_file() or not labels_path.is_file():
            raise AnnotationError(f"{dataset}: no saved crop {name!r} (records/{name}.json and labels/{name}.png)")
        record = json.loads(record_path.read_text(encoding="utf-8"))
        image = next((p for p in list_images(murals) if p.stem == record["image"]), None)
        if image is None:
            raise AnnotationError(f"{record_path}: its image {record['image']} is not in {murals}")
        class_set = next((k for k, v in CLASS_SETS.items() if v == record["classes"]), None)
        if class_set is None:
            raise AnnotationError(f"{record_path}: unknown classes {record['classes']}")
        saved = imageio.read_label_map(labels_path)
        if saved.shape != (record["box"][3], record["box"][2]):
            raise AnnotationError(f"{labels_path}: its size differs from the crop {record['box']}")
        session = cls.create(folder, image, class_set, tuple(record["box"]), record.get("engine", "clicknet"),
                             replace=replace)
        session.data["revising"] = {key: record.get(key) for key in
                                    ("annotator", "seconds", "active_seconds", "commands", "items", "notes",
                                     "revisions")}
        if not items:
            imageio.write_png(session.folder / "base.png", saved)
            session._write()
            return session
        session.items = [Element(**{**a, "saved": True}) if a["kind"] == "element" else Stroke(**{**a, "saved": True})
                         for a in record.get("items") or []]
        for index, item in enumerate(session.items):
            if item.kind == "element" and item.clicks:
                session._segment(index, replay=True)
        replayed = session._paint(kept=None)
        kept = np.where(replayed != saved, saved, KEEP_NONE).astype(np.uint8)
        imageio.write_png(session.folder / "kept.png", kept)
        session.data["revising"]["restored"] = session.data["revising"]["kept_before"] = len(session.items)
        session.data["revising"]["kept_pixels"] = int((kept != KEEP_NONE).sum())
        session._write()
        return session

    # -- state --------------------------------------------------------------------------------
    def crop(self) -> np.ndarray:
        from muralstudio.core import imageio

        if self._crop is None:
            x, y, w, h = self.data["box"]
            self._crop = imageio.to_rgb8(imageio.read_region(Path(self.data["image"]), x, y, w, h))
        return self._crop

    @property
    def shape(self) -> tuple[int, int]:
        return self.data["box"][3], self.data["box"][2]

    def log_view(self, command: str) -> None:
        """Record a look (``show``, a fleck listing, ``list``): judging candidates is work, and
        the active seconds and command count left it out."""
        self._log(command)

    def _log(self, command: str) -> None:
        if command not in ("tighten", *LOOKS) and self.data.get("tightened"):
            # an edit after a tighten: undo no longer brings the tightened item back
            self.data["tightened"] = None
            (self.folder / "tightened.png").unlink(missing_ok=True)
        self.data["commands"].append({"command": command, "time": time.time()})
        self._write()

    def _write(self) -> None:
        self.data["items"] = [asdict(i) for i in self.items]
        path = self.folder / "session.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1), encoding="utf-8")
        tmp.replace(path)

    def _mask_path(self, index: int) -> Path:
        return self.folder / f"element-{index}.png"

    def _check_point(self, x: float, y: float, on_border: bool = False) -> None:
        """Clicks fall on a pixel (0 … w-1); stroke and polygon vertices may also lie on the
        crop's far border (w, h), where an outline along the edge naturally ends."""
        h, w = self.shape
        inside = (0 <= x <= w and 0 <= y <= h) if on_border else (0 <= x < w and 0 <= y < h)
        if not inside:
            raise AnnotationError(f"point {x:g},{y:g} is outside the {w}×{h} crop")

    # -- commands -----------------------------------------------------------------------------
    def click(self, label_name: str | None, clicks: list[tuple[float, float, bool]],
              element: int | None = None, within: float | None = None, on_top: bool = False) -> int:
        """Add clicks to element ``element`` (a new element of ``label_name`` when None) and
        re-segment it with all its clicks; returns the element's index. ``within``: keep only
        pixels that close to a positive click (kept with the element for later clicks). A new
        confusable element goes under the damage marks unless ``on_top`` (:meth:`_place`)."""
        for x, y, _ in clicks:
            self._check_point(x, y)
        if element is None:
            if label_name is None:
                raise AnnotationError("a new element needs a class")
            item = Element(class_index(self.data["classes"], label_name),
                           engine=engine_for_class(self.data["engine"], label_name))
            self.items.append(item)
            element, new = len(self.items) - 1, True
        else:
            new = False
            if not (0 <= element < len(self.items)) or self.items[element].kind != "element":
                raise AnnotationError(f"no clicked element {element}")
            item = self.items[element]
            if label_name is not None:
                item.label = class_index(self.data["classes"], label_name)
        item.clicks.extend([float(x), float(y), bool(p)] for x, y, p in clicks)
        if clicks:
            item.rounds = (item.rounds or [len(item.clicks) - len(clicks)]) + [len(clicks)]
            item.rounds = [n for n in item.rounds if n]
        if within is not None:
            if within <= 0:
                raise AnnotationError(f"--within must be a positive radius in pixels, not {within:g}")
            item.within = float(within)
        if clicks:
            self._segment(element, replay=False)
        if new:
            element = self.data["last_added"] = element if on_top else self._place(element)
        self.data["last_clicked"] = element
        self._log("click")
        return element

    def _place(self, index: int) -> int:
        """Where a new item goes in the painting order: a confusable mark (a dark robe, hair)
        under the first paint-loss or crack mark, since damage inside intact dark paint is
        still damage and an outline drawn round the robe afterwards must not cover the flecks
        marked in it (annotators lost marks that way); anything else stays last. In a revision
        whose saved map the replay does not wholly reproduce, not below the saved items."""
        names = class_names(self.data["classes"])
        if "confusable" not in names or self.items[index].label != names.index("confusable"):
            return index
        damage = {names.index(n) for n in DAMAGE_CLASS_NAMES if n in names}
        # a revision's kept pixels (saved ones its replay does not reproduce, any class, intact
        # too) are painted right after the last saved item: stay above them, or they would
        # punch holes in the new mark
        lowest = 0
        if (self.data.get("revising") or {}).get("kept_pixels"):
            lowest = self.kept_boundary()
        first = next((i for i, item in enumerate(self.items[:index]) if i >= lowest and item.label in damage), None)
        if first is None:
            return index
        self._moved(index, first)
        return first

    def _segment(self, index: int, replay: bool) -> None:
        """Write element ``index``'s mask from its clicks: refined from the stored mask by the
        last round (as clicking does), or, ``replay``, rebuilt round by round from nothing (the
        model refines its previous mask, so taking a click back means replaying the others)."""
        from muralstudio.core import imageio
        from muralstudio.engines import segmentation

        item = self.items[index]
        h, w = self.shape
        if item.engine not in self._segmenters:
            self._segmenters[item.engine] = segmentation.create_from_spec(item.engine)
        model = self._segmenters[item.engine].session(self.crop())
        if replay:
            ends = np.cumsum(item.rounds or [len(item.clicks)])
            previous = None
        else:
            ends = [len(item.clicks)]
            path = self._mask_path(index)
            previous = imageio.read_mask(path) > 0 if path.exists() else None
        for end in ends:
            clicks = [segmentation.Click(x, y, p) for x, y, p in item.clicks[:end]]
            mask = model.predict(clicks, previous).full_mask(h, w)
            if item.within:
                mask = limit_to_clicks(mask, self.crop(), item.clicks[:end], item.within)
            previous = mask
        imageio.write_png(self._mask_path(index), previous.astype(np.uint8) * 255)

    def undo_click(self, element: int | None = None, one: bool = False) -> int | None:
        """Take back the clicks of the last command on element ``element`` (default: the element
        clicked last) — ``one``: only the last click given — and re-segment it from the clicks
        before; an element left without clicks is removed. Returns the element's index, or None
        when it was removed."""
        if element is None:
            element = self.data.get("last_clicked")
            if element is None:
                elements = [i for i, item in enumerate(self.items) if item.kind == "element"]
                element = elements[-1] if elements else None
        if element is None or not (0 <= element < len(self.items)) or self.items[element].kind != "element":
            raise AnnotationError("no clicked element to take a click back from"
                                  if element is None else f"no clicked element {element}")
        item = self.items[element]
        rounds = item.rounds or [len(item.clicks)]
        taken = 1 if one else rounds[-1]
        del item.clicks[len(item.clicks) - taken:]
        item.rounds = rounds[:-1] + ([rounds[-1] - taken] if rounds[-1] > taken else [])
        if not item.clicks:
            self.delete(element)
            return None
        self._segment(element, replay=True)
        self._log("undo-click")
        return element

    def stroke_points(self, points, polygon: bool = False) -> list[tuple[float, float]]:
        """``points`` as :meth:`stroke` takes them — a vertex up to a pixel outside the crop (on a
        border pixel's outer edge) pulled in — or an AnnotationError saying what is wrong (checked
        for every line of a file before any is drawn)."""
        h, w = self.shape
        points = [(min(max(float(x), 0.0), float(w)) if -1 <= x <= w + 1 else x,
                   min(max(float(y), 0.0), float(h)) if -1 <= y <= h + 1 else y) for x, y in points]
        for x, y in points:
            self._check_point(x, y, on_border=True)
        if len(points) < (3 if polygon else 1):
            raise AnnotationError("a polygon needs 3 points" if polygon else "a stroke needs a point")
        return points

    def stroke(self, label_name: str, points, radius: float, polygon: bool = False,
               snap: float | None = None, line: str | None = None, on_top: bool = False,
               holes=()) -> int:
        """Paint a stroke (or a filled polygon); returns its index. ``snap``: first slide the
        stroke up to that many px onto the thin line it follows (``line`` "dark", "light", or
        None for either), so a crack typed a pixel or two off lands on the crack. A confusable
        mark goes under the damage marks unless ``on_top`` (:meth:`_place`)."""
        from muralstudio.core import maskops

        h, w = self.shape
        points = self.stroke_points(points, polygon)
        typed = [[float(x), float(y)] for x, y in points]
        if snap is not None and not polygon:
            if snap <= 0:
                raise AnnotationError(f"--snap must be a positive distance in pixels, not {snap:g}")
            if line not in (None, "dark", "light"):
                raise AnnotationError(f"--line is dark or light, not {line!r}")
            gray = self.crop().astype(np.float32).mean(axis=2) / 255.0
            snapped = maskops.snap_to_line(gray, typed, snap, None if line is None else line == "dark")
            points = [[min(max(x, 0.0), w - 1.0), min(max(y, 0.0), h - 1.0)] for x, y in snapped]
        else:
            points, typed = typed, None
        if holes and not polygon:
            raise AnnotationError("holes are cut out of a polygon, not a stroke")
        holes = [[[float(x), float(y)] for x, y in self.stroke_points(hole, polygon=True)] for hole in holes]
        self.items.append(Stroke(class_index(self.data["classes"], label_name), points, float(radius),
                                 "polygon" if polygon else "stroke", typed, holes=holes))
        index = self.data["last_added"] = len(self.items) - 1 if on_top else self._place(len(self.items) - 1)
        self._log("polygon" if polygon else "stroke")
        return index

    def fleck_listing_differs(self, options: dict) -> list[str]:
        """The options in which ``options`` differ from those of the last fleck listing: the
        numbers ``--accept`` takes are those of a listing with the same ones (an annotator
        accepted the wrong specks after listing with another contrast)."""
        last = self.data.get("fleck_listing")
        return [] if last is None else [key for key, value in options.items() if last.get(key) != value]

    def remember_fleck_listing(self, options: dict) -> None:
        self.data["fleck_listing"] = options
        self._write()

    def accept_flecks(self, label_name: str, candidates: list[dict], numbers: list[int],
                      listed_as: str | None = None) -> list[int]:
        """Mark the chosen candidate specks (:func:`pale_fleck_candidates`) as ``label_name``, each
        as a polygon along its own boundary pixels — exactly the speck, where a typed polygon
        around a 3–10 px fleck comes out a pixel larger all round. One item per speck; specks
        already of that class are skipped (accepting a number twice adds nothing): those listed
        as marked when the listing's class (``listed_as``, default the same) is this one, and
        any whose pixels all have it already."""
        label = class_index(self.data["classes"], label_name)
        same_class = listed_as in (None, label_name)
        labels = self.label_map()
        added = []
        for number in numbers:
            if same_class and candidates[number].get("marked"):
                continue
            self.items.append(Stroke(label, polygon_vertices(candidates[number]["outline"]), 0.0, "polygon"))
            if (labels[self.item_mask(len(self.items) - 1)] == label).all():
                self.items.pop()  # already that class, every pixel
                continue
            added.append(len(self.items) - 1)
        self.data["last_added"] = added[-1] if added else self.data.get("last_added")
        self._log("accept-flecks")
        return added

    def tighten(self, index: int, lighter: float | None = None, darker: float | None = None,
                min_area: int = 3) -> list[int]:
        """Replace item ``index`` by polygons tracing only its pixels lighter than ``lighter`` (or
        darker than ``darker``; Lab lightness 0–255), gaps of a pixel between them joined and
        pieces under ``min_area`` px left out: a rough polygon drawn round pale flakes in black
        paint loses the black between them (a reviewer scripted this to replace six box-like
        polygons; another painted intact strokes over a giant one). The pieces take the item's
        class and place in the painting order, and cover exactly the pixels kept (a piece with
        holes is cut into pieces without). Returns their numbers; :meth:`undo` right after
        brings the item back."""
        import cv2

        from muralstudio.core.maskops import lab_lightness

        if not (0 <= index < len(self.items)):
            raise AnnotationError(f"no item {index}")
        if (lighter is None) == (darker is None):
            raise AnnotationError("tighten keeps the pixels lighter than L (--lighter L) or darker than L (--darker L)")
        mask = self.item_mask(index)
        lightness = lab_lightness(self.crop())
        kept = mask & (lightness > lighter if lighter is not None else lightness < darker)
        kept = (cv2.morphologyEx(kept.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0) & mask
        count, pieces, stats, _ = cv2.connectedComponentsWithStats(kept.astype(np.uint8), connectivity=8)
        outlines = []
        for piece in range(1, count):
            if stats[piece, cv2.CC_STAT_AREA] >= max(1, min_area):
                outlines += hole_free_outlines(pieces == piece)
        if not outlines:
            what = f"lighter than {lighter:g}" if lighter is not None else f"darker than {darker:g}"
            raise AnnotationError(f"item {index} has no piece of {min_area} px or more {what} (nothing changed)")
        original, first = self.items[index], len(self.items)
        stale = self.folder / "tightened.png"
        if self._mask_path(index).exists():  # an element's mask goes with it; kept for undo
            self._mask_path(index).replace(stale)
        elif stale.exists():
            stale.unlink()
        self.data["tightened"] = {"index": index, "pieces": len(outlines), "item": asdict(original)}
        self.items += [Stroke(original.label, outline, 0.0, "polygon") for outline in outlines]
        order = [i for i in range(len(self.items)) if i != index and i < first]
        order[index:index] = list(range(first, len(self.items)))
        self._reorder(order, stand_ins={i: index for i in range(first, len(self.items))})
        self.data["last_added"] = index + len(outlines) - 1
        self._log("tighten")
        return list(range(index, index + len(outlines)))

    def undo(self) -> str:
        """Remove the item added last (a confusable mark may have gone under the damage marks,
        so it need not be the last in painting order); with none recorded, the last item.
        Returns its description (:meth:`describe`), for the annotator to check."""
        if not self.items:
            raise AnnotationError("nothing to undo")
        tightened = self.data.get("tightened")  # cleared by any later edit (:meth:`_log`)
        if tightened:
            return self._untighten(tightened)
        index = self.data.get("last_added")
        if index is None or not (0 <= index < len(self.items)):
            index = len(self.items) - 1
        removed = self.describe(index)
        self._reorder([i for i in range(len(self.items)) if i != index])
        self.data["last_added"] = None
        self._log("undo")
        return removed

    def _untighten(self, tightened: dict) -> str:
        """Undo of a tighten: its pieces go, the item it replaced comes back in its place."""
        index, pieces = tightened["index"], tightened["pieces"]
        removed = f"{pieces} polygon{'s' if pieces > 1 else ''} #{index}–#{index + pieces - 1} of a tighten"
        item = tightened["item"]
        self.items.append(Element(**item) if item["kind"] == "element" else Stroke(**item))
        order = [i for i in range(len(self.items) - 1) if not index <= i < index + pieces]
        order.insert(index, len(self.items) - 1)
        self._reorder(order, stand_ins={len(self.items) - 1: index})
        if (self.folder / "tightened.png").exists():
            (self.folder / "tightened.png").replace(self._mask_path(index))
        self.data["last_added"] = None
        self._log("undo")  # clears "tightened"
        return removed + f", {self.describe(index)} back"

    def delete(self, indices) -> list[str]:
        """Remove item ``indices`` (one number or several, not only the last item) in one step,
        so the numbers given are those of the listing before it (deleting one at a time renumbered
        the rest: a reviewer removing 48 polygons had to go from the highest down); the items
        left keep their order. Returns the removed items' descriptions."""
        indices = sorted({indices} if isinstance(indices, int) else set(indices))
        for index in indices:
            if not (0 <= index < len(self.items)):
                raise AnnotationError(f"no item {index}")
        removed = [self.describe(index) for index in indices]
        gone = set(indices)
        self._reorder([i for i in range(len(self.items)) if i not in gone])
        self._log("delete")
        return removed

    def move(self, index: int, position: int) -> None:
        """Move item ``index`` to ``position`` in the painting order (later items paint over
        earlier ones): a loss marked before the robe it lies in can be brought back on top."""
        count = len(self.items)
        if not (0 <= index < count):
            raise AnnotationError(f"no item {index}")
        if not (0 <= position < count):
            raise AnnotationError(f"position {position} is outside 0–{count - 1}")
        self._moved(index, position)
        self._log("move")

    def _moved(self, index: int, position: int) -> None:
        order = list(range(len(self.items)))
        order.insert(position, order.pop(index))
        self._reorder(order)

    def kept_boundary(self) -> int:
        """How many items a revision's kept pixels are painted after: all the saved items brought
        back, at first; the boundary moves with them (:meth:`_reorder`). Sessions from before it
        was recorded: after the last item still marked saved."""
        revising = self.data.get("revising") or {}
        if "kept_before" in revising:
            return int(revising["kept_before"])
        return max((i + 1 for i, item in enumerate(self.items) if item.saved), default=0)

    def _reorder(self, order: list[int], stand_ins: dict[int, int] | None = None) -> None:
        """Item ``j`` becomes what was item ``order[j]``; items left out of ``order`` go. Element
        masks are stored by position, so they are renamed with their items (and the masks of
        removed items deleted); the remembered last-clicked and last-added items follow, and so
        does a revision's kept boundary (``stand_ins``: new items taking an old one's place in
        it, as the pieces of a tightened item)."""
        revising = self.data.get("revising") or {}
        if "kept_before" in revising:
            boundary, stand_ins = revising["kept_before"], stand_ins or {}
            revising["kept_before"] = 1 + max((j for j, old in enumerate(order)
                                               if stand_ins.get(old, old) < boundary), default=-1)
        count = len(self.items)
        self.items = [self.items[i] for i in order]
        old_paths = {i: self._mask_path(i) for i in range(count)}
        staged = {}
        for new, old in enumerate(order):
            if old_paths[old].exists():
                staged[new] = old_paths[old].replace(self.folder / f"moving-{old}.png")
        for path in old_paths.values():  # what is left belonged to a removed item
            if path.exists():
                path.unlink()
        for new, path in staged.items():
            path.replace(self._mask_path(new))
        for key in ("last_clicked", "last_added"):
            last = self.data.get(key)
            self.data[key] = order.index(last) if last in order else None

    def relabel(self, index: int, label_name: str) -> None:
        if not (0 <= index < len(self.items)):
            raise AnnotationError(f"no item {index}")
        self.items[index].label = class_index(self.data["classes"], label_name)
        self._log("relabel")

    # -- results ------------------------------------------------------------------------------
    def item_mask(self, index: int) -> np.ndarray:
        import cv2

        from muralstudio.core import imageio

        h, w = self.shape
        item = self.items[index]
        if item.kind == "element":
            path = self._mask_path(index)
            return imageio.read_mask(path) > 0 if path.exists() else np.zeros((h, w), bool)
        if item.kind != "polygon":
            return stroke_pixels((h, w), item.points, item.radius)
        canvas = np.zeros((h, w), np.uint8)
        cv2.fillPoly(canvas, [np.round(np.asarray(item.points, np.float64)).astype(np.int32)], 1)
        for hole in item.holes:
            inner = np.round(np.asarray(hole, np.float64)).astype(np.int32)
            # the hole's boundary pixels stay painted: the ring keeps the pixels its
            # vertices are typed on, as the outer boundary does
            cv2.fillPoly(canvas, [inner], 0)
            cv2.polylines(canvas, [inner], True, 1, thickness=1, lineType=cv2.LINE_8)
        return canvas.astype(bool)

    def _kept_map(self) -> np.ndarray | None:
        from muralstudio.core import imageio

        if self.data.get("revising") and (self.folder / "kept.png").exists():
            if self._kept is None:  # read once
                self._kept = imageio.read_label_map(self.folder / "kept.png")
            return self._kept
        return None

    def label_map(self) -> np.ndarray:
        return self._paint(self._kept_map())

    def kept_pixels(self) -> np.ndarray:
        """Where the label map shows a revision's kept saved pixels (those the replayed items do
        not reproduce), not covered by an item painted after them: what ``revise`` keeps as saved,
        so a reviewer can see it (one compared maps with a script to find out)."""
        kept = self._kept_map()
        if kept is None:
            return np.zeros(self.shape, bool)
        shown = kept != KEEP_NONE
        for i in range(self.kept_boundary(), len(self.items)):
            shown &= ~self.item_mask(i)
        return shown

    def _paint(self, kept: np.ndarray | None) -> np.ndarray:
        """The items painted in order; a revision's ``kept`` saved pixels right after the last
        item brought back from the save (before any item when none is left), and a flat
        revision's saved map under everything."""
        from muralstudio.core import imageio

        h, w = self.shape
        if self.data.get("revising") and (self.folder / "base.png").exists():
            if self._base is None:
                self._base = imageio.read_label_map(self.folder / "base.png")
            labels = self._base.copy()
        else:
            labels = np.zeros((h, w), np.uint8)
        # position -1: before every item
        kept_after = self.kept_boundary() - 1 if kept is not None else None
        for i in range(-1, len(self.items)):
            if i >= 0:
                labels[self.item_mask(i)] = self.items[i].label
            if i == kept_after:
                np.copyto(labels, kept, where=kept != KEEP_NONE)
        return labels

    def overlay(self, grid: int = 50, tint: bool = True, box=None, smooth: bool = False,
                marks: bool = True, points=(), fill=(), enhance: bool = False, numbers: bool = False,
                flatten: bool = False, plain: bool = False, kept: bool = False) -> np.ndarray:
        """The crop with its labels tinted (or, ``tint=False``, only outlined, to judge edges on
        the untouched image), element numbers and a coordinate grid (crop pixels; ``grid`` = 0:
        none, so 2-px flecks are not hidden under its lines), at least 800
        px wide so a reviewer can read it. ``box`` (x, y, w, h) zooms into part of the crop;
        ``smooth`` enlarges the image bicubically (faint scratches vanish between hard pixel
        edges), the labels still pixel by pixel. ``points``: (x, y) crop pixels to show with a
        cross and their coordinates, to check where a click or a vertex would land before
        giving it (coordinates read off the grid were a few pixels off). ``fill``: class names
        tinted even in outlines, e.g. paint loss (a pale hole in a robe's mask and a loss marked
        in it have the same outline). ``enhance``: the lightness's contrast stretched locally
        (CLAHE), so faint cracks show; ``flatten``: the lightness alone with the wall's broad
        shading taken off (:func:`flattened_lightness`), where fine craquelure on mottled
        plaster is told from grain better than in colour or CLAHE (a reviewer's finding).
        ``numbers``: every item's number, strokes and polygons too (where it is easiest to
        reach: the item's pixel nearest its centre), not only the clicked elements'. ``plain``:
        the photograph alone, enlarged, no labels drawn (to look before judging). ``kept``: a
        yellow line round the saved pixels a revision keeps as saved (:meth:`kept_pixels`)."""
        import cv2

        rgb = self.crop().copy()
        if flatten:
            rgb = np.repeat(flattened_lightness(rgb)[..., None], 3, axis=2)
        elif enhance:
            lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
            lab[..., 0] = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(lab[..., 0])
            rgb = cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)
        labels = self.label_map()
        kept_shown = self.kept_pixels().astype(np.uint8) if kept else None
        palette = np.array(DAMAGE_PALETTE if self.data["classes"] == "damage" else PALETTE, np.float32)
        shown = labels > 0 if self.data["classes"] == "damage" else np.ones_like(labels, bool)
        if plain:
            shown[:] = False
        elif not tint:
            shown &= np.isin(labels, [class_index(self.data["classes"], name) for name in fill])
        out = rgb.astype(np.float32)
        if shown.any():
            out[shown] = 0.55 * out[shown] + 0.45 * palette[labels][shown]
        out = out.astype(np.uint8)
        x0 = y0 = 0
        if box is not None:
            x0, y0, bw, bh = box
            out, labels = out[y0:y0 + bh, x0:x0 + bw], labels[y0:y0 + bh, x0:x0 + bw]
            if kept_shown is not None:
                kept_shown = kept_shown[y0:y0 + bh, x0:x0 + bw]
            if not out.size:
                raise AnnotationError(f"zoom box {box} is outside the crop")
        scale = max(1.0, 800 / labels.shape[1])
        if scale > 1:
            out = cv2.resize(out, None, fx=scale, fy=scale,
                             interpolation=cv2.INTER_CUBIC if smooth else cv2.INTER_NEAREST)
            labels = cv2.resize(labels, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
            if kept_shown is not None:
                kept_shown = cv2.resize(kept_shown, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
        if plain:
            pass
        elif tint:
            edges = cv2.morphologyEx(labels, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
            out[edges] = (255, 255, 255)
        else:
            # each class's outline in its colour drawn just outside its pixels, which stay
            # untouched: a one-pixel crack keeps showing between its two lines
            kernel = np.ones((3, 3), np.uint8)
            for value in np.unique(labels):
                if value == 0 and self.data["classes"] == "damage":  # intact: nothing to outline
                    continue
                region = (labels == value).astype(np.uint8)
                ring = (cv2.dilate(region, kernel) > 0) & (region == 0)
                out[ring] = palette[value].astype(np.uint8)
        if kept_shown is not None:  # just outside the kept pixels, as the outlines of classes
            ring = (cv2.dilate(kept_shown, np.ones((3, 3), np.uint8)) > 0) & (kept_shown == 0)
            out[ring] = KEPT_COLOUR
        w, h = out.shape[1] / scale, out.shape[0] / scale  # the crop pixels shown
        step = grid if box is None else grid_step(grid // 5, scale)
        if grid > 0:
            for gx in range((x0 + step - 1) // step * step, int(x0 + w), step):
                cv2.line(out, (int((gx - x0) * scale), 0), (int((gx - x0) * scale), out.shape[0]), (0, 0, 0), 1)
            for gy in range((y0 + step - 1) // step * step, int(y0 + h), step):
                cv2.line(out, (0, int((gy - y0) * scale)), (out.shape[1], int((gy - y0) * scale)), (0, 0, 0), 1)
            for text, origin in grid_labels(x0, y0, w, h, step, scale):
                _label(out, text, origin)
        for i, item in enumerate(self.items if marks else []):  # marks=False: the flecks unhidden
            if item.kind == "element":
                for x, y, positive in item.clicks:
                    x, y = x - x0, y - y0
                    centre = (int(x * scale), int(y * scale))
                    cv2.circle(out, centre, 5, (0, 200, 0) if positive else (220, 0, 0), -1)
                    cv2.circle(out, centre, 5, (255, 255, 255), 1)
                if item.clicks:
                    x, y, _ = item.clicks[0]
                    x, y = x - x0, y - y0
                    cv2.putText(out, f"#{i}", (int(x * scale) + 6, int(y * scale) - 6),
                                cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 2)
                    cv2.putText(out, f"#{i}", (int(x * scale) + 6, int(y * scale) - 6),
                                cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
        if numbers:  # asked for, so shown with --no-marks too (an annotator got none)
            for i, item in enumerate(self.items):
                if marks and item.kind == "element" and item.clicks and _in_view(item.clicks[0][:2], box):
                    continue  # numbered at its first click above
                spot = _label_spot(self.item_mask(i), box)
                if spot is not None:
                    x, y = spot
                    cv2.putText(out, f"#{i}", (int(x * scale) + 3, int(y * scale) - 3),
                                cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 2)
                    cv2.putText(out, f"#{i}", (int(x * scale) + 3, int(y * scale) - 3),
                                cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1)
        for x, y in points:  # the centre of the pixel, where the grid's lines are pixel edges
            cx, cy = int((x - x0 + 0.5) * scale), int((y - y0 + 0.5) * scale)
            arm = max(6, int(2 * scale))
            for colour, width in (((0, 0, 0), 3), ((255, 0, 255), 1)):
                cv2.line(out, (cx - arm, cy), (cx - 2, cy), colour, width)
                cv2.line(out, (cx + 2, cy), (cx + arm, cy), colour, width)
                cv2.line(out, (cx, cy - arm), (cx, cy - 2), colour, width)
                cv2.line(out, (cx, cy + 2), (cx, cy + arm), colour, width)
            _label(out, f"{x:g},{y:g}", (cx + arm + 2, cy - 3))
        return out

    def describe(self, index: int) -> str:
        """One line on item ``index``: kind, class, clicks or points, pixels, box."""
        if not (0 <= index < len(self.items)):
            raise AnnotationError(f"no item {index}")
        item = self.items[index]
        names = class_names(self.data["classes"])
        mask = self.item_mask(index)
        ys, xs = np.nonzero(mask)
        box = f"box {xs.min()},{ys.min()},{xs.max() - xs.min() + 1},{ys.max() - ys.min() + 1}" if xs.size else "empty"
        what = (f"{len(item.clicks)} clicks" + (f", within {item.within:g}" if item.within else "")
                if item.kind == "element" else f"{len(item.points)} points"
                + (f", radius {item.radius:g}" if item.kind == "stroke" else "")
                + (f", {len(item.holes)} hole{'s' if len(item.holes) > 1 else ''}"
                   if getattr(item, "holes", None) else ""))
        return (f"#{index} {item.kind} {names[item.label]}: {what}; {int(mask.sum())} px, {box}"
                + (" (saved)" if item.saved else ""))

    def describe_kept(self, largest: int = 5) -> str:
        """Lines on a revision's kept saved pixels that show (:meth:`kept_pixels`): how many, of
        which classes, in how many pieces, and the largest pieces' boxes."""
        import cv2

        shown = self.kept_pixels()
        if not shown.any():
            return "no saved pixels kept as saved show (items painted after them cover them)"
        names = class_names(self.data["classes"])
        values, counts = np.unique(self._kept_map()[shown], return_counts=True)
        classes = ", ".join(f"{names[v]} {c}" for v, c in zip(values, counts))
        count, _, stats, _ = cv2.connectedComponentsWithStats(shown.astype(np.uint8), connectivity=8)
        order = np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:largest] + 1
        boxes = "; ".join(f"{stats[i, cv2.CC_STAT_AREA]} px in box {stats[i, 0]},{stats[i, 1]},{stats[i, 2]},{stats[i, 3]}"
                          for i in order)
        return (f"and {int(shown.sum())} saved pixels kept as saved ({classes}), painted after the last saved "
                f"item, in {count - 1} piece{'s' if count > 2 else ''}; the largest: {boxes} "
                "('annotate show --kept' outlines them)")

    def candidates_overlay(self, candidates: list[dict], box=None) -> np.ndarray:
        """The crop (or its part ``box`` = x, y, w, h), enlarged to at least 800 px wide, with
        each candidate ringed and labelled with its number in ``candidates`` (the numbers
        ``--accept`` takes, whatever part is shown); those already marked in grey."""
        import cv2

        rgb = self.crop()
        x0, y0, w, h = box if box else (0, 0, rgb.shape[1], rgb.shape[0])
        rgb = rgb[y0:y0 + h, x0:x0 + w].copy()
        if rgb.size == 0:
            raise AnnotationError(f"the box {x0},{y0},{w},{h} lies outside the {self.shape[1]}×{self.shape[0]} crop")
        scale = max(1.0, 800 / rgb.shape[1])
        out = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        for number, c in enumerate(candidates):
            if not (x0 <= c["x"] < x0 + w and y0 <= c["y"] < y0 + h):
                continue
            centre = (int((c["x"] - x0 + 0.5) * scale), int((c["y"] - y0 + 0.5) * scale))
            ring, text = ((150, 150, 150), (170, 170, 170)) if c.get("marked") else ((0, 255, 255), (255, 255, 0))
            cv2.circle(out, centre, int(max(4, np.sqrt(c["area"]) * scale)) + 3, ring, 1)
            cv2.putText(out, str(number), (centre[0] + 6, centre[1] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, text, 1)
        return out

    def candidates_tiles(self, candidates: list[dict], box=None, per_page: int = TILES_PER_PAGE,
                         context: int | None = None) -> list[np.ndarray]:
        """Pages of numbered tiles, one per candidate not yet marked (in ``box`` when given): the
        speck enlarged with the paint around it, untouched on the left and outlined on the right
        — judged several times faster than on a ringed crop, where rings and numbers cover the
        speck and run into each other (an annotator's finding). ``context``: px of paint shown
        on each side of the speck (default about three times its size, at least 12): on a
        low-resolution scan a flake is told from the edge of a painted pale band only with more
        of the band in view (a reviewer's finding)."""
        import cv2

        rgb = self.crop()
        x0, y0, w, h = box if box else (0, 0, rgb.shape[1], rgb.shape[0])
        chosen = [(n, c) for n, c in enumerate(candidates) if not c.get("marked")
                  and x0 <= c["x"] < x0 + w and y0 <= c["y"] < y0 + h]
        pages = []
        for start in range(0, len(chosen), per_page):
            part = chosen[start:start + per_page]
            rows = -(-len(part) // TILE_COLUMNS)
            cell_w, cell_h = 2 * TILE_PX + TILE_GAP, TILE_PX + TILE_LABEL_PX
            page = np.full((rows * (cell_h + TILE_GAP), min(len(part), TILE_COLUMNS) * (cell_w + TILE_GAP), 3),
                           255, np.uint8)
            for slot, (number, c) in enumerate(part):
                # the window: the speck and about three times its size of paint around it
                half = int(context) if context else int(max(12, 3 * np.sqrt(c["area"]) + 6))
                left, top = c["x"] - half, c["y"] - half
                window = np.full((2 * half + 1, 2 * half + 1, 3), 128, np.uint8)  # grey beyond the crop
                sx0, sy0 = max(0, left), max(0, top)
                sx1, sy1 = min(rgb.shape[1], left + 2 * half + 1), min(rgb.shape[0], top + 2 * half + 1)
                window[sy0 - top:sy1 - top, sx0 - left:sx1 - left] = rgb[sy0:sy1, sx0:sx1]
                scale = TILE_PX / window.shape[0]
                plain = cv2.resize(window, (TILE_PX, TILE_PX), interpolation=cv2.INTER_CUBIC)
                outlined = plain.copy()
                outline = np.array([[(x - left + 0.5) * scale, (y - top + 0.5) * scale] for x, y in c["outline"]],
                                   np.int32)
                cv2.polylines(outlined, [outline.reshape(-1, 1, 2)], True, (0, 255, 255), 1)
                row, column = divmod(slot, TILE_COLUMNS)
                px, py = column * (cell_w + TILE_GAP), row * (cell_h + TILE_GAP)
                cv2.putText(page, f"{number}  {c['area']} px +{c['contrast']:.0f}  at {c['x']},{c['y']}", (px + 2, py + TILE_LABEL_PX - 5),
                            cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1)
                page[py + TILE_LABEL_PX:py + cell_h, px:px + TILE_PX] = plain
                page[py + TILE_LABEL_PX:py + cell_h, px + TILE_PX + TILE_GAP:px + cell_w] = outlined
            pages.append(page)
        return pages

    def summary(self) -> dict:
        labels = self.label_map()
        names = class_names(self.data["classes"])
        counts = np.bincount(labels.ravel(), minlength=len(names))
        return {"name": self.data["name"], "items": len(self.items),
                "clicks": sum(len(i.clicks) for i in self.items if i.kind == "element"),
                "strokes": sum(1 for i in self.items if i.kind == "stroke"),
                "polygons": sum(1 for i in self.items if i.kind == "polygon"),
                "share": {n: round(float(c) / labels.size, 4) for n, c in zip(names, counts) if c}}

    def write_label_map(self, target: Path) -> Path:
        """The label map as it is now, as a palette PNG (value = class index), written atomically."""
        from PIL import Image

        target = Path(target)
        image = Image.fromarray(self.label_map(), mode="P")
        palette = DAMAGE_PALETTE if self.data["classes"] == "damage" else PALETTE
        image.putpalette([c for rgb in palette for c in rgb] + [0] * (768 - 3 * len(palette)))
        tmp = target.with_name(target.stem + ".tmp.png")
        image.save(tmp, format="PNG")
        tmp.replace(target)
        return target

    def save(self, dataset: Path, annotator: str, notes: str = "", empty: bool = False) -> Path:
        """Write ``DATASET/labels/NAME.png`` (palette PNG) and ``DATASET/records/NAME.json``.
        A session with nothing marked is saved only with ``empty``: its map says the crop holds
        nothing of any class, which a slip of the command line must not claim."""
        from muralstudio.core.datasets import cave_of, cave_split

        if not self.items and not self.data.get("revising") and not empty:
            raise AnnotationError(f"{self.folder}: nothing is marked in {self.data['name']}; saved, its label "
                                  f"map would say the crop holds nothing of any class — add --empty if it does not")

        dataset = Path(dataset)
        (dataset / "labels").mkdir(parents=True, exist_ok=True)
        (dataset / "records").mkdir(parents=True, exist_ok=True)
        name = self.data["name"]
        target = self.write_label_map(dataset / "labels" / f"{name}.png")
        self.data["saved"] = time.time()
        self._log("save")
        times = [c["time"] for c in self.data["commands"]]
        image_path = Path(self.data["image"])
        record = {
            "image": self.data["stem"], "group": image_path.parent.name, "box": self.data["box"],
            "name": name, "classes": class_names(self.data["classes"]),
            "split": "val" if cave_split([image_path], "val") else "train", "cave": cave_of(image_path),
            "engine": self.data["engine"], "annotator": annotator, "notes": notes,
            "seconds": round(times[-1] - times[0], 1), "active_seconds": active_seconds(times),
            "commands": len(self.data["commands"]),
            "items": [asdict(i) for i in self.items], "share": self.summary()["share"],
        }
        earlier = self.data.get("revising")
        if earlier:  # a revision: the first annotator stays, the work of both is counted
            restored = earlier.get("restored")
            new_items = [a for a in record["items"] if not a.get("saved")]
            revision = {"annotator": annotator, "notes": notes, "seconds": record["seconds"],
                        "active_seconds": record["active_seconds"], "commands": record["commands"],
                        "items": new_items}
            if restored is None:  # a flat revision: the saved items stay, the new ones follow
                items = (earlier.get("items") or []) + record["items"]
            else:  # the saved items came back: what is left of them, changed or not, and the new
                items = record["items"]
                revision["removed"] = restored - (len(items) - len(new_items))
            record.update(annotator=earlier["annotator"], notes=earlier.get("notes") or "",
                          seconds=round((earlier.get("seconds") or 0) + record["seconds"], 1),
                          # unknown (left out) when the first pass was saved before they were kept
                          active_seconds=(None if earlier.get("active_seconds") is None else
                                          round(earlier["active_seconds"] + record["active_seconds"], 1)),
                          commands=(earlier.get("commands") or 0) + record["commands"],
                          items=items, revisions=(earlier.get("revisions") or []) + [revision])
        if record["active_seconds"] is None:
            del record["active_seconds"]
        for item in record["items"] + [i for r in record.get("revisions") or [] for i in r["items"]]:
            item.pop("saved", None)  # a session's own bookkeeping
        kinds = [i["kind"] for i in record["items"]]
        record.update(clicks=sum(len(i["clicks"]) for i in record["items"] if i["kind"] == "element"),
                      strokes=kinds.count("stroke"), polygons=kinds.count("polygon"),
                      elements=kinds.count("element"))
        path = dataset / "records" / f"{name}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json_text(record, indent=1), encoding="utf-8")
        tmp.replace(path)
        return target
