"""Mask operations: what they do to pixel counts, and that each is one undo step."""

import numpy as np
import pytest

from muralstudio.core import maskops
from muralstudio.core.document import Document


@pytest.fixture
def doc():
    return Document.from_array(np.zeros((100, 120, 3), np.uint8))


def square(doc, name="m"):
    layer = doc.new_mask_layer(name)
    layer.data[40:60, 50:70] = 255
    return layer


def test_grow_and_shrink_change_area_by_the_ring(doc):
    layer = square(doc)
    grown = maskops.grow(layer.data, 3)
    assert np.count_nonzero(grown) > 400 and grown[37, 60] == 255 and grown[36, 60] == 0
    shrunk = maskops.shrink(layer.data, 3)
    assert np.count_nonzero(shrunk) == 14 * 14


def test_feather_gives_soft_edges_and_keeps_the_core(doc):
    layer = square(doc)
    soft = maskops.feather(layer.data, 4)
    assert soft[50, 60] > 240 and 60 < soft[40, 60] < 200 and soft[30, 60] < 10


def test_invert_fill_holes_remove_specks(doc):
    layer = square(doc)
    assert np.count_nonzero(maskops.invert(layer.data)) == 100 * 120 - 400
    ring = layer.data.copy()
    ring[45:55, 55:65] = 0
    assert np.count_nonzero(maskops.fill_holes(ring)) == 400
    specks = layer.data.copy()
    specks[5, 5] = specks[90, 100:103] = 255
    assert np.count_nonzero(maskops.remove_specks(specks, 10)) == 400


def test_boolean_operations_between_layers_are_undoable(doc):
    a = square(doc, "a")
    b = doc.new_mask_layer("b")
    b.data[50:70, 60:80] = 255
    maskops.combine(doc, a, b, maskops.union)
    assert np.count_nonzero(a.data) == 400 + 400 - 100
    doc.undo()
    maskops.combine(doc, a, b, maskops.intersect)
    assert np.count_nonzero(a.data) == 100
    doc.undo()
    maskops.combine(doc, a, b, maskops.subtract)
    assert np.count_nonzero(a.data) == 300
    assert doc.history.names()[-1] == "Subtract 'b'"
    doc.undo()
    assert np.count_nonzero(a.data) == 400


def test_brush_and_eraser_strokes(doc):
    layer = doc.new_mask_layer()
    maskops.paint(doc, layer, [(10, 10), (60, 10)], radius=4)
    painted = np.count_nonzero(layer.data)
    assert 50 * 8 < painted < 60 * 9 and layer.data[10, 35] == 255 and layer.data[16, 35] == 0
    maskops.paint(doc, layer, [(30, 10), (40, 10)], radius=5, erase=True)
    assert layer.data[10, 35] == 0 and np.count_nonzero(layer.data) < painted
    doc.undo()
    assert np.count_nonzero(layer.data) == painted


def test_soft_brush_has_a_falloff():
    dab = maskops.brush_dab(10, hardness=0.5)
    centre = dab.shape[0] // 2
    assert dab[centre, centre] == 1.0 and 0 < dab[centre, centre + 8] < 1 and dab[0, 0] == 0


def test_polygon_fill(doc):
    layer = doc.new_mask_layer()
    maskops.fill_polygon(doc, layer, [(10, 10), (30, 10), (30, 30), (10, 30)])
    assert np.count_nonzero(layer.data) == 21 * 21
    maskops.fill_polygon(doc, layer, [(10, 10), (30, 10), (30, 30), (10, 30)], erase=True)
    assert np.count_nonzero(layer.data) == 0


def test_brush_stroke_at_the_image_edge_is_clipped(doc):
    layer = doc.new_mask_layer()
    maskops.paint(doc, layer, [(0, 0), (-5, 50)], radius=6)
    assert layer.data[:, :7].any() and layer.data.shape == (100, 120)


