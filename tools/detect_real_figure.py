"""A figure of detections on real damage: for a few crops of the real-damage validation caves,
the crop, the annotation (magenta paint loss, cyan cracks, green confusable dark paint) and the
detector's masks at its calibrated thresholds (magenta loss, cyan cracks).

    python tools/detect_real_figure.py --out models/detect-real.examples.png [--engine resunet[:weights_path=W]]
        [--dataset datasets/mural-damage] [--count 3] [--width 900]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def overlay(rgb, masks_colours) -> np.ndarray:
    out = rgb.astype(np.float32)
    for mask, colour in masks_colours:
        out[mask] = 0.4 * out[mask] + 0.6 * np.array(colour, np.float32)
    return out.astype(np.uint8)


def main() -> int:
    import cv2

    from muralstudio.core import imageio
    from muralstudio.core.datasets import annotated_crops
    from muralstudio.engines import detection

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--engine", default="resunet")
    parser.add_argument("--dataset", type=Path, default=ROOT / "datasets" / "mural-damage")
    parser.add_argument("--murals", type=Path, default=ROOT.parent / "shared" / "datasets" / "murals")
    parser.add_argument("--count", type=int, default=3)
    parser.add_argument("--width", type=int, default=900, help="figure width in px (flecks need 1500 or more)")
    args = parser.parse_args()
    from muralstudio.engines.registry import split_spec

    name, settings = split_spec(args.engine)
    detector = detection.create(name, **settings)
    crops = list(annotated_crops(args.dataset, args.murals, "val"))
    # the crops with the most annotated damage: where there is something to see
    crops.sort(key=lambda c: -int(((c[2] == 1) | (c[2] == 2)).sum()))
    rows = []
    for stem, rgb, labels, _ in crops[:args.count]:
        result = detection.detect(rgb, detector)
        loss = result.mask("paint loss")
        crack = result.mask("craquelure")
        truth = overlay(rgb, [(labels == 1, (255, 0, 255)), (labels == 2, (0, 255, 255)), (labels == 3, (60, 220, 60))])
        found = overlay(rgb, [(loss, (255, 0, 255)), (crack, (0, 255, 255))])
        row = np.concatenate([rgb, np.full((rgb.shape[0], 6, 3), 255, np.uint8), truth,
                              np.full((rgb.shape[0], 6, 3), 255, np.uint8), found], axis=1)
        scale = args.width / row.shape[1]
        row = cv2.resize(row, (args.width, int(row.shape[0] * scale)), interpolation=cv2.INTER_AREA)
        label = np.full((18, args.width, 3), 255, np.uint8)
        cv2.putText(label, f"{stem}: crop | annotation | {args.engine}", (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                    (0, 0, 0), 1, cv2.LINE_AA)
        rows += [label, row]
    figure = np.concatenate(rows, axis=0)
    if args.out.suffix.lower() in (".jpg", ".jpeg"):  # a fifth of the PNG's size for wide figures
        from PIL import Image

        Image.fromarray(figure).save(args.out, quality=88, optimize=True)
    else:
        imageio.write_png(args.out, figure)
    print(f"{len(rows) // 2} crops -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
