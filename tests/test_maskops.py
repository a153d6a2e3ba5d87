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