def test_guided_filter_solves_he_et_al_colour_model_per_pixel():
    import cv2

    rng = np.random.default_rng(1)
    guide = rng.random((40, 50, 3), np.float32)
    source = rng.random((40, 50), np.float32)
    radius, eps = 2, 1e-3

    def box(a):
        return cv2.boxFilter(a, -1, (5, 5), borderType=cv2.BORDER_REFLECT)

    # the textbook form: a 3×3 solve at every pixel with numpy's general solver
    mean_i, mean_p = box(guide), box(source)
    cov = box(guide * source[..., None]) - mean_i * mean_p[..., None]
    outer = np.einsum("hwi,hwj->hwij", guide, guide).reshape(40, 50, 9)
    var = box(outer).reshape(40, 50, 3, 3) - np.einsum("hwi,hwj->hwij", mean_i, mean_i)
    a = np.linalg.solve(var + eps * np.eye(3), cov[..., None])[..., 0].astype(np.float32)
    b = mean_p - (a * mean_i).sum(-1)
    expected = (box(a) * guide).sum(-1) + box(b)
    assert np.abs(maskops.guided_filter(guide, source, radius, eps) - expected).max() < 1e-4


def test_guided_filter_moves_a_blurred_mask_edge_onto_the_colour_edge():
    import cv2

    truth = np.zeros((80, 80), bool)
    truth[20:60, 25:55] = True
    guide = np.where(truth[..., None], (0.7, 0.2, 0.1), (0.8, 0.75, 0.6)).astype(np.float32)
    # a coarse prediction: the square grown by 3 px and blurred, as an upsampled network output
    coarse = cv2.GaussianBlur(cv2.dilate(truth.astype(np.float32), np.ones((7, 7))), (0, 0), 3)
    before = (coarse >= 0.5) ^ truth
    after = (maskops.guided_filter(guide, coarse, 6, 1e-3) >= 0.5) ^ truth
    assert before.sum() > 300 and after.sum() < before.sum() / 5


def test_guided_filter_stays_finite_on_flat_colour_with_a_small_eps():
    guide = np.full((64, 64, 3), 0.5, np.float32)
    guide[:, :20] = (0.3, 0.31, 0.29)  # flat areas: the colour covariance is zero there
    source = np.random.default_rng(2).random((64, 64)).astype(np.float32)
    for eps in (1e-4, 1e-5, 1e-6):
        out = maskops.guided_filter(guide, source, 2, eps)
        assert np.isfinite(out).all() and out.dtype == np.float32


def test_accepting_or_rejecting_a_proposed_region_is_one_undo_step():
    from muralstudio.core.document import Document

    doc = Document.from_array(np.zeros((300, 2000, 3), np.uint8))
    proposals = doc.new_mask_layer("paint loss (proposed)", proposed=True)
    user = doc.new_mask_layer("damage")
    proposals.data[10:20, 10:30] = 255  # region A
    proposals.data[100:110, 5:1990] = 255  # region B: wider than the first search window
    proposals.data[200, 300] = 255
    doc.history.clear()
    assert maskops.review_region(doc, proposals, 1500, 105, accept=True, target=user)[1].sum() == 10 * 1985
    assert user.area == 10 * 1985 and proposals.area == 200 + 1
    assert maskops.review_region(doc, proposals, 15, 15, accept=False)[1].sum() == 200
    assert user.area == 10 * 1985 and proposals.area == 1
    assert maskops.review_region(doc, proposals, 50, 50, accept=True, target=user) is None  # nothing there
    assert len(doc.history.undo_stack) == 2
    doc.undo()
    assert proposals.area == 201 and user.area == 10 * 1985
    doc.undo()
    assert proposals.area == 200 + 10 * 1985 + 1 and user.area == 0
    assert maskops.review_all(doc, proposals, accept=True, target=user) == proposals.area + user.area
    assert proposals.area == 0 and len(doc.history.undo_stack) == 1


def test_region_at_finds_the_8_connected_region_only():
    mask = np.zeros((50, 50), np.uint8)
    mask[10, 10] = mask[11, 11] = mask[12, 12] = 255  # diagonal: one region
    mask[30:35, 30:35] = 255
    (x0, y0), region = maskops.region_at(mask, 11, 11, start=8)
    assert (x0, y0) == (10, 10) and region.sum() == 3
    assert maskops.region_at(mask, 0, 0) is None and maskops.region_at(mask, 99, 5) is None


