"""Each dock built alone, without the main window: a stand-in context gives it a document, a
job runner and somewhere to put messages (gui/context.py is all a dock may use)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from muralstudio.core.demo import demo_document  # noqa: E402
from muralstudio.core.document import Document  # noqa: E402
from muralstudio.engines import inpainting  # noqa: E402


class StandInContext:
    """What a dock sees of the window, recorded instead of acted on."""

    def __init__(self, doc, jobs):
        self.parent, self.doc, self.jobs, self.click_tool = None, doc, jobs, None
        self.errors, self.statuses, self.calls, self.docks = [], [], [], {}

    def show_error(self, message):
        self.errors.append(str(message))

    def show_status(self, text, milliseconds=5000):
        self.statuses.append(text)

    def center_on(self, x, y):
        self.calls.append(("center_on", x, y))

    def show_rect(self, *box):
        self.calls.append(("show_rect", *box))

    def highlight(self, box):
        self.calls.append(("highlight", box))

    def select_layer(self, layer):
        self.calls.append(("select_layer", layer.name))

    def set_brush_size(self, pixels):
        self.calls.append(("brush", pixels))

    def use_tool(self, name):
        self.calls.append(("tool", name))

    def dock(self, attribute):
        return self.docks.get(attribute)


@pytest.fixture
def jobs(qtbot):
    from muralstudio.gui.jobs import JobRunner

    runner = JobRunner()
    yield runner
    runner.shutdown()


def test_inpaint_dock_alone_proposes_a_fill_inside_the_mask_only(qtbot, jobs):
    from muralstudio.gui.inpaint_dock import InpaintDock

    doc = demo_document()
    context = StandInContext(doc, jobs)
    dock = InpaintDock(context)
    qtbot.addWidget(dock)
    dock.on_layers_changed()  # the hook the window calls when a document opens
    dock.engine.setCurrentIndex(dock.engine.findData("telea"))
    dock.mask_source.setCurrentIndex(dock.mask_source.findText("paint loss"))
    source = doc.source.full().copy()
    # the mask grown as the dock grows it (2 px by default): outside it nothing changes
    hole = inpainting.grown_mask(doc.layer_by_name("paint loss").data >= 128, dock.grow.value())
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
    dock.apply_button.click()
    restored = doc.restored_image()
    assert np.array_equal(restored[~hole], source[~hole]) and not np.array_equal(restored[hole], source[hole])
    assert context.errors == []


def test_inpaint_dock_alone_reports_an_empty_mask_through_the_context(qtbot, jobs):
    from muralstudio.gui.inpaint_dock import InpaintDock

    doc = Document.from_array(np.full((64, 64, 3), 128, np.uint8), name="blank")
    doc.new_mask_layer("damage")
    context = StandInContext(doc, jobs)
    dock = InpaintDock(context)
    qtbot.addWidget(dock)
    dock.on_layers_changed()  # the hook the window calls when a document opens
    assert dock.run() is None
    assert context.errors and "empty" in context.errors[0].lower()


def test_restoring_from_a_file_rewritten_on_disk_is_refused_with_its_message(qtbot, jobs, tmp_path):
    """Another program rewrote the tiled TIFF after it was opened: Restore says so, naming the
    file, instead of failing with an unexpected error, and restores nothing."""
    import os

    import tifffile

    from muralstudio.gui.inpaint_dock import InpaintDock

    path = tmp_path / "wall.tif"
    pixels = np.full((128, 128, 3), 120, np.uint8)
    tifffile.imwrite(path, pixels, tile=(64, 64), photometric="rgb")
    doc = Document.open(path)
    damage = doc.new_mask_layer("damage")
    damage.data[40:60, 40:60] = 255
    context = StandInContext(doc, jobs)
    dock = InpaintDock(context)
    qtbot.addWidget(dock)
    dock.on_layers_changed()
    tifffile.imwrite(path, pixels[::-1] // 2, tile=(64, 64), photometric="rgb")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    job = dock.run()  # the check before restoring reads the file first, on the job's thread
    qtbot.waitUntil(lambda: job.state == "failed", timeout=10000)
    assert len(context.errors) == 1 and "wall.tif" in context.errors[0]
    assert "changed on disk" in context.errors[0] and not doc.layers_of_kind("restoration")


def test_labels_dock_alone_labels_a_mask_layer_in_one_undo_step(qtbot, jobs):
    from muralstudio.gui.labels_dock import LabelsDock

    doc = Document.from_array(np.full((120, 160, 3), 200, np.uint8), name="labels")
    context = StandInContext(doc, jobs)
    dock = LabelsDock(context)
    qtbot.addWidget(dock)
    dock.on_layers_changed()  # the hook the window calls when a document opens
    layer = dock.new_layer()
    mask = doc.new_mask_layer("brushed")
    doc.write_pixels(mask, 10, 20, np.full((30, 40), 255, np.uint8))
    dock.classes.setCurrentRow(4)  # people
    assert dock.label_mask_layer(mask)
    assert (layer.data == 4).sum() == 30 * 40
    # the brushed pixels moved into the label layer: no "damage" left behind, the layer gone
    assert mask not in doc.layers
    doc.undo()
    assert (layer.data == 4).sum() == 0 and mask in doc.layers and mask.area == 30 * 40
    empty = doc.new_mask_layer("nothing")
    assert not dock.label_mask_layer(empty) and "nothing" in context.errors[-1]
    context.errors.clear()
    assert not dock.label_click_region() and context.errors  # no click tool region: said, not crashed


def test_measurements_dock_alone_counts_a_damage_layer(qtbot, jobs):
    from muralstudio.gui.documentation import MeasurementsDock

    doc = Document.from_array(np.full((100, 100, 3), 180, np.uint8), name="measure")
    mask = doc.new_mask_layer("paint loss")
    doc.write_pixels(mask, 0, 0, np.full((10, 20), 255, np.uint8))
    doc.write_pixels(mask, 50, 50, np.full((5, 5), 255, np.uint8))
    context = StandInContext(doc, jobs)
    dock = MeasurementsDock(context)
    qtbot.addWidget(dock)
    dock.refresh()
    row = next(r for r in dock.rows if r.layer == "paint loss")
    assert (row.pixels, row.regions, row.largest_pixels) == (225, 2, 200)
    assert dock.table.rowCount() == len(dock.rows)


def test_detect_dock_alone_proposes_reviewable_layers(qtbot, jobs, dark_detector):
    from muralstudio.gui.detect_dock import DetectDock

    pixels = np.full((200, 300, 3), 255, np.uint8)
    pixels[80:100, 20:280] = 40
    doc = Document.from_array(pixels, name="bands")
    context = StandInContext(doc, jobs)
    dock = DetectDock(context)
    qtbot.addWidget(dock)
    dock.on_layers_changed()
    dock.threshold.setValue(0.3)
    dock.min_area.setValue(0)
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    crack = doc.layer_by_name("craquelure (proposed)")
    assert crack.proposed and np.count_nonzero(crack.data) == 20 * 260
    dock.review_button.click()
    assert ("tool", "review") in context.calls


def test_detect_dock_shows_a_small_region_zoomed_in_with_its_paint_around(qtbot, jobs, dark_detector):
    """Stepping to a 3-px flake asks the window for a square of at least 96 px centred on it
    (the flake with the paint around it), and frames the flake itself."""
    from muralstudio.gui.detect_dock import DetectDock

    pixels = np.full((400, 600, 3), 255, np.uint8)
    pixels[300:303, 500:503] = 40  # a 3-px dark flake
    doc = Document.from_array(pixels, name="flake")
    context = StandInContext(doc, jobs)
    dock = DetectDock(context)
    qtbot.addWidget(dock)
    dock.threshold.setValue(0.3)
    dock.min_area.setValue(0)
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    assert dock.next_button.isEnabled()
    dock.next_button.click()
    x, y, w, h = next(call[1:] for call in context.calls if call[0] == "show_rect")
    assert w == h == DetectDock.STEP_VIEW and (x + w / 2, y + h / 2) == (501, 301)
    assert ("highlight", (500, 300, 3, 3)) in context.calls
