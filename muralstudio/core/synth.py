"""Procedural murals and damage simulators, seeded and reproducible.

:func:`generate_mural` paints a believable Dunhuang-like mural of any size (mineral palette,
plaster texture, flat colour regions with dark outlines, figures, clouds, buildings, animals,
decorative bands) and returns the element label map of what it drew (PSP-M classes).

Damage: :func:`dust_mask` and :func:`jelly_mask` follow the Dunhuang restoration paper
(random walks of 10,000 steps on a 256×256 canvas, repeated to a requested hole ratio; jelly
masks keep irregular blocks by closing, opening and erosion). :func:`craquelure_mask`,
:func:`paint_loss_mask` and :func:`apply_damage` render cracks, losses exposing plaster, and
fading onto an image.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from muralstudio.core.imageio import full_scale

# Mineral pigments of Dunhuang murals (sRGB, approximate).
PALETTE = {
    "ochre": (196, 140, 78),
    "red_ochre": (164, 76, 52),
    "cinnabar": (184, 62, 52),
    "lapis": (44, 92, 150),
    "malachite": (62, 140, 104),
    "azurite": (70, 110, 160),
    "lead_white": (226, 214, 188),
    "carbon": (38, 30, 26),
    "umber": (110, 76, 48),
}
PLASTER = (214, 196, 164)
BACKGROUND, ANIMAL, BUILDING, CLOUD, PEOPLE, BUDDHA = range(6)
CLASS_NAMES = ["background", "animal", "building", "cloud", "people", "Buddha"]

WALK_STEPS = 10_000
WALK_CANVAS = 256


def _rng(seed) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def smooth_noise(height: int, width: int, scale: float, rng, octaves: int = 3) -> np.ndarray:
    """Fractal value noise in [0, 1], made from small random grids resized (cheap at any size)."""
    out = np.zeros((height, width), np.float32)
    amp, total = 1.0, 0.0
    for octave in range(octaves):
        cells = max(2, int(max(height, width) / max(scale / 2 ** octave, 1.0)))
        gh = max(2, int(cells * height / max(height, width)) + 2)
        gw = max(2, int(cells * width / max(height, width)) + 2)
        grid = rng.random((gh, gw), dtype=np.float32)
        out += amp * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    out /= total
    lo, hi = float(out.min()), float(out.max())
    return (out - lo) / (hi - lo + 1e-6)


def _outline(img, pts, color, fill, thickness):
    pts = np.asarray(pts, np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(img, [pts], fill, lineType=cv2.LINE_AA)
    cv2.polylines(img, [pts], True, color, thickness, lineType=cv2.LINE_AA)


def _ellipse_pts(cx, cy, rx, ry, angle=0.0, n=48, wobble=0.0, rng=None):
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    r = 1 + (wobble * (rng.random(n) - 0.5) if rng is not None and wobble else 0)
    x, y = rx * np.cos(t) * r, ry * np.sin(t) * r
    ca, sa = math.cos(angle), math.sin(angle)
    return np.stack([cx + x * ca - y * sa, cy + x * sa + y * ca], axis=1)


def _draw_figure(img, labels, cx, cy, s, rng, cls, line):
    """A standing person (robe, head, halo) or a seated Buddha with mandorla."""
    colors = list(PALETTE.values())
    robe = colors[rng.integers(0, 6)]
    if cls == BUDDHA:
        mandorla = _ellipse_pts(cx, cy - 0.2 * s, 0.75 * s, 1.05 * s)
        _outline(img, mandorla, line, PALETTE["malachite"], max(1, int(s / 40)))
        halo = _ellipse_pts(cx, cy - 0.75 * s, 0.38 * s, 0.38 * s)
        _outline(img, halo, line, PALETTE["ochre"], max(1, int(s / 40)))
        body = [(cx - 0.55 * s, cy + 0.6 * s), (cx - 0.3 * s, cy - 0.5 * s),
                (cx + 0.3 * s, cy - 0.5 * s), (cx + 0.55 * s, cy + 0.6 * s)]
        _outline(img, body, line, PALETTE["cinnabar"], max(1, int(s / 30)))
        head = _ellipse_pts(cx, cy - 0.72 * s, 0.2 * s, 0.24 * s)
        _outline(img, head, line, PALETTE["lead_white"], max(1, int(s / 40)))
        region = np.zeros(labels.shape, np.uint8)
        cv2.fillPoly(region, [np.int32(mandorla).reshape(-1, 1, 2)], 1)
        cv2.fillPoly(region, [np.int32(body).reshape(-1, 1, 2)], 1)
    else:
        halo = _ellipse_pts(cx, cy - 0.95 * s, 0.22 * s, 0.22 * s)
        _outline(img, halo, line, PALETTE["ochre"], max(1, int(s / 50)))
        sway = rng.uniform(-0.15, 0.15) * s
        body = [(cx - 0.35 * s + sway, cy + 1.0 * s), (cx - 0.18 * s, cy - 0.7 * s),
                (cx + 0.18 * s, cy - 0.7 * s), (cx + 0.35 * s + sway, cy + 1.0 * s)]
        _outline(img, body, line, robe, max(1, int(s / 35)))
        scarf = [(cx - 0.18 * s, cy - 0.5 * s), (cx - 0.6 * s, cy + 0.1 * s),
                 (cx - 0.5 * s, cy + 0.2 * s), (cx - 0.1 * s, cy - 0.3 * s)]
        _outline(img, scarf, line, PALETTE["lapis"], max(1, int(s / 50)))
        head = _ellipse_pts(cx, cy - 0.92 * s, 0.15 * s, 0.19 * s)
        _outline(img, head, line, PALETTE["lead_white"], max(1, int(s / 50)))
        region = np.zeros(labels.shape, np.uint8)
        for poly in (halo, body, scarf, head):
            cv2.fillPoly(region, [np.int32(poly).reshape(-1, 1, 2)], 1)
    labels[region > 0] = cls


def _draw_cloud(img, labels, cx, cy, s, rng, line):
    color = PALETTE[rng.choice(["lapis", "malachite", "lead_white", "azurite"])]
    region = np.zeros(labels.shape, np.uint8)
    for k in range(int(rng.integers(3, 6))):
        ex = cx + (k - 2) * 0.45 * s + rng.uniform(-0.1, 0.1) * s
        ey = cy + rng.uniform(-0.25, 0.25) * s
        pts = _ellipse_pts(ex, ey, 0.38 * s, 0.26 * s, wobble=0.15, rng=rng)
        _outline(img, pts, line, color, max(1, int(s / 40)))
        cv2.fillPoly(region, [np.int32(pts).reshape(-1, 1, 2)], 1)
        spiral = [(ex + r * math.cos(a) * 0.2 * s, ey + r * math.sin(a) * 0.14 * s)
                  for a, r in zip(np.linspace(0, 4 * math.pi, 30), np.linspace(0.1, 1, 30))]
        cv2.polylines(img, [np.int32(spiral).reshape(-1, 1, 2)], False, line,
                      max(1, int(s / 60)), lineType=cv2.LINE_AA)
    labels[region > 0] = CLOUD


def _draw_building(img, labels, cx, cy, s, rng, line):
    wall = [(cx - 0.6 * s, cy + 0.6 * s), (cx - 0.6 * s, cy - 0.2 * s),
            (cx + 0.6 * s, cy - 0.2 * s), (cx + 0.6 * s, cy + 0.6 * s)]
    roof = [(cx - 0.85 * s, cy - 0.2 * s), (cx - 0.45 * s, cy - 0.6 * s),
            (cx + 0.45 * s, cy - 0.6 * s), (cx + 0.85 * s, cy - 0.2 * s)]
    _outline(img, wall, line, PALETTE["red_ochre"], max(1, int(s / 40)))
    _outline(img, roof, line, PALETTE["malachite"], max(1, int(s / 40)))
    door = [(cx - 0.15 * s, cy + 0.6 * s), (cx - 0.15 * s, cy + 0.1 * s),
            (cx + 0.15 * s, cy + 0.1 * s), (cx + 0.15 * s, cy + 0.6 * s)]
    _outline(img, door, line, PALETTE["carbon"], max(1, int(s / 60)))
    region = np.zeros(labels.shape, np.uint8)
    for poly in (wall, roof):
        cv2.fillPoly(region, [np.int32(poly).reshape(-1, 1, 2)], 1)
    labels[region > 0] = BUILDING


def _draw_animal(img, labels, cx, cy, s, rng, line):
    color = PALETTE[rng.choice(["ochre", "umber", "lead_white", "red_ochre"])]
    region = np.zeros(labels.shape, np.uint8)
    parts = [_ellipse_pts(cx, cy, 0.55 * s, 0.28 * s),
             _ellipse_pts(cx + 0.6 * s, cy - 0.25 * s, 0.2 * s, 0.15 * s, angle=-0.4)]
    for dx in (-0.35, -0.15, 0.2, 0.4):
        parts.append([(cx + dx * s - 0.05 * s, cy + 0.15 * s), (cx + dx * s + 0.05 * s, cy + 0.15 * s),
                      (cx + dx * s + 0.05 * s, cy + 0.65 * s), (cx + dx * s - 0.05 * s, cy + 0.65 * s)])
    for poly in parts:
        _outline(img, poly, line, color, max(1, int(s / 45)))
        cv2.fillPoly(region, [np.int32(poly).reshape(-1, 1, 2)], 1)
    labels[region > 0] = ANIMAL


def plaster_texture(height: int, width: int, rng) -> np.ndarray:
    """Float RGB plaster (0–255): warm base, low-frequency mottling and fine grain."""
    base = np.array(PLASTER, np.float32)
    mottle = smooth_noise(height, width, max(height, width) / 6, rng)[..., None]
    grain = rng.normal(0, 4.0, (height, width, 1)).astype(np.float32)
    return base * (0.82 + 0.25 * mottle) + grain


def generate_mural(width: int, height: int, seed=0, bit_depth: int = 8,
                   n_elements: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A procedural mural (H, W, 3) uint8 or uint16 and its element label map (H, W) uint8."""
    if width < 16 or height < 16:
        raise ValueError("murals must be at least 16×16 pixels")
    if bit_depth not in (8, 16):
        raise ValueError("bit_depth must be 8 or 16")
    rng = _rng(seed)
    img = np.clip(plaster_texture(height, width, rng), 0, 255)
    bg = PALETTE[rng.choice(["red_ochre", "malachite", "lapis", "ochre"])]
    field = np.zeros((height, width, 3), np.uint8)
    field[:] = bg
    band = max(4, height // 14)
    cv2.rectangle(field, (0, 0), (width, band), PALETTE["lapis"], -1)
    cv2.rectangle(field, (0, height - band), (width, height), PALETTE["malachite"], -1)
    line = PALETTE["carbon"]
    step = max(8, band)
    for x in range(0, width, step):  # repeated ornament in the bands
        cv2.circle(field, (x + step // 2, band // 2), max(2, band // 3), PALETTE["lead_white"], -1, cv2.LINE_AA)
        cv2.circle(field, (x + step // 2, height - band // 2), max(2, band // 3), PALETTE["ochre"], -1, cv2.LINE_AA)
    labels = np.zeros((height, width), np.uint8)
    scale = min(width, height)
    count = n_elements or int(np.clip(width * height / (scale * scale) * 4, 3, 40))
    kinds = [BUDDHA, PEOPLE, PEOPLE, CLOUD, CLOUD, BUILDING, ANIMAL]
    for _ in range(count):
        kind = kinds[rng.integers(0, len(kinds))]
        s = scale * rng.uniform(0.10, 0.2)
        cx = rng.uniform(0.12, 0.88) * width
        cy = rng.uniform(band + s, max(band + s + 1, height - band - s))
        if kind in (PEOPLE, BUDDHA):
            _draw_figure(field, labels, cx, cy, s, rng, kind, line)
        elif kind == CLOUD:
            _draw_cloud(field, labels, cx, cy, s * 0.8, rng, line)
        elif kind == BUILDING:
            _draw_building(field, labels, cx, cy, s, rng, line)
        else:
            _draw_animal(field, labels, cx, cy, s, rng, line)
    # pigment sits on the plaster: modulate by its texture so flat areas are not flat
    shade = img / np.array(PLASTER, np.float32)
    paint = field.astype(np.float32) * (0.75 + 0.25 * shade)
    paint += rng.normal(0, 2.5, paint.shape).astype(np.float32)
    paint = np.clip(paint, 0, 255)
    if bit_depth == 16:
        fine = rng.random(paint.shape, dtype=np.float32)  # sub-8-bit detail so 16 bits matter
        return np.clip(np.round(paint * 257 + fine * 200), 0, 65535).astype(np.uint16), labels
    return np.round(paint).astype(np.uint8), labels


# ---------------------------------------------------------------------------------------------
# Damage masks


def random_walk(height: int, width: int, steps: int, rng) -> np.ndarray:
    """Flat indices of a 4-neighbour random walk from a random pixel, reflected at borders."""
    start_y, start_x = rng.integers(0, height), rng.integers(0, width)
    moves = rng.integers(0, 4, steps)
    dy = np.where(moves == 0, -1, np.where(moves == 1, 1, 0))
    dx = np.where(moves == 2, -1, np.where(moves == 3, 1, 0))
    ys = _reflect(start_y + np.concatenate([[0], np.cumsum(dy)]), height)
    xs = _reflect(start_x + np.concatenate([[0], np.cumsum(dx)]), width)
    return ys * width + xs


def _reflect(values: np.ndarray, size: int) -> np.ndarray:
    """Fold an unbounded walk into [0, size) by reflection (the walk bounces off the edge)."""
    if size == 1:
        return np.zeros_like(values)
    period = 2 * (size - 1)
    v = np.mod(values, period)
    return np.where(v < size, v, period - v)


def _walk_steps(height: int, width: int) -> int:
    return max(100, int(WALK_STEPS * height * width / (WALK_CANVAS * WALK_CANVAS)))


def _parse_ratio(ratio) -> tuple[float, float]:
    lo, hi = (ratio, ratio) if np.isscalar(ratio) else ratio
    if not 0 < lo <= hi < 1:
        raise ValueError(f"hole ratio band {ratio} must satisfy 0 < low ≤ high < 1")
    return float(lo), float(hi)


def dust_mask(size=(WALK_CANVAS, WALK_CANVAS), ratio=(0.1, 0.2), seed=0,
              steps: int | None = None) -> np.ndarray:
    """Dust-like damage (mould, salt erosion): union of random walks until the hole ratio,
    drawn uniformly in the band, is reached. Returns bool (H, W), True = hole."""
    height, width = size
    lo, hi = _parse_ratio(ratio)
    rng = _rng(seed)
    target = int(round(rng.uniform(lo, hi) * height * width))
    target = max(1, target)
    hole = np.zeros(height * width, bool)
    covered = 0
    steps = steps or _walk_steps(height, width)
    while covered < target:
        walk = random_walk(height, width, steps, rng)
        _, first = np.unique(walk, return_index=True)
        first = np.sort(first)
        fresh = first[~hole[walk[first]]]  # first visits to pixels not yet damaged
        needed = target - covered
        take = walk[fresh[:needed]]
        hole[take] = True
        covered += len(take)
    return hole.reshape(height, width)


def _jelly_from_dust(dust: np.ndarray, kernel: int) -> np.ndarray:
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (kernel, kernel))
    m = dust.astype(np.uint8)
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, k)  # merge walk strands into blocks
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, k)  # drop specks and thin tails
    m = cv2.erode(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    return m.astype(bool)


def jelly_mask(size=(WALK_CANVAS, WALK_CANVAS), ratio=(0.1, 0.2), seed=0,
               steps: int | None = None) -> np.ndarray:
    """Jelly-like damage (physical loss): irregular blocks from dust-like walks, morphologically
    closed, opened and eroded; walks are added (the last one cut short) until the hole ratio
    lands in the band."""
    height, width = size
    lo, hi = _parse_ratio(ratio)
    rng = _rng(seed)
    target_lo, target_hi = lo * height * width, hi * height * width
    kernel = max(3, int(round(7 * min(height, width) / WALK_CANVAS)) | 1)
    steps = steps or _walk_steps(height, width)
    dust = np.zeros((height, width), bool)
    for _ in range(10_000):
        walk = random_walk(height, width, steps, rng)
        trial = dust.copy().reshape(-1)
        trial[walk] = True
        jelly = _jelly_from_dust(trial.reshape(height, width), kernel)
        area = jelly.sum()
        if area < target_lo:
            dust = trial.reshape(height, width)
            continue
        if area <= target_hi:
            return jelly
        lo_n, hi_n = 0, len(walk)  # overshoot: binary-search how much of this walk to keep
        best = None
        while lo_n < hi_n:
            mid = (lo_n + hi_n) // 2
            trial = dust.copy().reshape(-1)
            trial[walk[:mid]] = True
            jelly = _jelly_from_dust(trial.reshape(height, width), kernel)
            area = jelly.sum()
            if area < target_lo:
                lo_n = mid + 1
            elif area > target_hi:
                hi_n = mid
            else:
                best = jelly
                break
        if best is not None:
            return best
        dust = trial.reshape(height, width) if area < target_lo else dust
        if area > target_hi:  # one step crossed the whole band: take a fresh walk instead
            continue
    raise RuntimeError(f"could not reach hole ratio band {ratio} for a jelly-like mask")


def craquelure_mask(height: int, width: int, seed=0, cell: float | None = None,
                    width_px: int = 1) -> np.ndarray:
    """A craquelure network: jittered cell boundaries (Voronoi-like) plus branching cracks."""
    rng = _rng(seed)
    cell = cell or max(12.0, min(height, width) / 8)
    n = max(4, int(height * width / (cell * cell)))
    seeds = np.ones((height, width), np.uint8)
    ys, xs = rng.integers(0, height, n), rng.integers(0, width, n)
    seeds[ys, xs] = 0
    _, labels = cv2.distanceTransformWithLabels(seeds, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    # warp the cell map so edges wander like real cracks
    amp = cell * 0.25
    gx = (smooth_noise(height, width, cell, rng, 2) - 0.5) * 2 * amp
    gy = (smooth_noise(height, width, cell, rng, 2) - 0.5) * 2 * amp
    mx, my = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    warped = cv2.remap(labels.astype(np.float32), mx + gx, my + gy, cv2.INTER_NEAREST,
                       borderMode=cv2.BORDER_REFLECT)
    edges = np.zeros((height, width), bool)
    edges[:, 1:] |= warped[:, 1:] != warped[:, :-1]
    edges[1:, :] |= warped[1:, :] != warped[:-1, :]
    keep = smooth_noise(height, width, cell * 3, rng, 2) > 0.3  # networks are not complete
    edges &= keep
    if width_px > 1:
        edges = cv2.dilate(edges.astype(np.uint8), np.ones((width_px, width_px), np.uint8)) > 0
    return edges


def paint_loss_mask(height: int, width: int, seed=0, count: int | None = None,
                    ratio: float = 0.06) -> np.ndarray:
    """Blob-shaped paint losses (flaking) with ragged edges, about ``ratio`` of the area."""
    rng = _rng(seed)
    noise = smooth_noise(height, width, min(height, width) / 10, rng, 3)
    mask = np.zeros((height, width), np.uint8)
    count = count or max(1, int(ratio * 60))
    target = ratio * height * width
    for _ in range(count * 4):
        if mask.sum() >= target:
            break
        r = rng.uniform(0.03, 0.09) * min(height, width)
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        pts = _ellipse_pts(cx, cy, r * rng.uniform(0.7, 1.5), r, angle=rng.uniform(0, math.pi),
                           n=40, wobble=0.5, rng=rng)
        cv2.fillPoly(mask, [np.int32(pts).reshape(-1, 1, 2)], 1)
    ragged = (mask > 0) & (noise > 0.15)
    return cv2.morphologyEx(ragged.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)) > 0


def apply_damage(image: np.ndarray, kinds=("cracks", "loss"), seed=0,
                 ratio=(0.1, 0.2)) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Render damage onto an RGB image. Returns the damaged image (same dtype) and a dict of
    bool masks per kind ("dust", "jelly", "cracks", "loss"; "fading" changes colours only)."""
    rng = _rng(seed)
    h, w = image.shape[:2]
    scale = full_scale(image.dtype)
    out = image.astype(np.float32) / scale
    masks: dict[str, np.ndarray] = {}
    plaster = np.clip(plaster_texture(h, w, rng) / 255.0, 0, 1)
    for kind in kinds:
        if kind == "fading":
            amount = smooth_noise(h, w, min(h, w) / 3, rng, 2)[..., None] * 0.35
            grey = out.mean(axis=2, keepdims=True)
            out = out * (1 - amount) + (0.5 * grey + 0.5 * plaster) * amount
            continue
        if kind == "dust":
            mask = dust_mask((h, w), ratio, rng)
        elif kind == "jelly":
            mask = jelly_mask((h, w), ratio, rng)
        elif kind == "cracks":
            mask = craquelure_mask(h, w, rng, width_px=1 if min(h, w) < 512 else 2)
        elif kind == "loss":
            mask = paint_loss_mask(h, w, rng)
        else:
            raise ValueError(f"unknown damage kind {kind!r}: use dust, jelly, cracks, loss, fading")
        masks[kind] = mask
        if kind == "cracks":
            out[mask] *= 0.35  # dark, dirt-filled cracks
        else:
            out[mask] = plaster[mask] * (0.9 if kind == "loss" else 1.0)
    damaged = np.clip(np.round(out * scale), 0, scale).astype(image.dtype)
    return damaged, masks


#: classes of :func:`render_damage_classes` (0 = intact), as the detector predicts them
CRACK_CLASS, LOSS_CLASS = 1, 2


def render_damage_classes(image: np.ndarray, rng, kinds=("cracks", "loss")) -> tuple[np.ndarray, np.ndarray]:
    """Draw craquelure (dark or light, 1–3 px) and paint loss (plaster showing through, with a
    shadowed rim) on a uint8 RGB crop. Returns the damaged crop and its class map."""
    h, w = image.shape[:2]
    out = image.astype(np.float32)
    labels = np.zeros((h, w), np.uint8)
    plaster = np.clip(plaster_texture(h, w, rng) * rng.uniform(0.85, 1.08), 0, 255)
    if "cracks" in kinds:
        cell = rng.uniform(10, max(12, min(h, w) / 4))
        cracks = craquelure_mask(h, w, rng, cell=cell, width_px=int(rng.integers(1, 3)))
        if rng.random() < 0.3:  # isolated long cracks rather than a network
            cracks &= smooth_noise(h, w, min(h, w) / 2, rng, 2) > 0.55
        soft = cv2.GaussianBlur(cracks.astype(np.float32), (0, 0), rng.uniform(0.3, 0.8))[..., None]
        soft = np.clip(soft * 1.6, 0, 1)
        if rng.random() < 0.75:
            out = out * (1 - soft * rng.uniform(0.35, 0.8))
        else:
            out = out * (1 - soft * 0.7) + plaster * soft * 0.7
        labels[cracks] = CRACK_CLASS
    if "loss" in kinds:
        loss = paint_loss_mask(h, w, rng, ratio=rng.uniform(0.03, 0.2))
        rim = cv2.dilate(loss.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        out[rim & ~loss] *= rng.uniform(0.6, 0.95)
        alpha = cv2.GaussianBlur(loss.astype(np.float32), (0, 0), 0.7)[..., None]
        out = out * (1 - alpha) + plaster * alpha
        labels[loss] = LOSS_CLASS
    return np.clip(out, 0, 255).astype(np.uint8), labels


def hole_ratio(mask: np.ndarray) -> float:
    return float(np.count_nonzero(mask)) / mask.size


def demo_document_pixels(width: int = 1600, height: int = 1100, seed: int = 2026):
    """The built-in demo: a 16-bit damaged mural, its clean version, masks and element labels."""
    clean, labels = generate_mural(width, height, seed=seed, bit_depth=16)
    damaged, masks = apply_damage(clean, ("fading", "cracks", "loss"), seed=seed + 1)
    return damaged, clean, masks, labels


def flakes_in_dark_paint(size: int = 160, seed: int = 1, count: int = 25) -> tuple[np.ndarray, np.ndarray]:
    """(rgb, loss): a dark robe on pale ground with ``count`` pale flakes of 1–8 px in it — the
    commonest paint loss of our real walls (ground showing through dark paint), as a known case
    for the fleck detectors and the self-test."""
    rng = _rng(seed)
    rgb = np.full((size, size, 3), (200, 180, 150), np.uint8)
    rgb[10:size - 10, 10:size - 10] = (35, 28, 26)  # a dark robe
    loss = np.zeros((size, size), bool)
    for x, y in rng.integers(20, size - 24, (count, 2)):  # pale flecks of several sizes in it
        s = int(rng.integers(1, 9))
        rgb[y:y + s, x:x + s] = (205, 185, 150)
        loss[y:y + s, x:x + s] = True
    return rgb, loss