def test_a_long_stroke_is_snapped_piece_by_piece_and_stays_on_its_crack(monkeypatch):
    pixels = np.full((120, 400, 3), 190, np.uint8)
    pixels[60, 10:390] = 50  # a dark crack one pixel high
    doc = Document.from_array(pixels, name="wall")
    traced = [(x, 63) for x in range(20, 381, 20)]  # 3 px below it, as a hand traces
    monkeypatch.setattr(maskops, "SNAP_PIECE_PIXELS", 3_000)  # pieces of a few segments
    read = []
    original = doc.composite_region
    monkeypatch.setattr(doc, "composite_region", lambda *box, **kw: read.append(box[2] * box[3]) or original(*box, **kw))
    snapped = maskops.snap_stroke_to_image(doc, traced, reach=5)
    # many small reads (a pixel of rounding on each side of a piece's box), never the whole stroke
    assert len(read) > 3 and max(read) <= 3_300
    assert snapped[0][0] == 20 and snapped[-1][0] == 380
    assert all(abs(y - 60) <= 0.5 for _, y in snapped)


def test_a_lasso_takes_every_region_it_reaches_into_whole_and_a_near_click_finds_a_fleck():
    mask = np.zeros((300, 2000), np.uint8)
    mask[10:13, 10:13] = 255  # a 3-px fleck
    mask[40:43, 60:63] = 255  # another, outside the lasso below
    mask[100:110, 5:1990] = 255  # a band reaching far beyond the lasso and its first window
    lasso = [(0, 0), (30, 0), (30, 105), (0, 105)]  # holds the first fleck and a corner of the band
    (x0, y0), chosen = maskops.regions_in_lasso(mask, lasso)
    whole = np.zeros(mask.shape, bool)
    whole[y0:y0 + chosen.shape[0], x0:x0 + chosen.shape[1]] = chosen
    assert whole[10:13, 10:13].all() and whole[100:110, 5:1990].all()  # both whole
    assert not whole[40:43, 60:63].any() and whole.sum() == 9 + 10 * 1985
    assert maskops.region_count(chosen) == 2
    assert maskops.regions_in_lasso(mask, [(200, 200), (260, 200), (230, 260)]) is None  # nothing in it
    assert maskops.regions_in_lasso(mask, [(0, 0), (5, 5)]) is None  # not a polygon
    # a click 3 px beside the fleck finds its nearest pixel; one 9 px away finds nothing
    assert maskops.nearest_marked(mask, 15, 11, reach=4) == (12, 11)
    assert maskops.nearest_marked(mask, 11, 11, reach=0) == (11, 11)
    assert maskops.nearest_marked(mask, 21, 11, reach=4) is None
    assert maskops.nearest_marked(mask, -3, 11, reach=4) is None  # off the image, too far from it


def test_regions_come_in_reading_order_band_by_band():
    mask = np.zeros((600, 600), np.uint8)
    mask[300:303, 10:13] = 255  # second band, left
    mask[20:25, 500:505] = 255  # first band, right
    mask[200:204, 100:104] = 255  # first band (rows 0–255), left
    mask[290:292, 400:402] = 255  # second band, right
    boxes = maskops.regions_in_reading_order(mask, band=256)
    assert [(x, y) for x, y, *_ in boxes] == [(100, 200), (500, 20), (10, 300), (400, 290)]
    for x, y, w, h, px, py in boxes:
        assert mask[py, px] == 255 and x <= px < x + w and y <= py < y + h


def test_regions_of_at_least_keeps_and_counts_in_one_labelling():
    from muralstudio.core.maskops import region_count, regions_of_at_least, remove_specks

    mask = np.zeros((40, 40), bool)
    mask[2:4, 2:4] = True  # 4 px
    mask[10:20, 10:20] = True  # 100 px
    mask[30, 30] = True  # 1 px
    kept, count = regions_of_at_least(mask, 5)
    assert count == 1 and np.array_equal(kept, remove_specks(mask, 5) >= 128)
    kept, count = regions_of_at_least(mask, 0)
    assert count == region_count(mask) == 3 and np.array_equal(kept, mask)
