"""Damage maps and element labels as vectors other tools read (GeoJSON: QGIS, labelme, QuPath,
any vector editor), and GeoJSON polygons back into a mask layer.

Coordinates are image pixels: x to the right, y down, (0, 0) the top-left corner of the first
pixel, so a polygon lies on the pixel *edges* and its area is the pixel count. Outlines come
from the mask's pixel edges (exact), then are simplified by shapely with the stated tolerance
(Douglas–Peucker, topology kept); a round trip moves no pixel farther than the tolerance from
an outline. When the document has a physical scale, it is in the collection's properties and
each feature gets its area in cm².
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from muralstudio.core.imageio.common import json_text

#: default simplification, in pixels (0 keeps the pixel staircase exactly)
DEFAULT_TOLERANCE = 0.5


def mask_polygons(mask: np.ndarray, tolerance: float = DEFAULT_TOLERANCE):
    """The regions of a bool mask as shapely Polygons (holes included), on pixel edges."""
    import cv2
    from shapely.geometry import Polygon
    from shapely.validation import make_valid

    mask = np.asarray(mask, bool)
    # contours of the mask upsampled ×2 run along pixel edges once halved back
    big = cv2.resize(mask.astype(np.uint8), None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    contours, hierarchy = cv2.findContours(np.pad(big, 1), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    polygons = []
    if hierarchy is None:
        return polygons

    def ring(contour):
        # the ×2 grid's boundary-pixel centres (minus the pad), halved and rounded: pixel edges
        points = contour.reshape(-1, 2).astype(np.float64) - 1
        return np.round((points + 0.5) / 2)

    for index, contour in enumerate(contours):
        if hierarchy[0][index][3] != -1 or len(contour) < 3:
            continue  # holes are taken with their outer ring below
        holes = []
        child = hierarchy[0][index][2]
        while child != -1:
            if len(contours[child]) >= 3:
                holes.append(ring(contours[child]))
            child = hierarchy[0][child][0]
        polygon = Polygon(ring(contour), holes)
        if tolerance > 0:
            polygon = polygon.simplify(tolerance, preserve_topology=True)
        polygon = make_valid(polygon) if not polygon.is_valid else polygon
        # a repaired or simplified ring can split (a MultiPolygon, or a collection with stray
        # lines): its polygons, each on its own
        parts = getattr(polygon, "geoms", [polygon])
        polygons += [part for part in parts if part.geom_type == "Polygon" and not part.is_empty and part.area > 0]
    return polygons


def layers_geojson(layers, scale_mm_per_px: float | None = None, tolerance: float = DEFAULT_TOLERANCE,
                   source: str | None = None) -> dict:
    """A FeatureCollection of mask layers (one feature per region) and label layers (one per
    element — region of a class but the background — named as the gallery names it)."""
    from shapely.affinity import translate
    from shapely.geometry import mapping

    from muralstudio.core.elements import ELEMENT_MIN_AREA, display_names, find_elements

    features = []

    def add(polygon, properties):
        properties["area_px"] = round(polygon.area, 1)
        if scale_mm_per_px:
            properties["area_cm2"] = round(polygon.area * (scale_mm_per_px / 10) ** 2, 3)
        features.append({"type": "Feature", "geometry": mapping(polygon), "properties": properties})

    for layer in layers:
        if layer.kind == "mask" and layer.purpose == "damage":  # a probability map has no regions
            for polygon in mask_polygons(layer.data >= 128, tolerance):
                add(polygon, {"layer": layer.name, "kind": layer.kind})
        elif layer.kind == "labels":
            found = find_elements(layer.data, layer.classes, min_area=1, names=dict(layer.element_names))
            # named as the gallery, the measurements and the report name them: the regions they
            # list (ELEMENT_MIN_AREA and larger); a smaller speck of a class is exported unnamed
            listed = [e for e in found if e.area >= ELEMENT_MIN_AREA]
            names = display_names(listed, layer.classes, layer.element_names)
            for element in found:
                x, y, _, _ = element.bbox
                for polygon in mask_polygons(element.region(layer.data), tolerance):
                    add(translate(polygon, x, y), {"layer": layer.name, "kind": layer.kind, "class": element.class_name,
                                                   "element": names.get(element.key, element.name or None)})
    collection = {"type": "FeatureCollection", "features": features,
                  "properties": {"coordinates": "image pixels, x right, y down, origin the top-left "
                                                "corner of the first pixel",
                                 "simplification_tolerance_px": tolerance}}
    if scale_mm_per_px:
        collection["properties"]["scale_mm_per_px"] = scale_mm_per_px
    if source:
        collection["properties"]["source"] = source
    return collection


def _feature_regions(collection: dict, shape, layer: str | None = None):
    """(feature properties, (top, left), bool region within the polygon's box) of the
    collection's polygons (those of ``layer`` only, when given): exterior rings filled, holes
    cleared; each region only as large as its box (thousands of elements on a 300-Mpx mural)."""
    from shapely.geometry import shape as to_shape
    from skimage.draw import polygon as fill

    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ValueError("not a GeoJSON FeatureCollection")
    height, width = shape
    count = 0

    def pixels_inside(ring):
        # a pixel belongs to the polygon when its centre does: edges at integers, centres at +0.5
        xy = np.asarray(ring.coords) - 0.5
        return fill(xy[:, 1], xy[:, 0], (height, width))

    for feature in collection.get("features", []):
        properties = feature.get("properties") or {}
        if layer and properties.get("layer") != layer:
            continue
        geometry = to_shape(feature["geometry"])
        for polygon in getattr(geometry, "geoms", [geometry]):
            if polygon.geom_type != "Polygon" or polygon.is_empty:
                continue
            rows, cols = pixels_inside(polygon.exterior)
            if not rows.size:
                continue
            count += 1
            top, left = int(rows.min()), int(cols.min())
            part = np.zeros((int(rows.max()) - top + 1, int(cols.max()) - left + 1), bool)
            part[rows - top, cols - left] = True
            for interior in polygon.interiors:
                hole_rows, hole_cols = pixels_inside(interior)
                inside = (hole_rows >= top) & (hole_rows < top + part.shape[0]) & \
                         (hole_cols >= left) & (hole_cols < left + part.shape[1])
                part[hole_rows[inside] - top, hole_cols[inside] - left] = False
            yield properties, (top, left), part
    if not count:
        raise ValueError("no polygons" + (f" of layer {layer!r}" if layer else ""))


def geojson_mask(collection: dict, shape, layer: str | None = None) -> np.ndarray:
    """A bool mask of the given (height, width) from the collection's polygons (those of
    ``layer`` only, when given): exterior rings filled, holes cleared."""
    out = np.zeros(tuple(shape), bool)
    for _, (top, left), part in _feature_regions(collection, shape, layer):
        out[top:top + part.shape[0], left:left + part.shape[1]] |= part
    return out


def geojson_labels(collection: dict, shape, layer: str | None = None, classes=None):
    """A label map of the given (height, width) from element polygons — as ``vectors export``
    writes them, each with its ``class`` — and its classes: ``classes`` (name, colour) first
    (the project's default ones when None), then any other class the polygons name, in the
    order met. Polygons without a class are refused (a mask's, not elements')."""
    from muralstudio.core.document import DEFAULT_LABEL_CLASSES, DEFAULT_MASK_COLORS

    classes = [(name, tuple(colour)) for name, colour in (classes or DEFAULT_LABEL_CLASSES)]
    index = {name: i for i, (name, _) in enumerate(classes)}
    labels = np.zeros(tuple(shape), np.uint8)
    for properties, (top, left), part in _feature_regions(collection, shape, layer):
        name = properties.get("class")
        if not isinstance(name, str) or not name:
            raise ValueError("a polygon has no class (a mask's polygons import as a mask, without "
                             "--classes)" + (f"; its layer is {properties.get('layer')!r}" if properties.get("layer") else ""))
        if name not in index:
            if len(classes) >= 256:
                raise ValueError("more than 256 classes")
            index[name] = len(classes)
            classes.append((name, DEFAULT_MASK_COLORS[len(classes) % len(DEFAULT_MASK_COLORS)]))
        labels[top:top + part.shape[0], left:left + part.shape[1]][part] = index[name]
    return labels, classes


def layers_svg(layers, width: int, height: int, tolerance: float = DEFAULT_TOLERANCE) -> str:
    """An SVG overlay of the image's size: each mask layer's regions (and each label class's)
    as filled, outlined paths in the layer's colour, one group per layer, holes cut out
    (even-odd fill); it lies exactly over the image in any vector editor."""
    from xml.sax.saxutils import escape

    def path_data(polygon) -> str:
        rings = [polygon.exterior, *polygon.interiors]
        return " ".join("M " + " L ".join(f"{x:g},{y:g}" for x, y in ring.coords[:-1]) + " Z" for ring in rings)

    groups = []
    for layer in layers:
        if layer.kind == "mask" and layer.purpose == "damage":
            parts = [(layer.name, tuple(layer.color), layer.data >= 128)]
        elif layer.kind == "labels":
            parts = [(f"{layer.name}: {name}", tuple(colour), layer.data == value)
                     for value, (name, colour) in enumerate(layer.classes) if value and np.any(layer.data == value)]
        else:
            continue
        for name, (r, g, b), mask in parts:
            paths = "".join(f'<path d="{path_data(p)}"/>' for p in mask_polygons(mask, tolerance))
            groups.append(f'<g id="{escape(name, {chr(34): "&quot;"})}" fill="rgb({r},{g},{b})" fill-opacity="0.45" '
                          f'stroke="rgb({r},{g},{b})" stroke-width="1" fill-rule="evenodd">{paths}</g>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">' + "".join(groups) + "</svg>")


def export_svg(layers, path, width: int, height: int, tolerance: float = DEFAULT_TOLERANCE) -> Path:
    from muralstudio.core.atomic import atomic_write

    with atomic_write(path, "w") as handle:
        handle.write(layers_svg(layers, width, height, tolerance))
    return Path(path)


def export_geojson(layers, path, **kwargs) -> Path:
    from muralstudio.core.atomic import atomic_write

    text = json_text(layers_geojson(layers, **kwargs), indent=None)
    with atomic_write(path, "w") as handle:
        handle.write(text)
    return Path(path)


def import_geojson(path, shape, layer: str | None = None, labels: bool = False):
    """A bool mask from the file's polygons or, with ``labels``, (label map, classes) from its
    element polygons (:func:`geojson_labels`)."""
    path = Path(path)
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
        return geojson_labels(collection, shape, layer) if labels else geojson_mask(collection, shape, layer)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: {exc}") from exc
