"""Make a click set of thin dark lines from our real-damage labels, for `muralstudio bench clicks`.

    python bench/make_line_click_set.py --out /tmp/line-clicks [--split all|train|val] [--max-radius 4]

Annotators marked painted linework (outlines, hair strokes, folds: intact paint a detector must
leave alone) as *confusable* brush strokes of radius 2–4 px along the line, because a click on a
thin dark line took the area beside it. Each such stroke of datasets/mural-damage becomes an
object: OUT/images/NAME-lineK.png (its crop, read from the mural it names) and
OUT/masks/NAME-lineK.png (255 = the stroke's pixels that are still confusable in the saved
labels and darker than the paint just beside them). Strokes under 40 px are left out.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--dataset", type=Path, default=ROOT / "datasets" / "mural-damage")
    parser.add_argument("--murals", type=Path, default=ROOT.parent / "shared" / "datasets" / "murals")
    parser.add_argument("--split", default="all", choices=("all", "train", "val"))
    parser.add_argument("--max-radius", type=float, default=4.0)
    args = parser.parse_args()
    import cv2

    from muralstudio.core import imageio
    from muralstudio.core.datasets import annotated_crops
    from muralstudio.core.maskops import lab_lightness
    from muralstudio.ops.annotate import stroke_pixels

    (args.out / "images").mkdir(parents=True, exist_ok=True)
    (args.out / "masks").mkdir(parents=True, exist_ok=True)
    count = 0
    for name, crop, labels, record in annotated_crops(args.dataset, args.murals, args.split):
        lightness = lab_lightness(crop)
        beside = cv2.dilate(lightness, np.ones((9, 9), np.uint8))  # the paint just beside a line
        strokes = [item for item in record.get("items") or []
                   if item["kind"] == "stroke" and item["label"] == 3 and len(item["points"]) >= 2
                   and item.get("radius", 0) <= args.max_radius]
        for k, item in enumerate(strokes):
            line = stroke_pixels(labels.shape, item["points"], item["radius"]) & (labels == 3)
            line &= lightness.astype(np.int16) < beside.astype(np.int16) - 10
            if line.sum() < 40:
                continue
            stem = f"{name}-line{k}"
            imageio.write_png(args.out / "images" / f"{stem}.png", crop)
            imageio.write_png(args.out / "masks" / f"{stem}.png", (line * 255).astype(np.uint8))
            count += 1
    print(f"{count} thin dark lines in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
