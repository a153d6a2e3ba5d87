"""Inpainting speed and memory at native resolution.

A generated 50-megapixel 16-bit mural (tiled TIFF) with 200 scattered damaged regions is
restored through the harness with each engine, end to end as ``muralstudio inpaint`` does it
(lazy region reads, per-region crops, full-image composite, 16-bit TIFF written). Baseline, in
the same run: one whole-image ``cv2.inpaint`` call (Telea) per channel. Each step runs in its
own process so its peak memory (VmHWM) is its own.

    python bench/inpaint_speed.py [--megapixels 50] [--regions 200] [--engines telea,patchmatch]

Targets (2 CPU cores): telea ≤ 60 s, patchmatch ≤ 300 s, peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from benchutil import peak_rss_mib

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_inputs(folder: Path, megapixels: float, regions: int) -> tuple[Path, Path]:
    import cv2

    from muralstudio.core import imageio, synth

    image_path, mask_path = folder / f"mural-{megapixels:g}mp.tif", folder / f"mask-{megapixels:g}mp-{regions}.png"
    width = int(math.sqrt(megapixels * 1e6 * 1.5))
    height = int(megapixels * 1e6 / width)
    if not image_path.exists():
        image, _ = synth.generate_mural(width, height, seed=50, bit_depth=16)
        imageio.write_tiff(image_path, image)
        del image
    if not mask_path.exists():
        rng = np.random.default_rng(200)
        mask = np.zeros((height, width), np.uint8)
        for _ in range(regions):  # blobs of paint loss, 10–60 px radius, irregular outline
            r = int(rng.integers(10, 60))
            cx, cy = int(rng.integers(r, width - r)), int(rng.integers(r, height - r))
            angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
            radii = r * (0.6 + 0.4 * rng.random(24))
            pts = np.stack([cx + radii * np.cos(angles), cy + radii * np.sin(angles)], 1).astype(np.int32)
            cv2.fillPoly(mask, [pts], 255)
        imageio.write_png(mask_path, mask)
    return image_path, mask_path


def child(step: str, image_path: Path, mask_path: Path, out_dir: Path) -> dict:
    from muralstudio.core import imageio

    mask = imageio.read_image(mask_path).pixels
    start = time.perf_counter()
    if step == "baseline":
        import cv2

        pixels = imageio.read_image(image_path).pixels
        hole = (mask > 0).astype(np.uint8)
        for c in range(3):
            pixels[..., c] = cv2.inpaint(np.ascontiguousarray(pixels[..., c]), hole, 5, cv2.INPAINT_TELEA)
        imageio.write_tiff(out_dir / "baseline.tif", pixels)
        detail = "whole-image cv2.inpaint (Telea), 3 channels"
    else:
        from muralstudio.core.pyramid import FileSource
        from muralstudio.engines import inpainting

        source = FileSource(image_path)
        result = inpainting.inpaint(source, mask, inpainting.InpaintOptions(engine=step))
        restored = inpainting.apply_patches(source.full(), result.patches)
        imageio.write_tiff(out_dir / f"{step}.tif", restored)
        detail = f"{len(result.patches)} regions, {result.record.mask_pixels:,} px"
    return {"step": step, "seconds": time.perf_counter() - start, "peak_mib": peak_rss_mib(), "detail": detail}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", type=float, default=50)
    parser.add_argument("--regions", type=int, default=200)
    parser.add_argument("--engines", default="telea,patchmatch")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "muralstudio-bench")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    image_path, mask_path = make_inputs(args.workdir, args.megapixels, args.regions)
    if args.child:
        print(json.dumps(child(args.child, image_path, mask_path, args.workdir)))
        return 0
    from muralstudio.core import imageio

    info = imageio.read_header(image_path)
    rows = []
    for step in ["baseline"] + args.engines.split(","):
        out = subprocess.run([sys.executable, __file__, "--child", step, "--megapixels", str(args.megapixels),
                              "--regions", str(args.regions), "--workdir", str(args.workdir)],
                             capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-2000:], file=sys.stderr)
            return 1
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"\ninpainting speed: {info.width}×{info.height} ({info.pixels / 1e6:.0f} Mpx) 16-bit RGB, "
          f"{args.regions} damaged regions, end to end (read, restore, write 16-bit TIFF)")
    print(f"{'step':<12}{'seconds':>10}{'peak MiB':>10}{'vs baseline':>13}  detail")
    base = rows[0]["seconds"]
    for r in rows:
        print(f"{r['step']:<12}{r['seconds']:>10.1f}{r['peak_mib']:>10.0f}{base / r['seconds']:>12.2f}×  {r['detail']}")
    print("targets: telea ≤ 60 s, patchmatch ≤ 300 s, peak < 2048 MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
