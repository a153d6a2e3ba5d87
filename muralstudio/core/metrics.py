"""Quality metrics for restoration (PSNR, SSIM, HaarPSI, total variation) and segmentation
(pixel accuracy, mean pixel accuracy, IoU per class, mIoU, precision, recall, F1).

Images may be uint8, uint16 or float; ``data_range`` defaults to the dtype's full scale
(1.0 for float). Colour images are (H, W, 3).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

from muralstudio.core.imageio import full_scale


def _range_of(image: np.ndarray, data_range: float | None) -> float:
    return float(data_range) if data_range is not None else full_scale(image.dtype)


def _check_pair(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")


def psnr(reference: np.ndarray, test: np.ndarray, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio in dB (inf for identical images)."""
    _check_pair(reference, test)
    r = _range_of(reference, data_range)
    mse = np.mean((reference.astype(np.float64) - test.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(r * r / mse))


def ssim(reference: np.ndarray, test: np.ndarray, data_range: float | None = None,
         sigma: float = 1.5) -> float:
    """Structural similarity (Wang et al. 2004): Gaussian window σ = 1.5, K1 = 0.01,
    K2 = 0.03, population covariances, mean over pixels away from the border and channels."""
    _check_pair(reference, test)
    r = _range_of(reference, data_range)
    a = reference.astype(np.float64)
    b = test.astype(np.float64)
    if a.ndim == 2:
        a, b = a[..., None], b[..., None]
    c1, c2 = (0.01 * r) ** 2, (0.03 * r) ** 2
    truncate = 3.5
    pad = int(truncate * sigma + 0.5)
    values = []
    for ch in range(a.shape[2]):
        x, y = a[..., ch], b[..., ch]

        def blur(img):
            return ndimage.gaussian_filter(img, sigma, truncate=truncate, mode="reflect")

        mx, my = blur(x), blur(y)
        vx = blur(x * x) - mx * mx
        vy = blur(y * y) - my * my
        cov = blur(x * y) - mx * my
        s = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
        values.append(s[pad:-pad or None, pad:-pad or None].mean())
    return float(np.mean(values))


def _haar_responses(image: np.ndarray, scales: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Horizontal and vertical Haar wavelet responses at scales 1..``scales``."""
    out = []
    for scale in range(1, scales + 1):
        size = 2 ** scale
        kernel = np.full((size, size), 2.0 ** -scale)
        kernel[: size // 2] *= -1
        out.append((signal.convolve2d(image, kernel, mode="same"),
                    signal.convolve2d(image, kernel.T, mode="same")))
    return out


def haarpsi(reference: np.ndarray, test: np.ndarray, data_range: float | None = None) -> float:
    """Haar wavelet-based perceptual similarity index (Reisenhofer et al. 2018), in (0, 1].

    Images are scaled to 0–255, converted to YIQ (colour) and subsampled 2×; local similarity
    of the scale-1/2 Haar responses (C = 30) is weighted by the scale-3 response and passed
    through the logistic function with α = 4.2.
    """
    _check_pair(reference, test)
    r = _range_of(reference, data_range)
    a = reference.astype(np.float64) * (255.0 / r)
    b = test.astype(np.float64) * (255.0 / r)
    colour = a.ndim == 3 and a.shape[2] >= 3
    c, alpha, scales = 30.0, 4.2, 3

    def yiq(img):
        if not colour:
            return (img if img.ndim == 2 else img[..., 0]), None, None
        R, G, B = img[..., 0], img[..., 1], img[..., 2]
        return (0.299 * R + 0.587 * G + 0.114 * B,
                0.596 * R - 0.274 * G - 0.322 * B,
                0.211 * R - 0.523 * G + 0.312 * B)

    box = np.ones((2, 2)) / 4.0

    def subsample(img):
        return signal.convolve2d(img, box, mode="same")[::2, ::2]

    ya, ia, qa = (subsample(ch) if ch is not None else None for ch in yiq(a))
    yb, ib, qb = (subsample(ch) if ch is not None else None for ch in yiq(b))
    resp_a, resp_b = _haar_responses(ya, scales), _haar_responses(yb, scales)
    sims, weights = [], []
    for orientation in range(2):
        weights.append(np.maximum(np.abs(resp_a[2][orientation]), np.abs(resp_b[2][orientation])))
        local = 0.0
        for scale in range(2):
            ma, mb = np.abs(resp_a[scale][orientation]), np.abs(resp_b[scale][orientation])
            local = local + (2 * ma * mb + c) / (ma * ma + mb * mb + c)
        sims.append(local / 2)
    if colour:
        chroma = []
        for ca, cb in ((ia, ib), (qa, qb)):
            ma = np.abs(signal.convolve2d(ca, box, mode="same"))
            mb = np.abs(signal.convolve2d(cb, box, mode="same"))
            chroma.append((2 * ma * mb + c) / (ma * ma + mb * mb + c))
        sims.append((chroma[0] + chroma[1]) / 2)
        weights.append((weights[0] + weights[1]) / 2)
    sims_arr, weights_arr = np.stack(sims), np.stack(weights)
    total = weights_arr.sum()
    if total == 0:
        return 1.0  # both images flat: nothing to tell apart
    mean = (1.0 / (1.0 + np.exp(-alpha * sims_arr)) * weights_arr).sum() / total
    return float((np.log(mean / (1 - mean)) / alpha) ** 2)


def total_variation(image: np.ndarray, data_range: float | None = None) -> float:
    """Anisotropic total variation: sum of absolute differences between vertical and
    horizontal neighbours over all channels, on values scaled to 0–1 (as tf.image does)."""
    x = image.astype(np.float64) / _range_of(image, data_range)
    return float(np.abs(np.diff(x, axis=0)).sum() + np.abs(np.diff(x, axis=1)).sum())


# ---------------------------------------------------------------------------------------------
# Segmentation


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """``cm[t, p]`` = pixels of true class t predicted as p. Values outside 0..n−1 in ``truth``
    are ignored (e.g. 255 = unlabelled)."""
    _check_pair(truth, predicted)
    t = truth.astype(np.int64).ravel()
    p = predicted.astype(np.int64).ravel()
    valid = (t >= 0) & (t < n_classes)
    p = np.clip(p[valid], 0, n_classes - 1)
    return np.bincount(t[valid] * n_classes + p, minlength=n_classes ** 2).reshape(n_classes, n_classes)


def segmentation_scores(truth: np.ndarray, predicted: np.ndarray, n_classes: int,
                        present_only: bool = True) -> dict:
    """PA, mPA, per-class IoU/precision/recall/F1 and mIoU.

    With ``present_only`` the means run over the classes present in ``truth`` (classes absent
    from the ground truth have no defined accuracy); per-class values of absent classes are NaN.
    """
    return scores_from_confusion(confusion_matrix(truth, predicted, n_classes), present_only)


def scores_from_confusion(cm: np.ndarray, present_only: bool = True) -> dict:
    """:func:`segmentation_scores` of a confusion matrix (pool several images by adding
    their matrices)."""
    cm = np.asarray(cm, np.float64)
    n_classes = cm.shape[0]
    tp = np.diag(cm)
    gt = cm.sum(axis=1)
    pred = cm.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = tp / gt
        precision = np.where(pred > 0, tp / pred, 0.0)
        iou = tp / (gt + pred - tp)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    present = gt > 0 if present_only else np.ones(n_classes, bool)
    recall = np.where(gt > 0, recall, np.nan)
    iou = np.where(gt + pred > 0, iou, np.nan)
    f1 = np.where(gt > 0, f1, np.nan)
    total = cm.sum()
    return {
        "pa": float(tp.sum() / total) if total else float("nan"),
        "mpa": float(np.nanmean(recall[present])) if present.any() else float("nan"),
        "miou": float(np.nanmean(iou[present])) if present.any() else float("nan"),
        "per_class_iou": iou.tolist(),
        "per_class_precision": precision.tolist(),
        "per_class_recall": recall.tolist(),
        "per_class_f1": f1.tolist(),
        "present": present.tolist(),
        "confusion": cm.astype(np.int64).tolist(),
    }


def binary_scores(truth: np.ndarray, predicted: np.ndarray) -> dict:
    """Accuracy, precision, recall, F1 and IoU of the positive class (nonzero), plus mIoU over
    background and positive."""
    t = np.asarray(truth) != 0
    p = np.asarray(predicted) != 0
    _check_pair(t, p)
    tp = float(np.count_nonzero(t & p))
    fp = float(np.count_nonzero(~t & p))
    fn = float(np.count_nonzero(t & ~p))
    tn = float(t.size) - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    iou = tp / (tp + fp + fn) if tp + fp + fn else 1.0
    iou_bg = tn / (tn + fp + fn) if tn + fp + fn else 1.0
    return {"accuracy": (tp + tn) / t.size, "precision": precision, "recall": recall,
            "f1": f1, "iou": iou, "miou": (iou + iou_bg) / 2}


def _near(mask: np.ndarray, tolerance: float) -> np.ndarray:
    """Pixels within ``tolerance`` px (Euclidean) of a nonzero pixel of ``mask``."""
    import cv2

    if not mask.any():
        return np.zeros_like(mask, bool)
    distance = cv2.distanceTransform((~mask).astype(np.uint8), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    return distance <= tolerance


def tolerant_scores(truth: np.ndarray, predicted: np.ndarray, tolerance: float = 2.0) -> dict:
    """Precision, recall and F1 with a distance tolerance, as crack benchmarks count them: a
    predicted pixel is right when a true pixel lies within ``tolerance`` px, a true pixel is
    found when a predicted one does. Also returns the counts, so images can be pooled
    (:func:`pool_tolerant`)."""
    t = np.asarray(truth) != 0
    p = np.asarray(predicted) != 0
    _check_pair(t, p)
    counts = {"pred": int(p.sum()), "pred_hit": int((p & _near(t, tolerance)).sum()),
              "true": int(t.sum()), "true_hit": int((t & _near(p, tolerance)).sum())}
    return {**pool_tolerant([counts]), **counts}


def pool_tolerant(counts: list[dict]) -> dict:
    pred = sum(c["pred"] for c in counts)
    true = sum(c["true"] for c in counts)
    precision = sum(c["pred_hit"] for c in counts) / pred if pred else 0.0
    recall = sum(c["true_hit"] for c in counts) / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def exact_counts(truth: np.ndarray, predicted: np.ndarray) -> dict:
    """Pixel-exact hits in :func:`pool_tolerant`'s form, so images can be pooled and resampled."""
    t = np.asarray(truth) != 0
    p = np.asarray(predicted) != 0
    _check_pair(t, p)
    hits = int((t & p).sum())
    return {"pred": int(p.sum()), "pred_hit": hits, "true": int(t.sum()), "true_hit": hits}


def region_counts(truth: np.ndarray, predicted: np.ndarray, tolerance: float = 2.0) -> dict:
    """Damage counted region by region, as a reviewer meets it: a true region (8-connected) is
    found when a predicted pixel lies within ``tolerance`` px of it, a predicted region is right
    when a true pixel does. In :func:`pool_tolerant`'s form, so images can be pooled."""
    import cv2

    t = np.asarray(truth) != 0
    p = np.asarray(predicted) != 0
    _check_pair(t, p)

    def hit_regions(mask, other):
        n, regions = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
        hit = np.unique(regions[mask & _near(other, tolerance)])
        return n - 1, int((hit > 0).sum())

    true, true_hit = hit_regions(t, p)
    pred, pred_hit = hit_regions(p, t)
    return {"pred": pred, "pred_hit": pred_hit, "true": true, "true_hit": true_hit}


def bootstrap_f1_interval(counts: list[dict], level: float = 0.9, draws: int = 2000,
                          seed: int = 0) -> tuple[float, float]:
    """The ``level`` interval of the pooled F1 when the images are drawn again with replacement
    (percentile bootstrap): on a set where a few images hold most of the damage it shows how
    far a score can move by which images happen to be in it."""
    if not counts:
        return float("nan"), float("nan")
    table = np.array([[c["pred"], c["pred_hit"], c["true"], c["true_hit"]] for c in counts], np.float64)
    rng = np.random.default_rng(seed)
    sums = table[rng.integers(0, len(table), (draws, len(table)))].sum(axis=1)
    precision = np.divide(sums[:, 1], sums[:, 0], out=np.zeros(draws), where=sums[:, 0] > 0)
    recall = np.divide(sums[:, 3], sums[:, 2], out=np.zeros(draws), where=sums[:, 2] > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros(draws), where=total > 0)
    low, high = np.percentile(f1, [50 * (1 - level), 50 * (1 + level)])
    return float(low), float(high)


def false_alarm_rate(predicted: np.ndarray, intact: np.ndarray) -> float:
    """Share of the ``intact`` pixels (e.g. dark paint labelled "confusable") that a detector
    marked as damage; nan when there are none."""
    intact = np.asarray(intact) != 0
    _check_pair(intact, np.asarray(predicted))
    n = int(intact.sum())
    return float((np.asarray(predicted)[intact] != 0).sum()) / n if n else float("nan")


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two binary masks (1.0 when both are empty)."""
    a, b = np.asarray(a) != 0, np.asarray(b) != 0
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union


def texture_ratio(image: np.ndarray, hole: np.ndarray, ring: int = 8) -> float:
    """High-frequency energy of a fill relative to the wall around it: the mean absolute
    Laplacian of the luminance inside ``hole`` divided by that in a ring of intact pixels
    (``ring`` px wide) around it. 1.0 = the same grain; a diffusion smear is ≪ 1. NaN when the
    hole or its ring is empty or the ring is perfectly flat."""
    hole = np.asarray(hole, bool)
    values = image.astype(np.float64) / full_scale(image.dtype)
    grey = values if values.ndim == 2 else values[..., :3].mean(axis=2)
    laplace = np.abs(ndimage.laplace(grey, mode="reflect"))
    # one pixel either side of the hole's edge mixes fill and wall: left out of both sides
    inside = ndimage.binary_erosion(hole, iterations=1, border_value=1)
    near = ndimage.binary_dilation(hole, iterations=1)
    around = ndimage.binary_dilation(hole, iterations=ring + 1) & ~near
    if not inside.any() or not around.any():
        return float("nan")
    base = laplace[around].mean()
    return float(laplace[inside].mean() / base) if base > 0 else float("nan")
