"""The inpainting contract and the harness that runs any engine at native resolution.

An engine only fills a crop: ``inpaint(rgb, hole) -> rgb`` with float32 RGB in [0, 1] and a bool
hole mask. The harness does everything else, once, for every engine:

1. split the damage mask into regions (holes closer than ``group_distance`` px are grouped;
   regions whose context crops overlap so much that one crop is no larger are merged),
2. crop each region with surrounding context (``context`` × the hole's size, at least
   ``min_context`` px), treating every damaged pixel in the crop as unknown,
3. downscale only when the crop is larger than the engine can take, then restore grain,
4. pad to the engine's size multiple, call the engine, optionally match the fill's colour to
   a ring of original pixels around the hole,
5. composite at the source bit depth: only damaged pixels of the region change, so pixels
   outside the mask stay bit-identical (grey, grey+alpha, RGB and RGBA; alpha is kept).

Progress is reported and cancellation checked once per region (and inside engines that poll
it, such as PatchMatch between iterations); a cancelled run returns nothing, so the document
is unchanged.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import cv2
import numpy as np

from muralstudio import __version__
from muralstudio.core.document import Patch
from muralstudio.core.messages import Text
from muralstudio.core.errors import Cancelled
from muralstudio.core.imageio import full_scale
from muralstudio.core.record import RestorationRecord, mask_sha256
from muralstudio.engines import registry


@dataclass(frozen=True)
class InpainterCapabilities:
    """What an engine declares about itself; the harness adapts crops to it."""

    channels: int = 3
    size_multiple: int = 1
    comfortable_size: int = 512  # crop side the engine handles well
    max_side: int | None = None  # crops larger than this are downscaled first
    devices: tuple[str, ...] = ("cpu",)
    bytes_per_pixel: int = 64  # working memory per crop pixel, for the estimate
    #: per-pixel hints the engine takes besides the hole (see HINTS)
    hints: tuple[str, ...] = ()
    #: the engine's ``inpaint`` takes ``progress(fraction)`` and reports inside one crop
    reports_progress: bool = False

    def memory_estimate(self, height: int, width: int) -> int:
        return int(height * width * self.bytes_per_pixel)


#: Per-pixel hints a user can give with the mask (bool maps of the image's size), cropped with
#: each region: ``guide`` = contour lines drawn inside the hole that the fill must continue;
#: ``sample_area`` = where texture may be copied from (content-aware fill's sampling area).
HINTS = {"guide": "guide lines", "sample_area": "a sampling area"}


class Inpainter:
    """Base class of inpainting engines. Subclasses set ``name``, ``version`` and
    ``capabilities`` and implement :meth:`inpaint`."""

    name = "inpainter"
    version = "1"
    weights_sha256: str | None = None
    capabilities = InpainterCapabilities()

    def __init__(self, device: str = "cpu", **params):
        if device not in self.capabilities.devices:
            raise ValueError(f"engine {self.name!r} runs on {', '.join(self.capabilities.devices)}, "
                             f"not {device!r}")
        self.device = device
        self.params = params

    def parameters(self) -> dict:
        return dict(self.params)

    def inpaint(self, rgb: np.ndarray, hole: np.ndarray,
                cancelled: Callable[[], bool] | None = None, **hints) -> np.ndarray:
        """Fill ``hole`` in float32 RGB ``rgb`` (0–1). Long-running engines poll
        ``cancelled`` and raise :class:`Cancelled` when it turns true. ``hints`` holds the
        crop of each hint named in ``capabilities.hints`` that the user gave."""
        raise NotImplementedError


def create(name: str, device: str = "cpu", **params) -> Inpainter:
    """An inpainter by registry name (KeyError listing the known names otherwise); a setting
    the engine does not have is a ValueError listing the ones it has."""
    from muralstudio.engines.settings import validate

    factory = registry.get("inpainter", name)
    return factory(device=device, **validate(factory, params, name))


def default_engine() -> str:
    """``fourier`` when its weights are installed (it beats Telea on every band of the README's
    benchmark), else ``telea`` (no weights)."""
    from muralstudio.engines.modelfiles import find_weights

    return "fourier" if find_weights("fourier-inpaint") else "telea"


def create_from_spec(spec: str, device: str = "cpu") -> Inpainter:
    """An inpainter from ``NAME[:KEY=VALUE...]``, e.g. ``fourier:grain=true``."""
    name, params = registry.split_spec(spec)
    return create(name, device, **params)


@dataclass
class InpaintOptions:
    engine: str = "telea"
    device: str = "cpu"
    color_match: bool = False
    context: float = 1.0
    min_context: int = 32
    #: the widest ring of context (px) around a region: a large accepted area (a lasso over a
    #: wall) read with as much again on every side made crops of tens of megapixels, several
    #: float copies each (7.5 GiB for a 3000-px region of a 100-Mpx image)
    max_context: int = 512
    group_distance: int = 16
    mask_threshold: int = 1  # mask pixels >= this are holes (uint8 masks: 1 = any nonzero)
    #: px by which the damage mask is grown before filling (the grown mask is what is restored
    #: and recorded): a detected or brushed flake that stops inside its pale rim is otherwise
    #: filled from that rim, and shows as a pale ghost of itself
    grow: int = 0
    engine_params: dict = field(default_factory=dict)


@dataclass
class InpaintResult:
    patches: list[Patch]
    record: RestorationRecord
    seconds: float


# ---------------------------------------------------------------------------------------------
# Pixel conversions


def to_rgb_float(pixels: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32 in [0, 1] from any canonical layout (alpha ignored)."""
    rgb = pixels.astype(np.float32) / full_scale(pixels.dtype)
    if rgb.ndim == 2:
        return np.repeat(rgb[..., None], 3, axis=2)
    if rgb.shape[2] <= 2:
        return np.repeat(rgb[..., :1], 3, axis=2)
    return np.ascontiguousarray(rgb[..., :3])


