"""Document, layers, undo/redo with deltas and a memory cap, restorations, pyramid."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from conftest import random_image
from muralstudio.core import imageio
from muralstudio.core.document import Document, LayerLockedError, MaskLayer, Patch
from muralstudio.core.pyramid import Pyramid, _downsample2, level_sizes
from muralstudio.core.record import RestorationRecord


def disk(radius: int) -> np.ndarray:
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    return xx * xx + yy * yy <= radius * radius


def brush(doc, layer, x, y, radius, value=255):
    dab = disk(radius)
    doc.write_pixels(layer, x - radius, y - radius, np.full(dab.shape, value, np.uint8), where=dab)


@pytest.fixture
def doc(rng):
    return Document.from_array(random_image(rng, (200, 300, 3), np.uint16))


def test_brush_stroke_is_one_undo_step_and_redo_restores_it(doc):
    mask = doc.new_mask_layer("cracks")
    with doc.action("Brush stroke"):
        for x in range(20, 120, 5):
            brush(doc, mask, x, 50, 6)
    painted = mask.data.copy()
    assert mask.area == np.count_nonzero(painted) > 1000
    assert doc.history.names()[-1] == "Brush stroke"
    assert doc.undo() == "Brush stroke"
    assert mask.area == 0
    assert doc.redo() == "Brush stroke"
    assert np.array_equal(mask.data, painted)


def test_new_action_clears_redo(doc):
    mask = doc.new_mask_layer()
    brush(doc, mask, 50, 50, 5)
    doc.undo()
    assert doc.history.can_redo
    brush(doc, mask, 100, 100, 5)
    assert not doc.history.can_redo


def test_undo_of_a_stroke_on_a_100_megapixel_mask_stores_only_the_stroke():
    doc = Document.from_array(np.zeros((10_000, 10_000, 3), np.uint8))
    mask = doc.new_mask_layer()
    before = doc.history.nbytes
    with doc.action("stroke"):
        for x in range(5000, 5400, 10):
            brush(doc, mask, x, 5000, 20)
    stored = doc.history.nbytes - before
    assert stored < 200_000  # 41 dabs of 41×41 px, not 100 MB
    doc.undo()
    assert not mask.data[4970:5030, 4970:5430].any()


def test_history_is_capped_by_memory_dropping_oldest_steps(rng):
    doc = Document.from_array(np.zeros((300, 300, 3), np.uint8), history_limit=100_000)
    mask = doc.new_mask_layer()
    for i in range(20):
        doc.write_pixels(mask, 0, 0, np.full((100, 100), i + 1, np.uint8), action=f"fill {i}")
    assert doc.history.nbytes <= 100_000
    names = doc.history.names()
    assert names[-1] == "fill 19" and "fill 0" not in names
    oldest_kept = min(int(n.split()[1]) for n in names if n.startswith("fill"))
    while doc.undo():
        pass
    assert mask.data[0, 0] == oldest_kept  # the value fill (oldest_kept - 1) wrote


def test_layer_properties_and_list_edits_are_undoable(doc):
    a = doc.new_mask_layer("a")
    b = doc.new_mask_layer("b")
    doc.set_property(a, "opacity", 0.3)
    doc.set_property(a, "name", "cracks")
    doc.move_layer(a, 1)
    assert [layer.name for layer in doc.layers] == ["b", "cracks"]
    doc.remove_layer(b)
    assert [layer.name for layer in doc.layers] == ["cracks"]
    doc.undo()
    doc.undo()
    assert [layer.name for layer in doc.layers] == ["cracks", "b"]
    doc.undo()
    assert a.name == "a"
    doc.undo()
    assert a.opacity == 1.0
    with pytest.raises(AttributeError):
        doc.set_property(a, "pixels", 1)


def test_events_are_plain_callbacks(doc):
    seen = []
    doc.layer_inserted.connect(lambda i, layer: seen.append(("inserted", i, layer.name)))
    doc.layer_changed.connect(lambda layer, what, bbox: seen.append((what, bbox)))
    mask = doc.new_mask_layer("m")
    brush(doc, mask, 10, 10, 2)
    assert seen[0] == ("inserted", 0, "m")
    assert seen[1] == ("pixels", (8, 13, 8, 13))


def test_locked_layer_refuses_edits(doc):
    mask = doc.new_mask_layer()
    doc.set_property(mask, "locked", True)
    with pytest.raises(LayerLockedError, match="locked"):
        brush(doc, mask, 10, 10, 3)


def test_mask_layer_size_must_match_image(doc):
    with pytest.raises(ValueError, match="does not match"):
        doc.add_layer(MaskLayer("bad", np.zeros((10, 10), np.uint8)))


def test_set_layer_data_keeps_only_changed_box(doc):
    mask = doc.new_mask_layer()
    new = mask.data.copy()
    new[100:110, 200:220] = 255
    doc.set_layer_data(mask, new, "grow")
    assert doc.history.undo_stack[-1].nbytes < 500
    doc.undo()
    assert mask.area == 0


def test_set_layer_data_keeps_pixels_spread_thin_one_by_one():
    """A re-threshold changes specks all over a large proposals layer: undo keeps those pixels,
    not the box they span, and undoes and redoes them exactly; a dense change keeps its box."""
    doc = Document.from_array(np.zeros((2000, 3000, 3), np.uint8))
    mask = doc.new_mask_layer()
    mask.data[500:520, 600:640] = 255  # 800 px set before
    new = mask.data.copy()
    new[500:510, 600:640] = 0  # 400 px cleared
    for y, x in ((3, 2990), (1990, 5), (1000, 1500)):
        new[y:y + 5, x:x + 5] = 255  # 75 px set
    before = mask.data.copy()
    events = []
    mask.changed.connect(lambda layer, what, bbox: events.append(bbox))
    doc.set_layer_data(mask, new, "Re-threshold")
    np.testing.assert_array_equal(mask.data, new)
    assert doc.history.undo_stack[-1].nbytes < 6_000  # 475 pixels, not the 6-MB box
    assert events[-1] == (3, 1995, 5, 2995)
    doc.undo()
    np.testing.assert_array_equal(mask.data, before)
    doc.redo()
    np.testing.assert_array_equal(mask.data, new)
    dense = np.full_like(new, 255)
    doc.set_layer_data(mask, dense, "fill")
    assert doc.history.undo_stack[-1].nbytes >= 6_000_000  # saved as the box
    doc.undo()
    np.testing.assert_array_equal(mask.data, new)


def test_restoration_is_a_proposal_until_applied(doc):
    source = doc.source.full()
    hole = np.zeros((40, 50), bool)
    hole[10:30, 10:40] = True
    fill = np.full((40, 50, 3), 1234, np.uint16)
    record = RestorationRecord(engine="telea", engine_version="cv2", parameters={"radius": 3})
    layer = doc.add_restoration([Patch(100, 60, fill, hole)], record)
    assert np.array_equal(doc.restored_image(), source)  # pending: not part of the result
    doc.apply_restoration(layer)
    restored = doc.restored_image()
    assert (restored[70:90, 110:140] == 1234).all()
    outside = np.ones(source.shape[:2], bool)
    outside[70:90, 110:140] = False
    assert np.array_equal(restored[outside], source[outside])
    assert doc.applied_records() == [record]
    doc.undo()
    assert layer.pending and doc.applied_records() == []


def test_modified_flag_follows_history(doc):
    assert not doc.is_modified
    mask = doc.new_mask_layer()
    assert doc.is_modified
    doc.mark_clean()
    brush(doc, mask, 5, 5, 2)
    assert doc.is_modified
    doc.undo()
    assert not doc.is_modified


def test_history_go_to(doc):
    mask = doc.new_mask_layer()
    for i in range(4):
        brush(doc, mask, 20 + 30 * i, 20, 3)
    doc.history.go_to(2)
    assert len(doc.history.undo_stack) == 2 and len(doc.history.redo_stack) == 3
    doc.history.go_to(5)
    assert len(doc.history.undo_stack) == 5


# --- pyramid ---------------------------------------------------------------------------------

def test_pyramid_levels_are_2x2_means_built_once_in_the_cache(tmp_path, rng):
    pixels = random_image(rng, (700, 1000, 3), np.uint16)
    src = tmp_path / "originals" / "mural.tif"
    src.parent.mkdir()
    tifffile.imwrite(src, pixels, tile=(256, 256), photometric="rgb", compression="zlib")
    doc = Document.open(src)
    doc.project_path = tmp_path / "work" / "mural.mural"
    pyramid = doc.pyramid().build()
    assert pyramid.sizes == level_sizes(1000, 700) == [(1000, 700), (500, 350), (250, 175)]
    assert pyramid.folder.parent == tmp_path / "work" / "mural.mural.cache"
    assert list(src.parent.iterdir()) == [src]  # nothing written next to the original
    level1 = pyramid.read_region(0, 0, 500, 350, 1)
    expected = (pixels.reshape(350, 2, 500, 2, 3).astype(np.uint32).sum(axis=(1, 3)) + 2) // 4
    assert np.array_equal(level1, expected)
    assert np.array_equal(pyramid.read_region(100, 50, 30, 20, 2),
                          _downsample2(expected)[50:70, 100:130])
    mtime = pyramid.level_path(1).stat().st_mtime_ns
    Pyramid(doc.source, doc.cache_root).build()
    assert pyramid.level_path(1).stat().st_mtime_ns == mtime
    assert pyramid.best_level(1.0) == 0 and pyramid.best_level(0.5) == 1 and pyramid.best_level(0.1) == 2


def test_pyramid_handles_odd_sizes_and_grey(tmp_path, rng):
    pixels = random_image(rng, (301, 517), np.uint8)
    imageio.write_png(tmp_path / "g.png", pixels)
    doc = Document.open(tmp_path / "g.png")
    pyramid = doc.pyramid().build()
    assert pyramid.sizes[1] == (259, 151)
    assert pyramid.read_region(0, 0, 259, 151, 1).shape == (151, 259, 1)


def test_cancelled_pyramid_build_leaves_no_partial_levels(tmp_path, rng):
    from muralstudio.core.errors import Cancelled

    doc = Document.from_array(random_image(rng, (600, 900, 3), np.uint8))
    pyramid = Pyramid(doc.source, tmp_path / "cache")
    with pytest.raises(Cancelled):
        pyramid.build(cancelled=lambda: True)
    assert not pyramid.is_built
    assert not list(pyramid.folder.glob("*.tif")) and not list(pyramid.folder.glob("*.tmp"))
    progress = []
    pyramid.build(progress=lambda fraction, stage: progress.append(fraction))
    assert pyramid.is_built and progress[-1] == pytest.approx(1.0)


def test_missing_pyramid_level_computed_on_request_equals_the_built_one(tmp_path, rng):
    from muralstudio.core.errors import ImageIOError

    doc = Document.from_array(random_image(rng, (700, 900, 3), np.uint16))
    pyramid = Pyramid(doc.source, tmp_path / "cache")
    with pytest.raises(ImageIOError, match="missing"):
        pyramid.read_region(0, 0, 100, 100, 2)
    computed = pyramid.read_region(60, 40, 100, 80, 2, compute_missing=True)
    pyramid.build()
    assert np.array_equal(computed, pyramid.read_region(60, 40, 100, 80, 2))


def test_merge_down_joins_damage_with_damage_only():
    """A damage layer never merges into a probability map (it would stop being measured and
    restored), nor a probability map into damage."""
    doc = Document.from_array(np.zeros((20, 20, 3), np.uint8))
    damage = doc.new_mask_layer("old damage")
    doc.new_mask_layer("P(people)", np.full((20, 20), 200, np.uint8), purpose="probability")
    top = doc.new_mask_layer("new damage")
    top.data[2:4, 2:4] = 255
    assert doc.merge_mask_down(top) is damage and damage.area == 4
    probability = doc.layer_by_name("P(people)")
    with pytest.raises(ValueError, match="same kind"):
        doc.merge_mask_down(probability)


def test_filling_specks_spread_over_a_large_layer_stores_only_them():
    """Accept all moves every proposal (specks spread over the whole wall) into the damage
    layer: undo keeps the specks' pixels, not a copy of the whole layer, and undoes and redoes
    them exactly."""
    doc = Document.from_array(np.zeros((3000, 4000, 3), np.uint8))
    mask = doc.new_mask_layer()
    mask.data[0, 0] = 9  # already set where one speck lies: only what changes is saved
    where = np.zeros((3000, 4000), bool)
    for y, x in ((0, 0), (5, 3990), (2990, 7), (1500, 2000)):
        where[y:y + 4, x:x + 4] = True
    events = []
    mask.changed.connect(lambda layer, what, bbox: events.append(bbox))
    before = doc.history.nbytes
    doc.fill_pixels(mask, 0, 0, where, 255, action="Accept all")
    assert doc.history.nbytes - before < 2_000  # 64 pixels' indices and values, not 12 MB
    assert (mask.data[where] == 255).all() and mask.data[~where].sum() == 0
    assert events[-1] == (0, 2994, 0, 3994)  # the box to redraw
    assert doc.history.names()[-1] == "Accept all"
    doc.undo()
    assert mask.data[0, 0] == 9 and int(mask.data.sum()) == 9 and events[-1] == (0, 2994, 0, 3994)
    doc.redo()
    assert (mask.data[where] == 255).all() and int(np.count_nonzero(mask.data)) == 64
    # a dense region and a region reaching past the image: clipped, saved as its box
    doc.fill_pixels(mask, 3990, 2990, np.ones((20, 20), bool), 7)
    assert (mask.data[2990:, 3990:] == 7).all()
    doc.undo()
    assert not mask.data[2990:, 3990:].any() and int(np.count_nonzero(mask.data)) == 64
    mask.locked = True
    with pytest.raises(LayerLockedError):
        doc.fill_pixels(mask, 0, 0, where, 0)


def test_a_source_rewritten_on_disk_is_not_read_or_hashed_as_the_image_shown(tmp_path):
    """A tiled TIFF is read by region while it is open: when another program rewrites it, the
    next read says so (naming the file) instead of showing, restoring or recording the pixels
    of another image under this one's name."""
    import os

    from muralstudio.core.errors import SourceChangedError

    path = tmp_path / "wall.tif"
    pixels = random_image(np.random.default_rng(1), (260, 300, 3), np.uint8)
    tifffile.imwrite(path, pixels, tile=(64, 64), photometric="rgb")
    doc = Document.open(path)
    assert doc.source.read_by_region
    np.testing.assert_array_equal(doc.source.read_region(0, 0, 32, 32), pixels[:32, :32])
    tifffile.imwrite(path, pixels[::-1].copy(), tile=(64, 64), photometric="rgb")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    with pytest.raises(SourceChangedError, match="wall.tif"):
        doc.source.read_region(0, 0, 32, 32)
    with pytest.raises(SourceChangedError):
        doc.source_sha256()


