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


def _create(spec: str):
    from muralstudio.engines.registry import split_spec

    name, settings = split_spec(spec)
    return detection.create(name, **settings)


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
        seed = int.from_bytes(hashlib.sha256(path.name.encode("utf-8", "surrogateescape")).digest()[:4], "big")
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
        detector = _create(name)
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


#: annotated real-damage classes (datasets/mural-damage) → the detector's class names
REAL_CLASSES = {1: "paint loss", 2: "craquelure"}
CONFUSABLE = 3


def run_real(dataset, murals, engines=("resunet",), split: str = "val", tolerance: float = 2.0,
             thresholds: dict | None = None, log=print) -> dict:
    """Scores on real damage annotated with ``muralstudio annotate`` (datasets/mural-damage):
    per damage class pixel-exact and ``tolerance``-px precision / recall / F1, pooled over the
    crops, and the false-alarm rate on pixels labelled "confusable" (intact dark paint): the
    share of them marked as any damage."""
    from muralstudio.core.datasets import annotated_crops
    from muralstudio.core.metrics import (bootstrap_f1_interval, exact_counts, false_alarm_rate, pool_tolerant,
                                          region_counts, tolerant_scores)

    cases = list(annotated_crops(dataset, murals, split))
    if not cases:
        raise ValueError(f"no {split} crops in {dataset}")
    report = {"engines": {}, "n_images": len(cases), "split": split, "tolerance": tolerance,
              "megapixels": sum(c[1].shape[0] * c[1].shape[1] for c in cases) / 1e6}
    for name in engines:
        detector = _create(name)
        per_class = {cls: {"exact": [], "tolerant": [], "regions": []} for cls in REAL_CLASSES.values()}
        confusable_pred, confusable_truth, seconds = [], [], 0.0
        for stem, image, labels, _ in cases:
            start = time.perf_counter()
            result = detection.detect(image, detector)
            seconds += time.perf_counter() - start
            any_damage = np.zeros(labels.shape, bool)
            for value, cls in REAL_CLASSES.items():
                thr = (thresholds or {}).get(cls, detector.threshold_for(cls))
                predicted = result.mask(cls, thr)
                any_damage |= predicted
                per_class[cls]["exact"].append(exact_counts(labels == value, predicted))
                per_class[cls]["tolerant"].append(tolerant_scores(labels == value, predicted, tolerance))
                per_class[cls]["regions"].append(region_counts(labels == value, predicted, tolerance))
            confusable_pred.append(any_damage[labels == CONFUSABLE])
            confusable_truth.append(int((labels == CONFUSABLE).sum()))
        scores = {}
        for cls, parts in per_class.items():
            exact = pool_tolerant(parts["exact"])
            near = pool_tolerant(parts["tolerant"])
            regions = pool_tolerant(parts["regions"])
            scores[cls] = {"precision": exact["precision"], "recall": exact["recall"], "f1": exact["f1"],
                           "precision_tol": near["precision"], "recall_tol": near["recall"], "f1_tol": near["f1"],
                           # how much the score depends on which crops are in the set
                           "f1_interval": bootstrap_f1_interval(parts["exact"]),
                           "f1_tol_interval": bootstrap_f1_interval(parts["tolerant"]),
                           # as a reviewer meets them: regions found / proposed regions that are damage
                           "region_recall": regions["recall"], "region_precision": regions["precision"],
                           "regions_true": sum(c["true"] for c in parts["regions"]),
                           "regions_proposed": sum(c["pred"] for c in parts["regions"]),
                           "crops_with_damage": sum(1 for c in parts["exact"] if c["true"]),
                           "threshold": (thresholds or {}).get(cls, detector.threshold_for(cls))}
        flagged = np.concatenate(confusable_pred) if confusable_pred else np.zeros(0, bool)
        scores["confusable_false_alarm"] = false_alarm_rate(flagged, np.ones_like(flagged)) if flagged.size else float("nan")
        scores["confusable_pixels"] = int(sum(confusable_truth))
        scores["megapixels_per_second"] = report["megapixels"] / seconds
        report["engines"][name] = scores
    return report


def format_real_table(report: dict) -> str:
    lines = [f"real damage ({report['split']} caves): {report['n_images']} crops, {report['megapixels']:.1f} Mpx; "
             f"tolerance {report['tolerance']:g} px",
             f"{'engine':<12}{'class':<12}{'P':>7}{'R':>7}{'F1':>7}{'P±tol':>8}{'R±tol':>8}{'F1±tol':>8}{'thr':>6}"]
    for full_name, scores in report["engines"].items():
        name = full_name if len(full_name) <= 11 else "…" + full_name[-10:]
        for cls in REAL_CLASSES.values():
            r = scores[cls]
            lines.append(f"{name:<12}{cls:<12}{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}"
                         f"{r['precision_tol']:>8.3f}{r['recall_tol']:>8.3f}{r['f1_tol']:>8.3f}{r['threshold']:>6.2f}")
        for cls in REAL_CLASSES.values():
            r = scores[cls]
            lines.append(f"{name:<12}{cls:<12}90 % interval over crops ({r['crops_with_damage']} hold it): "
                         f"F1 {r['f1_interval'][0]:.3f}–{r['f1_interval'][1]:.3f}, "
                         f"F1±tol {r['f1_tol_interval'][0]:.3f}–{r['f1_tol_interval'][1]:.3f}; "
                         f"regions found {r['region_recall']:.3f} of {r['regions_true']}, "
                         f"proposed regions right {r['region_precision']:.3f} of {r['regions_proposed']}")
        lines.append(f"{name:<12}false alarms on confusable intact paint: {scores['confusable_false_alarm']:.1%} "
                     f"of {scores['confusable_pixels']:,} px; {scores['megapixels_per_second']:.2f} Mpx/s")
    return "\n".join(lines)
