"""``muralstudio bench label``: element labeling scored against hand-drawn label maps.

Pixels of all evaluated images are pooled (one confusion matrix): PA, mPA, per-class IoU and
mIoU over the classes present in the ground truth of the evaluated set, and seconds per
megapixel of image. Engines are labeler names, or ``pspm@PATH`` for other PSP-M weights (the
ablations and the untrained-backbone baseline), ``kmeans`` — the colour-clustering baseline,
fitted on the *training* split of the same folders — or ``background`` (every pixel background).
"""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np

from muralstudio.core.datasets import labelled_pairs
from muralstudio.core.metrics import confusion_matrix, scores_from_confusion
from muralstudio.engines import labeling


class KMeansLabeler(labeling.Labeler):
    """Baseline: k-means clusters of colour (CIE Lab) fitted on training pixels; each cluster
    takes the class most of its training pixels have; a pixel takes its nearest cluster's."""

    name = "kmeans"

    def __init__(self, pairs, k: int = 24, samples: int = 200_000, seed: int = 0, scale: float = 0.5):
        super().__init__("cpu", scale=scale)
        rng = np.random.default_rng(seed)
        n = len(self.classes)
        colours, labels = [], []
        per_image = max(1, samples // max(1, len(pairs)))
        for image, label in pairs:
            lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).reshape(-1, 3)
            valid = np.flatnonzero(label.ravel() < n)
            pick = rng.choice(valid, min(per_image, valid.size), replace=False)
            colours.append(lab[pick])
            labels.append(label.ravel()[pick])
        colours = np.concatenate(colours).astype(np.float32)
        labels = np.concatenate(labels)
        criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 50, 0.5)
        cv2.setRNGSeed(seed)
        _, assignment, self.centres = cv2.kmeans(colours, k, None, criteria, 3, cv2.KMEANS_PP_CENTERS)
        votes = np.zeros((k, n))
        np.add.at(votes, (assignment.ravel(), labels), 1)
        self.cluster_class = votes.argmax(1)

    def logits(self, tile: np.ndarray) -> np.ndarray:
        lab = cv2.cvtColor(np.ascontiguousarray(tile[..., :3]), cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float32)
        d = ((lab[:, None, :] - self.centres[None]) ** 2).sum(-1)
        nearest = self.cluster_class[d.argmin(1)]
        out = np.zeros((len(self.classes), tile.shape[0] * tile.shape[1]), np.float32)
        out[nearest, np.arange(nearest.size)] = 10.0
        return out.reshape(len(self.classes), *tile.shape[:2])


class BackgroundLabeler(labeling.Labeler):
    """Baseline: every pixel background (what a labeler must beat to be worth running)."""

    name = "background"

    def __init__(self, scale: float = 0.5):
        super().__init__("cpu", scale=scale)

    def logits(self, tile: np.ndarray) -> np.ndarray:
        out = np.zeros((len(self.classes), *tile.shape[:2]), np.float32)
        out[0] = 10.0
        return out


def make_labeler(spec: str, train_cases, device: str = "cpu"):
    if spec == "background":
        return BackgroundLabeler()
    if spec == "kmeans":
        if not train_cases:
            raise ValueError("the kmeans baseline needs training pairs to fit (none in the train split)")
        return KMeansLabeler([(image, label) for _, image, label in train_cases])
    if "@" in spec:
        name, weights = spec.split("@", 1)
        return labeling.create(name, device=device, weights_path=Path(weights))
    return labeling.create(spec, device=device)


def run(images, labels, engines=("pspm", "kmeans"), split: str = "val", device: str = "cpu",
        log=print) -> dict:
    cases = labelled_pairs(images, labels, split)
    if not cases:
        raise ValueError(f"no image/label pairs (same stem) in {images} and {labels} "
                         f"(split {split})")
    train_cases = labelled_pairs(images, labels, "train") if any(e == "kmeans" for e in engines) else []
    megapixels = sum(image.shape[0] * image.shape[1] for _, image, _ in cases) / 1e6
    report = {"engines": {}, "n_images": len(cases), "split": split, "megapixels": megapixels}
    for spec in engines:
        labeler = make_labeler(spec, train_cases, device)
        n = len(labeler.classes)
        labeling.label(cases[0][1][:64, :64], labeler)  # warm-up (first-call allocation)
        cm = np.zeros((n, n), np.int64)
        seconds = 0.0
        for path, image, truth in cases:
            start = time.perf_counter()
            result = labeling.label(image, labeler)
            seconds += time.perf_counter() - start
            cm += confusion_matrix(truth, result.labels, n)
        scores = scores_from_confusion(cm)
        names = [c[0] for c in labeler.classes]
        report["engines"][spec] = {
            "pa": scores["pa"], "mpa": scores["mpa"], "miou": scores["miou"],
            "per_class_iou": {names[i]: scores["per_class_iou"][i] for i in range(n) if scores["present"][i]},
            "seconds_per_megapixel": seconds / megapixels,
            "megapixels_per_second": megapixels / seconds,
            "weights_sha256": labeler.weights_sha256,
        }
        if log:
            log(f"{spec}: PA {scores['pa']:.3f} mIoU {scores['miou']:.3f}")
    return report


def format_table(report: dict) -> str:
    classes = sorted({c for r in report["engines"].values() for c in r["per_class_iou"]},
                     key=lambda c: [e for r in report["engines"].values() for e in r["per_class_iou"]].index(c))
    lines = [f"element labeling benchmark: {report['n_images']} images ({report['megapixels']:.2f} Mpx, "
             f"split {report['split']})",
             f"{'engine':<28}{'PA':>7}{'mPA':>7}{'mIoU':>7}" + "".join(f"{c[:10]:>11}" for c in classes)
             + f"{'s/Mpx':>8}{'Mpx/s':>8}"]
    for name, r in report["engines"].items():
        shown = name if len(name) <= 27 else "…" + name[-26:]
        lines.append(f"{shown:<28}{r['pa']:>7.3f}{r['mpa']:>7.3f}{r['miou']:>7.3f}"
                     + "".join(f"{r['per_class_iou'].get(c, float('nan')):>11.3f}" for c in classes)
                     + f"{r['seconds_per_megapixel']:>8.3f}{r['megapixels_per_second']:>8.2f}")
    return "\n".join(lines)
