"""Damage detection: the detector contract and sliding-window inference over images of any size.

A detector turns an RGB uint8 tile into per-class probabilities. :func:`detect` walks the image
in overlapping windows read from the source (never the whole image at once), blends the
overlaps with smooth weights, and keeps only a band of window height in floating point; the
result is one uint8 probability map (0–255) per damage class.
"""

from __future__ import annotations

import errno
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from muralstudio.core import maskops
from muralstudio.core.errors import Cancelled
from muralstudio.core.messages import Text
from muralstudio.core.imageio import to_rgb8
from muralstudio.engines import registry


#: the detector the window, the command line, the batch runner and the self-test start with: the
#: best on real walls (models/detect-flecks-vetter.md; ``resunet``, trained on synthetic damage
#: and pavement cracks, finds no real paint loss and flags six times as much intact dark paint)
DEFAULT_DETECTOR = "flecks-vetted"

#: classes of the damage detectors (index = class value; 0 is intact)
DAMAGE_CLASSES = ("background", "craquelure", "paint loss")


class Detector:
    name = "detector"
    version = "1"
    #: class names; index 0 is intact background
    classes: tuple[str, ...] = ("background", "damage")
    weights_path: str | None = None
    weights_sha256: str | None = None
    #: probability above which a pixel is reported as damage, when no per-class value is known
    default_threshold = 0.5
    #: the network needs sides that are multiples of this
    multiple = 32
    #: regions smaller than this (px) the window drops by default: noise for a network, but the
    #: very flakes a fleck detector is for
    suggested_min_area = 16

    def __init__(self, device: str = "cpu", **params):
        self.device = device
        self.params = params
        #: per damage class thresholds (calibrated on validation data for trained models)
        self.thresholds: dict[str, float] = {}

    def threshold_for(self, name: str) -> float:
        return float(self.thresholds.get(name, self.default_threshold))

    def probabilities(self, tile: np.ndarray) -> np.ndarray:
        """(C, H, W) float32 class probabilities of an (H, W, 3) uint8 tile."""
        raise NotImplementedError


def create(name: str, device: str = "cpu", **params) -> Detector:
    from muralstudio.engines.settings import validate

    factory = registry.get("detector", name)
    return factory(device=device, **validate(factory, params, name))


def _ramp(n: int, overlap: int) -> np.ndarray:
    """Blend weights along one side of a window. Neighbouring windows share 2 × ``overlap``
    pixels; the outer quarter of that is near zero (the network sees padding there), then the
    weight rises linearly to 1. Never exactly zero, so image borders (one window) stay valid."""
    if overlap <= 0:
        return np.ones(n, np.float32)
    t = np.arange(n, dtype=np.float32) + 0.5
    edge = (np.minimum(t, n - t) - overlap / 2) / overlap
    return np.clip(edge, 1e-3, 1.0).astype(np.float32)


def _pad_to(tile: np.ndarray, multiple: int) -> np.ndarray:
    h, w = tile.shape[:2]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        mode = "reflect" if h > ph and w > pw else "edge"
        tile = np.pad(tile, ((0, ph), (0, pw), (0, 0)), mode=mode)
    return tile


def _windows(size: int, window: int, stride: int) -> list[tuple[int, int]]:
    """(start, length) of the windows along one side: full windows every ``stride`` pixels and a
    shorter last one reaching the edge (not a full window pushed back over its neighbour, which
    would compute up to a window's worth of pixels twice)."""
    spans, start = [], 0
    while True:
        length = min(window, size - start)
        spans.append((start, length))
        if start + length >= size:
            return spans
        start += stride


