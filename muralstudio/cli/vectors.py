"""Damage maps and labels as GeoJSON, and back
"""

from __future__ import annotations

import math
from pathlib import Path

NAME = "vectors"
HELP = "damage maps and labels as GeoJSON, and back"


def add_arguments(parser) -> None:
    vectors_sub = parser.add_subparsers(dest="vectors_command", metavar="export|import", required=True)
    vexport = vectors_sub.add_parser("export", help="mask and label layers of a project (or one mask "
                                     "image) as a GeoJSON FeatureCollection in pixel coordinates")
    vexport.add_argument("input", type=Path, help="a .mural project or a mask image (nonzero = damage)")
    vexport.add_argument("--out", type=Path, required=True, help="OUT.geojson, or OUT.svg for an overlay")
    vexport.add_argument("--tolerance", type=float, default=0.5,
                         help="outline simplification in pixels (0 = the exact pixel staircase)")
    vimport = vectors_sub.add_parser("import", help="GeoJSON polygons as an 8-bit mask PNG")
    vimport.add_argument("geojson", type=Path)
    vimport.add_argument("--like", type=Path, required=True, help="the image whose size the mask takes")
    vimport.add_argument("--layer", help="only the polygons of this layer")
    vimport.add_argument("--out", type=Path, required=True, help="MASK.png (with --classes: LABELS.png)")
    vimport.add_argument("--classes", action="store_true",
                         help="element polygons (as 'vectors export' writes a label layer's) as an indexed "
                              "label PNG, one value per class, with LABELS.classes.json beside it")


def run(args) -> int:
    import numpy as np

    from muralstudio.core import imageio
    from muralstudio.ops import vectors

    if args.vectors_command == "import":
        if args.out.suffix.lower() != ".png":
            raise ValueError(f"--out {args.out}: the mask is written as PNG; name it MASK.png")
        info = imageio.read_header(args.like)
        if args.classes:
            from muralstudio.core import export
            from muralstudio.core.document import LabelLayer
            from muralstudio.core.imageio.common import json_text
            from muralstudio.core.atomic import atomic_write

            labels, classes = vectors.import_geojson(args.geojson, (info.height, info.width), args.layer, labels=True)
            export.export_labels(LabelLayer(args.out.stem, labels, classes=classes), args.out)
            sidecar = args.out.with_suffix(".classes.json")
            with atomic_write(sidecar, "w") as handle:
                handle.write(json_text({"classes": [{"index": i, "name": n, "color": list(c)}
                                                    for i, (n, c) in enumerate(classes)]}))
            counts = np.bincount(labels.ravel(), minlength=len(classes))
            print(", ".join(f"{n} {int(counts[i]):,} px" for i, (n, _) in enumerate(classes) if i and counts[i])
                  + f" -> {args.out} (+ {sidecar.name})")
            return 0
        mask = vectors.import_geojson(args.geojson, (info.height, info.width), args.layer)
        imageio.write_png(args.out, mask.astype(np.uint8) * 255)
        print(f"{int(mask.sum()):,} pixels -> {args.out}")
        return 0
    if args.input.suffix.lower() == ".mural":
        from muralstudio.core.project import load_project

        doc = load_project(args.input)
        layers = [l for l in doc.layers if l.kind in ("mask", "labels")]
        scale = doc.mm_per_px  # the scale the user set, else the file's resolution
    else:
        from muralstudio.core.document import Document

        pixels = imageio.read_image(args.input).pixels
        pixels = pixels.max(axis=2) if pixels.ndim == 3 else pixels
        doc = Document.from_array(np.zeros(pixels.shape + (3,), np.uint8), name=args.input.stem)
        layers = [doc.new_mask_layer(args.input.stem, pixels > 0)]
        scale = None
    if args.tolerance < 0 or not math.isfinite(args.tolerance):
        raise ValueError(f"--tolerance must be 0 or more pixels, not {args.tolerance}")
    if args.out.suffix.lower() == ".svg":
        vectors.export_svg(layers, args.out, doc.width, doc.height, tolerance=args.tolerance)
    else:
        vectors.export_geojson(layers, args.out, scale_mm_per_px=scale or None, tolerance=args.tolerance,
                               source=str(args.input))
    print(f"{len(layers)} layer(s) -> {args.out}")
    return 0
