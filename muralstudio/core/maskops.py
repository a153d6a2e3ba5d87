"""Mask operations on uint8 masks (0 intact, 255 damaged; values between are feathered).

Plain functions returning new arrays; :func:`apply` runs one on a document's mask layer as a
single undo step that stores only the changed bounding box.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy import ndimage

ON = 255


#: colours of a detector's proposals layers, per class, and of the damage accepted from them
#: (another hue: decided regions look unlike those awaiting review) — in the window and in the
#: projects a batch writes
PROPOSAL_COLORS = {"craquelure": (255, 200, 0), "paint loss": (0, 200, 255)}
ACCEPTED_COLORS = {"craquelure": (255, 50, 50), "paint loss": (235, 40, 235)}


def _binary(mask: np.ndarray) -> np.ndarray:
    mask = np.asarray(mask)
    return mask if mask.dtype == bool else mask >= 128


def _as_mask(binary: np.ndarray) -> np.ndarray:
    return np.where(binary, ON, 0).astype(np.uint8)


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    """Dilate by ``pixels`` (a disk), e.g. to cover the rim of a loss."""
    if pixels <= 0:
        return mask.copy()
    return cv2.dilate(_as_mask(_binary(mask)), _disk(pixels))


def shrink(mask: np.ndarray, pixels: int) -> np.ndarray:
    """Erode by ``pixels`` (a disk)."""
    if pixels <= 0:
        return mask.copy()
    return cv2.erode(_as_mask(_binary(mask)), _disk(pixels), borderValue=ON)


def feather(mask: np.ndarray, radius: float) -> np.ndarray:
    """Soften the edge with a Gaussian of σ = radius / 2 (values between 0 and 255)."""
    if radius <= 0:
        return mask.copy()
    soft = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), radius / 2)
    return np.clip(np.round(soft), 0, 255).astype(np.uint8)


def invert(mask: np.ndarray) -> np.ndarray:
    return (ON - mask.astype(np.int16)).clip(0, 255).astype(np.uint8)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Mark as damaged the intact islands entirely enclosed by damage."""
    return _as_mask(ndimage.binary_fill_holes(_binary(mask)))


def remove_specks(mask: np.ndarray, min_pixels: int) -> np.ndarray:
    """Drop damaged regions smaller than ``min_pixels`` (8-connected)."""
    binary = _binary(mask).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_pixels
    return _as_mask(keep[labels])


def regions_of_at_least(binary: np.ndarray, min_pixels: int) -> tuple[np.ndarray, int]:
    """The 8-connected regions of a bool mask with at least ``min_pixels`` pixels, and how many
    there are — one labelling for both (a re-threshold of a 100-Mpx image did two)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        np.ascontiguousarray(binary, dtype=bool).view(np.uint8), connectivity=8)
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= max(1, min_pixels)
    return (keep[labels] if min_pixels > 1 else binary.astype(bool, copy=True)), int(keep.sum())


def largest_region(mask: np.ndarray) -> np.ndarray:
    """The largest 8-connected damaged region, as a bool mask (all False when there is none)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(_binary(mask).astype(np.uint8), connectivity=8)
    if count < 2:
        return np.zeros(labels.shape, bool)
    return labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum(a, b)


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.minimum(a, b)


