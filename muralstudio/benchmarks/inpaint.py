"""``muralstudio bench inpaint``: the Dunhuang paper's protocol at controlled hole ratios.

Each image is centre-cropped to a square and resized to size×size; a seeded dust-like or
jelly-like mask in the requested hole-ratio band (or a given mask with the same stem) marks the
hole; every engine restores it through the harness; PSNR, SSIM and HaarPSI against the original,
total variation of the result, the texture ratio (high-frequency energy inside the hole over
that of the wall around it, ``metrics.texture_ratio``: 1 = same grain, a smear ≪ 1; the
original's own ratio is reported beside it) and seconds per image are averaged per engine.
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from muralstudio.core import imageio, metrics, synth
from muralstudio.core.datasets import cave_split, list_images, mask_for
from muralstudio.engines import inpainting

MASK_KINDS = ("dust", "jelly")


def square(image: np.ndarray, size: int) -> np.ndarray:
    """Centre square crop resized to size×size (area interpolation), RGB uint8."""
    rgb = imageio.to_rgb8(image)
    h, w = rgb.shape[:2]
    s = min(h, w)
    crop = rgb[(h - s) // 2:(h - s) // 2 + s, (w - s) // 2:(w - s) // 2 + s]
    interp = cv2.INTER_AREA if s >= size else cv2.INTER_CUBIC
    return cv2.resize(crop, (size, size), interpolation=interp)


def make_mask(kind_or_dir: str, image_path: Path, index: int, size: int, ratio, seed: int) -> np.ndarray:
    if kind_or_dir in MASK_KINDS:
        make = synth.dust_mask if kind_or_dir == "dust" else synth.jelly_mask
        return make((size, size), ratio, seed=seed * 1_000_003 + index)
    path = mask_for(image_path, Path(kind_or_dir))
    if path is None:
        raise FileNotFoundError(f"no mask for {image_path.name} in {kind_or_dir}")
    mask = imageio.read_image(path).pixels
    if mask.ndim == 3:
        mask = mask.max(axis=2)
    mask = square(mask, size) if mask.shape[:2] != (size, size) else mask
    return (mask[..., 0] if mask.ndim == 3 else mask) > 127


def run(images, masks: str = "jelly", ratio=(0.1, 0.2), engines=("telea",), size: int = 256,
        seed: int = 0, split: str = "all", limit: int | None = None, log=print) -> dict:
    paths = cave_split(list_images(images), split)
    if limit:
        paths = paths[:: max(1, len(paths) // limit)][:limit]  # spread over caves
    if not paths:
        raise ValueError(f"no images found in {images} (split {split})")
    if masks not in MASK_KINDS and not Path(masks).is_dir():
        raise ValueError(f"--masks must be dust, jelly or a folder of masks, not {masks!r}")
    # engine specs: NAME[:KEY=VALUE...], the spec naming its row (fails early on unknown names)
    instances = {name: inpainting.create_from_spec(name) for name in engines}
    scores = {name: [] for name in engines}
    reference_texture = []
    for i, path in enumerate(paths):
        truth = square(imageio.read_image(path).pixels, size)
        hole = make_mask(masks, path, i, size, ratio, seed)
        damaged = truth.copy()
        damaged[hole] = 255
        reference_texture.append(metrics.texture_ratio(truth, hole))
        for name, engine in instances.items():
            start = time.perf_counter()
            result = inpainting.inpaint(damaged, hole, engine=engine,
                                        options=inpainting.InpaintOptions(engine=engine.name))
            seconds = time.perf_counter() - start
            out = inpainting.apply_patches(damaged, result.patches)
            scores[name].append((metrics.psnr(truth, out), metrics.ssim(truth, out),
                                 metrics.haarpsi(truth, out), metrics.total_variation(out), seconds,
                                 metrics.texture_ratio(out, hole)))
        if log and (i + 1) % 10 == 0:
            log(f"  {i + 1}/{len(paths)} images")
    report = {"engines": {}, "n_images": len(paths), "mask": masks, "ratio": list(ratio),
              "size": size, "seed": seed, "split": split,
              "original_texture": float(np.nanmean(reference_texture))}
    for name, rows in scores.items():
        mean = np.nanmean(np.array(rows), axis=0)
        report["engines"][name] = {"psnr": float(mean[0]), "ssim": float(mean[1]),
                                   "haarpsi": float(mean[2]), "tv": float(mean[3]),
                                   "seconds_per_image": float(mean[4]), "texture": float(mean[5]),
                                   "weights_sha256": instances[name].weights_sha256}
    return report


def format_table(report: dict) -> str:
    lines = [f"inpainting benchmark: {report['n_images']} images, {report['mask']} masks, hole ratio "
             f"{report['ratio'][0]:.2f}-{report['ratio'][1]:.2f}, {report['size']}², split {report['split']}",
             f"{'engine':<12}{'PSNR':>8}{'SSIM':>8}{'HaarPSI':>9}{'TV':>10}{'texture':>9}{'s/image':>9}"]
    base = report["engines"].get("telea")
    for name, r in report["engines"].items():
        line = (f"{name:<12}{r['psnr']:>8.2f}{r['ssim']:>8.3f}{r['haarpsi']:>9.3f}{r['tv']:>10.0f}"
                f"{r.get('texture', float('nan')):>9.2f}{r['seconds_per_image']:>9.3f}")
        if base and name != "telea":
            line += f"   ΔPSNR {r['psnr'] - base['psnr']:+.2f} dB vs telea"
        lines.append(line)
    lines.append(f"texture ratio of the original pixels themselves: {report.get('original_texture', float('nan')):.2f}")
    return "\n".join(lines)


def save_json(report: dict, path) -> None:
    imageio.write_json(path, report)

