"""Damage-detection speed and memory on large murals (2 CPU cores here).

    python bench/detect_speed.py [--sizes 2048,8192] [--threads 2]

Writes a generated 16-bit mural as a tiled TIFF per size, then runs the Res-UNet detector
through the sliding-window path reading tiles from the file (what `muralstudio detect` does).
Baseline, in the same process: one forward pass over the whole 2048² image at once.
Each size runs in its own child process so the peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchutil import peak_rss_mib, run_child  # noqa: E402


def make_tiff(path: Path, side: int) -> None:
    import numpy as np

    from muralstudio.core import imageio, synth

    tile = synth.generate_mural(1024, 1024, seed=1, bit_depth=16)[0]
    damaged, _ = synth.apply_damage(tile, ("cracks", "loss"), seed=2)
    reps = -(-side // 1024)
    image = np.tile(damaged, (reps, reps, 1))[:side, :side]
    imageio.write_tiff(path, image, tile=(256, 256), compression="deflate")


def child(kind: str, path: str, threads: int, window: int, overlap: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    from muralstudio.core.pyramid import FileSource
    from muralstudio.engines import detection

    detector = detection.create("resunet")
    source = FileSource(path)
    megapixels = source.info.width * source.info.height / 1e6
    start = time.perf_counter()
    if kind == "whole":
        from muralstudio.core.imageio import to_rgb8

        detector.probabilities(to_rgb8(source.full()))
    else:
        detection.detect(source, detector, window=window, overlap=overlap)
    seconds = time.perf_counter() - start
    return {"megapixels": megapixels, "seconds": seconds, "mpx_per_s": megapixels / seconds,
            "peak_mib": peak_rss_mib()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2048,8192")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--window", type=int, default=1024)
    parser.add_argument("--overlap", type=int, default=32)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], args.threads, args.window, args.overlap)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="ms-detect-bench-") as folder:
        sizes = [int(s) for s in args.sizes.split(",")]
        for side in sorted(set(sizes + [2048])):
            path = Path(folder) / f"mural-{side}.tif"
            make_tiff(path, side)
            kinds = ["whole", "tiled"] if side == 2048 else ["tiled"]
            for kind in kinds:
                rows.append((side, kind, run_child(__file__, kind, path, "--threads", args.threads,
                                                   "--window", args.window, "--overlap", args.overlap)))
    base = next(r for s, k, r in rows if k == "whole")
    print(f"detection speed, Res-UNet light, {args.threads} threads")
    print(f"{'image':>12} {'path':<26} {'s':>8} {'Mpx/s':>7} {'peak MiB':>9} {'vs baseline':>12}")
    for side, kind, r in rows:
        label = "baseline: one whole pass" if kind == "whole" else \
            f"windows {args.window}, overlap {args.overlap}"
        print(f"{side:>5}×{side:<6} {label:<26} {r['seconds']:>8.2f} {r['mpx_per_s']:>7.2f} "
              f"{r['peak_mib']:>9.0f} {r['mpx_per_s'] / base['mpx_per_s']:>11.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
