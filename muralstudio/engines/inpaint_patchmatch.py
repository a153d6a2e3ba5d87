"""Exemplar-based inpainting with PatchMatch (Barnes et al. 2009) in the multi-scale
expectation-maximisation scheme of Wexler et al. (2007), vectorised with numpy.

At each pyramid level, from coarse to fine:
- the hole starts from a diffusion (Telea) fill of that level, which sets the large-scale
  structure, plus the fine detail voted by the coarser level's upsampled nearest-neighbour
  field, which carries the texture down;
- every patch that touches the hole looks for its most similar patch lying wholly in the
  intact area: a nearest-neighbour field (NNF) improved by propagation from neighbours (run in
  parallel for all patches, with jumps of 1, 2 and 4 pixels so good matches spread fast) and by
  random search at halving radii;
- each hole pixel becomes the weighted average of what the overlapping matched patches say it
  should be (voting), which keeps the fill coherent;
- the NNF is upsampled to start the next finer level.
Good for plaster, pigment grain and repeated ornament, where diffusion methods blur.
"""

from __future__ import annotations

import cv2
import numpy as np

from muralstudio.core.errors import Cancelled
from muralstudio.engines.inpainting import Inpainter, InpainterCapabilities
from muralstudio.engines.registry import register
from muralstudio.engines.settings import Setting


