"""One click on each small real paint loss of the annotated damage set: how often the click
model floods into the dark paint around it, with and without `annotate click --within PX`.

    python bench/click_small_losses.py [--dataset datasets/mural-damage] [--limit 60]

Regions: connected paint-loss regions of 30–3,000 px (``--sizes``) in the set's crops (every
cave), one positive click at the point farthest inside each. Prints mean IoU with the
annotation, the share flooded (prediction > 5× the region) and ratios against the unlimited
click (the baseline, same run), for the model's mask clipped to a disk (the first ``--within``)
and for ``--within`` as it is now (the fleck's colour region where the model filled the disk).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=ROOT / "datasets" / "mural-damage")
    parser.add_argument("--murals", default=str(ROOT.parent / "shared" / "datasets" / "murals"))
    parser.add_argument("--engine", default="clicknet")
    parser.add_argument("--radii", default="8,16")
    parser.add_argument("--limit", type=int, default=60)
    parser.add_argument("--sizes", default="30,3000", help="smallest,largest region in px")
    args = parser.parse_args()
    from muralstudio.core.datasets import annotated_crops
    from muralstudio.engines import segmentation
    from muralstudio.ops.annotate import limit_to_clicks, near_positive_clicks

    smallest, largest = (int(v) for v in args.sizes.split(","))
    radii = [float(r) for r in args.radii.split(",")]
    # (name, the mask kept from the model's mask for a click at x, y); the first is the baseline
    variants = [("unlimited (baseline)", lambda mask, crop, x, y: mask)]
    variants += [(f"disk clip {r:g} (the first --within)",
                  lambda mask, crop, x, y, r=r: mask & near_positive_clicks([(x, y, True)], r, mask.shape))
                 for r in radii]
    variants += [(f"--within {r:g}", lambda mask, crop, x, y, r=r: limit_to_clicks(mask, crop, [(x, y, True)], r))
                 for r in radii]
    segmenter = segmentation.create_from_spec(args.engine)
    scores = {name: [] for name, _ in variants}
    count = 0
    for _, crop, labels, _ in annotated_crops(args.dataset, args.murals):
        n, comp, stats, _ = cv2.connectedComponentsWithStats((labels == 1).astype(np.uint8), connectivity=8)
        regions = [c for c in range(1, n) if smallest <= stats[c, 4] <= largest]
        if not regions:
            continue
        session = segmenter.session(crop)
        for c in regions:
            if count >= args.limit:
                break
            region = comp == c
            inside = cv2.distanceTransform(np.pad(region, 1).astype(np.uint8), cv2.DIST_L2, 3)[1:-1, 1:-1]
            y, x = np.unravel_index(int(np.argmax(inside)), inside.shape)
            mask = session.predict([segmentation.Click(float(x), float(y), True)]).full_mask(*labels.shape)
            for name, keep in variants:
                m = keep(mask, crop, x, y)
                iou = (m & region).sum() / max(1, (m | region).sum())
                scores[name].append((iou, m.sum() > 5 * region.sum()))
            count += 1
        if count >= args.limit:
            break
    base = np.mean([s[0] for s in scores[variants[0][0]]])
    print(f"{count} real paint-loss regions of {smallest:,}–{largest:,} px, one click each ({args.engine})")
    print("| click | mean IoU | flooded (> 5× the loss) | IoU vs unlimited |\n|---|---:|---:|---:|")
    for name, values in scores.items():
        iou = np.mean([v[0] for v in values])
        flooded = sum(v[1] for v in values)
        print(f"| {name} | {iou:.3f} | {flooded} of {len(values)} | {iou / base:.2f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
