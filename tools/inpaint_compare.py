"""A side-by-side strip of one validation mural restored by each inpainter, for the README.

    python tools/inpaint_compare.py [--images ../shared/datasets/murals] [--index 7]
                                    [--engines telea,edgeconnect,pconv] [--ratio 0.3-0.4]

Writes docs/screenshots/inpaint-compare.png: original, damaged (a seeded jelly-like mask, the
benchmark's crop and mask for that image), then one column per engine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default=str(ROOT.parent / "shared/datasets/murals"))
    parser.add_argument("--index", type=int, default=7)
    parser.add_argument("--engines", default="telea,edgeconnect,pconv")
    parser.add_argument("--ratio", default="0.3-0.4")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots/inpaint-compare.png")
    args = parser.parse_args()
    import numpy as np

    from muralstudio.benchmarks.inpaint import make_mask, square
    from muralstudio.core import imageio
    from muralstudio.core.datasets import cave_split, list_images
    from muralstudio.engines import inpainting

    paths = cave_split(list_images(args.images), "val")
    path = paths[args.index]
    ratio = tuple(float(v) for v in args.ratio.split("-"))
    truth = square(imageio.read_image(path).pixels, 256)
    hole = make_mask("jelly", path, args.index, 256, ratio, 0)
    damaged = truth.copy()
    damaged[hole] = 255
    columns = [truth, damaged]
    for name in args.engines.split(","):
        result = inpainting.inpaint(damaged, hole, inpainting.InpaintOptions(engine=name))
        columns.append(inpainting.apply_patches(damaged, result.patches))
    gap = np.full((256, 4, 3), 255, np.uint8)
    strip = np.concatenate([c for column in columns for c in (column, gap)][:-1], axis=1)
    imageio.write_png(args.out, strip)
    print(f"{args.out}: {path.name}, columns original, damaged, {args.engines}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