def _patch_sets(hole: np.ndarray, patch: int, sample: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(centres of patches touching the hole, centres of valid source patches: wholly in the
    intact interior — or, when there are none, merely centred on intact pixels). With a
    sampling area, source patches lie wholly inside it (or, failing that, are centred in it)."""
    r = patch // 2
    kernel = np.ones((patch, patch), np.uint8)
    touching = cv2.dilate(hole.astype(np.uint8), kernel) > 0
    interior = np.zeros_like(touching)
    interior[r:hole.shape[0] - r, r:hole.shape[1] - r] = True
    allowed = interior if sample is None else interior & (cv2.erode(sample.astype(np.uint8), kernel) > 0)
    valid = ~touching & allowed
    if not valid.any():
        valid = ~hole & (interior if sample is None else interior & sample)
    return touching, valid


class _Level:
    """Image, hole and the derived index sets of one pyramid level."""

    def __init__(self, image: np.ndarray, hole: np.ndarray, patch: int, sample: np.ndarray | None = None):
        self.image = image
        self.hole = hole
        self.h, self.w = hole.shape
        self.r = patch // 2
        touching, self.valid = _patch_sets(hole, patch, sample)
        self.sources = np.argwhere(self.valid)
        self.targets = np.argwhere(touching)  # patches that contain hole pixels
        self.hole_px = np.argwhere(hole)


class PatchMatchSolver:
    """One inpainting solve; separated from the engine so state stays local to the call."""

    def __init__(self, patch: int, em_iterations: int, search_iterations: int, rng,
                 max_levels: int = 8, detail_sigma: float = 2.0, texture: bool = True,
                 deep_structure: bool = True):
        self.patch = patch
        self.texture = texture
        self.deep_structure = deep_structure
        self.detail_sigma = detail_sigma
        self.max_levels = max_levels
        self.em_iterations = em_iterations
        self.search_iterations = search_iterations
        self.rng = rng

    # --- distances ---------------------------------------------------------------------------
    def _offsets(self, lvl: _Level) -> np.ndarray:
        r, wp = lvl.r, lvl.w + 2 * lvl.r
        dy, dx = np.mgrid[-r:r + 1, -r:r + 1]
        return (dy * wp + dx).ravel()

    def _patches(self, lvl: _Level, flat: np.ndarray, y, x) -> np.ndarray:
        """(N, patch², C) pixels of the patches centred at (y, x), in one gather."""
        base = (y + lvl.r) * (lvl.w + 2 * lvl.r) + (x + lvl.r)
        return flat[base[:, None] + self._offsets(lvl)[None, :]]

    def _try(self, lvl, flat, target_patches, nnf, cost, ty, tx, cy, cx):
        """Keep candidate sources (cy, cx) that are valid and better than the current match."""
        cy = np.clip(cy, 0, lvl.h - 1)
        cx = np.clip(cx, 0, lvl.w - 1)
        ok = lvl.valid[cy, cx] & ((cy != nnf[ty, tx, 0]) | (cx != nnf[ty, tx, 1]))
        idx = np.flatnonzero(ok)
        if not len(idx):
            return
        diff = self._patches(lvl, flat, cy[idx], cx[idx]) - target_patches[idx]
        d = np.einsum("ijk,ijk->i", diff, diff)
        better = d < cost[ty[idx], tx[idx]]
        sel = idx[better]
        nnf[ty[sel], tx[sel], 0] = cy[sel]
        nnf[ty[sel], tx[sel], 1] = cx[sel]
        cost[ty[sel], tx[sel]] = d[better]

    def _search(self, lvl: _Level, nnf, cost):
        padded = np.pad(lvl.image, ((lvl.r, lvl.r), (lvl.r, lvl.r), (0, 0)), mode="reflect")
        flat = padded.reshape(-1, padded.shape[2])
        ty, tx = lvl.targets[:, 0], lvl.targets[:, 1]
        target_patches = self._patches(lvl, flat, ty, tx)  # fixed during the search
        diff = self._patches(lvl, flat, nnf[ty, tx, 0], nnf[ty, tx, 1]) - target_patches
        cost[ty, tx] = np.einsum("ijk,ijk->i", diff, diff)
        for _ in range(self.search_iterations):
            for jump in (4, 2, 1):
                for dy, dx in ((0, 1), (0, -1), (1, 0), (-1, 0)):
                    ny = np.clip(ty - dy * jump, 0, lvl.h - 1)
                    nx = np.clip(tx - dx * jump, 0, lvl.w - 1)
                    self._try(lvl, flat, target_patches, nnf, cost, ty, tx,
                              nnf[ny, nx, 0] + (ty - ny), nnf[ny, nx, 1] + (tx - nx))
            radius = max(lvl.h, lvl.w)
            while radius >= 1:
                ry = self.rng.integers(-radius, radius + 1, len(ty))
                rx = self.rng.integers(-radius, radius + 1, len(ty))
                self._try(lvl, flat, target_patches, nnf, cost, ty, tx,
                          nnf[ty, tx, 0] + ry, nnf[ty, tx, 1] + rx)
                radius //= 2

    # --- voting ------------------------------------------------------------------------------
    def _vote(self, lvl: _Level, nnf, cost) -> None:
        """Each hole pixel = weighted mean of its value in every overlapping matched patch."""
        qy, qx = lvl.hole_px[:, 0], lvl.hole_px[:, 1]
        target_costs = cost[lvl.targets[:, 0], lvl.targets[:, 1]]
        sigma2 = max(float(np.percentile(target_costs, 75)), 1e-6)
        weight_map = np.exp(-cost / (2 * sigma2)).astype(np.float32)
        acc = np.zeros((len(qy), lvl.image.shape[2]), np.float32)
        wsum = np.zeros(len(qy), np.float32)
        for dy in range(-lvl.r, lvl.r + 1):
            for dx in range(-lvl.r, lvl.r + 1):
                ty, tx = qy - dy, qx - dx  # patch centre whose (dy, dx) pixel is q
                inside = (ty >= 0) & (ty < lvl.h) & (tx >= 0) & (tx < lvl.w)
                ty, tx = np.clip(ty, 0, lvl.h - 1), np.clip(tx, 0, lvl.w - 1)
                sy = np.clip(nnf[ty, tx, 0] + dy, 0, lvl.h - 1)
                sx = np.clip(nnf[ty, tx, 1] + dx, 0, lvl.w - 1)
                w = weight_map[ty, tx] * inside
                acc += lvl.image[sy, sx] * w[:, None]
                wsum += w
        ok = wsum > 0
        lvl.image[qy[ok], qx[ok]] = acc[ok] / wsum[ok, None]

    # --- driver ------------------------------------------------------------------------------
    def _random_nnf(self, lvl: _Level) -> np.ndarray:
        nnf = np.zeros((lvl.h, lvl.w, 2), np.int64)
        picks = lvl.sources[self.rng.integers(0, len(lvl.sources), len(lvl.targets))]
        nnf[lvl.targets[:, 0], lvl.targets[:, 1]] = picks
        return nnf

    def _upsample_nnf(self, coarse: np.ndarray, lvl: _Level) -> np.ndarray:
        nnf = self._random_nnf(lvl)
        ty, tx = lvl.targets[:, 0], lvl.targets[:, 1]
        cy = np.clip(ty // 2, 0, coarse.shape[0] - 1)
        cx = np.clip(tx // 2, 0, coarse.shape[1] - 1)
        sy = np.clip(coarse[cy, cx, 0] * 2 + ty % 2, 0, lvl.h - 1)
        sx = np.clip(coarse[cy, cx, 1] * 2 + tx % 2, 0, lvl.w - 1)
        ok = lvl.valid[sy, sx]
        nnf[ty[ok], tx[ok], 0] = sy[ok]
        nnf[ty[ok], tx[ok], 1] = sx[ok]
        return nnf

    def solve(self, rgb: np.ndarray, hole: np.ndarray, cancelled=None,
              sample: np.ndarray | None = None, progress=None) -> np.ndarray:
        """``sample``: where source patches may come from (None: anywhere intact);
        ``progress(fraction)`` is called after every iteration, weighted by the level's size."""
        images, holes = [rgb.astype(np.float32)], [hole]
        samples = [None if sample is None else sample & ~hole]
        while len(images) < self.max_levels:
            ys, xs = np.nonzero(holes[-1])
            if max(ys.max() - ys.min(), xs.max() - xs.min()) + 1 <= 2 * self.patch:
                break  # the hole is small at this level: no need to go coarser
            h, w = holes[-1].shape
            size = ((w + 1) // 2, (h + 1) // 2)
            if min(size) < 4 * self.patch:
                break
            coarse_hole = cv2.resize(holes[-1].astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
            coarse_sample = None if sample is None else \
                cv2.resize(samples[-1].astype(np.float32), size, interpolation=cv2.INTER_AREA) >= 0.999
            if np.count_nonzero(_patch_sets(coarse_hole, self.patch, coarse_sample)[1]) < 16:
                break  # too little intact area left at that scale to copy from
            images.append(cv2.resize(images[-1], size, interpolation=cv2.INTER_AREA))
            holes.append(coarse_hole)
            samples.append(coarse_sample)
        nnf = None
        # work per level ~ its hole pixels × iterations: the finest level dominates
        work = [int(h.sum()) * (self.em_iterations if d else max(1, self.em_iterations // 2))
                for d, h in enumerate(holes)]
        done, total = 0, max(1, sum(work))
        for depth in range(len(images) - 1, -1, -1):
            image = images[depth].copy()
            lvl = _Level(image, holes[depth], self.patch, samples[depth])
            if len(lvl.sources) == 0:
                raise ValueError("no intact area to copy texture from: the hole covers the crop"
                                 if sample is None else "the sampling area holds no intact pixels")
            # every level starts from a diffusion fill (the large-scale structure that
            # PSNR/SSIM/HaarPSI reward) plus the fine detail the coarser level's matches vote
            # for (the texture), split at a Gaussian of σ = detail_sigma
            u8 = holes[depth].astype(np.uint8)
            u16 = np.round(np.clip(image, 0, 1) * 65535).astype(np.uint16)
            base = np.empty_like(image)
            for c in range(image.shape[2]):
                base[..., c] = cv2.inpaint(np.ascontiguousarray(u16[..., c]), u8, 3,
                                           cv2.INPAINT_TELEA) / 65535
            if nnf is None:
                image[:] = base
                nnf = self._random_nnf(lvl)
            else:
                if self.deep_structure:
                    # deep inside a wide hole diffusion draws a starburst of rays from the rim:
                    # there the coarser level's synthesis gives the large-scale structure, the
                    # diffusion only near the rim (fading out from one patch deep to two)
                    depth_px = cv2.distanceTransform(np.pad(u8, 1), cv2.DIST_L2, 3)[1:-1, 1:-1]
                    blend = np.clip(depth_px / self.patch - 1, 0, 1)[..., None]
                    coarse = cv2.resize(result, (lvl.w, lvl.h), interpolation=cv2.INTER_LINEAR)
                    base = base * (1 - blend) + coarse * blend
                nnf = self._upsample_nnf(nnf, lvl)
                cost = np.full((lvl.h, lvl.w), np.inf, np.float32)
                cost[lvl.targets[:, 0], lvl.targets[:, 1]] = 0.0
                self._vote(lvl, nnf, cost)
                detail = image - cv2.GaussianBlur(image, (0, 0), self.detail_sigma)
                image[:] = np.where(lvl.hole[..., None], np.clip(base + detail, 0, 1), image)
            iterations = self.em_iterations if depth else max(1, self.em_iterations // 2)
            for _ in range(iterations):
                if cancelled and cancelled():
                    raise Cancelled()
                cost = np.full((lvl.h, lvl.w), np.inf, np.float32)
                self._search(lvl, nnf, cost)
                self._vote(lvl, nnf, cost)
                done += work[depth] / iterations
                if progress:
                    progress(done / total)
            result = lvl.image
        if self.texture:  # finest level: each hole pixel copies its own best match, unaveraged
            cost = np.full((lvl.h, lvl.w), np.inf, np.float32)
            self._search(lvl, nnf, cost)
            qy, qx = lvl.hole_px[:, 0], lvl.hole_px[:, 1]
            result[qy, qx] = result[nnf[qy, qx, 0], nnf[qy, qx, 1]]
        return np.where(hole[..., None], result, rgb)


@register("inpainter", "patchmatch")
class PatchMatchInpainter(Inpainter):
    """Multi-scale PatchMatch texture synthesis (our implementation)."""

    name = "patchmatch"
    version = "1.1"  # 1.1: wide losses take their structure from the coarser level (deep_structure)
    capabilities = InpainterCapabilities(comfortable_size=768, max_side=1536, bytes_per_pixel=400,
                                         hints=("sample_area",), reports_progress=True)
    settings = (
        Setting("patch_size", "int", 7, 3, 31, help="side of the patches compared (odd)", label="Patch size (px)"),
        Setting("em_iterations", "int", 4, 1, 20, help="refinement passes per pyramid level", label="Passes per level"),
        Setting("search_iterations", "int", 2, 1, 10, help="PatchMatch propagation/search rounds per pass",
                label="Search rounds"),
        Setting("seed", "int", 0, 0, 2**31 - 1, help="random seed (same seed, same fill)", label="Seed"),
        Setting("max_levels", "int", 8, 1, 12, help="pyramid levels", label="Pyramid levels"),
        Setting("texture", "bool", True, help="copy each pixel from its best match at the finest level "
                "(texture) instead of averaging the votes (smoother)", label="Synthesise texture"),
        Setting("deep_structure", "bool", True, help="more than a patch or two deep inside a loss, take the "
                "large-scale structure from the coarser level's synthesis instead of diffusion from the "
                "rim (which draws rays across wide losses)", label="Structure from the wall in wide losses"),
    )

    def __init__(self, device: str = "cpu", patch_size: int = 7, em_iterations: int = 4,
                 search_iterations: int = 2, seed: int = 0, max_levels: int = 8,
                 texture: bool = True, deep_structure: bool = True):
        if patch_size < 3 or patch_size % 2 == 0:
            raise ValueError("patch_size must be an odd number ≥ 3")
        super().__init__(device, patch_size=int(patch_size), em_iterations=int(em_iterations),
                         search_iterations=int(search_iterations), seed=int(seed),
                         max_levels=int(max_levels), texture=bool(texture),
                         deep_structure=bool(deep_structure))

    def inpaint(self, rgb: np.ndarray, hole: np.ndarray, cancelled=None, progress=None, **hints) -> np.ndarray:
        if not hole.any():
            return rgb
        p = self.params
        solver = PatchMatchSolver(p["patch_size"], p["em_iterations"], p["search_iterations"],
                                  np.random.default_rng(p["seed"]), p["max_levels"],
                                  texture=p["texture"], deep_structure=p["deep_structure"])
        return solver.solve(rgb, hole, cancelled, hints.get("sample_area"), progress)