def test_a_source_replaced_with_its_old_size_and_time_kept_is_noticed_but_not_a_permission_change(tmp_path):
    """`cp -p` of another image of the same size over the file keeps its size and modification
    time: the status-change time and a sample of the bytes still tell; a chmod alone does not
    make the image shown 'changed'."""
    import os
    import time

    from muralstudio.core.errors import SourceChangedError

    path = tmp_path / "wall.tif"
    pixels = random_image(np.random.default_rng(2), (260, 300, 3), np.uint8)
    tifffile.imwrite(path, pixels, tile=(64, 64), photometric="rgb")
    doc = Document.open(path)
    before = path.stat()
    key = doc.source.identity
    time.sleep(0.05)  # the status-change time has the kernel's tick, not nanoseconds
    os.chmod(path, 0o444)
    assert path.stat().st_ctime_ns != before.st_ctime_ns  # else this half tests nothing
    np.testing.assert_array_equal(doc.source.read_region(0, 0, 32, 32), pixels[:32, :32])
    assert doc.source.identity == key  # the pyramid cache stays
    os.chmod(path, 0o644)
    # the same bytes copied away and back (another inode, its time kept): not a new image
    import shutil

    shutil.copy2(path, tmp_path / "away.tif")
    os.replace(tmp_path / "away.tif", path)
    assert path.stat().st_ino != before.st_ino
    np.testing.assert_array_equal(doc.source.read_region(0, 0, 32, 32), pixels[:32, :32])
    replacement = tmp_path / "other.tif"
    tifffile.imwrite(replacement, pixels[::-1].copy(), tile=(64, 64), photometric="rgb")
    path.write_bytes(replacement.read_bytes())  # in place: the same inode
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    with pytest.raises(SourceChangedError, match="wall.tif"):
        doc.source.read_region(0, 0, 32, 32)


