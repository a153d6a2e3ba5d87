"""Make the synthetic-damage set for `muralstudio bench clicks`: one damage region per image.

    python bench/make_damage_click_set.py --out /tmp/damage-clicks [--count 60]

Murals from the held-out (validation) caves of ../shared/datasets/murals get synthetic paint
loss or stains rendered on a crop (the click model's training uses the other caves); one
damage blob of each is the object, written as OUT/masks/STEM.png (255 = object) beside
OUT/images/STEM.png. Seeds are fixed, so the set is the same on every machine.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--murals", default=str(ROOT.parent / "shared" / "datasets" / "murals"))
    args = parser.parse_args()
    from muralstudio.core import imageio
    from muralstudio.core.datasets import cave_split, list_images
    from muralstudio.train.clicks import damage_object
    from muralstudio.train.common import load_rgb8

    paths = cave_split(list_images(args.murals), "val")
    paths = paths[:: max(1, len(paths) // args.count)][:args.count]
    (args.out / "images").mkdir(parents=True, exist_ok=True)
    (args.out / "masks").mkdir(parents=True, exist_ok=True)
    written = 0
    for path in paths:
        seed = int.from_bytes(hashlib.sha256(path.name.encode()).digest()[:4], "big")
        rng = np.random.default_rng(seed)
        for _ in range(10):
            image, obj = damage_object(load_rgb8(path), rng)
            if obj is not None and obj.sum() >= 200:
                break
        else:
            continue
        imageio.write_png(args.out / "images" / f"{path.stem}.png", image)
        imageio.write_png(args.out / "masks" / f"{path.stem}.png", obj.astype(np.uint8) * 255)
        written += 1
    print(f"{written} images with one damage region each in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
