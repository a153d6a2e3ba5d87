"""Elements of a label map: the connected regions of each class, with their geometry and colour,
and exports of them (cropped images, CSV, COCO-style JSON with polygons).

An element is identified by its *seed*, the first pixel of the region in raster order: stable
while the region keeps that pixel, so names given to elements survive unrelated edits.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from muralstudio.core.atomic import atomic_write
from muralstudio.core.imageio.common import json_text


@dataclass
class Element:
    class_index: int
    class_name: str
    area: int
    bbox: tuple[int, int, int, int]  # x, y, w, h
    centroid: tuple[float, float]  # x, y
    seed: tuple[int, int]  # x, y of the region's first pixel in raster order
    mean_colour: tuple[int, int, int]
    name: str = ""
    #: unit-length appearance vector (backbone features or a colour descriptor); None until made
    embedding: np.ndarray | None = field(default=None, repr=False, compare=False)
    source: str = ""  # the image it was found in (for elements of a folder)

    @property
    def key(self) -> str:
        """Identifier of the element within its image: ``"x,y"`` of the seed."""
        return f"{self.seed[0]},{self.seed[1]}"

    def anchor(self, labels: np.ndarray) -> tuple[int, int]:
        """(x, y) of the element's pixel farthest from its edge: where a name given to it is
        kept (``LabelLayer.element_names``), so that corrections at its edge — pixels added
        above it, its top row erased — leave the name with it."""
        x, y, _, _ = self.bbox
        inner = cv2.distanceTransform(np.pad(self.region(labels), 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
        row, col = np.unravel_index(int(np.argmax(inner)), inner.shape)
        return x + int(col), y + int(row)

    def region(self, labels: np.ndarray) -> np.ndarray:
        """Boolean mask of the element inside its bounding box."""
        x, y, w, h = self.bbox
        box = labels[y:y + h, x:x + w] == self.class_index
        count, comp = cv2.connectedComponents(box.astype(np.uint8), connectivity=8)
        sx, sy = self.seed[0] - x, self.seed[1] - y
        return comp == comp[sy, sx] if count > 1 else box

    def to_json(self, with_embedding: bool = False) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "embedding"}
        out["bbox"], out["seed"] = list(self.bbox), list(self.seed)
        out["centroid"], out["mean_colour"] = list(self.centroid), list(self.mean_colour)
        if with_embedding and self.embedding is not None:
            out["embedding"] = [round(float(v), 5) for v in self.embedding]
        return out

    @classmethod
    def from_json(cls, entry: dict) -> "Element":
        embedding = entry.get("embedding")
        return cls(int(entry["class_index"]), entry["class_name"], int(entry["area"]),
                   tuple(entry["bbox"]), tuple(entry["centroid"]), tuple(entry["seed"]),
                   tuple(entry["mean_colour"]), entry.get("name", ""),
                   None if embedding is None else np.asarray(embedding, np.float32),
                   entry.get("source", ""))


class ElementFinder:
    """Connected regions (8-connected) of every class but 0 of a label map given a band of rows
    at a time, top to bottom: the elements of a map too large to hold whole (each band is
    labelled alone; regions touching across band borders are joined at the end). Gives exactly
    what one pass over the whole map gives.

        finder = ElementFinder(classes, min_area)
        for top, band in bands:
            finder.add(band)
        elements = finder.elements()

    ``keep_ids(scale)`` also records, at ``scale``, which region each pixel belongs to (see
    :meth:`element_ids`)."""

    def __init__(self, classes, min_area: int = 64, names: dict | None = None):
        self.class_names = [c if isinstance(c, str) else c[0] for c in classes]
        self.min_area = int(min_area)
        # a name belongs to the element holding its "x,y" anchor pixel, whatever its seed now
        self._anchors = sorted((y, x, name) for (x, y), name in _anchors(names or {}).items())
        self._named: list[tuple[int, int, int, str]] = []  # (y, x, region id, name)
        self.top = 0
        # per band region: class, area, x0, y0, x1, y1 (exclusive), Σx, Σy, seed y, seed x
        self._parts: list[np.ndarray] = []
        self._joins: list[np.ndarray] = []  # pairs of region ids that touch across a band border
        self._count = 0
        self._last_row: tuple[np.ndarray, np.ndarray] | None = None  # (labels, region ids)
        self._id_map: np.ndarray | None = None
        self._id_rows = self._id_cols = None
        self._roots: np.ndarray | None = None
        self._found: list[tuple[int, Element]] | None = None

    def keep_ids(self, width: int, height: int, small_width: int, small_height: int) -> None:
        """Record a (small_height, small_width) map of region ids, sampled at the full-resolution
        pixel under each small pixel's centre (for reading elements at a working scale)."""
        self._id_rows = np.minimum(height - 1, ((np.arange(small_height) + 0.5) * height / small_height).astype(np.int64))
        self._id_cols = np.minimum(width - 1, ((np.arange(small_width) + 0.5) * width / small_width).astype(np.int64))
        self._id_map = np.zeros((small_height, small_width), np.int32)

    def add(self, band: np.ndarray) -> None:
        """The next ``band`` of rows (uint8 class values) below those already given."""
        band = np.asarray(band)
        rows, width = band.shape
        ids = np.zeros(band.shape, np.int32)  # 0 = background or no element class
        present = np.flatnonzero(np.bincount(band.ravel(), minlength=256))
        for index in present:
            if index == 0 or index >= len(self.class_names):
                continue
            count, comp, stats, centroids = cv2.connectedComponentsWithStats(
                (band == index).astype(np.uint8), connectivity=8)
            if count <= 1:
                continue
            stats, centroids = stats[1:].astype(np.int64), centroids[1:]
            # the seed: the first pixel of the region's first row (one pass per distinct top row,
            # never a row per region: a noisy band can hold thousands of them)
            labels, seed_x = np.arange(1, count), np.zeros(count - 1, np.int64)
            for row in np.unique(stats[:, 1]):
                values, first = np.unique(comp[row], return_index=True)
                starting = stats[:, 1] == row
                seed_x[starting] = first[np.searchsorted(values, labels[starting])]
            area = stats[:, 4]
            part = np.stack([np.full(count - 1, index), area, stats[:, 0], stats[:, 1] + self.top,
                             stats[:, 0] + stats[:, 2], stats[:, 1] + stats[:, 3] + self.top,
                             np.rint(centroids[:, 0] * area).astype(np.int64),
                             np.rint((centroids[:, 1] + self.top) * area).astype(np.int64),
                             stats[:, 1] + self.top, seed_x], axis=1)
            self._parts.append(part)
            inside = comp > 0
            ids[inside] = comp[inside] + self._count
            self._count += count - 1
        for y, x, name in self._anchors:
            if self.top <= y < self.top + rows and x < width and ids[y - self.top, x]:
                self._named.append((y, x, int(ids[y - self.top, x]), name))
        if self._last_row is not None and rows:
            self._join(*self._last_row, band[0], ids[0])
        if rows:
            self._last_row = (band[-1].copy(), ids[-1].copy())
        if self._id_map is not None:
            wanted = np.flatnonzero((self._id_rows >= self.top) & (self._id_rows < self.top + rows))
            if wanted.size:
                self._id_map[wanted] = ids[self._id_rows[wanted] - self.top][:, self._id_cols]
        self.top += rows

    def _join(self, above, above_ids, below, below_ids) -> None:
        width = above.shape[0]
        for shift in (-1, 0, 1):  # 8-connectivity: the pixel below and its two neighbours
            a = slice(max(0, -shift), width - max(0, shift))
            b = slice(max(0, shift), width - max(0, -shift))
            touch = (above[a] == below[b]) & (above_ids[a] > 0) & (below_ids[b] > 0)
            if touch.any():
                self._joins.append(np.stack([above_ids[a][touch], below_ids[b][touch]], axis=1))

    def _resolve(self) -> None:
        if self._found is not None:
            return
        parts = np.concatenate(self._parts) if self._parts else np.zeros((0, 10), np.int64)
        n = len(parts)
        roots = np.arange(n)
        if self._joins and n:
            from scipy.sparse import coo_matrix
            from scipy.sparse.csgraph import connected_components

            pairs = np.unique(np.concatenate(self._joins) - 1, axis=0)
            graph = coo_matrix((np.ones(len(pairs), np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
            _, roots = connected_components(graph, directed=False)
        groups = roots.max() + 1 if n else 0
        area = np.bincount(roots, parts[:, 1], groups).astype(np.int64)
        sum_x = np.bincount(roots, parts[:, 6], groups)
        sum_y = np.bincount(roots, parts[:, 7], groups)
        x0 = np.full(groups, np.iinfo(np.int64).max); np.minimum.at(x0, roots, parts[:, 2])
        y0 = np.full(groups, np.iinfo(np.int64).max); np.minimum.at(y0, roots, parts[:, 3])
        x1 = np.zeros(groups, np.int64); np.maximum.at(x1, roots, parts[:, 4])
        y1 = np.zeros(groups, np.int64); np.maximum.at(y1, roots, parts[:, 5])
        # the seed of a joined region: its parts' seeds, first in raster order (roots number the
        # regions 0 … groups-1, so the first of each in that order is found by np.unique)
        seed_order = np.lexsort((parts[:, 9], parts[:, 8]))
        _, first = np.unique(roots[seed_order], return_index=True)
        seed_of = seed_order[first]
        names: dict[int, str] = {}
        for _, _, region, name in self._named:  # raster order: an anchor on the seed comes first
            names.setdefault(int(roots[region - 1]), name)
        found = []
        for group in np.flatnonzero(area >= max(1, self.min_area)):
            part = parts[seed_of[group]]
            index = int(part[0])
            element = Element(index, self.class_names[index], int(area[group]),
                              (int(x0[group]), int(y0[group]), int(x1[group] - x0[group]), int(y1[group] - y0[group])),
                              (float(sum_x[group] / area[group]), float(sum_y[group] / area[group])),
                              (int(part[9]), int(part[8])), (0, 0, 0))
            element.name = names.get(int(group), "")
            found.append((int(group), element))
        found.sort(key=lambda item: (-item[1].area, item[1].class_index, item[1].seed[1], item[1].seed[0]))
        self._roots, self._found = roots, found

    def elements(self) -> list[Element]:
        """The regions of at least ``min_area`` pixels, largest first (then by class and seed)."""
        self._resolve()
        return [element for _, element in self._found]

    def element_ids(self) -> np.ndarray:
        """The map recorded by :meth:`keep_ids`: 1 + the position of the pixel's element in
        :meth:`elements`, 0 where no element is."""
        self._resolve()
        lookup = np.zeros(len(self._roots) + 1, np.int32)
        order = np.zeros(self._roots.max() + 1 if len(self._roots) else 0, np.int32)
        for position, (group, _) in enumerate(self._found, start=1):
            order[group] = position
        lookup[1:] = order[self._roots] if len(self._roots) else 0
        return lookup[self._id_map]


def _anchor(key) -> tuple[int, int] | None:
    """``"x,y"`` → (x, y); None for a key that is not two integers of 0 or more."""
    try:
        x, y = (int(v) for v in str(key).split(","))
    except ValueError:
        return None
    return (x, y) if x >= 0 and y >= 0 else None


def _anchors(names: dict) -> dict[tuple[int, int], str]:
    """``{"x,y": name}`` → ``{(x, y): name}`` (keys that are not anchors, and empty names, left out)."""
    return {anchor: name for key, name in names.items() if name and (anchor := _anchor(key)) is not None}


def renamed(names: dict, element: Element, labels: np.ndarray, name: str) -> dict:
    """``names`` (a label layer's ``element_names``) with ``element`` given ``name`` (none when
    blank): every name anchored inside it is dropped, the new one anchored at its inner pixel."""
    x, y, w, h = element.bbox
    region = element.region(labels)

    def inside(key) -> bool:
        anchor = _anchor(key)
        return (anchor is not None and x <= anchor[0] < x + w and y <= anchor[1] < y + h
                and bool(region[anchor[1] - y, anchor[0] - x]))

    kept = {key: value for key, value in names.items() if not inside(key)}
    if name.strip():
        ax, ay = element.anchor(labels)
        kept[f"{ax},{ay}"] = name.strip()
    return kept


def find_elements(labels: np.ndarray, classes, image: np.ndarray | None = None,
                  min_area: int = 64, names: dict | None = None, band_rows: int = 2048) -> list[Element]:
    """Connected regions (8-connected) of every class except 0 (background) with at least
    ``min_area`` pixels, largest first. ``classes`` is a list of names or (name, colour);
    ``image`` (uint8 RGB, same size) gives the mean colours; ``names`` maps element keys to
    the names users gave them."""
    finder = ElementFinder(classes, min_area, names)
    for top in range(0, labels.shape[0], band_rows):
        finder.add(labels[top:top + band_rows])
    found = finder.elements()
    if names:
        _reattach_orphans(found, labels, classes, names)
    if image is not None:
        for element in found:
            x, y, w, h = element.bbox
            pixels = image[y:y + h, x:x + w][element.region(labels)]
            element.mean_colour = tuple(int(round(v)) for v in pixels.reshape(-1, pixels.shape[-1])[:, :3].mean(0))
    return found


#: a name whose anchor pixel was erased goes to the unnamed element of its class this close to
#: it (px): an eraser stroke across a figure's middle took its name (and its number) away
ORPHAN_REACH = 24


def _reattach_orphans(found: list[Element], labels: np.ndarray, classes, names: dict) -> None:
    """Give each name whose anchor pixel is now background (an eraser went over it) to the
    nearest element without a name within :data:`ORPHAN_REACH` px — of the class its number
    names, for a name of the program's form — so the element keeps its name and number."""
    class_names = [c if isinstance(c, str) else c[0] for c in classes]
    height, width = labels.shape
    for (x, y), name in sorted(_anchors(names).items(), key=lambda item: (item[0][1], item[0][0])):
        if not (0 <= x < width and 0 <= y < height) or labels[y, x] != 0:
            continue  # on an element (or a region too small to list): not an orphan
        wanted = next((c for c in class_names if _numbered(name, c) is not None), None)
        best = None
        for element in found:
            ex, ey, ew, eh = element.bbox
            if element.name or (wanted and element.class_name != wanted):
                continue
            if not (ex - ORPHAN_REACH <= x < ex + ew + ORPHAN_REACH and ey - ORPHAN_REACH <= y < ey + eh + ORPHAN_REACH):
                continue
            ys, xs = np.nonzero(element.region(labels))
            distance = float(np.min(np.hypot(xs + ex - x, ys + ey - y)))
            if distance <= ORPHAN_REACH and (best is None or distance < best[0]):
                best = (distance, element)
        if best is not None:
            best[1].name = name


#: the smallest element (px) the gallery, the measurements and the report list by default: one
#: number everywhere, so their counts agree
ELEMENT_MIN_AREA = 256


def _numbered(name: str, class_name: str) -> int | None:
    """N of a name of the program's form for ``class_name`` ("people 3"), else None."""
    number = name[len(class_name) + 1:]
    return int(number) if name.startswith(f"{class_name} ") and number.isdigit() else None


def display_names(elements: list[Element], classes=None, stored: dict | None = None) -> dict[str, str]:
    """Each element's name as every view shows it (by ``key``) — the same in the gallery, the
    measurements table and the report: the name it has (one a user gave, or the number the
    program gave it when the layer was labelled, kept with it by :func:`numbered_names`, so
    that an edit making one person larger than another does not swap their numbers), else its
    class and the next number of its class no element has, by size ("people 1" the largest
    person of a layer never numbered). ``classes`` (the layer's): a name of the program's form
    for another class (an element reclassified, or painted over with another class) is
    numbered afresh. ``stored`` (the layer's ``element_names``): every number it holds stays
    taken, even one whose element was deleted or reclassified — a number is never given to
    another element."""
    others = [c if isinstance(c, str) else c[0] for c in classes or ()]

    def given(element) -> str:
        if any(_numbered(element.name, c) is not None for c in others if c != element.class_name):
            return ""
        return element.name

    taken: dict[str, set] = {}
    for element in elements:
        number = _numbered(given(element), element.class_name)
        if number is not None:
            taken.setdefault(element.class_name, set()).add(number)
    for value in (stored or {}).values():
        for name in others:
            number = _numbered(str(value), name)
            if number is not None:
                taken.setdefault(name, set()).add(number)
    last: dict[str, int] = {}
    names = {}
    for element in sorted(elements, key=lambda e: (-e.area, e.seed[1], e.seed[0])):
        name = given(element)
        if _numbered(name, element.class_name) is None:  # unnamed, or a user's name: takes a rank
            number = last.get(element.class_name, 0) + 1
            while number in taken.get(element.class_name, ()):
                number += 1
            last[element.class_name] = number
            name = name or f"{element.class_name} {number}"
        names[element.key] = name
    return names


def with_numbers(elements: list[Element], labels: np.ndarray, classes, names: dict,
                 shown: dict | None = None) -> dict | None:
    """``names`` (a layer's ``element_names``) with the displayed number of every element in
    ``elements`` that has none of its own stored yet — a piece an eraser split off, a figure
    painted in, an element reclassified (its old class's number is kept as retired, so it is
    never given to another) — or None when every element has its own. Stored with the edit
    that made them, the numbers cannot move with the edits after it. ``shown``: the elements'
    :func:`display_names`, when already made."""
    shown = shown or display_names(elements, classes, names)
    kept, changed = dict(names), False
    for element in elements:
        if element.name == shown[element.key]:
            continue
        if element.name:  # a number of the class it had: retired, still taken
            kept.setdefault(f"retired:{element.name}", element.name)
        if element.name and _anchor_inside(kept, element, labels):
            kept = renamed(kept, element, labels, shown[element.key])
        else:  # unnamed, or named by an erased anchor beside it: anchored in it now
            x, y = element.anchor(labels)
            kept[f"{x},{y}"] = shown[element.key]
        changed = True
    return kept if changed else None


def _anchor_inside(names: dict, element: Element, labels: np.ndarray) -> bool:
    x, y, w, h = element.bbox
    region = element.region(labels)
    return any(x <= ax < x + w and y <= ay < y + h and region[ay - y, ax - x] for ax, ay in _anchors(names))


def numbered_names(labels: np.ndarray, classes, names: dict | None = None,
                   min_area: int = ELEMENT_MIN_AREA) -> dict:
    """A label layer's ``element_names`` with every element of at least ``min_area`` px that has
    no name given its displayed one ("people 3"), anchored like a user's: called when a layer
    is labelled, so the numbers stay with their elements through later edits (a fresh user
    found them renumbered after a correction)."""
    found = find_elements(labels, classes, min_area=min_area, names=names)
    return with_numbers(found, labels, classes, dict(names or {})) or dict(names or {})


def translated_element_name(name: str, class_name: str, class_label) -> str:
    """An element's name in another language: one the program gave ("people 2", see
    :func:`display_names`) with its class in ``class_label``'s words; one a user gave as written."""
    number = name[len(class_name) + 1:]
    return f"{class_label(class_name)} {number}" if name.startswith(f"{class_name} ") and number.isdigit() else name


def counts_per_class(elements: list[Element]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for element in elements:
        counts[element.class_name] = counts.get(element.class_name, 0) + 1
    return counts


def outline_polygons(region: np.ndarray, offset=(0, 0), tolerance: float = 1.0) -> list[list[float]]:
    """Outer outlines of a boolean region as COCO polygons ``[x1, y1, x2, y2, …]`` (image
    coordinates, simplified to ``tolerance`` pixels; holes are not subtracted)."""
    contours, _ = cv2.findContours(region.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polygons = []
    for contour in contours:
        contour = cv2.approxPolyDP(contour, tolerance, True) if tolerance > 0 else contour
        if len(contour) < 3:
            continue
        points = contour.reshape(-1, 2).astype(np.float64) + np.asarray(offset, np.float64)
        polygons.append([round(float(v), 1) for v in points.ravel()])
    return polygons


CSV_FIELDS = ("id", "file", "class", "name", "area", "area_cm2", "x", "y", "width", "height",
              "centroid_x", "centroid_y", "mean_r", "mean_g", "mean_b")


def export_elements(elements: list[Element], labels: np.ndarray, image: np.ndarray, folder,
                    classes, image_name: str = "image", margin: int = 8, names: dict | None = None,
                    mm_per_px: float | None = None) -> dict[str, Path]:
    """Write each element as a cropped PNG (RGBA, outside the region transparent), plus
    ``elements.csv`` and ``elements.coco.json`` (COCO-style: images, categories, annotations
    with polygons from the region outlines), largest first. ``image`` is uint8 RGB of the labels'
    size; ``names``: each element's name by ``key`` as the views show it (:func:`display_names`
    of all the mural's elements, so "people 2" is the same person here as in the measurements);
    with ``mm_per_px`` the areas in cm² too. A failure part way (a full disk) removes the crops
    it wrote."""
    folder = Path(folder)
    (folder / "crops").mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        return _write_elements(elements, labels, image, folder, classes, image_name, margin, names,
                               mm_per_px, written)
    except BaseException:  # a full disk, a cancelled job: no half export left looking complete
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _write_elements(elements, labels, image, folder: Path, classes, image_name, margin, names,
                    mm_per_px, written: list[Path]) -> dict[str, Path]:
    from muralstudio.core import imageio
    from muralstudio.core.atomic import file_name_part

    class_names = [c if isinstance(c, str) else c[0] for c in classes]
    names = names or display_names(elements)
    height, width = labels.shape
    rows, annotations = [], []
    ordered = sorted(elements, key=lambda e: (-e.area, e.seed[1], e.seed[0]))
    for number, element in enumerate(ordered, start=1):
        x, y, w, h = element.bbox
        x0, y0 = max(0, x - margin), max(0, y - margin)
        x1, y1 = min(width, x + w + margin), min(height, y + h + margin)
        region = np.zeros((y1 - y0, x1 - x0), bool)
        region[y - y0:y - y0 + h, x - x0:x - x0 + w] = element.region(labels)
        crop = np.dstack([image[y0:y1, x0:x1, :3], np.where(region, 255, 0).astype(np.uint8)])
        element.mean_colour = tuple(int(round(v)) for v in crop[..., :3][region].mean(0))
        file = f"crops/{number:04d}-{file_name_part(element.class_name, 'class')}.png"
        written.append(folder / file)
        imageio.write_png(folder / file, crop)
        name = names.get(element.key) or element.name
        cm2 = round(element.area * (mm_per_px / 10) ** 2, 4) if mm_per_px else None
        rows.append({"id": number, "file": file, "class": element.class_name, "name": name,
                     "area": element.area, "area_cm2": "" if cm2 is None else cm2,
                     "x": x, "y": y, "width": w, "height": h,
                     "centroid_x": round(element.centroid[0], 1),
                     "centroid_y": round(element.centroid[1], 1),
                     "mean_r": element.mean_colour[0], "mean_g": element.mean_colour[1],
                     "mean_b": element.mean_colour[2]})
        annotations.append({"id": number, "image_id": 1, "category_id": element.class_index,
                            "segmentation": outline_polygons(region, (x0, y0)),
                            "area": element.area, "bbox": [x, y, w, h], "iscrowd": 0,
                            "attributes": {"name": name, **({"area_cm2": cm2} if cm2 is not None else {})}})
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CSV_FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    with atomic_write(folder / "elements.csv", "w") as handle:
        handle.write(text.getvalue())
    coco = {"images": [{"id": 1, "file_name": image_name, "width": width, "height": height}],
            "categories": [{"id": i, "name": n} for i, n in enumerate(class_names) if i > 0],
            "annotations": annotations}
    with atomic_write(folder / "elements.coco.json", "w") as handle:
        handle.write(json_text(coco, indent=1))
    return {"csv": folder / "elements.csv", "coco": folder / "elements.coco.json",
            "crops": folder / "crops"}


def rank_similar(query: np.ndarray, elements: list[Element]) -> list[tuple[float, Element]]:
    """Elements ordered by cosine similarity of their embeddings to ``query`` (most similar
    first); elements without an embedding are left out."""
    query = np.asarray(query, np.float32)
    query = query / max(float(np.linalg.norm(query)), 1e-12)
    scored = []
    for element in elements:
        if element.embedding is None:
            continue
        vector = element.embedding / max(float(np.linalg.norm(element.embedding)), 1e-12)
        scored.append((float(vector @ query), element))
    scored.sort(key=lambda pair: -pair[0])
    return scored
