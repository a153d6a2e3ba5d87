"""Element-labeling speed and memory on large murals (2 CPU cores here).

    python bench/label_speed.py [--sizes 2048,8192] [--threads 2]

Writes a generated 16-bit mural as a tiled TIFF per size and labels it with the shipped PSP-M
through the path `muralstudio label` takes: windows read from the file at the model's working
scale, 512² windows at stride 256 (each pixel seen by up to four windows), logits blended,
labels projected back to full resolution. Baseline, in the same process: the same network at
full resolution (scale 1) in the same windows — what labeling costs without the working scale.
Each run is its own child process so the peak RSS is its own.
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
from detect_speed import make_tiff  # noqa: E402


def child(scale: float, path: str, threads: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    from muralstudio.core.pyramid import FileSource
    from muralstudio.engines import labeling

    labeler = labeling.create("pspm")
    source = FileSource(path)
    megapixels = source.info.width * source.info.height / 1e6
    start = time.perf_counter()
    result = labeling.label(source, labeler, scale=scale or None)
    seconds = time.perf_counter() - start
    return {"megapixels": megapixels, "seconds": seconds, "mpx_per_s": megapixels / seconds,
            "peak_mib": peak_rss_mib(), "scale": result.params["scale"]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2048,8192")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(float(args.child[0]), args.child[1], args.threads)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="ms-label-bench-") as folder:
        sizes = [int(s) for s in args.sizes.split(",")]
        for side in sorted(set(sizes + [2048])):
            path = Path(folder) / f"mural-{side}.tif"
            make_tiff(path, side)
            for scale in ([1.0, 0.0] if side == 2048 else [0.0]):  # 0: the model's own scale
                rows.append((side, scale, run_child(__file__, scale, path, "--threads", args.threads)))
    base = next(r for s, k, r in rows if k == 1.0)
    print(f"element labeling speed, PSP-M, {args.threads} threads, 512² windows at stride 256")
    print(f"{'image':>12} {'path':<30} {'s':>8} {'Mpx/s':>7} {'peak MiB':>9} {'vs baseline':>12}")
    for side, scale, r in rows:
        label = "baseline: full resolution" if scale == 1.0 else f"working scale {r['scale']}"
        print(f"{side:>5}×{side:<6} {label:<30} {r['seconds']:>8.2f} {r['mpx_per_s']:>7.2f} "
              f"{r['peak_mib']:>9.0f} {r['mpx_per_s'] / base['mpx_per_s']:>11.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
