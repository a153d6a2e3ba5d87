"""Fleck vetting: candidate pale specks (a white top-hat of the lightness) described by a few
colour, contrast and shape measures each, and a small network that says which are paint loss.

On our real walls most paint loss is flecks of ground showing through dark paint, but so are
many intact things — white dots of ornament, highlights, pale pigment grains — which the bare
top-hat (engine ``flecks``) cannot tell apart; the measures below are what a conservator looks
at: how pale and how big the speck is, the colour of the paint around it, how grainy the area is
and whether it sits on dark linework. Candidates are taken at one or more radii (a wider top-hat
also lifts flakes of 8–16 px, and more intact pale paint with them), each radius with its own
network, threshold and smallest area; a pixel's probability is the highest any of them gives."""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import nn

#: one row per candidate region, in this order (the network's input)
FEATURES = ("log area", "aspect", "fill", "mean rise", "max rise", "L", "a", "b",
            "ground L", "candidate density", "dark line depth", "local contrast",
            "surround L", "surround a", "surround b", "a - surround a", "b - surround b",
            "peak over ground", "L - surround L", "ring line depth", "ring L - L")
#: how many measures the first weight files were trained on (those without a "features" entry);
#: later measures are appended, so such a network reads the first columns of the table
FIRST_FEATURES = 19
#: width in px of the ring just outside a speck that the "ring" measures look at
RING = 2


def candidate_regions(rgb: np.ndarray, radius: int | str, contrast: float) -> tuple[np.ndarray, np.ndarray]:
    """(labels, features): an int32 map of the candidate specks (0 = none, region k = k) —
    pixels at least ``contrast`` lighter (Lab L, 0–255) than the paint within ``radius`` — and a
    (regions, len(FEATURES)) float32 table describing each. A negative ``radius`` takes *dark*
    specks instead (at least ``contrast`` darker than the paint within ``-radius``: holes and
    losses showing a darker ground through pale paint); "rise" is then the depth. A ``radius``
    ``"sN"`` takes every pixel, in superpixels about N px across (:func:`superpixel_regions`), for
    losses wider than a speck."""
    from muralstudio.core.imageio import to_rgb8
    from muralstudio.core.maskops import dark_line_depth, pale_speck_rise

    rgb = to_rgb8(rgb)  # grey or RGBA tiles too
    if isinstance(radius, str):
        return superpixel_regions(rgb, superpixel_size(radius))
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    lightness = np.ascontiguousarray(lab[..., 0])
    rise = pale_speck_rise(rgb, radius, lightness) if radius > 0 else dark_line_depth(rgb, -radius, lightness)
    candidate = rise >= contrast
    n, labels, stats, _ = cv2.connectedComponentsWithStats(candidate.astype(np.uint8), connectivity=8)
    return labels.astype(np.int32), region_features(rgb, lab, labels, n, stats, rise, dark=radius < 0)


def candidate_kind(value) -> int | str:
    """A weights file's candidate radius as :func:`candidate_regions` takes it: an int (pale specks;
    negative: dark ones) or ``"sN"`` (superpixels about N px across)."""
    if isinstance(value, str) and value.startswith("s"):
        superpixel_size(value)  # checked
        return value
    return int(value)


def superpixel_size(kind: str) -> int:
    """``"s16"`` → 16: candidates are superpixels about 16 px across, not specks."""
    try:
        size = int(str(kind)[1:])
    except ValueError:
        size = 0
    if not str(kind).startswith("s") or size < 4:
        raise ValueError(f"superpixel candidates are named s<size in px, 4 or more>, like s16 (not {kind!r})")
    return size


