"""Synthetic murals and damage simulators; restoration and segmentation metrics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from muralstudio.core import metrics, synth

BANDS = [(0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.5)]


def test_murals_are_reproducible_and_seed_dependent():
    a, la = synth.generate_mural(200, 150, seed=7)
    b, lb = synth.generate_mural(200, 150, seed=7)
    c, _ = synth.generate_mural(200, 150, seed=8)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, c)


def test_mural_elements_are_labelled_where_they_are_drawn():
    image, labels = synth.generate_mural(640, 480, seed=3, n_elements=12)
    assert image.shape == (480, 640, 3) and image.dtype == np.uint8
    present = set(np.unique(labels)) - {synth.BACKGROUND}
    assert len(present) >= 2 and present <= {1, 2, 3, 4, 5}
    for cls in present:  # elements differ in colour from the background around them
        inside = image[labels == cls].mean(axis=0)
        ring = ndimage.binary_dilation(labels == cls, iterations=6) & (labels == 0)
        assert np.abs(inside - image[ring].mean(axis=0)).sum() > 15


def test_16_bit_murals_use_more_than_256_levels():
    image, _ = synth.generate_mural(128, 128, seed=1, bit_depth=16)
    assert image.dtype == np.uint16 and len(np.unique(image[..., 0])) > 1000


def test_single_walk_covers_about_four_percent_of_the_canvas():
    rng = np.random.default_rng(0)
    walk = synth.random_walk(256, 256, synth.WALK_STEPS, rng)
    assert len(walk) == synth.WALK_STEPS + 1
    steps = np.abs(np.diff(np.stack(np.divmod(walk, 256)), axis=1)).sum(axis=0)
    assert set(np.unique(steps)) <= {0, 1}  # 4-neighbour moves (0 where it bounced)
    assert 0.02 < len(np.unique(walk)) / 256**2 < 0.07


@pytest.mark.parametrize("band", BANDS)
@pytest.mark.parametrize("kind", ["dust", "jelly"])
def test_damage_masks_land_in_their_ratio_band_reproducibly(kind, band):
    make = synth.dust_mask if kind == "dust" else synth.jelly_mask
    for seed in range(3):
        mask = make((256, 256), band, seed=seed)
        assert band[0] <= synth.hole_ratio(mask) <= band[1]
        assert np.array_equal(mask, make((256, 256), band, seed=seed))


def test_jelly_masks_are_blocks_without_specks():
    dust = synth.dust_mask((256, 256), (0.2, 0.3), seed=5)
    jelly = synth.jelly_mask((256, 256), (0.2, 0.3), seed=5)
    labels, _ = ndimage.label(jelly)
    sizes = np.bincount(labels.ravel())[1:]
    assert sizes.min() >= 9  # opening removed specks
    # blocks: few boundary pixels per hole pixel compared with walk strands
    def perimeter_ratio(m):
        return (m & ~ndimage.binary_erosion(m)).sum() / m.sum()
    assert perimeter_ratio(jelly) < 0.6 * perimeter_ratio(dust)


def test_apply_damage_changes_pixels_only_inside_masks():
    clean, _ = synth.generate_mural(300, 200, seed=2, bit_depth=16)
    damaged, masks = synth.apply_damage(clean, ("cracks", "loss", "jelly"), seed=4, ratio=(0.1, 0.2))
    assert damaged.dtype == np.uint16 and set(masks) == {"cracks", "loss", "jelly"}
    union = masks["cracks"] | masks["loss"] | masks["jelly"]
    assert np.array_equal(damaged[~union], clean[~union])
    assert (damaged[masks["cracks"] & ~masks["loss"] & ~masks["jelly"]].astype(int).sum(axis=1)
            < clean[masks["cracks"] & ~masks["loss"] & ~masks["jelly"]].astype(int).sum(axis=1)).mean() > 0.95
    assert 0.1 <= synth.hole_ratio(masks["jelly"]) <= 0.2
    with pytest.raises(ValueError, match="unknown damage kind"):
        synth.apply_damage(clean, ("mould",))


def test_craquelure_is_a_thin_connected_network():
    cracks = synth.craquelure_mask(256, 256, seed=1)
    assert 0.01 < cracks.mean() < 0.15
    labels, n = ndimage.label(cracks, structure=np.ones((3, 3)))
    largest = np.bincount(labels.ravel())[1:].max()
    assert largest > 0.3 * cracks.sum()  # mostly one network, not dust
    assert ndimage.binary_erosion(cracks, iterations=2).sum() < 0.05 * cracks.sum()  # thin


# --- metrics -------------------------------------------------------------------------------

def test_psnr_hand_computed_and_matches_scikit_image():
    a = np.zeros((10, 10), np.uint8)
    b = a + 5
    assert metrics.psnr(a, b) == pytest.approx(10 * np.log10(255**2 / 25))
    assert metrics.psnr(a, a) == float("inf")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 65536, (40, 50, 3)).astype(np.uint16)
    y = np.clip(x.astype(int) + rng.integers(-900, 900, x.shape), 0, 65535).astype(np.uint16)
    assert metrics.psnr(x, y) == pytest.approx(peak_signal_noise_ratio(x, y, data_range=65535))


def test_ssim_matches_scikit_image_gaussian_variant():
    image, _ = synth.generate_mural(160, 120, seed=1)
    noisy = np.clip(image + np.random.default_rng(1).normal(0, 12, image.shape), 0, 255).astype(np.uint8)
    expected = structural_similarity(image, noisy, channel_axis=2, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False, data_range=255)
    assert metrics.ssim(image, noisy) == pytest.approx(expected, abs=1e-9)
    assert metrics.ssim(image, image) == pytest.approx(1.0)


def test_haarpsi_is_one_for_identical_and_falls_with_damage():
    image, _ = synth.generate_mural(128, 128, seed=4)
    rng = np.random.default_rng(0)
    assert metrics.haarpsi(image, image) == pytest.approx(1.0)
    scores = [metrics.haarpsi(image, np.clip(image + rng.normal(0, s, image.shape), 0, 255).astype(np.uint8))
              for s in (4, 16, 48)]
    assert 1.0 > scores[0] > scores[1] > scores[2] > 0
    other = np.clip(image + rng.normal(0, 16, image.shape), 0, 255).astype(np.uint8)
    assert metrics.haarpsi(image, other) == pytest.approx(metrics.haarpsi(other, image))
    grey = image.mean(axis=2).astype(np.uint8)
    assert metrics.haarpsi(grey, grey) == pytest.approx(1.0)


def test_total_variation_hand_computed():
    x = np.array([[0, 255], [255, 0]], np.uint8)
    assert metrics.total_variation(x) == pytest.approx(4.0)
    assert metrics.total_variation(np.full((5, 5, 3), 9, np.uint16)) == 0.0


def test_segmentation_scores_hand_computed():
    truth = np.array([[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 2, 2]])
    pred = np.array([[0, 1, 1, 1], [0, 0, 1, 0], [2, 2, 0, 2]])
    s = metrics.segmentation_scores(truth, pred, n_classes=4)
    assert s["pa"] == pytest.approx(9 / 12)
    # class 0: tp 3, true 4, predicted 5 → IoU 3/6; class 1: tp 3, true 4, pred 4 → 3/5;
    # class 2: tp 3, true 4, pred 3 → 3/4; class 3 absent from truth and prediction
    assert s["per_class_iou"][:3] == pytest.approx([3 / 6, 3 / 5, 3 / 4])
    assert np.isnan(s["per_class_iou"][3])
    assert s["mpa"] == pytest.approx((3 / 4 + 3 / 4 + 3 / 4) / 3)
    assert s["miou"] == pytest.approx((3 / 6 + 3 / 5 + 3 / 4) / 3)
    assert s["per_class_precision"][1] == pytest.approx(3 / 4)
    assert s["per_class_f1"][2] == pytest.approx(2 * 1 * 0.75 / 1.75)


def test_binary_scores_hand_computed():
    truth = np.array([1, 1, 1, 0, 0, 0, 0, 0], bool)
    pred = np.array([1, 1, 0, 1, 0, 0, 0, 0], bool)
    s = metrics.binary_scores(truth, pred)
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 / 3) and s["iou"] == pytest.approx(2 / 4)
    assert s["accuracy"] == pytest.approx(6 / 8)
    assert s["miou"] == pytest.approx((2 / 4 + 4 / 6) / 2)
    assert metrics.iou(truth, pred) == pytest.approx(0.5)


def test_region_counts_count_regions_found_and_right_within_tolerance():
    from muralstudio.core.metrics import pool_tolerant, region_counts

    truth = np.zeros((40, 40), bool)
    truth[5:8, 5:8] = True  # found exactly
    truth[20:23, 20:23] = True  # found by a mark 2 px beside it
    truth[30:33, 5:8] = True  # missed
    predicted = np.zeros_like(truth)
    predicted[6, 6] = True
    predicted[21, 24] = True
    predicted[5:9, 30:34] = True  # a false region
    counts = region_counts(truth, predicted, 2.0)
    assert counts == {"pred": 3, "pred_hit": 2, "true": 3, "true_hit": 2}
    assert region_counts(truth, predicted, 0.0)["true_hit"] == 1
    scores = pool_tolerant([counts])
    assert scores["recall"] == pytest.approx(2 / 3) and scores["precision"] == pytest.approx(2 / 3)