def subtract(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a`` without ``b`` (where b is damaged, a becomes intact)."""
    return np.where(_binary(b), 0, a).astype(np.uint8)


# the six distinct entries of a symmetric 3×3 (colour covariance) matrix
_PAIRS = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))


def guided_filter_coefficients(guide: np.ndarray, source: np.ndarray, radius: float,
                               eps: float) -> tuple[np.ndarray, np.ndarray]:
    """He et al.'s colour guided filter as its smoothed linear coefficients: the filtered
    ``source`` is ``(a * guide).sum(-1) + b``, where ``a`` (H×W×3) and ``b`` (H×W) may be
    resized to a larger copy of ``guide`` first (the "fast" guided filter). ``guide`` is an
    H×W×3 float image in 0–1, ``source`` an H×W map; ``eps`` sets how strong an edge must be
    to stop the smoothing."""
    # float64: in flat regions the variances are tiny differences of large sums, and with a
    # small eps float32 leaves the 3×3 determinant at zero
    guide, source = np.asarray(guide, np.float64), np.asarray(source, np.float64)
    side = 2 * int(round(radius)) + 1

    def box(array):
        return cv2.boxFilter(array, -1, (side, side), borderType=cv2.BORDER_REFLECT)

    mean_i, mean_p = box(guide), box(source)
    cov = box(guide * source[..., None]) - mean_i * mean_p[..., None]
    products = np.stack([guide[..., i] * guide[..., j] for i, j in _PAIRS], -1)
    var = box(products) - np.stack([mean_i[..., i] * mean_i[..., j] for i, j in _PAIRS], -1)
    rr, rg, rb, gg, gb, bb = np.moveaxis(var, -1, 0)
    rr, gg, bb = rr + eps, gg + eps, bb + eps
    # the symmetric 3×3 system solved in closed form (adjugate / determinant), pixel by pixel
    inv = np.stack([gg * bb - gb * gb, gb * rb - rg * bb, rg * gb - gg * rb,
                    rr * bb - rb * rb, rb * rg - rr * gb, rr * gg - rg * rg], -1)
    det = rr * inv[..., 0] + rg * inv[..., 1] + rb * inv[..., 2]
    c0, c1, c2 = np.moveaxis(cov, -1, 0)
    a = np.stack([inv[..., 0] * c0 + inv[..., 1] * c1 + inv[..., 2] * c2,
                  inv[..., 1] * c0 + inv[..., 3] * c1 + inv[..., 4] * c2,
                  inv[..., 2] * c0 + inv[..., 4] * c1 + inv[..., 5] * c2], -1) / det[..., None]
    b = mean_p - (a * mean_i).sum(-1)
    return box(a).astype(np.float32), box(b).astype(np.float32)


def guided_filter(guide: np.ndarray, source: np.ndarray, radius: float, eps: float) -> np.ndarray:
    """``source`` (e.g. a mask's probability) smoothed within ``radius`` px except across the
    colour edges of ``guide`` (H×W×3 float 0–1), so its edges settle on the image's."""
    a, b = guided_filter_coefficients(guide, source, radius, eps)
    return (a * guide).sum(-1) + b


def brush_dab(radius: float, hardness: float = 1.0) -> np.ndarray:
    """Brush footprint (2r+1)² as alpha 0–1: 1 inside ``hardness``·r, then a smooth falloff."""
    r = max(0.5, float(radius))
    size = int(np.ceil(r))
    yy, xx = np.mgrid[-size:size + 1, -size:size + 1]
    dist = np.sqrt(xx * xx + yy * yy) / r
    hard = float(np.clip(hardness, 0.0, 1.0))
    if hard >= 1.0:
        return (dist <= 1.0).astype(np.float32)
    t = np.clip((dist - hard) / (1.0 - hard), 0.0, 1.0)
    return np.where(dist <= 1.0, 1.0 - t * t * (3 - 2 * t), 0.0).astype(np.float32)


def stroke_mask(points, radius: float, hardness: float, shape) -> tuple[tuple[int, int], np.ndarray]:
    """Alpha (0–1) of a brush stroke through ``points`` (x, y), cropped to its bounding box.

    Returns ((x0, y0), alpha). Dabs are placed every quarter radius so the stroke is even.
    """
    points = np.asarray(points, np.float64).reshape(-1, 2)
    dense = [points[0]]
    step = max(1.0, radius / 4)
    for a, b in zip(points[:-1], points[1:]):
        n = int(np.ceil(np.hypot(*(b - a)) / step))
        dense += [a + (b - a) * k / n for k in range(1, n + 1)]
    dense = np.array(dense)
    dab = brush_dab(radius, hardness)
    half = dab.shape[0] // 2
    x0 = max(0, int(np.floor(dense[:, 0].min())) - half)
    y0 = max(0, int(np.floor(dense[:, 1].min())) - half)
    x1 = min(shape[1], int(np.ceil(dense[:, 0].max())) + half + 1)
    y1 = min(shape[0], int(np.ceil(dense[:, 1].max())) + half + 1)
    alpha = np.zeros((max(0, y1 - y0), max(0, x1 - x0)), np.float32)
    for x, y in np.round(dense).astype(int):
        ax0, ay0 = x - half - x0, y - half - y0
        sx0, sy0 = max(0, -ax0), max(0, -ay0)
        sx1 = min(dab.shape[1], alpha.shape[1] - ax0)
        sy1 = min(dab.shape[0], alpha.shape[0] - ay0)
        if sx1 <= sx0 or sy1 <= sy0:
            continue
        region = alpha[ay0 + sy0:ay0 + sy1, ax0 + sx0:ax0 + sx1]
        np.maximum(region, dab[sy0:sy1, sx0:sx1], out=region)
    return (x0, y0), alpha


def lab_lightness(rgb: np.ndarray) -> np.ndarray:
    """The Lab lightness of an RGB uint8 image, float32 on OpenCV's 0–255 scale."""
    return cv2.cvtColor(np.ascontiguousarray(rgb[..., :3]), cv2.COLOR_RGB2LAB)[..., 0].astype(np.float32)


def pale_speck_rise(rgb: np.ndarray, radius: int = 4, lightness: np.ndarray | None = None) -> np.ndarray:
    """How much lighter each pixel is than the paint around it, for specks smaller than a disk of
    ``radius`` (a white top-hat of the Lab lightness, 0–255 scale): flakes of loss showing the
    ground through dark paint stand out, broad pale areas do not. ``lightness``: the image's
    :func:`lab_lightness`, when the caller has it already."""
    lightness = lab_lightness(rgb) if lightness is None else lightness
    return lightness - cv2.morphologyEx(lightness, cv2.MORPH_OPEN, _disk(int(radius)))


def dark_line_depth(rgb: np.ndarray, radius: int = 3, lightness: np.ndarray | None = None) -> np.ndarray:
    """How much darker each pixel is than the paint around it, for lines and specks narrower than
    a disk of ``radius`` (a black top-hat of the Lab lightness, 0–255 scale): cracks stand out,
    broad dark robes do not."""
    lightness = lab_lightness(rgb) if lightness is None else lightness
    return cv2.morphologyEx(lightness, cv2.MORPH_CLOSE, _disk(int(radius))) - lightness


def line_response(gray: np.ndarray, dark: bool) -> np.ndarray:
    """How much each pixel lies on a thin dark (or light) line: a Sato ridge filter at 1–2 px
    scales (unnormalised; :func:`snap_to_line` scales it within the stroke's reach)."""
    from skimage.filters import sato

    return sato(np.asarray(gray, np.float32), sigmas=(1.0, 2.0), black_ridges=dark).astype(np.float32)


def _densify(points) -> tuple[np.ndarray, np.ndarray]:
    """Points every pixel along a polyline, and the unit normal of the segment each lies on."""
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    dense, normals = [pts[:1]], []
    for a, b in zip(pts[:-1], pts[1:]):
        length = float(np.hypot(*(b - a)))
        steps = max(1, int(np.ceil(length)))
        t = np.arange(1, steps + 1)[:, None] / steps
        dense.append(a + t * (b - a))
        direction = (b - a) / length if length else np.array([1.0, 0.0])
        normals.append(np.repeat([[-direction[1], direction[0]]], steps, axis=0))
    normals = [normals[0][:1]] + normals if normals else [np.array([[0.0, 1.0]])]
    return np.concatenate(dense), np.concatenate(normals)


def snap_to_line(gray: np.ndarray, points, reach: float, dark: bool | None = None,
                 bend_cost: float = 0.15, stray_cost: float = 0.02) -> list[tuple[float, float]]:
    """Move a roughly placed polyline onto the thin line it follows (a crack, a scratch): each
    point along it slides at most ``reach`` px across the path, the slide changing by at most one
    pixel from point to point, choosing the slides that collect the most line response
    (dynamic programming; ``bend_cost`` per pixel of change keeps the path calm where the line
    fades; ``stray_cost`` per pixel away from the typed path keeps it off a stronger line
    nearby). ``dark``: follow a dark line (True), a light one (False) or whichever collects more
    (None). Returns the snapped polyline, simplified to within half a pixel."""
    dense, normals = _densify(points)
    if len(dense) < 2 or reach < 1:
        return [tuple(map(float, p)) for p in np.asarray(points, np.float64).reshape(-1, 2)]
    offsets = np.arange(-int(reach), int(reach) + 1, dtype=np.float64)
    xs = dense[:, 0, None] + offsets[None] * normals[:, 0, None]
    ys = dense[:, 1, None] + offsets[None] * normals[:, 1, None]
    best = None
    for polarity in ((True, False) if dark is None else (dark,)):
        response = line_response(gray, polarity)
        score = ndimage.map_coordinates(response, [ys.ravel(), xs.ravel()], order=1, mode="nearest")
        raw = score.reshape(xs.shape)
        # the strongest line within reach counts 1, whatever the contrast of the photograph
        score = raw / max(float(raw.max()), 1e-6) - stray_cost * np.abs(offsets)[None]
        choice = _best_slides(score, bend_cost)
        collected = float(raw[np.arange(len(dense)), choice].sum())  # dark or light: the stronger line
        if best is None or collected > best[1]:
            best = (choice, collected)
    rows = np.arange(len(dense))
    snapped = np.stack([xs[rows, best[0]], ys[rows, best[0]]], axis=1).astype(np.float32)
    simple = cv2.approxPolyDP(snapped.reshape(-1, 1, 2), 0.5, False).reshape(-1, 2)
    return [(float(x), float(y)) for x, y in simple]


#: the most pixels one piece of a window stroke is snapped over (the ridge filter runs on the
#: GUI thread when the stroke is released)
SNAP_PIECE_PIXELS = 1_000_000


def snap_stroke_to_image(doc, points, reach: float) -> list[tuple[float, float]]:
    """:func:`snap_to_line` for a stroke drawn on a document, reading only the composite pixels
    around it; a long stroke is snapped piece by piece, each piece's box at most
    ``SNAP_PIECE_PIXELS``, so releasing it never filters a large part of a huge image."""
    from muralstudio.core.imageio import full_scale

    pts = np.asarray(points, np.float64).reshape(-1, 2)
    if len(pts) < 2:
        return [tuple(map(float, p)) for p in pts]
    margin = int(np.ceil(reach)) + 8
    snapped: list[tuple[float, float]] = []
    start = 0
    while start < len(pts) - 1:
        end = start + 2  # a piece is at least one segment
        while end < len(pts) and np.prod(np.ptp(pts[start:end + 1], axis=0) + 2 * margin) <= SNAP_PIECE_PIXELS:
            end += 1
        piece = pts[start:end]
        x0, y0 = (np.floor(piece.min(axis=0)).astype(int) - margin).clip(0)
        x1 = min(doc.width, int(np.ceil(piece[:, 0].max())) + margin + 1)
        y1 = min(doc.height, int(np.ceil(piece[:, 1].max())) + margin + 1)
        pixels = doc.composite_region(int(x0), int(y0), x1 - int(x0), y1 - int(y0))
        gray = (pixels[..., :3].mean(axis=2) if pixels.ndim == 3 else pixels).astype(np.float32)
        moved = [(x + x0, y + y0) for x, y in snap_to_line(gray / full_scale(pixels.dtype), piece - (x0, y0), reach)]
        snapped += moved[1:] if snapped else moved  # pieces share their joining point
        start = end - 1
    return snapped


def _best_slides(score: np.ndarray, bend_cost: float) -> np.ndarray:
    """The column per row maximising the summed score minus ``bend_cost`` per column of change,
    moving at most one column between rows (Viterbi)."""
    rows, cols = score.shape
    total = score[0].copy()
    back = np.zeros((rows, cols), np.int64)
    index = np.arange(cols)
    for r in range(1, rows):
        candidates = np.stack([np.roll(total, 1), total, np.roll(total, -1)])  # from c-1, c, c+1
        candidates[0, 0] = candidates[2, -1] = -np.inf
        candidates[[0, 2]] -= bend_cost
        pick = np.argmax(candidates, axis=0)
        back[r] = index + pick - 1
        total = candidates[pick, index] + score[r]
    choice = np.empty(rows, np.int64)
    choice[-1] = int(np.argmax(total))
    for r in range(rows - 1, 0, -1):
        choice[r - 1] = back[r, choice[r]]
    return choice


def polygon_mask(points, shape) -> tuple[tuple[int, int], np.ndarray]:
    """Filled polygon (x, y) points as a bool mask cropped to its bounding box."""
    pts = np.round(np.asarray(points, np.float64)).astype(np.int32).reshape(-1, 2)
    x0, y0 = np.clip(pts.min(axis=0), 0, [shape[1], shape[0]])
    x1, y1 = np.clip(pts.max(axis=0) + 1, 0, [shape[1], shape[0]])
    out = np.zeros((max(0, y1 - y0), max(0, x1 - x0)), np.uint8)
    if out.size:
        cv2.fillPoly(out, [pts - [x0, y0]], 1)
    return (int(x0), int(y0)), out.astype(bool)


def paint(doc, layer, points, radius: float, hardness: float = 1.0, erase: bool = False,
          action: str | None = None) -> None:
    """Brush (or erase) a stroke into a mask layer as one undo step."""
    (x0, y0), alpha = stroke_mask(points, radius, hardness, layer.data.shape)
    if alpha.size == 0:
        return
    current = layer.data[y0:y0 + alpha.shape[0], x0:x0 + alpha.shape[1]].astype(np.float32)
    target = 0.0 if erase else 255.0
    new = np.round(current + (target - current) * alpha).astype(np.uint8)
    doc.write_pixels(layer, x0, y0, new, where=alpha > 0,
                     action=action or ("Erase" if erase else "Brush"))


def paint_label(doc, layer, points, radius: float, value: int, action: str | None = None) -> None:
    """Brush a stroke of class ``value`` into a label layer (0: background) as one undo step:
    the pixels the brush covers at least half (labels have no feathered edge)."""
    (x0, y0), alpha = stroke_mask(points, radius, 1.0, layer.data.shape)
    inside = alpha >= 0.5
    if inside.any():
        doc.write_pixels(layer, x0, y0, np.full(inside.shape, value, np.uint8), where=inside,
                         action=action or "Paint")


def fill_polygon(doc, layer, points, erase: bool = False, value: int | None = None) -> None:
    """Fill a polygon into a mask layer (255, or 0 erasing) or, with ``value``, with that class
    into a label layer."""
    (x0, y0), inside = polygon_mask(points, layer.data.shape)
    if inside.any():
        fill = value if value is not None else 0 if erase else ON
        doc.write_pixels(layer, x0, y0, np.full(inside.shape, fill, np.uint8),
                         where=inside, action="Erase polygon" if erase else "Fill polygon")


def apply(doc, layer, operation, *args, action: str | None = None) -> None:
    """Replace ``layer``'s mask by ``operation(layer.data, *args)`` as one undo step."""
    doc.set_layer_data(layer, operation(layer.data, *args),
                       action or operation.__name__.replace("_", " ").capitalize())


def combine(doc, target, other, operation) -> None:
    """``target = operation(target, other)`` for union / intersect / subtract, undoable."""
    apply(doc, target, operation, other.data,
          action=f"{operation.__name__.capitalize()} '{other.name}'")


# --- reviewing proposed damage ---------------------------------------------------------------


def region_at(mask: np.ndarray, x: int, y: int, start: int = 512) -> tuple[tuple[int, int], np.ndarray] | None:
    """The 8-connected region of ``mask ≥ 128`` holding pixel (x, y), as ((x0, y0), bool
    window), or None when the pixel is not in the mask. Searched in a window around the point
    that doubles until the region no longer touches its inner edges, so a click on a small
    region of a huge mask costs the region's size, not the image's."""
    h, w = mask.shape
    if not (0 <= x < w and 0 <= y < h) or mask[y, x] < 128:
        return None
    half = start // 2
    while True:
        x0, y0, x1, y1 = max(0, x - half), max(0, y - half), min(w, x + half), min(h, y + half)
        window = mask[y0:y1, x0:x1] >= 128
        labels, _ = ndimage.label(window, structure=np.ones((3, 3), bool))
        found = _whole_in_window(labels == labels[y - y0, x - x0], x0, y0, w, h)
        if found is not None:
            return found
        half *= 2


def _whole_in_window(region: np.ndarray, x0: int, y0: int, width: int, height: int):
    """``region`` (a bool window at (x0, y0) of an image width × height) cropped to its
    bounding box as ((x, y), window) — or None when it touches an edge of the window that is not
    the image's, so it may go on outside and the caller must look wider."""
    y1, x1 = y0 + region.shape[0], x0 + region.shape[1]
    if (region[0].any() and y0 > 0) or (region[-1].any() and y1 < height) or \
            (region[:, 0].any() and x0 > 0) or (region[:, -1].any() and x1 < width):
        return None
    ys, xs = np.nonzero(region)
    ty0, ty1, tx0, tx1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return (x0 + tx0, y0 + ty0), region[ty0:ty1, tx0:tx1]


def nearest_marked(mask: np.ndarray, x: int, y: int, reach: float) -> tuple[int, int] | None:
    """The pixel of ``mask ≥ 128`` nearest to (x, y) within ``reach`` px (x, y itself when it is
    marked), or None: a click a few screen pixels beside a 3-px fleck still finds it."""
    h, w = mask.shape
    r = int(math.ceil(max(0.0, reach)))
    x0, y0, x1, y1 = max(0, x - r), max(0, y - r), min(w, x + r + 1), min(h, y + r + 1)
    if x0 >= x1 or y0 >= y1:
        return None
    ys, xs = np.nonzero(mask[y0:y1, x0:x1] >= 128)
    if not len(xs):
        return None
    distance = np.hypot(xs + x0 - x, ys + y0 - y)
    k = int(np.argmin(distance))
    return (int(xs[k] + x0), int(ys[k] + y0)) if distance[k] <= max(0.0, reach) else None


def regions_in_lasso(mask: np.ndarray, points) -> tuple[tuple[int, int], np.ndarray] | None:
    """Every 8-connected region of ``mask ≥ 128`` with a pixel inside the closed polygon
    ``points`` (image x, y), whole — parts outside the lasso too — as ((x0, y0), bool window), or
    None when the lasso holds none. The window grows past the lasso until no chosen region
    touches its edge, so the cost follows the lasso and its regions, not the image."""
    h, w = mask.shape
    if len(points) < 3:
        return None
    (lx0, ly0), lasso = polygon_mask(points, mask.shape)
    if not lasso.any():
        return None
    lx1, ly1 = lx0 + lasso.shape[1], ly0 + lasso.shape[0]
    pad = 64
    while True:
        x0, y0, x1, y1 = max(0, lx0 - pad), max(0, ly0 - pad), min(w, lx1 + pad), min(h, ly1 + pad)
        inside = np.zeros((y1 - y0, x1 - x0), bool)
        inside[ly0 - y0:ly1 - y0, lx0 - x0:lx1 - x0] = lasso
        labels, _ = ndimage.label(mask[y0:y1, x0:x1] >= 128, structure=np.ones((3, 3), bool))
        chosen = np.unique(labels[inside & (labels > 0)])
        if not len(chosen):
            return None
        found = _whole_in_window(np.isin(labels, chosen), x0, y0, w, h)
        if found is not None:
            return found
        pad *= 2


def regions_in_reading_order(mask: np.ndarray, band: int = 256) -> list[tuple[int, int, int, int, int, int]]:
    """The 8-connected regions of ``mask ≥ 128`` as (x, y, w, h, px, py) — bounding box and one
    pixel of the region — in the order a reviewer walks a wall: bands of ``band`` rows from the
    top, left to right within a band."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats((mask >= 128).astype(np.uint8), connectivity=8)
    out = []
    for k in range(1, count):
        x, y, w, h = (int(v) for v in stats[k, :4])
        px = x + int(np.argmax(labels[y, x:x + w] == k))  # its top row holds one of its pixels
        out.append((x, y, w, h, px, y))
    return sorted(out, key=lambda r: (r[1] // band, r[0], r[1]))


def region_count(binary: np.ndarray) -> int:
    """How many 8-connected regions ``binary`` holds (OpenCV's labelling: a tenth of
    scipy's time on a 200-Mpx mask, where *Accept all* counts before asking)."""
    binary = np.ascontiguousarray(binary, dtype=bool).view(np.uint8)
    return int(cv2.connectedComponents(binary, connectivity=8)[0]) - 1


def review_pixels(doc, proposals, x0: int, y0: int, region: np.ndarray, accept: bool, target=None) -> None:
    """Move ``region`` (a bool window at (x0, y0)) of the proposals layer into the user mask
    layer ``target`` (accept) or drop it (reject); it leaves the proposals either way. Call
    inside one ``doc.action`` to make it one undo step."""
    if accept:
        doc.fill_pixels(target, x0, y0, region, ON)
    doc.fill_pixels(proposals, x0, y0, region, 0)


def review_region(doc, proposals, x: int, y: int, accept: bool, target=None):
    """Accept (into the user mask layer ``target``) or reject the proposed region of the layer
    ``proposals`` at (x, y); it leaves the proposals either way. One undo step; returns the
    region as ``region_at`` gives it, or None when nothing is proposed there."""
    found = region_at(proposals.data, x, y)
    if found is None:
        return None
    (x0, y0), region = found
    with doc.action(f"{'Accept' if accept else 'Reject'} {proposals.name} region"):
        review_pixels(doc, proposals, x0, y0, region, accept, target)
    return found


def review_all(doc, proposals, accept: bool, target=None) -> int:
    """Accept or reject every proposed region of ``proposals`` at once (one undo step)."""
    region = proposals.data >= 128
    if not region.any():
        return 0
    with doc.action(f"{'Accept' if accept else 'Reject'} all of {proposals.name}"):
        review_pixels(doc, proposals, 0, 0, region, accept, target)
    return int(region.sum())