def superpixel_regions(rgb: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pixel a candidate: the crop cut into superpixels about ``size`` px across (SLIC,
    which follows colour edges, so a flake wider than a speck tends to be one or a few of them),
    described by the same table as the specks, "rise" being the top-hat at radius ``size``;
    since superpixels tile the crop, the columns of candidate density and of the two ring
    measures hold instead the share of pale flecks around, of dark paint remnants on it and of
    dark paint near it (its own network reads them so)."""
    from scipy.ndimage import find_objects
    from skimage.segmentation import slic

    from muralstudio.core.maskops import dark_line_depth, pale_speck_rise

    h, w = rgb.shape[:2]
    segments = max(1, int(round(h * w / float(size * size))))
    labels = slic(rgb, n_segments=segments, compactness=10, start_label=1, channel_axis=-1).astype(np.int32)
    # SLIC may leave label numbers unused: renumber 1..n so region k is row k - 1
    _, labels = np.unique(labels, return_inverse=True)
    labels = (labels.reshape(h, w) + 1).astype(np.int32)
    n = int(labels.max()) + 1
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    # the table of OpenCV's connected components, which region_features reads
    stats = np.zeros((n, 5), np.int64)
    stats[:, cv2.CC_STAT_AREA] = np.bincount(labels.ravel(), minlength=n)
    for k, (rows, cols) in enumerate(find_objects(labels), 1):
        stats[k, :4] = cols.start, rows.start, cols.stop - cols.start, rows.stop - rows.start
    lightness = np.ascontiguousarray(lab[..., 0])
    rise = pale_speck_rise(rgb, size, lightness)
    table = region_features(rgb, lab, labels, n, stats, rise, dark=False)
    # superpixels tile the crop, so the speck measures of density and of the ring outside say
    # nothing; in their columns, what tells ground laid bare from pale paint: paint remnants
    # (dark specks) left on it, pale flecks around it, and dark paint nearby
    flat, area = labels.ravel(), np.maximum(stats[1:, cv2.CC_STAT_AREA].astype(np.float64), 1)

    def share(plane):
        return np.bincount(flat, weights=plane.ravel().astype(np.float64), minlength=n)[1:] / area

    remnants = (dark_line_depth(rgb, 3, lightness) >= 30).astype(np.float32)
    flecks = cv2.blur((pale_speck_rise(rgb, 4, lightness) >= 40).astype(np.float32), (31, 31))
    dark_near = cv2.blur((lightness < 70).astype(np.float32), (41, 41))
    for name, plane in (("candidate density", flecks), ("ring line depth", remnants), ("ring L - L", dark_near)):
        table[:, FEATURES.index(name)] = share(plane)
    return labels, table


def region_features(rgb: np.ndarray, lab: np.ndarray, labels: np.ndarray, n: int, stats: np.ndarray,
                    rise: np.ndarray, dark: bool) -> np.ndarray:
    """The FEATURES table of regions 1..n-1 of ``labels`` (``stats`` as OpenCV's connected
    components give them; ``rise`` the top-hat they were found by)."""
    from muralstudio.core.maskops import dark_line_depth

    lightness = np.ascontiguousarray(lab[..., 0])
    if n <= 1:
        return np.zeros((0, len(FEATURES)), np.float32)
    candidate = labels > 0
    where = labels[candidate] - 1  # region of each candidate pixel
    area = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)

    def mean(plane):
        return np.bincount(where, weights=plane[candidate], minlength=n - 1) / area

    def peak(plane):
        out = np.full(n - 1, -np.inf)
        np.maximum.at(out, where, plane[candidate])
        return out

    ground = lightness + rise if dark else lightness - rise  # the paint with the specks taken away
    density = cv2.blur(candidate.astype(np.float32), (31, 31))
    local_sd = np.sqrt(np.maximum(cv2.blur(lightness ** 2, (15, 15)) - cv2.blur(lightness, (15, 15)) ** 2, 0))
    surround = [cv2.blur(lab[..., c], (21, 21)) for c in range(3)]
    line_depth = dark_line_depth(rgb, 3, lightness)
    # the ring just outside each speck: a pale area enclosed by thin dark outlines (skin inside a
    # necklace) has dark *lines* there, a flake through a dark robe wide dark paint
    grown = cv2.dilate(labels.astype(np.float32), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * RING + 1,) * 2))
    ring = (labels == 0) & (grown > 0)
    ring_of = grown[ring].astype(np.int64) - 1
    ring_count = np.bincount(ring_of, minlength=n - 1).astype(np.float64)

    def ring_mean(plane):
        total = np.bincount(ring_of, weights=plane[ring], minlength=n - 1)
        return np.divide(total, ring_count, out=np.zeros(n - 1), where=ring_count > 0)

    width = stats[1:, cv2.CC_STAT_WIDTH].astype(np.float64)
    height = stats[1:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    mean_l, mean_a, mean_b = mean(lightness), mean(lab[..., 1]), mean(lab[..., 2])
    surround_l, surround_a, surround_b = (mean(p) for p in surround)
    table = np.stack([
        np.log(area), width / height, area / (width * height), mean(rise), peak(rise),
        mean_l, mean_a, mean_b, mean(ground), mean(density), mean(line_depth),
        mean(local_sd), surround_l, surround_a, surround_b, mean_a - surround_a,
        mean_b - surround_b, peak(lightness) - mean(ground), mean_l - surround_l,
        ring_mean(line_depth), np.where(ring_count > 0, ring_mean(lightness) - mean_l, 0)], 1)
    return table.astype(np.float32)


class FleckVetter(nn.Module):
    """Probability that a candidate speck is paint loss, from its FEATURES row. The features'
    mean and spread over the training regions are buffers, saved with the weights."""

    def __init__(self, n_features: int = len(FEATURES), width: int = 64):
        super().__init__()
        self.register_buffer("feature_mean", torch.zeros(n_features))
        self.register_buffer("feature_std", torch.ones(n_features))
        self.layers = nn.Sequential(nn.Linear(n_features, width), nn.ReLU(),
                                    nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Logits, one per row."""
        return self.layers((features - self.feature_mean) / self.feature_std)[:, 0]

    def probabilities(self, table: np.ndarray) -> np.ndarray:
        if not len(table):
            return np.zeros(0, np.float32)
        table = np.asarray(table, np.float32)[:, :len(self.feature_mean)]  # earlier files: fewer measures
        with torch.inference_mode():
            device = self.feature_mean.device
            return torch.sigmoid(self(torch.from_numpy(np.ascontiguousarray(table)).to(device))).cpu().numpy()


class VetterEnsemble(nn.Module):
    """Several :class:`FleckVetter` fitted with other seeds, their probabilities averaged: one
    small network's verdicts on these few thousand loss specks move with its seed about as much
    as a new measure moves them."""

    def __init__(self, members, n_features: int = len(FEATURES), width: int = 64):
        """``members``: how many networks to make, or the fitted networks themselves."""
        super().__init__()
        self.members = nn.ModuleList(members if isinstance(members, list)
                                     else [FleckVetter(n_features, width) for _ in range(members)])

    def probabilities(self, table: np.ndarray) -> np.ndarray:
        return np.mean([m.probabilities(table) for m in self.members], axis=0).astype(np.float32)


class FleckVetters(nn.Module):
    """One :class:`FleckVetter` (or, with ``members`` > 1, one :class:`VetterEnsemble`) per
    candidate radius (the weights file holds them all)."""

    def __init__(self, radii: int = 1, n_features: int = len(FEATURES), width: int = 64, members: int = 1):
        super().__init__()
        self.nets = nn.ModuleList([FleckVetter(n_features, width) if members == 1
                                   else VetterEnsemble(members, n_features, width) for _ in range(radii)])


def speck_areas(regions: np.ndarray, count: int) -> np.ndarray:
    """Pixels of each of the ``count`` candidate specks of a :func:`candidate_regions` map."""
    return np.bincount(regions.ravel(), minlength=count + 1)[1:]


def rescaled(probability: np.ndarray, own: float, common: float) -> np.ndarray:
    """Probabilities of a radius whose threshold is ``own`` (below 1) mapped piecewise linearly so
    that ``own`` lands on ``common``: one threshold (and the dock's slider) then serves every radius."""
    p = np.asarray(probability, np.float32)
    if abs(own - common) < 1e-9:
        return p
    return np.where(p < own, p * (common / own), common + (p - own) * ((1 - common) / (1 - own))).astype(np.float32)


def speck_probability(rgb: np.ndarray, vetters: FleckVetters, radii, contrast: float, thresholds,
                      min_areas, common: float) -> np.ndarray:
    """Per pixel, the highest vetted probability of paint loss of any candidate speck covering
    it, over every radius (specks under that radius's smallest area left out); 0 elsewhere."""
    out = np.zeros(np.asarray(rgb).shape[:2], np.float32)
    for net, radius, own, min_area in zip(vetters.nets, radii, thresholds, min_areas):
        if own >= 1:  # a radius training left out (it added nothing)
            continue
        regions, table = candidate_regions(rgb, candidate_kind(radius), float(contrast))
        p = rescaled(net.probabilities(table), float(own), common)
        if min_area:
            p = np.where(speck_areas(regions, len(p)) >= min_area, p, 0)
        np.maximum(out, np.concatenate([[0.0], p]).astype(np.float32)[regions], out=out)
    return out