@dataclass
class DetectionResult:
    """uint8 probability maps (0–255) per damage class, full image size."""

    classes: tuple[str, ...]
    probabilities: dict[str, np.ndarray]
    seconds: float
    engine: str
    weights_sha256: str | None
    params: dict = field(default_factory=dict)
    thresholds: dict = field(default_factory=dict)

    def mask(self, name: str, threshold: float | None = None, min_area: int = 0) -> np.ndarray:
        """Boolean mask of one class: probability ≥ threshold (the detector's calibrated value
        when None), regions under ``min_area`` pixels dropped. A class the detector does not
        look for (``flecks`` and cracks) has nothing proposed."""
        if name not in self.probabilities:
            return np.zeros(next(iter(self.probabilities.values())).shape, bool)
        if threshold is None:
            threshold = self.thresholds[name]
        mask = self.probabilities[name] >= int(round(threshold * 255))
        if min_area <= 1 or not mask.any():
            return mask
        return maskops.remove_specks(mask, min_area) > 0


def source_reader(source):
    """``(read(x, y, w, h), width, height)`` of an image source (``read_region`` + ``info``) or
    an array."""
    if hasattr(source, "read_region"):
        return source.read_region, source.info.width, source.info.height
    array = np.asarray(source)
    return (lambda x, y, w, h: array[y:y + h, x:x + w]), array.shape[1], array.shape[0]


def blend_windows(read, width: int, height: int, predict, n_channels: int, window: int,
                  overlap: int, multiple: int, progress=None, cancelled=None,
                  stage="stage_detecting_window", cancel_message="detection_cancelled"):
    """Run ``predict`` ((H, W, 3) uint8 tile padded to ``multiple`` → (C, H, W) float) over
    overlapping windows and blend the overlaps with :func:`_ramp` weights. Yields
    ``(top, bottom, values)`` bands of finished rows, top to bottom, (C, rows, width) float32,
    so only a band of window height is ever held in floating point. ``stage`` and
    ``cancel_message`` are message ids (:mod:`muralstudio.core.messages`)."""
    stride = max(multiple, window - 2 * overlap)
    rows, cols = _windows(height, window, stride), _windows(width, window, stride)
    band_rows = min(window, height) + stride
    acc = np.zeros((n_channels, band_rows, width), np.float32)
    wsum = np.zeros((band_rows, width), np.float32)
    band_top = 0
    total, done = len(rows) * len(cols), 0

    def finished(until: int):
        nonlocal band_top, acc, wsum
        count = until - band_top
        values = acc[:, :count] / np.maximum(wsum[:count], 1e-6)
        # move the unfinished rows up in place (np.roll would copy the whole band: 200 MB on a
        # 14,000-px-wide image)
        rest = acc.shape[1] - count
        for start in range(0, rest, count):
            step = min(count, rest - start)
            acc[:, start:start + step] = acc[:, count + start:count + start + step]
            wsum[start:start + step] = wsum[count + start:count + start + step]
        acc[:, rest:] = 0
        wsum[rest:] = 0
        top, band_top = band_top, until
        return top, until, values

    for y, win_h in rows:
        if y > band_top:
            yield finished(y)
        wy = _ramp(win_h, overlap if len(rows) > 1 else 0)
        for x, win_w in cols:
            if cancelled and cancelled():
                raise Cancelled(Text(cancel_message))
            tile = to_rgb8(np.asarray(read(x, y, win_w, win_h)))
            values = predict(_pad_to(tile, multiple))[:, :win_h, :win_w]
            weight = wy[:, None] * _ramp(win_w, overlap if len(cols) > 1 else 0)[None, :]
            offset = y - band_top
            acc[:, offset:offset + win_h, x:x + win_w] += values * weight
            wsum[offset:offset + win_h, x:x + win_w] += weight
            done += 1
            if progress:
                progress(done / total, Text(stage, index=done, total=total))
    if height > band_top:
        yield finished(height)


#: the longest side of the photographs the shipped detectors learned from (median ≈ 540 px)
TRAINED_ON_SIDE = 540
#: under this share of the image proposed, a large photograph at scale 1 gets the scale hint
LITTLE_PROPOSED = 0.0005