def test_a_tiled_float_tiff_is_checked_when_opened_not_tile_by_tile(tmp_path):
    """A tiled float TIFF of values 0–255 opened in the window as a grey canvas, each tile
    failing with 'part of the image cannot be read (damaged or incomplete)'; the command line
    refused it (a QA engineer, 2026-12-07). Float samples are checked band by band when opened;
    the image is still read by region after."""
    from muralstudio.core.errors import UnsupportedImageError

    bad = tmp_path / "float 0-255.tif"
    tifffile.imwrite(bad, np.full((300, 280, 3), 128.0, np.float32), tile=(64, 64), photometric="rgb")
    with pytest.raises(UnsupportedImageError, match="outside 0–1"):
        Document.open(bad)
    good = tmp_path / "float 0-1.tif"
    tifffile.imwrite(good, np.full((300, 280, 3), 0.5, np.float32), tile=(64, 64), photometric="rgb")
    doc = Document.open(good)
    assert doc.source.read_by_region and doc.source.read_region(0, 0, 2, 2).dtype == np.uint16  # still by region


def test_a_new_mask_layer_takes_a_colour_apart_from_those_shown():
    """A user's "loss 2" came out nearly the magenta of accepted paint loss; a damage layer the
    red of accepted craquelure (a conservator, 2026-12-07)."""
    doc = Document.from_array(np.zeros((20, 30, 3), np.uint8))
    first = doc.new_mask_layer("damage")
    assert first.color == (255, 40, 40)  # the first default, as before
    doc.new_mask_layer("paint loss", color=(235, 40, 235))  # accepted paint loss
    doc.new_mask_layer("cracks", color=(255, 50, 50))  # accepted craquelure
    mine = doc.new_mask_layer("loss 2")  # the cycle's fourth, (200, 60, 255), is that magenta
    shown = [np.array(c, float) for c in ((255, 40, 40), (235, 40, 235), (255, 50, 50))]
    assert min(np.linalg.norm(np.array(mine.color, float) - c) for c in shown) >= 80
