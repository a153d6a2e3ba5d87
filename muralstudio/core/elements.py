"""Elements of a label map: the connected regions of each class, with their geometry and colour,
and exports of them (cropped images, CSV, COCO-style JSON with polygons).

An element is identified by its *seed*, the first pixel of the region in raster order: stable
while the region keeps that pixel, so names given to elements survive unrelated edits.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

from muralstudio.core.atomic import atomic_write


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


def find_elements(labels: np.ndarray, classes, image: np.ndarray | None = None,
                  min_area: int = 64, names: dict | None = None) -> list[Element]:
    """Connected regions (8-connected) of every class except 0 (background) with at least
    ``min_area`` pixels, largest first. ``classes`` is a list of names or (name, colour);
    ``image`` (uint8 RGB, same size) gives the mean colours; ``names`` maps element keys to
    the names users gave them."""
    names = names or {}
    class_names = [c if isinstance(c, str) else c[0] for c in classes]
    found = []
    present = np.flatnonzero(np.bincount(labels.ravel(), minlength=256))  # faster than np.unique
    for index in present:
        if index == 0 or index >= len(class_names):
            continue
        binary = (labels == index).astype(np.uint8)
        count, comp, stats, centroids = cv2.connectedComponentsWithStats(binary, connectivity=8)
        for c in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[c])
            if area < min_area:
                continue
            box = comp[y:y + h, x:x + w] == c
            first = int(np.flatnonzero(box.ravel())[0])
            seed = (x + first % w, y + first // w)
            colour = (0, 0, 0)
            if image is not None:
                pixels = image[y:y + h, x:x + w][box]
                colour = tuple(int(round(v)) for v in pixels.reshape(-1, pixels.shape[-1])[:, :3].mean(0))
            element = Element(int(index), class_names[index], area, (x, y, w, h),
                              (float(centroids[c][0]), float(centroids[c][1])), seed, colour)
            element.name = names.get(element.key, "")
            found.append(element)
    found.sort(key=lambda e: -e.area)
    return found


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


CSV_FIELDS = ("id", "file", "class", "name", "area", "x", "y", "width", "height",
              "centroid_x", "centroid_y", "mean_r", "mean_g", "mean_b")


def export_elements(elements: list[Element], labels: np.ndarray, image: np.ndarray, folder,
                    classes, image_name: str = "image", margin: int = 8) -> dict[str, Path]:
    """Write each element as a cropped PNG (RGBA, outside the region transparent), plus
    ``elements.csv`` and ``elements.coco.json`` (COCO-style: images, categories, annotations
    with polygons from the region outlines). ``image`` is uint8 RGB of the labels' size."""
    from muralstudio.core import imageio

    folder = Path(folder)
    (folder / "crops").mkdir(parents=True, exist_ok=True)
    class_names = [c if isinstance(c, str) else c[0] for c in classes]
    height, width = labels.shape
    rows, annotations = [], []
    for number, element in enumerate(elements, start=1):
        x, y, w, h = element.bbox
        x0, y0 = max(0, x - margin), max(0, y - margin)
        x1, y1 = min(width, x + w + margin), min(height, y + h + margin)
        region = np.zeros((y1 - y0, x1 - x0), bool)
        region[y - y0:y - y0 + h, x - x0:x - x0 + w] = element.region(labels)
        crop = np.dstack([image[y0:y1, x0:x1, :3], np.where(region, 255, 0).astype(np.uint8)])
        element.mean_colour = tuple(int(round(v)) for v in crop[..., :3][region].mean(0))
        file = f"crops/{number:04d}-{element.class_name.replace(' ', '-')}.png"
        imageio.write_png(folder / file, crop)
        rows.append({"id": number, "file": file, "class": element.class_name, "name": element.name,
                     "area": element.area, "x": x, "y": y, "width": w, "height": h,
                     "centroid_x": round(element.centroid[0], 1),
                     "centroid_y": round(element.centroid[1], 1),
                     "mean_r": element.mean_colour[0], "mean_g": element.mean_colour[1],
                     "mean_b": element.mean_colour[2]})
        annotations.append({"id": number, "image_id": 1, "category_id": element.class_index,
                            "segmentation": outline_polygons(region, (x0, y0)),
                            "area": element.area, "bbox": [x, y, w, h], "iscrowd": 0,
                            "attributes": {"name": element.name}})
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
        json.dump(coco, handle, indent=1, ensure_ascii=False)
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
