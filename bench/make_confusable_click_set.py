"""Make a click set of large dark shapes from our real-damage labels, for `muralstudio bench clicks`.

    python bench/make_confusable_click_set.py --out /tmp/confusable-clicks [--split all|train|val]

For each crop of datasets/mural-damage, its largest connected region labelled *confusable*
(intact dark paint: robes, hair, dark grounds — what annotators complained the click model
spreads from) becomes the object: OUT/images/NAME.png (the crop, read from the mural it names)
and OUT/masks/NAME.png (255 = the region). Regions under 2,000 px or over 60 % of their crop
are left out (too small to leak, or no boundary to find).
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
    args = parser.parse_args()
    import cv2

    from muralstudio.core import imageio
    from muralstudio.core.datasets import annotated_crops

    (args.out / "images").mkdir(parents=True, exist_ok=True)
    (args.out / "masks").mkdir(parents=True, exist_ok=True)
    count = 0
    for name, crop, labels, _record in annotated_crops(args.dataset, args.murals, args.split):
        n, regions, stats, _ = cv2.connectedComponentsWithStats((labels == 3).astype(np.uint8), connectivity=8)
        if n <= 1:
            continue
        largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        area = stats[largest, cv2.CC_STAT_AREA]
        if area < 2000 or area > 0.6 * labels.size:
            continue
        imageio.write_png(args.out / "images" / f"{name}.png", crop)
        imageio.write_png(args.out / "masks" / f"{name}.png", ((regions == largest) * 255).astype(np.uint8))
        count += 1
    print(f"{count} crops with one large confusable region each in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
