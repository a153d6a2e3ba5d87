"""Classical click segmenters, no weights.

``grabcut``: plain GrabCut from the clicks (a rectangle around them, clicks as sure labels) —
the baseline.

``classic``: geodesic seeding + GrabCut. Geodesic distances from the positive clicks and from
the negative clicks plus the crop border are computed over a cost that is high across colour
edges, so a click fills the region it belongs to rather than a disc; pixels nearer (in that
sense) to a positive click start as probable object, the rest as probable background, and
GrabCut's colour models refine the boundary. Negative clicks are hard background and also
pull the geodesic split away from them. Only the region of interest around the clicks is
processed, downscaled to at most ``max_side`` pixels.
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage.graph import MCP_Geometric

from muralstudio.core.imageio import to_rgb8
from muralstudio.engines.registry import register
from muralstudio.engines.segmentation import (
    Click,
    Prediction,
    Segmenter,
    SegmentSession,
    keep_clicked_components,
    previous_bbox,
    roi_for,
)


def _disk_mask(shape, clicks, radius) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    for c in clicks:
        cv2.circle(out, (int(round(c.x)), int(round(c.y))), int(radius), 1, -1)
    return out.astype(bool)


class _ClassicSession(SegmentSession):
    def _crop(self, clicks, previous):
        x, y, w, h = roi_for(clicks, self.width, self.height, previous_bbox(previous),
                             min_side=self.segmenter.params["min_roi"])
        image = to_rgb8(self.read(x, y, w, h))
        max_side = self.segmenter.params["max_side"]
        scale = min(1.0, max_side / max(w, h))
        if scale < 1.0:
            image = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                               interpolation=cv2.INTER_AREA)
        local = [Click((c.x - x) * scale, (c.y - y) * scale, c.positive) for c in clicks]
        return (x, y, w, h), scale, image, local

    def _finish(self, box, scale, probability, mask) -> Prediction:
        x, y, w, h = box
        if scale < 1.0:
            probability = cv2.resize(probability, (w, h), interpolation=cv2.INTER_LINEAR)
            mask = probability >= 0.5
        return Prediction(x, y, probability.astype(np.float32), mask)


class GrabCutSession(_ClassicSession):
    def predict(self, clicks, previous=None) -> Prediction:
        box, scale, image, local = self._crop(clicks, previous)
        h, w = image.shape[:2]
        radius = max(2, round(min(h, w) / 60))
        gc = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
        pos = [c for c in local if c.positive]
        if pos:
            xs, ys = [c.x for c in pos], [c.y for c in pos]
            pad = max(8, 0.3 * max(max(xs) - min(xs), max(ys) - min(ys), min(h, w) / 3))
            x0, y0 = int(max(0, min(xs) - pad)), int(max(0, min(ys) - pad))
            x1, y1 = int(min(w, max(xs) + pad)), int(min(h, max(ys) + pad))
            gc[y0:y1, x0:x1] = cv2.GC_PR_FGD
        gc[_disk_mask((h, w), pos, radius)] = cv2.GC_FGD
        gc[_disk_mask((h, w), [c for c in local if not c.positive], radius)] = cv2.GC_BGD
        mask = _grabcut(image, gc, self.segmenter.params["iterations"])
        return self._finish(box, scale, mask.astype(np.float32), mask)


GRABCUT_SEED = 12345


def _grabcut(image: np.ndarray, gc: np.ndarray, iterations: int) -> np.ndarray:
    if not ((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)).any():
        return np.zeros(gc.shape, bool)
    if not ((gc == cv2.GC_BGD) | (gc == cv2.GC_PR_BGD)).any():
        return np.ones(gc.shape, bool)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    gc = np.ascontiguousarray(gc)  # geodesic maps come back in Fortran order
    # GrabCut starts its colour models by k-means drawn from OpenCV's global random state: fixed
    # here so the same clicks give the same mask whatever ran before (benchmarks repeatable)
    cv2.setRNGSeed(GRABCUT_SEED)
    cv2.grabCut(np.ascontiguousarray(image), gc, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    return (gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)


class ClassicSession(_ClassicSession):
    def __init__(self, segmenter, source):
        super().__init__(segmenter, source)
        self._cache_key = None
        self._cost = None

    def _edge_cost(self, box, image) -> np.ndarray:
        if self._cache_key == (box, image.shape):
            return self._cost
        lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).astype(np.float32)
        lab = cv2.GaussianBlur(lab, (0, 0), 1.0)
        gx = cv2.Sobel(lab, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(lab, cv2.CV_32F, 0, 1, ksize=3)
        grad = np.sqrt((gx * gx + gy * gy).sum(axis=2))
        grad /= np.percentile(grad, 90) + 1e-6
        self._cost = 1.0 + self.segmenter.params["edge_weight"] * grad ** 2
        self._cache_key = (box, image.shape)
        return self._cost

    def predict(self, clicks, previous=None) -> Prediction:
        box, scale, image, local = self._crop(clicks, previous)
        h, w = image.shape[:2]
        pos = [c for c in local if c.positive]
        neg = [c for c in local if not c.positive]
        if not pos:
            return self._finish(box, scale, np.zeros((h, w), np.float32), np.zeros((h, w), bool))
        cost = self._edge_cost(box, image)

        def geodesic(points):
            mcp = MCP_Geometric(cost)
            dist, _ = mcp.find_costs(points)
            return dist

        clamp = lambda c: (int(np.clip(round(c.y), 0, h - 1)), int(np.clip(round(c.x), 0, w - 1)))  # noqa: E731
        d_pos = geodesic([clamp(c) for c in pos])
        border = [(0, i) for i in range(0, w, 4)] + [(h - 1, i) for i in range(0, w, 4)] + \
                 [(i, 0) for i in range(0, h, 4)] + [(i, w - 1) for i in range(0, h, 4)]
        d_neg = geodesic([clamp(c) for c in neg] + border)
        probability = (d_neg / (d_pos + d_neg + 1e-6)).astype(np.float32)
        radius = max(2, round(min(h, w) / 60))
        gc = np.where(probability > 0.5, cv2.GC_PR_FGD, cv2.GC_PR_BGD).astype(np.uint8)
        gc[_disk_mask((h, w), pos, radius)] = cv2.GC_FGD
        gc[_disk_mask((h, w), neg, radius)] = cv2.GC_BGD
        mask = _grabcut(image, gc, self.segmenter.params["iterations"])
        # keep the parts connected to a positive click (GrabCut may light up look-alikes)
        mask = keep_clicked_components(mask, [(c.x, c.y) for c in pos])
        probability = np.where(mask, np.maximum(probability, 0.5), np.minimum(probability, 0.49))
        return self._finish(box, scale, probability, mask)


@register("segmenter", "grabcut")
class GrabCutSegmenter(Segmenter):
    """Plain GrabCut from the clicks (baseline)."""

    name = "grabcut"
    version = f"opencv-{cv2.__version__}"

    def __init__(self, device: str = "cpu", iterations: int = 4, max_side: int = 256,
                 min_roi: int = 400):
        super().__init__(device, iterations=int(iterations), max_side=int(max_side), min_roi=int(min_roi))

    def session(self, source) -> GrabCutSession:
        return GrabCutSession(self, source)


@register("segmenter", "classic")
class ClassicSegmenter(Segmenter):
    """Geodesic seeding from the clicks, refined by GrabCut."""

    name = "classic"
    version = "1.0"

    def __init__(self, device: str = "cpu", iterations: int = 3, max_side: int = 256,
                 edge_weight: float = 20.0, min_roi: int = 400):
        super().__init__(device, iterations=int(iterations), max_side=int(max_side),
                         edge_weight=float(edge_weight), min_roi=int(min_roi))

    def session(self, source) -> ClassicSession:
        return ClassicSession(self, source)
