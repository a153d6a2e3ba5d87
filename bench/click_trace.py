"""Where a click engine spends its clicks: the NoC protocol traced click by click.

    python bench/click_trace.py --images DIR --masks DIR [--engine clicknet[:KEY=VALUE...]]
                                [--stems A,B] [--clicks 20] [--to-the-end]

For each image (or the named stems): every simulated click (the benchmark's rule) with its
position and sign, the IoU after it, the false and missed pixels, and whether the engine had to
honour it (its network left the clicked pixel with the wrong label). Stops at 90 % IoU as the
benchmark does, unless ``--to-the-end``. Each image's line also says whether its region is
lighter or darker than a 4-px ring around it (on the synthetic-damage set: paint loss shows
light plaster, a stain darkens the paint). Totals at the end: images reaching 90 % with one
click, within three, never; clicks placed; clicks honoured.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np


def trace(session, truth, max_clicks, stop_at):
    """(click, IoU, false pixels, missed pixels, honoured) after each simulated click."""
    from muralstudio.core.metrics import iou
    from muralstudio.engines.segmentation import next_click

    honoured = []
    if hasattr(session, "_honour"):  # count the engine's honouring without changing it
        honour = session._honour

        def counting(prediction, clicks):
            honoured.append(len(clicks))
            return honour(prediction, clicks)

        session._honour = counting
    clicks, prediction, predicted = [], None, None
    for _ in range(max_clicks):
        click = next_click(truth, predicted)
        if click is None:
            return
        clicks.append(click)
        prediction = session.predict(clicks, prediction)
        predicted = prediction.full_mask(*truth.shape)
        score = iou(truth, predicted)
        yield (click, score, int((predicted & ~truth).sum()), int((truth & ~predicted).sum()),
               len(clicks) in honoured)
        if stop_at is not None and score >= stop_at:
            return


def lighter_than_surroundings(image, truth) -> bool:
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    ring = (cv2.dilate(truth.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0) & ~truth
    return bool(grey[truth].mean() > grey[ring].mean())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", required=True)
    parser.add_argument("--masks", required=True)
    parser.add_argument("--engine", default="clicknet")
    parser.add_argument("--stems", help="comma-separated image stems (default: all images)")
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--to-the-end", action="store_true", help="do not stop at 90 %% IoU")
    args = parser.parse_args()
    from muralstudio.core import imageio
    from muralstudio.core.datasets import list_images, pairs_with_masks
    from muralstudio.engines import segmentation

    pairs = pairs_with_masks(list_images(args.images), args.masks)
    if args.stems:
        wanted = args.stems.split(",")
        pairs = [pair for pair in pairs if pair[0].stem in wanted]
    segmenter = segmentation.create_from_spec(args.engine)
    one = within_three = never = placed = honoured = 0
    for image_path, mask_path in pairs:
        image = imageio.to_rgb8(imageio.read_image(image_path).pixels)
        truth = imageio.read_mask(mask_path) > 127
        steps = list(trace(segmenter.session(image), truth, args.clicks,
                           None if args.to_the_end else 0.9))
        if args.stems:
            for n, (click, score, false, missed, forced) in enumerate(steps, start=1):
                print(f"  {n:2d} {'+' if click.positive else '-'} ({click.x:.0f}, {click.y:.0f}) "
                      f"IoU {score:.3f} false {false} missed {missed}{' honoured' if forced else ''}")
        noc = next((n for n, step in enumerate(steps, start=1) if step[1] >= 0.9), args.clicks)
        one += noc == 1
        within_three += noc <= 3
        never += steps[-1][1] < 0.9 if steps else 1
        placed += len(steps)
        honoured += sum(step[4] for step in steps)
        kind = "lighter" if lighter_than_surroundings(image, truth) else "darker"
        print(f"{image_path.stem:<32} {kind:<7} {int(truth.sum()):>7} px  NoC@90 {noc:>2}  "
              f"last IoU {steps[-1][1]:.3f}" if steps else image_path.stem, flush=True)
    print(f"{args.engine}: {len(pairs)} images, 90 % with one click {one}, within three "
          f"{within_three}, never {never}; {placed} clicks placed, {honoured} honoured")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
