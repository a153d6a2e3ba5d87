"""Write image/mask pairs: DIR/images (damaged), DIR/clean, DIR/masks (union of damage), DIR/masks-
KIND per kind and DIR/elements (element label maps, PSP-M classes 0-5).
"""

from __future__ import annotations

from pathlib import Path

NAME = "synth"
HELP = "generate procedural murals with simulated damage"


def add_arguments(parser) -> None:
    from muralstudio.cli import _parse_size, parse_ratio

    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--size", type=_parse_size, default=(512, 512), help="WxH (default 512x512)")
    parser.add_argument("--damage", default="cracks,loss",
                       help="comma list of dust, jelly, cracks, loss, fading (default cracks,loss)")
    parser.add_argument("--ratio", type=parse_ratio, default=(0.1, 0.2),
                       help="hole-ratio band for dust/jelly masks, e.g. 0.3-0.4 (default 0.1-0.2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bit-depth", type=int, choices=(8, 16), default=8)
    parser.add_argument("--format", choices=("png", "tif"), default="png",
                       help="image format (masks are always PNG)")


def run(args) -> int:
    import numpy as np

    from muralstudio.core import imageio, synth

    kinds = [k.strip() for k in args.damage.split(",") if k.strip()]
    unknown = set(kinds) - {"dust", "jelly", "cracks", "loss", "fading"}
    if unknown:
        raise SystemExit(f"muralstudio synth: unknown damage kind(s) {', '.join(sorted(unknown))}; "
                         f"use dust, jelly, cracks, loss, fading")
    if args.count < 1:
        raise SystemExit("muralstudio synth: --count must be at least 1")
    width, height = args.size
    folders = {name: args.out / name for name in ("images", "clean", "masks", "elements")}
    folders.update({f"masks-{k}": args.out / f"masks-{k}" for k in kinds if k != "fading"})
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    suffix = ".tif" if args.format == "tif" else ".png"
    for i in range(args.count):
        seed = args.seed * 100_003 + i
        clean, labels = synth.generate_mural(width, height, seed=seed, bit_depth=args.bit_depth)
        damaged, masks = synth.apply_damage(clean, kinds, seed=seed + 1, ratio=args.ratio)
        stem = f"mural_{i:04d}"
        imageio.write_image(folders["images"] / f"{stem}{suffix}", damaged)
        imageio.write_image(folders["clean"] / f"{stem}{suffix}", clean)
        union = np.zeros((height, width), bool)
        for kind, mask in masks.items():
            union |= mask
            imageio.write_png(folders[f"masks-{kind}"] / f"{stem}.png", mask)
        imageio.write_png(folders["masks"] / f"{stem}.png", union)
        imageio.write_png(folders["elements"] / f"{stem}.png", labels)
        print(f"{stem}: damage {100 * union.mean():.1f} % "
              + " ".join(f"{k}={100 * m.mean():.1f}%" for k, m in masks.items()))
    print(f"wrote {args.count} murals ({width}×{height}, {args.bit_depth}-bit) to {args.out}")
    return 0