def scale_hint(engine: str, settings: dict, width: int, height: int, proposed_share: float) -> float | None:
    """The working scale to suggest when a detector with a ``scale`` setting, run at 1 on a
    photograph several times larger than those it learned from, proposed almost nothing:
    what makes its longest side :data:`TRAINED_ON_SIDE` (an archive photograph at 5× showed
    0.01 % of its wall proposed at scale 1 and 2.15 % at 0.2). None when there is nothing to say."""
    from muralstudio.engines import registry

    if "scale" not in {s.name for s in registry.get("detector", engine).settings}:
        return None
    longest = max(width, height)
    if float(settings.get("scale", 1.0) or 1.0) < 1.0 or longest < 3 * TRAINED_ON_SIDE \
            or proposed_share >= LITTLE_PROPOSED:
        return None
    return max(0.05, round(TRAINED_ON_SIDE / longest, 2))


def at_working_scale(detector: Detector):
    """The detector's ``probabilities`` at its ``scale`` setting (1: the image's own pixels): a
    tile is shrunk to that fraction, judged, and the maps brought back to its size. A detector
    trained on photographs of ~500 px across a wall finds 4–8-px flakes; an archive photograph
    of the same wall at five times the resolution shows them 20–40 px wide."""
    scale = float(detector.params.get("scale", 1.0) or 1.0)
    if scale >= 1.0:
        return detector.probabilities

    def probabilities(tile: np.ndarray) -> np.ndarray:
        h, w = tile.shape[:2]
        small = cv2.resize(tile, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
        maps = detector.probabilities(small)
        return np.stack([cv2.resize(m, (w, h), interpolation=cv2.INTER_LINEAR) for m in maps])

    return probabilities


def detection_bands(source, detector: Detector, window: int = 640, overlap: int = 16,
                    progress: Callable[[float, str], None] | None = None,
                    cancelled: Callable[[], bool] | None = None):
    """Sliding-window detection over ``source`` (an object with ``read_region`` and ``info``,
    or an array), a band of finished rows at a time: yields ``(top, bottom, {class: uint8
    probability rows})``. Windows overlap by ``overlap`` pixels on each side and are blended."""
    read, width, height = source_reader(source)
    damage = detector.classes[1:]
    scale = float(detector.params.get("scale", 1.0) or 1.0)
    if scale < 1.0:  # window and overlap count working-scale pixels, so tiles do not change the maps
        window, overlap = int(round(window / scale)), int(round(overlap / scale))
    for top, bottom, probs in blend_windows(read, width, height, at_working_scale(detector),
                                            len(detector.classes), window, overlap,
                                            detector.multiple, progress, cancelled):
        yield top, bottom, {name: np.clip(probs[index] * 255 + 0.5, 0, 255).astype(np.uint8)
                            for index, name in enumerate(damage, start=1)}


def detect(source, detector: Detector, window: int = 640, overlap: int = 16,
           progress: Callable[[float, str], None] | None = None,
           cancelled: Callable[[], bool] | None = None) -> DetectionResult:
    """Sliding-window detection over the whole of ``source``, its maps held in memory."""
    start = time.perf_counter()
    _, width, height = source_reader(source)
    out = {name: np.zeros((height, width), np.uint8) for name in detector.classes[1:]}
    for top, bottom, bands in detection_bands(source, detector, window, overlap, progress, cancelled):
        for name, band in bands.items():
            out[name][top:bottom] = band
    return DetectionResult(detector.classes, out, time.perf_counter() - start, detector.name,
                           detector.weights_sha256, {"window": window, "overlap": overlap},
                           {name: detector.threshold_for(name) for name in out})


def mask_name(class_name: str) -> str:
    """The class's part of a mask file's name ("paint loss" → "paint-loss")."""
    from muralstudio.core.atomic import file_name_part

    return file_name_part(class_name, "damage")


def detect_file(image, out_dir, engine: str = DEFAULT_DETECTOR, device: str = "cpu",
                threshold: float | None = None, min_area: int | None = None,
                log: Callable[[str], None] | None = None, settings: dict | None = None,
                run_elsewhere: Callable | None = None, summary_extra: dict | None = None) -> dict[str, Path]:
    """Detect damage in an image file; write ``STEM.CLASS.prob.png`` (8-bit probability),
    ``STEM.CLASS.mask.png`` (255 = damage) and ``STEM.detect.json`` (engine, weights, settings).
    The maps are written a band of rows at a time, never whole in memory, except with a
    ``min_area`` (dropping small regions needs the whole mask) or with ``run_elsewhere(source,
    progress) -> DetectionResult`` (a compute server's job: the maps come back whole), which
    runs the detection instead of a local detector; ``summary_extra`` joins the JSON summary."""
    import contextlib

    from muralstudio.core import imageio
    from muralstudio.core.pyramid import FileSource

    source = FileSource(image)
    if Path(out_dir).exists() and not Path(out_dir).is_dir():  # said now, not after the detection
        raise NotADirectoryError(errno.ENOTDIR, "a file, not a folder: give a folder for the outputs", str(out_dir))
    if threshold is not None and not 0 < threshold < 1:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    if run_elsewhere:  # the model loads there; a wrong name or setting is said before any upload
        from muralstudio.engines.settings import validate

        validate(registry.get("detector", engine), dict(settings or {}), engine)
        detector = None
    else:
        detector = create(engine, device=device, **(settings or {}))
    min_area = 0 if min_area is None else min_area
    last = [0.0]

    def progress(fraction, stage):
        if log and fraction - last[0] >= 0.1:
            last[0] = fraction
            log(f"{fraction:4.0%} {stage}")

    out_dir = Path(out_dir)
    stem = Path(image).stem
    width, height = source.info.width, source.info.height
    result = None
    start = time.perf_counter()
    if run_elsewhere:
        result = run_elsewhere(source, progress)
        damage = list(result.classes[1:])
        used = {name: result.thresholds[name] if threshold is None else threshold for name in damage}
        # the weights the server used: the user's file sent with the job, else its installed ones
        factory, sent = registry.get("detector", engine), (settings or {}).get("weights_path")
        shipped = getattr(factory, "weights_name", None)
        weights = {"weights": str(sent) if sent else f"{shipped}.safetensors" if shipped else None,
                   "weights_sha256": result.weights_sha256}
    else:
        damage = list(detector.classes[1:])
        used = {name: detector.threshold_for(name) if threshold is None else threshold for name in damage}
        weights = {"weights": detector.weights_path, "weights_sha256": detector.weights_sha256}
    out_dir.mkdir(parents=True, exist_ok=True)  # after a server's job: none left empty if it fails
    paths = {name: (out_dir / f"{stem}.{mask_name(name)}.prob.png", out_dir / f"{stem}.{mask_name(name)}.mask.png")
             for name in damage}
    pixels = dict.fromkeys(damage, 0)
    if min_area > 1 or result is not None:
        if result is None:
            result = detect(source, detector, progress=progress)
        for name in damage:
            mask = result.mask(name, used[name], min_area)
            imageio.write_png(paths[name][0], result.probabilities[name])
            imageio.write_png(paths[name][1], mask.astype(np.uint8) * 255)
            pixels[name] = int(mask.sum())
    else:
        with contextlib.ExitStack() as files:
            writers = {name: [files.enter_context(imageio.PngRowWriter(path, width, height)) for path in paths[name]]
                       for name in damage}
            for _, _, bands in detection_bands(source, detector, progress=progress):
                for name, band in bands.items():
                    mask = band >= int(round(used[name] * 255))
                    writers[name][0].write(band)
                    writers[name][1].write(mask.astype(np.uint8) * 255)
                    pixels[name] += int(np.count_nonzero(mask))
    summary = {"image": str(image), "engine": engine, "settings": dict(settings or {}), **weights,
               **(summary_extra or {}),
               "min_area": min_area, "seconds": round(time.perf_counter() - start, 3),
               "classes": {name: {"pixels": pixels[name], "fraction": pixels[name] / (width * height),
                                  "threshold": used[name]} for name in damage},
               # classes this engine does not look for: not found is not the same as none there
               "not_assessed": [name for name in DAMAGE_CLASSES[1:] if name not in damage]}
    hint = scale_hint(engine, settings or {}, width, height, sum(pixels.values()) / (width * height))
    if hint is not None:
        summary["scale_hint"] = hint
    written: dict[str, Path] = {}
    for name in damage:
        written[f"{name} probability"], written[f"{name} mask"] = paths[name]
    report = out_dir / f"{stem}.detect.json"
    imageio.write_json(report, summary)
    written["report"] = report
    return written


#: a region is "unsure" when the detector's mean probability over it is below this
UNSURE_BELOW = 0.5
#: a region is "mostly dark paint" when more than this share of its pixels is darker than DARK_LUMA;
#: thin regions (no pixel farther than THIN_PX from the edge) are cracks, dark by nature: not asked
DARK_SHARE, DARK_LUMA, THIN_PX = 0.6, 0.25, 3.0
#: the largest mask labelled at full resolution, and the largest region whose pixels are read
MAX_LABEL_PIXELS, MAX_READ_PIXELS = 16_000_000, 4_000_000


def restoration_risks(source, hole: np.ndarray, probabilities: dict | None = None,
                      max_regions: int = 500, thresholds: dict | None = None) -> list[dict]:
    """Regions of ``hole`` a conservator should look at before restoring them: those the
    detector was unsure of (mean probability of its most likely damage class below
    ``UNSURE_BELOW``, where it proposed anything) and those mostly covered by dark paint (dark
    linework, hair, robes are original paint far more often than loss; thin crack-like regions
    are not asked about, cracks being dark themselves). Each risk: ``box``
    (x, y, w, h), ``reason`` ("unsure" or "dark") and ``value`` (the mean probability or the dark
    share). ``probabilities``: the detection result's uint8 maps of this image, if any;
    ``thresholds``: the probability at which each class was proposed (default 0.5) — a region
    counts as proposed when at least half of it reaches it, so a detector calibrated below 0.5 (``flecks-vetted``:
    0.25) has its weak proposals asked about too."""
    from muralstudio.core.imageio import full_scale

    read, _, _ = source_reader(source)
    # regions are found on a decimated mask of huge images (the labels of a 500-Mpx mask would
    # take 2 GB), and pixels are read only for regions up to MAX_READ_PIXELS: this runs before a
    # job starts, on the window's thread
    step = max(1, int(np.ceil(np.sqrt(hole.size / MAX_LABEL_PIXELS))))
    small = np.ascontiguousarray(hole[::step, ::step]).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(small, connectivity=8)
    order = np.argsort(-stats[1:, cv2.CC_STAT_AREA])[:max_regions] + 1
    risks = []
    for label in order:
        sx, sy, sw, sh = (int(v) for v in stats[label, :4])
        x, y = sx * step, sy * step
        w, h = min(sw * step, hole.shape[1] - x), min(sh * step, hole.shape[0] - y)
        # each full-resolution pixel takes the label of the decimated pixel it falls in
        rows, cols = np.arange(y, y + h) // step, np.arange(x, x + w) // step
        region = hole[y:y + h, x:x + w] & (labels[rows[:, None], cols[None, :]] == label)
        if probabilities:
            best = max(float(p[y:y + h, x:x + w][region].mean()) / 255 for p in probabilities.values())
            # the detector's region when most of it reached a threshold: a region drawn by hand
            # that merely touches a proposal is not the detector's doubt to report
            proposed = any((p[y:y + h, x:x + w][region] >= round(255 * (thresholds or {}).get(name, 0.5))).mean()
                           >= 0.5 for name, p in probabilities.items())
            if proposed and best < UNSURE_BELOW:
                risks.append({"box": (x, y, w, h), "reason": "unsure", "value": best})
        inner = cv2.distanceTransform(np.pad(region, 1).astype(np.uint8), cv2.DIST_L2, 3)
        if inner.max() <= THIN_PX or w * h > MAX_READ_PIXELS:
            continue
        pixels = np.asarray(read(x, y, w, h))
        values = pixels.astype(np.float32) / full_scale(pixels.dtype)
        luma = values if values.ndim == 2 else values[..., :3].mean(axis=2) if values.shape[2] >= 3 else values[..., 0]
        dark = float((luma[region] < DARK_LUMA).mean())
        if dark > DARK_SHARE:
            risks.append({"box": (x, y, w, h), "reason": "dark", "value": dark})
    return risks
