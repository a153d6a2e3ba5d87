"""Run ``muralstudio bench inpaint`` for both mask kinds × the four hole-ratio bands and print
the README's markdown table.

    python bench/inpaint_table.py [--images ../shared/datasets/murals] [--split val] [--limit 50]
                                  [--engines telea,ns,patchmatch] [--out DIR]

Reports already in DIR (one JSON per kind and band) are reused when they hold the same engines
with the same weights, so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BANDS = ((0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.5))


def current(report: dict, engines: dict) -> bool:
    """Whether a saved report measured exactly these engines with these weights."""
    saved = report["engines"]
    return list(saved) == list(engines) and all(
        saved[name].get("weights_sha256") == sha for name, sha in engines.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default=str(Path(__file__).resolve().parents[2] / "shared/datasets/murals"))
    parser.add_argument("--split", default="val")
    parser.add_argument("--limit", type=int, default=50)
    parser.add_argument("--engines", default="telea,ns,patchmatch")
    parser.add_argument("--out", type=Path, default=Path("bench/out/inpaint"))
    parser.add_argument("--kinds", default="jelly,dust", help="mask kinds (run one per process in parallel; "
                        "a last run with both prints the table from the saved reports)")
    args = parser.parse_args()
    from muralstudio.benchmarks import inpaint as bench
    from muralstudio.engines import inpainting

    engines = {name: inpainting.create_from_spec(name).weights_sha256 for name in args.engines.split(",")}
    import torch

    torch.set_num_threads(1)  # one process per core
    args.out.mkdir(parents=True, exist_ok=True)
    rows = ["| mask | hole ratio | engine | PSNR | SSIM | HaarPSI | TV | texture | s/image | ΔPSNR / ΔSSIM vs telea |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for kind in args.kinds.split(","):
        for lo, hi in BANDS:
            path = args.out / f"{kind}-{lo:.1f}-{hi:.1f}.json"
            report = json.loads(path.read_text()) if path.exists() else None
            if report is None or not current(report, engines) or "texture" not in next(iter(report["engines"].values())):
                report = bench.run(args.images, kind, (lo, hi), args.engines.split(","), 256, 0,
                                   args.split, args.limit, log=lambda m: print(m, file=sys.stderr))
                bench.save_json(report, path)
            telea = report["engines"].get("telea")
            for name, r in report["engines"].items():
                delta = (f"{r['psnr'] - telea['psnr']:+.2f} / {r['ssim'] - telea['ssim']:+.3f}"
                         if telea and name != "telea" else "")
                rows.append(f"| {kind} | {lo:.1f}–{hi:.1f} | {name} | {r['psnr']:.2f} | {r['ssim']:.3f} | "
                            f"{r['haarpsi']:.3f} | {r['tv']:.0f} | {r['texture']:.2f} | {r['seconds_per_image']:.2f} | {delta} |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
