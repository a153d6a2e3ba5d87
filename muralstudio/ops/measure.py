"""Measurements a conservator reports: per damage layer and per element class, the area in
pixels (and cm² when the image has a physical scale), its share of the image, the number of
regions and the largest; per element its area and box. Counted from the pixels (a region is
8-connected), never from simplified outlines."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np


@dataclass
class Measurement:
    layer: str
    what: str  # "damage" or the element class
    pixels: int
    share: float  # of the image's pixels
    regions: int
    largest_pixels: int
    area_cm2: float | None = None
    largest_cm2: float | None = None


def _regions(mask: np.ndarray) -> np.ndarray:
    """Pixel counts of the 8-connected regions of a bool mask."""
    import cv2

    count, _labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return stats[1:, cv2.CC_STAT_AREA] if count > 1 else np.zeros(0, np.int64)


def measure_layers(layers, image_pixels: int, mm_per_px: float | None = None) -> list[Measurement]:
    """One row per mask layer and per class present in each label layer (background left out)."""
    cm2 = (mm_per_px / 10) ** 2 if mm_per_px else None
    rows = []
    for layer in layers:
        if layer.kind == "mask" and layer.marks_damage:
            parts = [("damage", layer.data >= 128)]
        elif layer.kind == "labels":
            parts = [(name, layer.data == value) for value, (name, _) in enumerate(layer.classes) if value]
        else:
            continue
        for what, mask in parts:
            pixels = int(np.count_nonzero(mask))
            if layer.kind == "labels" and not pixels:
                continue
            regions = _regions(mask)
            largest = int(regions.max()) if regions.size else 0
            rows.append(Measurement(layer.name, what, pixels, pixels / image_pixels, int(regions.size), largest,
                                    round(pixels * cm2, 4) if cm2 else None,
                                    round(largest * cm2, 4) if cm2 else None))
    return rows


def table_csv(rows: list[Measurement], delimiter: str = ",") -> str:
    """The rows as CSV text (a header line, then one line per row; empty cells without a scale)."""
    buffer = io.StringIO()
    names = list(asdict(rows[0]).keys()) if rows else [f for f in Measurement.__dataclass_fields__]
    writer = csv.DictWriter(buffer, fieldnames=names, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in asdict(row).items()})
    return buffer.getvalue()


def elements_csv_path(path) -> Path:
    """Where :func:`export_csv` writes the element listing beside the table."""
    path = Path(path)
    return path.with_name(f"{path.stem}-elements{path.suffix}")


def export_csv(rows: list[Measurement], path, elements: list | None = None) -> Path:
    """The table as CSV; with ``elements``, their listing too, beside it (one table per CSV
    file: :func:`elements_csv_path`)."""
    from muralstudio.core.atomic import atomic_write

    # UTF-8 with a byte-order mark: Excel (a Chinese Windows above all) reads names right only so
    with atomic_write(path, "w", encoding="utf-8-sig") as handle:
        handle.write(table_csv(rows))
    if elements:
        with atomic_write(elements_csv_path(path), "w", encoding="utf-8-sig") as handle:
            handle.write(elements_csv(elements))
    return Path(path)


@dataclass
class ElementMeasurement:
    layer: str
    element: str  # its name, or class and number
    what: str  # the class
    pixels: int
    area_cm2: float | None
    box_px: tuple  # x, y, w, h
    box_cm: tuple | None  # x, y, w, h in cm from the image's top-left corner


def measure_elements(layers, mm_per_px: float | None = None, min_area: int | None = None) -> list[ElementMeasurement]:
    """One row per element (connected region of a class, at least ``min_area`` px: default
    the gallery's) of every label layer, largest first: area in px and cm², bounding box in
    px and cm; named as the gallery names them."""
    from muralstudio.core.elements import ELEMENT_MIN_AREA, display_names, find_elements

    cm = mm_per_px / 10 if mm_per_px else None
    rows = []
    for layer in layers:
        if layer.kind != "labels":
            continue
        found = find_elements(layer.data, layer.classes, min_area=ELEMENT_MIN_AREA if min_area is None else min_area,
                              names=getattr(layer, "element_names", None))
        names = display_names(found, layer.classes, getattr(layer, "element_names", None))
        for element in found:
            name = names[element.key]
            box = tuple(int(v) for v in element.bbox)
            rows.append(ElementMeasurement(layer.name, name, element.class_name, int(element.area),
                                           round(element.area * cm * cm, 4) if cm else None, box,
                                           tuple(round(v * cm, 2) for v in box) if cm else None))
    rows.sort(key=lambda e: -e.pixels)
    return rows


#: column titles of the spreadsheet, in the order of :class:`Measurement`'s fields
COLUMN_TITLES = {"layer": "Layer", "what": "What", "pixels": "Pixels", "share": "Share of image",
                 "regions": "Regions", "largest_pixels": "Largest region (px)", "area_cm2": "Area (cm²)",
                 "largest_cm2": "Largest region (cm²)"}


ELEMENT_COLUMNS = ["layer", "element", "what", "pixels", "area_cm2", "x_px", "y_px", "w_px", "h_px",
                   "x_cm", "y_cm", "w_cm", "h_cm"]


def element_rows(elements: list) -> list[list]:
    """Per-element rows in :data:`ELEMENT_COLUMNS` order (cm cells None without a scale)."""
    return [[e.layer, e.element, e.what, e.pixels, e.area_cm2, *e.box_px, *(e.box_cm or (None,) * 4)]
            for e in elements]


def elements_csv(elements: list, delimiter: str = ",") -> str:
    """Per-element rows as CSV text (box as four columns, in px and, with a scale, in cm)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(ELEMENT_COLUMNS)
    writer.writerows([["" if v is None else v for v in row] for row in element_rows(elements)])
    return buffer.getvalue()


def export_xlsx(rows: list[Measurement], path, title: str = "", mm_per_px: float | None = None,
                elements: list | None = None) -> Path:
    """The table as an Excel workbook (openpyxl): a header row, numbers as numbers (share as
    a percentage), the scale noted below the table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from muralstudio.core.atomic import atomic_write

    book = Workbook()
    sheet = book.active
    sheet.title = "Measurements"
    names = list(COLUMN_TITLES)
    sheet.append([COLUMN_TITLES[n] for n in names])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = asdict(row)
        sheet.append([values[n] for n in names])
        sheet.cell(row=sheet.max_row, column=names.index("share") + 1).number_format = "0.00%"
    sheet.append([])
    sheet.append([f"{title}: scale" if title else "scale",
                  f"{mm_per_px:.6g} mm per pixel" if mm_per_px else "no physical scale (areas in cm² left empty)"])
    for column, width in zip("ABCDEFGH", (24, 14, 12, 14, 10, 20, 12, 20)):
        sheet.column_dimensions[column].width = width
    if elements:
        listing = book.create_sheet("Elements")
        listing.append(ELEMENT_COLUMNS)
        for row in element_rows(elements):
            listing.append(row)
        for cell in listing[1]:
            cell.font = Font(bold=True)
    with atomic_write(path, "wb") as handle:
        book.save(handle)
    return Path(path)


def scale_of(info) -> float | None:
    """Millimetres per pixel from the image's resolution tag (DPI), or None."""
    dpi = getattr(info, "dpi", None)
    return 25.4 / float(dpi[0]) if dpi and float(dpi[0]) > 0 else None
