"""Click-to-mask segmentation: the contract, the region of interest, and click simulation.

A segmenter makes a session for one image; ``session.predict(clicks, previous)`` returns the
probability and mask of the object for a region of interest around the clicks (a crop with a
margin, so clicking on a 200-megapixel mural costs what clicking on a small image does).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from muralstudio.engines import registry


@dataclass(frozen=True)
class Click:
    x: float
    y: float
    positive: bool = True


@dataclass
class Prediction:
    """Probability (float32 0–1) and mask (bool) of the region (x, y, w, h) of the image."""

    x: int
    y: int
    probability: np.ndarray
    mask: np.ndarray

    @property
    def bbox(self) -> tuple[int, int, int, int]:
        return self.x, self.y, self.mask.shape[1], self.mask.shape[0]

    def full_mask(self, height: int, width: int) -> np.ndarray:
        """The mask pasted into a (height, width) frame; parts outside the frame are cut off."""
        out = np.zeros((height, width), bool)
        h, w = self.mask.shape
        x0, y0 = max(0, self.x), max(0, self.y)
        x1, y1 = min(width, self.x + w), min(height, self.y + h)
        if x1 > x0 and y1 > y0:
            out[y0:y1, x0:x1] = self.mask[y0 - self.y:y1 - self.y, x0 - self.x:x1 - self.x]
        return out


def keep_clicked_components(mask: np.ndarray, points) -> np.ndarray:
    """Only the connected parts of ``mask`` that one of the (x, y) ``points`` (positive clicks)
    falls in; the mask unchanged when no point lands on it (engines may light up look-alikes)."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    h, w = mask.shape
    keep = {labels[min(h - 1, max(0, int(round(y)))), min(w - 1, max(0, int(round(x))))]
            for x, y in points} - {0}
    return np.isin(labels, list(keep)) if keep else mask


def roi_for(clicks, width: int, height: int, previous_bbox=None, margin: float = 0.6,
            min_side: int = 400) -> tuple[int, int, int, int]:
    """Crop around the clicks (and the previous mask), grown by ``margin`` × its size."""
    xs = [c.x for c in clicks]
    ys = [c.y for c in clicks]
    if previous_bbox is not None:
        px, py, pw, ph = previous_bbox
        xs += [px, px + pw]
        ys += [py, py + ph]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    side = max(x1 - x0, y1 - y0, min_side / (1 + 2 * margin))
    grow = side * margin + max(0.0, (side - (x1 - x0)) / 2), side * margin + max(0.0, (side - (y1 - y0)) / 2)
    rx0, ry0 = int(max(0, np.floor(x0 - grow[0]))), int(max(0, np.floor(y0 - grow[1])))
    rx1, ry1 = int(min(width, np.ceil(x1 + grow[0]) + 1)), int(min(height, np.ceil(y1 + grow[1]) + 1))
    return rx0, ry0, rx1 - rx0, ry1 - ry0


def previous_bbox(previous) -> tuple[int, int, int, int] | None:
    """Bounding box (x, y, w, h) of the previous result: a :class:`Prediction` (cheap on huge
    images: only its region is looked at) or a full-image mask; None when empty."""
    if previous is None:
        return None
    if isinstance(previous, Prediction):
        ox, oy, mask = previous.x, previous.y, previous.mask
    else:
        ox, oy, mask = 0, 0, np.asarray(previous)
    if not mask.any():
        return None
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return ox + int(cols[0]), oy + int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


class Segmenter:
    name = "segmenter"
    version = "1"
    weights_sha256: str | None = None

    def __init__(self, device: str = "cpu", **params):
        self.device = device
        self.params = params

    def session(self, source) -> "SegmentSession":
        raise NotImplementedError


#: a negative click clears a disk of this share of the prediction window's longer side (≥ 2 px)
NEGATIVE_RADIUS_PERCENT = 1.0


def honour_negative_clicks(prediction: Prediction, clicks) -> Prediction:
    """Every negative click removes its own pixel and its neighbourhood (a disk of
    ``NEGATIVE_RADIUS_PERCENT`` of the window), whatever the engine proposed: on speckled real
    losses an engine can keep a region under the user's "not this" click, and a click that
    changes nothing is what users mind most. Parts cut off from every positive click go too."""
    negatives = [c for c in clicks if not c.positive]
    if not negatives or not prediction.mask.any():
        return prediction
    h, w = prediction.mask.shape
    radius = max(2, round(NEGATIVE_RADIUS_PERCENT * max(h, w) / 100))
    clear = np.zeros((h, w), np.uint8)
    for click in negatives:
        cx, cy = int(round(click.x)) - prediction.x, int(round(click.y)) - prediction.y
        if -radius <= cx < w + radius and -radius <= cy < h + radius:
            cv2.circle(clear, (cx, cy), radius, 1, -1)
    clear = clear.astype(bool) & prediction.mask
    if not clear.any():
        return prediction
    mask = prediction.mask & ~clear
    positives = [(c.x - prediction.x, c.y - prediction.y) for c in clicks if c.positive]
    mask = keep_clicked_components(mask, positives)
    probability = np.where(mask, prediction.probability, np.minimum(prediction.probability, 0.0))
    return Prediction(prediction.x, prediction.y, probability.astype(np.float32), mask)


