"""Milliseconds per click on a 1-megapixel region, and on a 200-megapixel mural (2 CPU cores).

    python bench/click_speed.py [--engines classic,grabcut,clicknet]

A generated mural with synthetic paint loss; five simulated clicks (the NoC rule) on its
largest loss, timed per click. The 200-megapixel case wraps the same pixels in a virtual
14142² source that serves regions by tiling, so only the engine's region of interest is read:
the per-click time should not grow with the image. Baseline in the same process: the first
engine on the 1-megapixel image.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


class TiledSource:
    """A huge virtual image made by repeating ``tile``; only requested regions are built."""

    def __init__(self, tile: np.ndarray, side: int):
        from muralstudio.core.imageio import ImageInfo

        self.tile, self.side = tile, side
        self.info = ImageInfo(path=None, format="virtual", width=side, height=side, channels=3,
                              dtype=tile.dtype)

    def read_region(self, x, y, w, h):
        th, tw = self.tile.shape[:2]
        ys, xs = np.arange(y, y + h) % th, np.arange(x, x + w) % tw
        return self.tile[ys][:, xs]


def time_clicks(engine: str, source, truth, offset=(0, 0), clicks=5) -> list[float]:
    from muralstudio.engines import segmentation
    from muralstudio.engines.segmentation import Click, Prediction

    session = segmentation.create(engine).session(source)
    ox, oy = offset
    done, predicted, prediction, times = [], None, None, []
    for _ in range(clicks):
        click = segmentation.next_click(truth, predicted)
        if click is None:
            break
        done.append(Click(click.x + ox, click.y + oy, click.positive))
        start = time.perf_counter()
        prediction = session.predict(done, prediction)  # the last Prediction, as the window does
        times.append((time.perf_counter() - start) * 1000)
        shifted = Prediction(prediction.x - ox, prediction.y - oy, prediction.probability, prediction.mask)
        predicted = shifted.full_mask(*truth.shape)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="classic,grabcut,clicknet")
    args = parser.parse_args()
    import cv2

    from muralstudio.core import synth

    clean, _ = synth.generate_mural(1000, 1000, seed=11)
    damaged, masks = synth.apply_damage(clean, ("loss",), seed=12)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(masks["loss"].astype(np.uint8), connectivity=8)
    truth = labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    huge = TiledSource(damaged, 14142)
    rows = []
    for engine in args.engines.split(","):
        small = time_clicks(engine, damaged, truth)
        big = time_clicks(engine, huge, truth, offset=(7000, 7000))  # a copy deep inside
        rows.append((engine, np.median(small), np.percentile(small, 95), np.median(big)))
    base = rows[0][1]
    print("ms per click (5 simulated clicks on one paint loss), 2 threads")
    print(f"{'engine':<10} {'1 Mpx p50':>10} {'1 Mpx p95':>10} {'200 Mpx p50':>12} {'vs ' + rows[0][0]:>12}")
    for engine, p50, p95, big50 in rows:
        print(f"{engine:<10} {p50:>10.0f} {p95:>10.0f} {big50:>12.0f} {p50 / base:>11.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
