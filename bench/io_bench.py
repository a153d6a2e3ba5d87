"""Image I/O benchmark on a generated 20000×20000 16-bit tiled TIFF.

Prints: time to read the header, time and peak memory to read a 2048² region, time to build
the pyramid, and, as baselines run in the same process, the same region through Pillow and a
whole-image decode through tifffile.

    python bench/io_bench.py [--size 20000] [--region 2048] [--workdir DIR] [--keep]

Peak memory of each step is measured in a child process (ru_maxrss), so steps do not inherit
each other's peaks. The test image (2.4 GB of pixels, tiled 256², deflate) is written once into
the work folder and reused.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchutil import peak_rss_mib

STEPS = ("header", "region", "pillow_region", "full_decode", "pyramid")


def make_test_image(path: Path, size: int) -> None:
    """A 16-bit RGB mural-like TIFF written tile by tile (never whole in memory)."""
    import tifffile

    from muralstudio.core import synth

    tile = 256
    motif, _ = synth.generate_mural(2048, 2048, seed=11, bit_depth=16)
    rng = np.random.default_rng(0)

    def tiles():
        for y in range(0, size, tile):
            for x in range(0, size, tile):
                block = motif[y % 2048:y % 2048 + tile, x % 2048:x % 2048 + tile]
                noise = rng.integers(0, 64, block.shape, dtype=np.uint16)
                yield block + noise  # keep it from compressing to nothing

    tifffile.imwrite(path, tiles(), shape=(size, size, 3), dtype=np.uint16, tile=(tile, tile),
                     photometric="rgb", compression="zlib", compressionargs={"level": 1},
                     bigtiff=True, metadata=None)


def run_step(step: str, path: Path, region: int, cache: Path) -> dict:
    """Run one step in this (child) process and report seconds and peak RSS."""
    from muralstudio.core import imageio
    from muralstudio.core.pyramid import FileSource, Pyramid

    x = y = 5000
    start = time.perf_counter()
    if step == "header":
        info = imageio.read_header(path)
        detail = f"{info.width}x{info.height} {info.bit_depth}-bit"
    elif step == "region":
        data = imageio.read_region(path, x, y, region, region)
        detail = f"{data.shape} {data.dtype}"
    elif step == "pillow_region":
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = None
        try:
            with Image.open(path) as img:
                data = np.asarray(img.crop((x, y, x + region, y + region)))
            detail = f"{data.shape} {data.dtype}"
        except Exception as exc:  # noqa: BLE001 - Pillow cannot decode 16-bit RGB TIFF
            detail = f"failed: {type(exc).__name__}: {str(exc)[:80]}"
    elif step == "full_decode":
        import tifffile

        data = tifffile.imread(path, maxworkers=1)
        detail = f"{data.shape} {data.dtype}"
        data = data[y:y + region, x:x + region]
    elif step == "pyramid":
        pyramid = Pyramid(FileSource(path), cache)
        pyramid.clear()
        pyramid.build()
        detail = f"{pyramid.levels - 1} levels"
    seconds = time.perf_counter() - start
    return {"step": step, "seconds": seconds, "peak_mib": peak_rss_mib(), "detail": detail}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--region", type=int, default=2048)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "muralstudio-bench")
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    path = args.workdir / f"mural-{args.size}.tif"
    cache = args.workdir / "cache"
    if args.child:
        print(json.dumps(run_step(args.child, path, args.region, cache)))
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        print(f"writing {path} ({args.size}×{args.size} 16-bit RGB, tiled) …", flush=True)
        start = time.perf_counter()
        make_test_image(path, args.size)
        print(f"  written in {time.perf_counter() - start:.1f} s, {path.stat().st_size / 2**30:.2f} GiB")
    baseline = subprocess.run([sys.executable, "-c", "import numpy, PIL, tifffile, muralstudio.core.pyramid; "
                               "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])"],
                              capture_output=True, text=True, check=True)
    import_mib = float(baseline.stdout) / 1024
    results = {}
    for step in args.steps.split(","):
        out = subprocess.run([sys.executable, __file__, "--child", step, "--size", str(args.size),
                              "--region", str(args.region), "--workdir", str(args.workdir)],
                             capture_output=True, text=True)
        if out.returncode != 0:
            results[step] = {"step": step, "seconds": float("nan"), "peak_mib": float("nan"),
                             "detail": f"failed: {out.stderr.strip().splitlines()[-1][:80]}"}
        else:
            results[step] = json.loads(out.stdout)
    print(f"\n20000² benchmark: image {args.size}×{args.size} 16-bit RGB tiled TIFF, region {args.region}², "
          f"interpreter + imports = {import_mib:.0f} MiB RSS")
    print(f"{'step':<34}{'seconds':>10}{'peak MiB':>10}  detail")
    labels = {"header": "header (read_header)", "region": "region read (read_region)",
              "pillow_region": "baseline: Pillow open+crop", "full_decode": "baseline: whole-image decode",
              "pyramid": "pyramid build (all levels)"}
    for step, r in results.items():
        print(f"{labels[step]:<34}{r['seconds']:>10.3f}{r['peak_mib']:>10.0f}  {r['detail']}")
    region, full = results.get("region"), results.get("full_decode")
    if region and full and region["seconds"] > 0:
        print(f"\nregion read is {full['seconds'] / region['seconds']:.0f}× faster than decoding the whole "
              f"image (target ≥ 20×); region peak {region['peak_mib']:.0f} MiB (target < 300 MB)")
    pillow = results.get("pillow_region")
    if region and pillow and pillow["seconds"] == pillow["seconds"] and not pillow["detail"].startswith("failed"):
        print(f"Pillow baseline / region read = {pillow['seconds'] / region['seconds']:.1f}×")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