class SegmentSession:
    """Per-image state; subclasses cache what they can between clicks. Every subclass's
    ``predict`` honours negative clicks (:func:`honour_negative_clicks`): a contract of the
    engine family, not a habit of one engine."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        predict = cls.__dict__.get("predict")
        if predict is None or getattr(predict, "honours_negative_clicks", False):
            return

        def honoured(self, clicks, previous=None, _predict=predict):
            return honour_negative_clicks(_predict(self, clicks, previous), clicks)

        honoured.honours_negative_clicks = True
        honoured.__doc__, honoured.__name__ = predict.__doc__, "predict"
        cls.predict = honoured

    def __init__(self, segmenter: Segmenter, source):
        self.segmenter = segmenter
        self.source = source  # an array or a region-reading source (FileSource, pyramid level)
        if hasattr(source, "read_region"):
            self.read, self.width, self.height = source.read_region, source.info.width, source.info.height
        else:
            array = np.asarray(source)
            self.read = lambda x, y, w, h: array[y:y + h, x:x + w]
            self.width, self.height = array.shape[1], array.shape[0]

    def predict(self, clicks: list[Click], previous=None) -> Prediction:
        """``previous``: the last :class:`Prediction` or a full-image bool mask, or None."""
        raise NotImplementedError


def default_engine() -> str:
    """``clicknet`` when its weights are installed (fewer clicks on both benchmark sets), else
    ``classic`` (no weights)."""
    from muralstudio.engines.modelfiles import find_weights

    return "clicknet" if find_weights("clicknet") else "classic"


def damage_settings(engine: str) -> dict:
    """What tells ``engine`` its clicks mark damage: an engine with a ``target`` setting
    (clicknet) is asked to take a fleck unlike the paint around it, not the robe it lies in;
    others need nothing. The window's click tool and ``annotate``'s loss and crack marks ask it."""
    from muralstudio.engines.settings import schema_of

    names = {setting.name for setting in schema_of(registry.get("segmenter", engine))}
    return {"target": "damage"} if "target" in names else {}


def create(name: str, device: str = "cpu", **params) -> Segmenter:
    from muralstudio.engines.settings import validate

    factory = registry.get("segmenter", name)
    return factory(device=device, **validate(factory, params, name))


def create_from_spec(spec: str, device: str = "cpu") -> Segmenter:
    """A segmenter from ``NAME[:KEY=VALUE...]``, e.g. ``clicknet:refine_radius=0:input_size=320``
    (how benchmarks and ``segment --engine`` set an engine's settings); values are read by
    :func:`registry.parse_setting`. Only a colon followed by a word starts a setting, so a
    Windows path (``weights_path=C:\\models\\w.safetensors``) stays whole."""
    name, params = registry.split_spec(spec)
    return create(name, device, **params)


# ---------------------------------------------------------------------------------------------
# Click simulation (the NoC protocol)


def next_click(truth: np.ndarray, predicted: np.ndarray | None) -> Click | None:
    """The standard simulated click: in the largest error region (missed → positive, false →
    negative), at its interior point farthest from the region's boundary."""
    truth = truth.astype(bool)
    predicted = np.zeros_like(truth) if predicted is None else predicted.astype(bool)
    fn, fp = truth & ~predicted, ~truth & predicted
    best = None
    for positive, error in ((True, fn), (False, fp)):
        if not error.any():
            continue
        padded = np.pad(error, 1).astype(np.uint8)  # the image border counts as boundary
        dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
        count, labels = cv2.connectedComponents(error.astype(np.uint8), connectivity=8)
        sizes = np.bincount(labels.ravel())[1:]
        largest = 1 + int(np.argmax(sizes))
        region_dist = np.where(labels == largest, dist, -1)
        y, x = np.unravel_index(int(np.argmax(region_dist)), error.shape)
        if best is None or sizes.max() > best[0]:
            best = (sizes.max(), Click(float(x), float(y), positive))
    return best[1] if best else None


def simulate_clicks(session: SegmentSession, truth: np.ndarray, max_clicks: int = 20,
                    stop_at: float | None = None, offset: tuple[int, int] = (0, 0)):
    """The NoC protocol on one object: click by :func:`next_click`, feed the last prediction
    back, and yield ``(iou, milliseconds)`` after each click; stops after ``max_clicks``, when
    nothing is left to correct, or once the IoU reaches ``stop_at``. ``truth`` covers the image
    region whose top-left corner is ``offset`` (the whole image by default)."""
    import time

    from muralstudio.core.metrics import iou

    ox, oy = offset
    clicks, prediction, predicted = [], None, None
    for _ in range(max_clicks):
        click = next_click(truth, predicted)
        if click is None:
            return
        clicks.append(Click(click.x + ox, click.y + oy, click.positive))
        start = time.perf_counter()
        prediction = session.predict(clicks, prediction)
        milliseconds = (time.perf_counter() - start) * 1000
        local = Prediction(prediction.x - ox, prediction.y - oy, prediction.probability, prediction.mask)
        predicted = local.full_mask(*truth.shape)
        score = iou(truth, predicted)
        yield score, milliseconds
        if stop_at is not None and score >= stop_at:
            return
