"""Milliseconds per click on a 1-megapixel region, and on a 200-megapixel mural (2 CPU cores).

    python bench/click_speed.py [--engines classic,grabcut,clicknet[:KEY=VALUE...]] [--memory]

A generated mural with synthetic paint loss; five simulated clicks (the NoC rule) on its
largest loss, timed per click. The 200-megapixel case wraps the same pixels in a virtual
14142² source that serves regions by tiling, so only the engine's region of interest is read:
the per-click time should not grow with the image. Baseline in the same process: the first
engine on the 1-megapixel image. ``--memory`` (Linux) adds how far each engine's session and
five clicks on the 1-megapixel image (weights loading included) lift the resident memory's
peak, measured in a fresh process per engine so the engines do not share a peak.
"""

from __future__ import annotations

import argparse

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

    session = segmentation.create_from_spec(engine).session(source)
    return [ms for _, ms in segmentation.simulate_clicks(session, truth, clicks, offset=offset)]


def test_image():
    """The 1-megapixel mural with paint loss, and its largest loss (the object clicked)."""
    from muralstudio.core import maskops, synth

    clean, _ = synth.generate_mural(1000, 1000, seed=11)
    damaged, masks = synth.apply_damage(clean, ("loss",), seed=12)
    return damaged, maskops.largest_region(masks["loss"])


def _status_mib(field: str) -> float:
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise OSError(f"no {field} in /proc/self/status")


def peak_memory_growth(engine: str) -> float:
    """MiB the process's resident memory peaks above where it stood before one session and
    five clicks (Linux: the peak is reset first through /proc/self/clear_refs, so the making of
    the test image does not hide the session's own peak)."""
    import torch  # noqa: F401 (imported before the baseline: shared by every engine)

    from muralstudio.engines import segmentation  # noqa: F401

    damaged, truth = test_image()
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # resets VmHWM to the current resident size
    before = _status_mib("VmRSS")
    time_clicks(engine, damaged, truth)
    return _status_mib("VmHWM") - before


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="classic,grabcut,clicknet")
    parser.add_argument("--memory", action="store_true", help="also peak memory growth per engine")
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)  # the child process of --memory
    args = parser.parse_args()
    if args.memory_of:
        print(f"{peak_memory_growth(args.memory_of):.0f}")
        return 0
    damaged, truth = test_image()
    huge = TiledSource(damaged, 14142)
    rows = []
    for engine in args.engines.split(","):
        small = time_clicks(engine, damaged, truth)
        big = time_clicks(engine, huge, truth, offset=(7000, 7000))  # a copy deep inside
        memory = ""
        if args.memory:
            import subprocess
            import sys

            memory = subprocess.run([sys.executable, __file__, "--memory-of", engine], check=True,
                                    capture_output=True, text=True).stdout.strip()
        rows.append((engine, np.median(small), np.percentile(small, 95), small[0], np.median(big),
                     memory))
    base = rows[0][1]
    width = max(10, *(len(row[0]) for row in rows))
    print("ms per click (5 simulated clicks on one paint loss), 2 threads")
    print(f"{'engine':<{width}} {'1 Mpx p50':>10} {'1 Mpx p95':>10} {'1st click':>10} "
          f"{'200 Mpx p50':>12} {'vs ' + rows[0][0]:>12}" + (f" {'peak MiB':>9}" if args.memory else ""))
    for engine, p50, p95, first, big50, memory in rows:
        print(f"{engine:<{width}} {p50:>10.0f} {p95:>10.0f} {first:>10.0f} {big50:>12.0f} "
              f"{p50 / base:>11.2f}×" + (f" {memory:>9}" if args.memory else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
