"""Side-by-side strips of inpainting results for the README.

    python tools/inpaint_compare.py [--images ../shared/datasets/murals] [--index 7]
                                    [--engines telea,patchmatch,edgeconnect,pconv,fourier]

Writes docs/screenshots/inpaint-compare.png with two rows:
1. a benchmark crop (validation cave, seeded jelly-like mask 30–40 %, exactly as ``bench
   inpaint`` makes it): original, damaged, one column per engine;
2. a real paint loss of a real photograph (beizhou-296-a: the white loss on the black sleeve),
   its mask made with the product's click tool (clicknet, the clicks listed in REAL_CLICKS):
   the photograph, the mask, one column per engine (no ground truth exists for a real loss).
and docs/screenshots/inpaint-guide.png: a loss cut across the red contour lines of a real
mural, filled without and with guide lines (the contour traced inside the loss, as an artist
would redraw it) by edgeconnect and fourier.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REAL_IMAGE = "northern-zhou-sui/beizhou-296-a.jpg"
#: (x, y, positive) clicks of the click tool that mark the real loss
REAL_CLICKS = ((212, 420, True), (192, 450, True), (235, 425, False), (145, 420, False))
REAL_CROP = (80, 300, 256, 200)  # x, y, w, h shown
GUIDE_CROP = (330, 40, 256, 256)  # scarves with red contour lines
#: the two red contours crossing the loss, traced by eye from the original (crop coordinates),
#: as an artist redraws missing contour lines with a thin brush before the fill
GUIDE_STROKES = (((70, 128), (100, 112), (130, 100), (160, 93), (190, 91)),
                 ((92, 160), (105, 150), (130, 129), (150, 122), (178, 118), (200, 116)))


def label(image, text):
    import cv2
    import numpy as np

    out = np.ascontiguousarray(image.copy())
    cv2.rectangle(out, (0, 0), (8 + 8 * len(text), 18), (0, 0, 0), -1)
    cv2.putText(out, text, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def strip(columns, height):
    import numpy as np

    gap = np.full((height, 4, 3), 255, np.uint8)
    return np.concatenate([c for column in columns for c in (column, gap)][:-1], axis=1)


def fill(engine, image, hole, hints=None, **params):
    from muralstudio.engines import inpainting

    options = inpainting.InpaintOptions(engine=engine, engine_params=params)
    return inpainting.apply_patches(image, inpainting.inpaint(image, hole, options, hints=hints).patches)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default=str(ROOT.parent / "shared/datasets/murals"))
    parser.add_argument("--index", type=int, default=7)
    parser.add_argument("--engines", default="telea,patchmatch,edgeconnect,pconv,fourier")
    parser.add_argument("--ratio", default="0.3-0.4")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots/inpaint-compare.png")
    parser.add_argument("--guide-out", type=Path, default=ROOT / "docs/screenshots/inpaint-guide.png")
    args = parser.parse_args()
    import cv2
    import numpy as np

    from muralstudio.benchmarks.inpaint import make_mask, square
    from muralstudio.core import imageio
    from muralstudio.core.datasets import cave_split, list_images
    from muralstudio.engines import segmentation

    engines = args.engines.split(",")
    paths = cave_split(list_images(args.images), "val")
    path = paths[args.index]
    ratio = tuple(float(v) for v in args.ratio.split("-"))
    truth = square(imageio.read_image(path).pixels, 256)
    hole = make_mask("jelly", path, args.index, 256, ratio, 0)
    damaged = truth.copy()
    damaged[hole] = 255
    row1 = [label(truth, "original"), label(damaged, "damaged")]
    row1 += [label(fill(name, damaged, hole), name) for name in engines]

    photo = imageio.read_image(Path(args.images) / REAL_IMAGE).pixels
    session = segmentation.create("clicknet").session(photo)
    clicks, prediction = [], None
    for x, y, positive in REAL_CLICKS:
        clicks.append(segmentation.Click(x, y, positive))
        prediction = session.predict(clicks, prediction)
    loss = prediction.full_mask(*photo.shape[:2])
    x, y, w, h = REAL_CROP
    shown = np.zeros((h, w, 3), np.uint8)
    marked = photo.copy()
    marked[loss] = (0.5 * marked[loss] + [0, 127, 0]).astype(np.uint8)
    row2 = [label(photo[y:y + h, x:x + w], "real loss"), label(marked[y:y + h, x:x + w], "its mask (4 clicks)")]
    for name in engines:
        row2.append(label(fill(name, photo, loss)[y:y + h, x:x + w], name))
    del shown
    pad = [np.pad(c, ((0, 256 - c.shape[0]), (0, 0), (0, 0)), constant_values=255) for c in row2]
    image = np.concatenate([strip(row1, 256), np.full((6, strip(row1, 256).shape[1], 3), 255, np.uint8),
                            strip(pad, 256)], axis=0)
    imageio.write_png(args.out, image)
    print(f"{args.out}: {path.name} and {REAL_IMAGE} ({int(loss.sum())} px loss), engines {args.engines}")

    # guide lines: a loss across the red contours of the scarves, redrawn inside the loss
    gx, gy, gw, gh = GUIDE_CROP
    crop = photo[gy:gy + gh, gx:gx + gw].copy()
    hole = np.zeros((gh, gw), np.uint8)
    cv2.ellipse(hole, (gw // 2, gh // 2), (56, 34), 20, 0, 360, 1, -1)
    hole = hole.astype(bool)
    drawn = np.zeros((gh, gw), np.uint8)
    for stroke in GUIDE_STROKES:
        cv2.polylines(drawn, [np.int32(stroke).reshape(-1, 1, 2)], False, 1, 2)
    guide = drawn.astype(bool) & hole
    damaged = crop.copy()
    damaged[hole] = 255
    traced = damaged.copy()
    traced[guide] = (200, 0, 0)
    columns = [label(crop, "original"), label(damaged, "loss"), label(traced, "guide drawn")]
    for name in ("edgeconnect", "fourier"):
        columns.append(label(fill(name, damaged, hole), f"{name}"))
        columns.append(label(fill(name, damaged, hole, {"guide": guide}), f"{name} + guide"))
    imageio.write_png(args.guide_out, strip(columns, gh))
    print(f"{args.guide_out}: guide {int(guide.sum())} px in a {int(hole.sum())} px loss")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
