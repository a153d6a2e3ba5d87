"""Areas (px, cm²), shares, region counts of damage layers and element classes, as a table or CSV
"""

from __future__ import annotations

import math
from pathlib import Path

NAME = "measure"
HELP = "areas (px, cm²), shares, region counts of damage layers and element classes, as a table or CSV"


def add_arguments(parser) -> None:
    parser.add_argument("project", type=Path, help="a .mural project")
    parser.add_argument("--csv", type=Path, help="write the table as CSV")
    parser.add_argument("--xlsx", type=Path, help="write the table as an Excel workbook")
    parser.add_argument("--elements", action="store_true",
                        help="also list every element: area, box in cm (in the workbook's Elements sheet, "
                             "and in NAME-elements.csv beside --csv)")
    parser.add_argument("--mm-per-px", type=float, help="the physical scale (default: the project's own scale, set in the window, else the image's resolution)")


def run(args) -> int:
    from muralstudio.core.project import load_project
    from muralstudio.cli.table import text_table
    from muralstudio.ops import measure

    doc = load_project(args.project)
    if args.mm_per_px is not None and not (math.isfinite(args.mm_per_px) and args.mm_per_px > 0):
        raise ValueError(f"--mm-per-px must be a positive number, not {args.mm_per_px}")
    scale = args.mm_per_px or doc.mm_per_px  # the project's own scale, else the file's DPI
    rows = measure.measure_layers(doc.layers, doc.width * doc.height, scale)
    print(f"{doc.title}: {doc.width}×{doc.height} px" + (f", {scale:.4g} mm/px" if scale else ", no scale"))
    layer_rows = [[r.layer, r.what, f"{r.pixels:,}", f"{r.share:.2%}", str(r.regions), f"{r.largest_pixels:,}",
                   f"{r.area_cm2:.2f}" if r.area_cm2 is not None else "—"] for r in rows]
    print(text_table(["layer", "what", "pixels", "share", "regions", "largest", "cm²"], layer_rows, right={2, 3, 4, 5, 6}))
    elements = measure.measure_elements(doc.layers, scale) if args.elements else None
    if args.elements:
        element_rows = [[e.element, e.what, f"{e.pixels:,}", f"{e.area_cm2:.2f}" if e.area_cm2 is not None else "—",
                         ", ".join(f"{v:g}" for v in e.box_cm) if e.box_cm else "px " + ", ".join(map(str, e.box_px))]
                        for e in elements]
        print()
        print(text_table(["element", "class", "pixels", "cm²", "box (cm: x, y, w, h)"], element_rows, right={2, 3}))
    if args.csv:
        measure.export_csv(rows, args.csv, elements=elements)
    if args.xlsx:
        measure.export_xlsx(rows, args.xlsx, title=doc.title, mm_per_px=scale, elements=elements)
    return 0
