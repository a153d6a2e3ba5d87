"""``muralstudio bench detect``: damage detection scored against ground-truth masks.

Pixels of all images are pooled (dataset-level scores, as crack papers report them):
accuracy, precision, recall, F1 and IoU of the damage class, mIoU over background and damage,
and images per second (megapixels per second too). With ``--synthetic loss|cracks`` the images
are murals on which that damage is rendered with a fixed seed per image (the masks are known).
"""

from __future__ import annotations

import hashlib
import time

import numpy as np

from muralstudio.core import imageio, synth
from muralstudio.core.datasets import cave_split, list_images, pairs_with_masks
from muralstudio.core.metrics import binary_scores
from muralstudio.engines import detection

SYNTHETIC_CLASS = {"loss": "paint loss", "cracks": "craquelure"}


def _cases(images, masks, synthetic, split, limit):
    paths = cave_split(list_images(images), split)
    if limit:
        paths = paths[:: max(1, len(paths) // limit)][:limit]
    if not synthetic:
        for path, mask_path in pairs_with_masks(paths, masks):
            yield path, imageio.to_rgb8(imageio.read_image(path).pixels), imageio.read_mask(mask_path) > 0
        return
    wanted = synth.LOSS_CLASS if synthetic == "loss" else synth.CRACK_CLASS
    for path in paths:
        image = imageio.to_rgb8(imageio.read_image(path).pixels)
        seed = int.from_bytes(hashlib.sha256(path.name.encode()).digest()[:4], "big")
        damaged, labels = synth.render_damage_classes(image, np.random.default_rng(seed), (synthetic,))
        yield path, damaged, labels == wanted


def run(images, masks=None, engines=("resunet",), synthetic: str | None = None,
        damage_class: str | None = None, threshold: float | None = None, split: str = "all",
        limit: int | None = None, log=print) -> dict:
    if not masks and not synthetic:
        raise ValueError("give --masks DIR, or --synthetic loss|cracks to render known damage")
    cases = list(_cases(images, masks, synthetic, split, limit))
    if not cases:
        raise ValueError(f"no images with masks (same stem) in {images} and {masks}")
    wanted = damage_class or (SYNTHETIC_CLASS[synthetic] if synthetic else "craquelure")
    report = {"engines": {}, "n_images": len(cases), "class": wanted,
              "megapixels": sum(c[1].shape[0] * c[1].shape[1] for c in cases) / 1e6}
    for name in engines:
        detector = detection.create(name)
        if wanted not in detector.classes[1:]:
            raise ValueError(f"{name} has no class {wanted!r}; it has {', '.join(detector.classes[1:])}")
        thr = detector.threshold_for(wanted) if threshold is None else threshold
        truths, preds, seconds = [], [], 0.0
        detection.detect(cases[0][1][:64, :64], detector)  # warm-up (first-call allocation)
        for i, (path, image, truth) in enumerate(cases):
            start = time.perf_counter()
            result = detection.detect(image, detector)
            seconds += time.perf_counter() - start
            truths.append(truth.ravel())
            preds.append(result.mask(wanted, thr).ravel())
            if log and (i + 1) % 50 == 0:
                log(f"{name}: {i + 1}/{len(cases)} images")
        scores = binary_scores(np.concatenate(truths), np.concatenate(preds))
        scores["images_per_second"] = len(cases) / seconds
        scores["megapixels_per_second"] = report["megapixels"] / seconds
        scores["threshold"] = thr
        report["engines"][name] = scores
    return report


def format_table(report: dict) -> str:
    lines = [f"damage detection benchmark: {report['n_images']} images "
             f"({report['megapixels']:.1f} Mpx), class {report['class']!r}",
             f"{'engine':<10}{'acc':>8}{'prec':>8}{'recall':>8}{'F1':>8}{'IoU':>8}{'mIoU':>8}"
             f"{'img/s':>8}{'Mpx/s':>8}"]
    for name, r in report["engines"].items():
        lines.append(f"{name:<10}{r['accuracy']:>8.3f}{r['precision']:>8.3f}{r['recall']:>8.3f}"
                     f"{r['f1']:>8.3f}{r['iou']:>8.3f}{r['miou']:>8.3f}{r['images_per_second']:>8.1f}"
                     f"{r['megapixels_per_second']:>8.2f}")
    return "\n".join(lines)