def from_rgb_float(rgb: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Back to ``like``'s dtype and layout; alpha comes from ``like``."""
    scale = full_scale(like.dtype)
    values = np.clip(np.round(rgb * scale), 0, scale).astype(like.dtype)
    if like.ndim == 2:
        return np.clip(np.round(rgb.mean(axis=2) * scale), 0, scale).astype(like.dtype)
    out = like.copy()
    if like.shape[2] <= 2:
        out[..., 0] = np.clip(np.round(rgb.mean(axis=2) * scale), 0, scale).astype(like.dtype)
    else:
        out[..., :3] = values
    return out


# ---------------------------------------------------------------------------------------------
# Regions


def find_regions(hole: np.ndarray, group_distance: int = 16) -> list[tuple[int, int, int, int]]:
    """Bounding boxes (x, y, w, h) of damaged regions; holes closer than ``group_distance``
    pixels share a region. Sorted top-to-bottom, left-to-right."""
    hole_u8 = hole.astype(np.uint8)
    if group_distance > 0:
        size = 2 * group_distance + 1
        grouped = cv2.dilate(hole_u8, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    else:
        grouped = hole_u8
    count, labels, stats, _ = cv2.connectedComponentsWithStats(grouped, connectivity=8)
    boxes = []
    for label in range(1, count):
        x, y, w, h = stats[label, :4]
        inside = (labels[y:y + h, x:x + w] == label) & hole[y:y + h, x:x + w]
        rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
        boxes.append((int(x + cols[0]), int(y + rows[0]), int(cols[-1] - cols[0] + 1),
                      int(rows[-1] - rows[0] + 1)))
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def _context_box(box, width, height, options: InpaintOptions):
    x, y, w, h = box
    margin = max(options.min_context, min(options.max_context, int(math.ceil(options.context * max(w, h)))))
    x0, y0 = max(0, x - margin), max(0, y - margin)
    x1, y1 = min(width, x + w + margin), min(height, y + h + margin)
    return x0, y0, x1 - x0, y1 - y0


def _bounds(a, b):
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    return x0, y0, max(a[0] + a[2], b[0] + b[2]) - x0, max(a[1] + a[3], b[1] + b[3]) - y0


def merge_overlapping(boxes, width: int, height: int, options: InpaintOptions,
                      max_side: int | None = None, limit: int = 200) -> list[tuple[tuple, tuple]]:
    """(region box, context crop) pairs: regions whose context crops overlap so much that one
    crop around both costs no more pixels than the two are merged (a 20 % jelly hole was
    otherwise restored about three times over). Merged crops stay within ``max_side``; more
    than ``limit`` regions (scattered dust) are left as they are."""
    regions = [(box, _context_box(box, width, height, options)) for box in boxes]
    if len(regions) > limit:
        return regions
    merged = True
    while merged:
        merged = False
        for i, j in ((i, j) for i in range(len(regions)) for j in range(i + 1, len(regions))):
            (box_a, crop_a), (box_b, crop_b) = regions[i], regions[j]
            crop = _bounds(crop_a, crop_b)
            if (max_side and max(crop[2:]) > max_side) or \
                    crop[2] * crop[3] > crop_a[2] * crop_a[3] + crop_b[2] * crop_b[3]:
                continue
            regions[i] = (_bounds(box_a, box_b), crop)
            del regions[j]
            merged = True
            break
    return sorted(regions, key=lambda r: (r[0][1], r[0][0]))


# ---------------------------------------------------------------------------------------------
# Colour matching and grain


def _ring(hole: np.ndarray, width: int) -> np.ndarray:
    size = 2 * width + 1
    grown = cv2.dilate(hole.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return (grown > 0) & ~hole


def match_colour(fill: np.ndarray, reference: np.ndarray, hole: np.ndarray, known: np.ndarray,
                 ring_width: int = 8) -> np.ndarray:
    """Shift the fill's centre and spread in Lab to those of a ring of intact pixels around the
    hole (against colour casts of the engine). Changes hole pixels only. Median and median
    absolute deviation, not mean and standard deviation: on real walls the ring holds flakes of
    loss not marked, whose pale outliers doubled the spread and brought flakes back into the
    fill; and the spread is never widened (stretching a fill's faint remnants of a flake made
    pale blobs of them), only narrowed where the fill is more contrasted than its ring."""
    ring = _ring(hole, ring_width) & known
    if ring.sum() < 16 or hole.sum() < 4:
        return fill
    fill_lab = cv2.cvtColor(fill.astype(np.float32), cv2.COLOR_RGB2Lab)
    ref_lab = cv2.cvtColor(reference.astype(np.float32), cv2.COLOR_RGB2Lab)
    out = fill_lab.copy()

    def centre_and_spread(values):
        centre = np.median(values)
        return centre, 1.4826 * np.median(np.abs(values - centre))

    for c in range(3):
        src, ref = fill_lab[..., c][hole], ref_lab[..., c][ring]
        (src_centre, src_spread), (ref_centre, ref_spread) = centre_and_spread(src), centre_and_spread(ref)
        ratio = np.clip((ref_spread + 1e-3) / (src_spread + 1e-3), 0.5, 1.0)
        out[..., c][hole] = (src - src_centre) * ratio + ref_centre
    result = cv2.cvtColor(out, cv2.COLOR_Lab2RGB)
    return np.where(hole[..., None], np.clip(result, 0, 1), fill)


def restore_grain(fill: np.ndarray, reference: np.ndarray, hole: np.ndarray, known: np.ndarray,
                  rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """After upsampling a low-resolution fill, add grain with the spread of the intact
    surroundings' fine detail, so the restored area is not smoother than the mural."""
    ring = _ring(hole, 16) & known
    if ring.sum() < 16:
        return fill
    detail = reference - cv2.GaussianBlur(reference, (0, 0), 1.5)
    sigma = detail[ring].std(axis=0)
    noise = rng.normal(0, 1, fill.shape).astype(np.float32) * sigma * strength
    noise = noise - cv2.GaussianBlur(noise, (0, 0), 1.5)  # same band as the measured detail
    return np.where(hole[..., None], np.clip(fill + noise, 0, 1), fill)


# ---------------------------------------------------------------------------------------------
# The harness


def paint_guide_lines(rgb: np.ndarray, hole: np.ndarray, guide: np.ndarray,
                      reach: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The artist's contour lines painted into the hole (on top of the fill, which the engine
    made with the lines as guidance): each drawn stroke (a connected part of ``guide`` inside
    the hole) takes the colour of the line it continues — the median of the intact pixels
    within ``reach`` px of the stroke that differ most from the wall around them (the
    contour's own pixels, not the ground). The stroke's edges are feathered into the fill
    beside it (a pixel's worth), so it reads as a painted line, not a pasted stair-stepped band.
    Returns the painted image and the hole without the strokes."""
    guide = guide & hole
    if not guide.any():
        return rgb, hole
    remaining = hole & ~guide
    count, labels = cv2.connectedComponents(guide.astype(np.uint8), connectivity=8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * reach + 1, 2 * reach + 1))
    wall = np.median(rgb[_ring(hole, 12) & ~hole], axis=0) if (~hole).any() else rgb.mean(axis=(0, 1))
    colours = np.zeros_like(rgb)
    painted = np.zeros(hole.shape, bool)
    for label in range(1, count):
        stroke = labels == label
        near = (cv2.dilate(stroke.astype(np.uint8), kernel) > 0) & ~hole
        if not near.any():
            continue
        candidates = rgb[near]
        distance = np.abs(candidates - wall).sum(axis=1)
        line = candidates[distance >= np.quantile(distance, 0.7)]
        colours[stroke] = np.median(line, axis=0)
        painted |= stroke
    if not painted.any():
        return rgb, remaining
    # each pixel beside a stroke takes the colour of the nearest stroke pixel, weighted by a
    # blurred copy of the strokes: full colour on the stroke, half at its edge, none a pixel out
    _, nearest = cv2.distanceTransformWithLabels((~painted).astype(np.uint8), cv2.DIST_L2, 3,
                                                 labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(painted)
    lookup = np.zeros((nearest.max() + 1, 3), np.float32)
    lookup[nearest[ys, xs]] = colours[ys, xs]
    spread = lookup[nearest]
    alpha = np.clip(cv2.GaussianBlur(painted.astype(np.float32), (0, 0), 0.7) * 2.0, 0, 1)
    alpha[painted] = 1.0
    alpha[~hole] = 0.0  # nothing outside the loss
    out = rgb * (1 - alpha[..., None]) + spread * alpha[..., None]
    return out.astype(rgb.dtype), remaining


def _as_reader(source):
    if hasattr(source, "read_region"):
        return source.read_region, source.info.width, source.info.height
    array = np.asarray(source)
    return (lambda x, y, w, h: array[y:y + h, x:x + w].copy()), array.shape[1], array.shape[0]


def _pad_to_multiple(rgb: np.ndarray, hole: np.ndarray, multiple: int):
    h, w = hole.shape
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        rgb = np.pad(rgb, ((0, ph), (0, pw), (0, 0)), mode="reflect" if min(h, w) > 1 else "edge")
        hole = np.pad(hole, ((0, ph), (0, pw)))
    return rgb, hole


def inpaint_crop(engine: Inpainter, rgb: np.ndarray, hole: np.ndarray, color_match: bool = False,
                 rng: np.random.Generator | None = None,
                 cancelled: Callable[[], bool] | None = None, hints: dict | None = None,
                 progress: Callable[[float], None] | None = None) -> np.ndarray:
    """Fill ``hole`` in one float RGB crop with ``engine``: downscale if the engine needs it,
    pad to its multiple, restore grain, match colour. Known pixels are returned unchanged.
    ``hints``: bool maps of the crop's size (scaled and padded with it)."""
    hints = {k: v for k, v in (hints or {}).items() if v is not None}
    caps = engine.capabilities
    rng = rng or np.random.default_rng(0)
    h, w = hole.shape
    work_rgb, work_hole, scale = rgb, hole, 1.0
    if caps.max_side and max(h, w) > caps.max_side:
        scale = caps.max_side / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        work_rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        work_hole = cv2.resize(hole.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
        hints = {k: cv2.resize(v.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
                 for k, v in hints.items()}
    padded_rgb, padded_hole = _pad_to_multiple(work_rgb, work_hole, caps.size_multiple)
    hints = {k: np.pad(v, ((0, padded_hole.shape[0] - v.shape[0]), (0, padded_hole.shape[1] - v.shape[1])))
             for k, v in hints.items()}
    extra = {"progress": progress} if progress is not None and caps.reports_progress else {}
    filled = engine.inpaint(np.ascontiguousarray(padded_rgb, np.float32), padded_hole, cancelled,
                            **hints, **extra)
    filled = np.clip(filled[:work_hole.shape[0], :work_hole.shape[1]], 0, 1).astype(np.float32)
    if "guide" in hints:  # the drawn contours on top of the fill, in their line's colour
        guide = hints["guide"][:work_hole.shape[0], :work_hole.shape[1]]
        filled = paint_guide_lines(np.where(work_hole[..., None], filled, work_rgb), work_hole, guide)[0]
    if scale != 1.0:
        filled = cv2.resize(filled, (w, h), interpolation=cv2.INTER_CUBIC)
        filled = restore_grain(np.clip(filled, 0, 1), rgb, hole, ~hole, rng)
    if color_match:
        filled = match_colour(filled, rgb, hole, ~hole)
    return np.where(hole[..., None], filled, rgb)


def _check_hints(hints: dict, engine: Inpainter, shape) -> dict:
    hints = {k: np.asarray(v) > 0 for k, v in (hints or {}).items() if v is not None}
    for name, array in hints.items():
        if name not in HINTS:
            raise ValueError(f"unknown inpainting hint {name!r}; known: {', '.join(HINTS)}")
        if name not in engine.capabilities.hints:
            takers = ", ".join(n for n in registry.available("inpainter")
                               if name in getattr(registry.get("inpainter", n), "capabilities",
                                                  InpainterCapabilities()).hints)
            raise ValueError(f"the {engine.name} engine cannot use {HINTS[name]}; use {takers}")
        if array.shape != shape:
            raise ValueError(f"the {HINTS[name]} map is {array.shape[1]}×{array.shape[0]} but the "
                             f"image is {shape[1]}×{shape[0]}")
        if not array.any():
            raise ValueError(f"the {HINTS[name]} map is empty")
    return hints


def _hint_summary(hints: dict) -> dict:
    """What the record keeps of each hint: its hash, pixel count and box."""
    summary = {}
    for name, array in hints.items():
        ys, xs = np.nonzero(array)
        summary[name] = {"sha256": mask_sha256(array), "pixels": int(array.sum()),
                         "bbox": [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1),
                                  int(ys.max() - ys.min() + 1)]}
    return summary


def plan_regions(hole: np.ndarray, width: int, height: int, options: InpaintOptions, max_side,
                 hints: dict | None = None) -> list:
    """The harness's regions: (damage box, crop box read with its context) for each group of
    damage. With a ``sample_area`` hint every crop is widened to hold it (texture may only come
    from there). A job sent to a compute server reads exactly these crops."""
    regions = merge_overlapping(find_regions(hole, options.group_distance), width, height, options, max_side)
    if hints and "sample_area" in hints:
        ys, xs = np.nonzero(hints["sample_area"] & ~hole)
        if not len(ys):
            raise ValueError("the sampling area holds no intact pixels")
        area = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
        regions = [(box, _bounds(crop, area)) for box, crop in regions]
    return regions


def grown_mask(hole: np.ndarray, pixels: int) -> np.ndarray:
    """The harness's hole grown by ``pixels`` px all round (``InpaintOptions.grow``), as bools."""
    from muralstudio.core.maskops import grow

    return grow(hole, pixels) > 0


def inpaint(source, mask: np.ndarray, options: InpaintOptions | None = None,
            progress: Callable[[float, str], None] | None = None,
            cancelled: Callable[[], bool] | None = None,
            engine: Inpainter | None = None, source_sha256: str | None = None,
            hints: dict | None = None) -> InpaintResult:
    """Restore every damaged region of ``source`` (array or ImageSource) at native resolution.

    ``mask`` is (H, W), nonzero (≥ ``options.mask_threshold``) = damaged. ``hints`` maps names
    of :data:`HINTS` to (H, W) maps for engines that take them (guide lines, a sampling area:
    each region's crop is then widened to hold the sampling area). Returns patches at the
    source's dtype and layout, plus the restoration record. Raises :class:`Cancelled` when
    ``cancelled()`` turns true at a region checkpoint.
    """
    options = options or InpaintOptions()
    reader, width, height = _as_reader(source)
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"the mask must be one channel, not shape {mask.shape}")
    if mask.shape != (height, width):
        raise ValueError(f"mask is {mask.shape[1]}×{mask.shape[0]} but the image is {width}×{height}")
    hole = mask >= options.mask_threshold if mask.dtype != bool else mask
    if not hole.any():
        raise ValueError("the mask is empty: nothing to restore")
    if options.grow > 0:
        hole = grown_mask(hole, options.grow)
    if engine is None:  # the window's jobs: a warm engine when the same one ran before
        from muralstudio.engines.cache import warm, weights_identity

        if cancelled and cancelled():  # cancelled while the source was hashed
            raise Cancelled()
        if progress:  # a first network engine takes seconds to load (torch, its weights)
            progress(0.0, Text("stage_loading_model"))
        factory = registry.get("inpainter", options.engine)
        names = (getattr(factory, "weights_name", None), *getattr(factory, "companion_weights", ()))
        engine = warm("inpainter", options.engine, options.device, options.engine_params,
                      lambda: create(options.engine, options.device, **options.engine_params),
                      weights_identity(*[n for n in names if n]))
    hints = _check_hints(hints, engine, hole.shape)
    start = time.perf_counter()
    regions = plan_regions(hole, width, height, options, engine.capabilities.max_side, hints)
    rng = np.random.default_rng(0)
    patches = []
    for i, (box, (cx, cy, cw, ch)) in enumerate(regions):
        if cancelled and cancelled():
            raise Cancelled()
        if progress:
            progress(i / len(regions), Text("stage_region", index=i + 1, total=len(regions)))
        crop = reader(cx, cy, cw, ch)
        crop_hole = hole[cy:cy + ch, cx:cx + cw]
        if crop_hole.all():  # an all-ones mask, a 1×1 image: a "restoration" would be invented
            raise ValueError(f"the damage covers the whole of region {i + 1} and its surroundings "
                             f"({cw}×{ch} px at x {cx}, y {cy}): nothing intact to fill from, nothing "
                             "was restored")
        crop_hints = {k: v[cy:cy + ch, cx:cx + cw] for k, v in hints.items()}

        def within(fraction, i=i):  # progress inside the region, for engines that report it
            if progress:
                progress((i + min(1.0, max(0.0, fraction))) / len(regions), Text("stage_region", index=i + 1, total=len(regions)))

        filled = inpaint_crop(engine, to_rgb_float(crop), crop_hole, options.color_match, rng, cancelled,
                              crop_hints, within)
        if not np.isfinite(filled[crop_hole]).all():  # damaged weights: never record black as a fill
            raise ValueError(f"the {engine.name} engine produced NaN or infinite values; its weights "
                             "may be damaged, nothing was restored")
        bx, by, bw, bh = box
        sl = (slice(by - cy, by - cy + bh), slice(bx - cx, bx - cx + bw))
        region_hole = crop_hole[sl].copy()
        restored = from_rgb_float(filled[sl], crop[sl])
        original = crop[sl]
        patches.append(Patch(bx, by, np.where(region_hole if restored.ndim == 2 else region_hole[..., None],
                                              restored, original), region_hole))
    if progress:
        progress(1.0, Text("stage_done"))
    xs = [p.x for p in patches] + [p.x + p.bbox[2] for p in patches]
    ys = [p.y for p in patches] + [p.y + p.bbox[3] for p in patches]
    record = RestorationRecord(
        engine=engine.name, engine_version=engine.version, weights_sha256=engine.weights_sha256,
        parameters={"harness": {k: v for k, v in asdict(options).items() if k != "engine_params"},
                    "engine": engine.parameters(),
                    **({"hints": _hint_summary(hints)} if hints else {})},
        mask_sha256=mask_sha256(hole),
        mask_bbox=(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)),
        mask_pixels=int(hole.sum()), source_sha256=source_sha256, software_version=__version__)
    return InpaintResult(patches, record, time.perf_counter() - start)


def apply_patches(pixels: np.ndarray, patches: list[Patch]) -> np.ndarray:
    """A copy of ``pixels`` with the patches composited (only their mask pixels change)."""
    out = pixels.copy()
    for patch in patches:
        x, y, w, h = patch.bbox
        region = out[y:y + h, x:x + w]
        region[patch.mask] = patch.pixels[patch.mask]
    return out
