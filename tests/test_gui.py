"""The window, driven offscreen as a user would: open, toggle layers, undo, save, export."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

from conftest import random_image  # noqa: E402
from muralstudio.core import imageio, project  # noqa: E402
from muralstudio.engines import inpainting  # noqa: E402
from muralstudio.gui.main_window import demo_document  # noqa: E402


# the `window` fixture (an empty main window, closed cleanly) is in conftest.py


def show(window, qtbot, centre=None):
    """Show the window as a user sees it; with ``centre``, at 100 % around that image point."""
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    if centre is not None:
        window.view.actual_size()
        window.view.centerOn(*centre)


def test_demo_document_opens_with_damage_layers(window):
    window.set_document(demo_document())
    assert window.doc.info.bit_depth == 16
    assert [l.name for l in window.doc.layers][:2] == ["cracks", "paint loss"]
    assert window.layer_panel.model.rowCount() == 3
    assert set(window.view.mask_items) == {l.uid for l in window.doc.layers if l.kind in ("mask", "labels")}
    labels = window.doc.layer_by_name("elements (ground truth)")
    assert not window.view.mask_items[labels.uid].isVisible()  # hidden in the demo
    assert not window.doc.is_modified and "demo mural" in window.windowTitle()


def test_layer_visibility_checkbox_is_undoable(window):
    window.set_document(demo_document())
    model = window.layer_panel.model
    bottom = model.index(model.rowCount() - 1)  # bottom layer: cracks
    cracks = window.doc.layers[0]
    assert model.data(bottom).startswith("cracks")
    model.setData(bottom, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert cracks.visible is False and not window.view.mask_items[cracks.uid].isVisible()
    assert window.windowTitle().startswith("*")
    window.undo_action.trigger()
    assert cracks.visible is True and window.view.mask_items[cracks.uid].isVisible()
    assert window.redo_action.isEnabled()


def test_open_16_bit_tiff_save_project_and_export(window, tmp_path, rng, srgb_icc):
    pixels = random_image(rng, (120, 160, 3), np.uint16)
    info = imageio.ImageInfo(path=None, format="TIFF", width=0, height=0, channels=3,
                             dtype=np.uint16, icc_profile=srgb_icc)
    source = imageio.write_tiff(tmp_path / "mural.tif", pixels, info)
    before = source.read_bytes()
    assert window.open_path(source)
    window.new_mask_layer()
    assert window.doc.layers[0].kind == "mask"
    assert window._save_to(tmp_path / "mural.mural")
    assert not window.doc.is_modified
    assert len(project.load_project(tmp_path / "mural.mural").layers) == 1
    assert window.export(tmp_path / "export.tif")
    exported = imageio.read_image(tmp_path / "export.tif")
    assert exported.info.bit_depth == 16 and exported.info.icc_profile == srgb_icc
    assert np.array_equal(exported.pixels, pixels)
    assert (tmp_path / "export.tif.record.json").exists()
    assert source.read_bytes() == before
    assert not window.export(source)  # refuses to overwrite the original
    assert "never writes to originals" in window.last_error


def test_bad_file_shows_message_not_traceback(window, tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"II*\0" + b"\xff" * 50)
    assert not window.open_path(bad)
    assert "bad.tif" in window.last_error


def test_cursor_shows_pixel_value_at_source_depth(window):
    window.set_document(demo_document())
    window._show_cursor(10, 20)
    value = window.doc.source.read_region(10, 20, 1, 1).reshape(-1)
    assert window.status_pos.text() == f"x 10  y 20  value {' '.join(map(str, value))}  (16-bit)"


def test_recovery_is_offered_after_a_crash(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    doc = demo_document()
    doc.new_mask_layer("unsaved")
    path = project.write_recovery(doc)
    meta = path.with_suffix(".json")
    meta.write_text(meta.read_text().replace('"pid": ', '"pid": -1, "old_pid": '))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert window.offer_recovery()
    assert [l.name for l in window.doc.layers][-1] == "unsaved"
    assert window.doc.is_modified
    # until the recovered document's own copy is written, a second crash still finds the work
    # (the file was deleted at once, a conservator found, 2026-12-07)
    assert [r["uid"] for r in project.list_recoveries()] == [doc.uid]
    assert window.autosaver.tick() is not None
    assert project.list_recoveries() == [] and not path.exists()


def test_inpaint_job_proposes_then_apply_and_export(window, qtbot, tmp_path):
    doc = demo_document()
    window.set_document(doc)
    dock = window.inpaint_dock
    dock.engine.setCurrentIndex(dock.engine.findData("telea"))
    dock.mask_source.setCurrentIndex(dock.mask_source.findText("paint loss"))
    source = doc.source.full().copy()
    # the mask grown as the dock grows it (2 px by default): outside it nothing changes
    hole = inpainting.grown_mask(doc.layer_by_name("paint loss").data >= 128, dock.grow.value())
    job = dock.run()
    assert job is not None and not dock.run_button.isEnabled()
    qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
    layer = dock.pending_layer()
    assert layer is not None and layer.record.engine == "telea"
    assert np.array_equal(doc.restored_image(), source)  # a proposal changes nothing yet
    dock.apply_button.click()
    assert not layer.pending and dock.pending_layer() is None
    restored = doc.restored_image()
    assert np.array_equal(restored[~hole], source[~hole]) and not np.array_equal(restored[hole], source[hole])
    assert window.export(tmp_path / "restored.tif")
    exported = imageio.read_image(tmp_path / "restored.tif")
    assert exported.info.bit_depth == 16 and np.array_equal(exported.pixels[~hole], source[~hole])
    window.undo_action.trigger()
    assert layer.pending


def test_cancelled_inpaint_job_changes_nothing(window, qtbot):
    window.set_document(demo_document())
    dock = window.inpaint_dock
    dock.engine.setCurrentIndex(dock.engine.findData("patchmatch"))
    layers_before = list(window.doc.layers)
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "running", timeout=10000)
    dock.cancel_button.click()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=60000)
    assert window.doc.layers == layers_before and "cancelled" in dock.stage.text()


def test_event_loop_keeps_answering_during_a_slow_job(window, qtbot, monkeypatch):
    """A real heavy job (PatchMatch on the demo mural) must not freeze the window. What counts
    is that the loop keeps turning throughout the job, not a number of milliseconds a busy
    machine can break: the job runs on another thread, the 10 ms timer fires all along, and no
    stall is much longer than the same loop's stalls measured idle in this test."""
    import threading

    from PySide6.QtCore import QElapsedTimer, QTimer

    window.set_document(demo_document())
    dock = window.inpaint_dock
    dock.engine.setCurrentIndex(dock.engine.findData("patchmatch"))
    clock = QElapsedTimer()
    clock.start()

    def measure(milliseconds):
        gaps, last = [], [clock.elapsed()]

        def tick():
            now = clock.elapsed()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        last[0] = clock.elapsed()
        timer.start()
        qtbot.wait(milliseconds)
        timer.stop()
        return gaps

    idle = measure(1000)
    threads = []
    submit = window.jobs.submit

    def traced_submit(job):
        work = job.fn

        def traced(progress, cancelled):
            threads.append(threading.get_ident())
            return work(progress, cancelled)

        job.fn = traced
        return submit(job)

    monkeypatch.setattr(window.jobs, "submit", traced_submit)
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "running", timeout=10000)
    busy = measure(3000)
    dock.cancel_button.click()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=60000)
    assert threads and threads[0] != threading.get_ident()  # the work was not on the GUI thread
    assert len(busy) >= len(idle)  # the loop turned as often as when idle, for 3× as long
    assert max(busy) < max(1000, 10 * max(idle)), (sorted(busy)[-5:], sorted(idle)[-5:])


def test_failed_job_reports_its_message(window, qtbot):
    from muralstudio.gui.jobs import Job

    def broken(progress, cancelled):
        raise ValueError("weights file is damaged")

    failures = []
    window.jobs.job_failed.connect(lambda job, message: failures.append(message))
    job = window.jobs.submit(Job("broken", broken))
    qtbot.waitUntil(lambda: job.state == "failed", timeout=5000)
    assert failures == ["weights file is damaged"]


def test_brush_and_eraser_drag_paint_the_selected_mask(window, qtbot):
    doc = demo_document()
    window.set_document(doc)
    show(window, qtbot, (400, 300))
    layer = doc.new_mask_layer("strokes")
    window.layer_panel.select(layer)
    window.brush_size.setValue(10)
    window.brush_hardness.setValue(100)
    window.tool_actions["brush"].trigger()
    viewport = window.view.viewport()
    start = window.view.mapFromScene(380, 300)
    end = window.view.mapFromScene(420, 300)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, pos=end)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    assert layer.data[300, 400] == 255 and layer.data[300, 430] == 0
    assert doc.history.names()[-1] == "Brush stroke"
    window.tool_actions["eraser"].trigger()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=window.view.mapFromScene(400, 300))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=window.view.mapFromScene(400, 300))
    assert layer.data[300, 400] == 0 and layer.data[300, 383] == 255
    window.undo_action.trigger()
    assert layer.data[300, 400] == 255
    window.tool_actions["polygon"].trigger()
    for x, y in ((100, 100), (140, 100), (140, 140)):
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=window.view.mapFromScene(x, y))
    qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=window.view.mapFromScene(100, 140))
    assert layer.data[120, 130] == 255 and layer.data[135, 105] == 0


def test_layer_panel_rename_opacity_lock_reorder_duplicate_merge_delete(window):
    doc = demo_document()
    window.set_document(doc)
    panel = window.layer_panel
    cracks, loss = doc.layer_by_name("cracks"), doc.layer_by_name("paint loss")
    panel.select(loss)
    panel.model.setData(panel.view.currentIndex(), "flaking", Qt.ItemDataRole.EditRole)
    assert loss.name == "flaking"
    panel.opacity.setValue(40)
    panel.opacity.sliderReleased.emit()
    assert loss.opacity == pytest.approx(0.4)
    panel.buttons["lock"].click()
    assert loss.locked and panel.buttons["lock"].text() == "Unlock"
    panel.buttons["lock"].click()
    panel.buttons["duplicate"].click()
    copy = doc.layer_by_name("flaking copy")
    assert np.array_equal(copy.data, loss.data) and copy.data is not loss.data
    panel.select(copy)
    panel.buttons["down"].click()
    assert doc.index_of(copy) == doc.index_of(loss) - 1
    panel.select(loss)
    area = np.count_nonzero((loss.data >= 128) | (copy.data >= 128) | (cracks.data >= 128))
    panel.buttons["merge"].click()  # flaking -> its copy just below
    assert "flaking" not in [l.name for l in doc.layers]
    assert np.count_nonzero(copy.data >= 128) == np.count_nonzero(loss.data >= 128)
    panel.select(copy)
    panel.buttons["merge"].click()  # the copy -> cracks
    assert np.count_nonzero(cracks.data >= 128) == area
    panel.select(cracks)
    panel.buttons["delete"].click()
    assert doc.layers_of_kind("mask") == []
    for _ in range(3):
        window.undo_action.trigger()
    assert [l.name for l in doc.layers_of_kind("mask")] == ["cracks", "flaking copy", "flaking"]


def test_history_dock_lists_steps_and_jumps_on_click(window):
    doc = demo_document()
    window.set_document(doc)
    layer = doc.new_mask_layer("a")
    doc.write_pixels(layer, 0, 0, np.full((5, 5), 255, np.uint8), action="dab 1")
    doc.write_pixels(layer, 10, 10, np.full((5, 5), 255, np.uint8), action="dab 2")
    history = window.history_list
    assert [history.item(i).text() for i in range(history.count())] == ["Opened", "Add layer 'a'", "dab 1", "dab 2"]
    history.itemClicked.emit(history.item(1))
    assert layer.area == 0 and history.currentRow() == 1 and doc.history.can_redo
    history.itemClicked.emit(history.item(3))
    assert layer.area == 50


def test_compare_modes_show_original_restored_and_difference(window, qtbot):
    from PySide6.QtCore import QEvent as E
    from PySide6.QtGui import QKeyEvent

    from muralstudio.core.document import Patch
    from muralstudio.core.record import RestorationRecord

    doc = demo_document()
    window.set_document(doc)
    show(window, qtbot)
    hole = np.zeros((100, 100), bool)
    hole[20:80, 20:80] = True
    fill = np.zeros((100, 100, 3), np.uint16)  # black square where the restoration is
    layer = doc.add_restoration([Patch(700, 500, fill, hole)], RestorationRecord("test", "1"))
    window.view.actual_size()
    window.view.centerOn(750, 550)
    qtbot.wait(50)

    def colour_at(view, x, y):
        view.viewport().grab()  # paints, requesting the visible tiles
        assert view.wait_for_tiles()
        image = view.viewport().grab().toImage()
        point = view.mapFromScene(x, y)
        return image.pixelColor(point).getRgb()[:3]

    assert colour_at(window.view, 750, 550) == (0, 0, 0)  # the proposal is shown
    window.compare_actions["split"].trigger()
    window.view.split_fraction = 0.0  # divider at the far left: everything is original
    window.view.viewport().update()
    qtbot.wait(50)
    assert colour_at(window.view, 750, 550) != (0, 0, 0)
    window.view.split_fraction = 1.0
    window.view.viewport().update()
    qtbot.wait(50)
    assert colour_at(window.view, 750, 550) == (0, 0, 0)
    for zoom in (4.0, 16.0):  # close up, to judge a fill (the clip once overflowed from ~2×)
        window.view.set_zoom(zoom)
        window.view.centerOn(750, 550)
        assert colour_at(window.view, 750, 550) == (0, 0, 0)
    window.view.actual_size()
    window.view.centerOn(750, 550)
    window.compare_actions["difference"].trigger()
    qtbot.wait(50)
    diff_inside, diff_outside = colour_at(window.view, 750, 550), colour_at(window.view, 710, 505)
    assert diff_inside[0] > 150 and max(diff_outside) < 80  # changed bright, unchanged dark
    window.compare_actions["side"].trigger()
    qtbot.wait(50)
    assert window.original_view.isVisible()
    assert window.original_view.transform().m11() == pytest.approx(window.view.transform().m11())
    assert colour_at(window.original_view, 750, 550) != (0, 0, 0)
    window.compare_actions["off"].trigger()
    assert not window.original_view.isVisible()
    press = QKeyEvent(E.Type.KeyPress, Qt.Key.Key_Backslash, Qt.KeyboardModifier.NoModifier, "\\")
    QCoreApplication.sendEvent(window.view, press)
    qtbot.wait(50)
    assert colour_at(window.view, 750, 550) != (0, 0, 0)  # held: original
    release = QKeyEvent(E.Type.KeyRelease, Qt.Key.Key_Backslash, Qt.KeyboardModifier.NoModifier, "\\")
    QCoreApplication.sendEvent(window.view, release)
    qtbot.wait(50)
    assert colour_at(window.view, 750, 550) == (0, 0, 0)
    assert layer.pending


def test_export_dialog_writes_restored_mask_and_labels(window, tmp_path):
    from PIL import Image

    from muralstudio.gui.export_dialog import ExportDialog

    doc = demo_document()
    window.set_document(doc)
    dialog = ExportDialog(doc, window)
    # nothing restored yet: no intervention map nor marked copy to offer
    assert not any(dialog.what.itemData(i)[0] in ("interventions", "marked") for i in range(dialog.what.count()))
    dialog.what.setCurrentIndex(dialog.what.findText("Labels: elements (ground truth)"))
    assert "--" not in Path(dialog.path.text()).name  # "elements (ground truth)" → "elements-ground-truth"
    dialog.what.setCurrentIndex(0)
    assert [dialog.format.itemData(i) for i in range(dialog.format.count())] == ["tiff", "png8", "jpeg8"]
    assert "16-bit" in dialog.format.itemText(0)
    dialog.format.setCurrentIndex(1)
    dialog.path.setText(str(tmp_path / "share"))
    dialog._update_suffix()
    assert dialog.path.text().endswith("share.png")
    out = dialog.run_export()
    assert imageio.read_image(out).info.bit_depth == 8 and (tmp_path / "share.png.record.json").exists()
    dialog.what.setCurrentIndex(dialog.what.findText("Mask: cracks"))
    dialog.path.setText(str(tmp_path / "cracks.png"))
    out = dialog.run_export()
    assert np.array_equal(imageio.read_image(out).pixels, doc.layer_by_name("cracks").data)
    dialog.what.setCurrentIndex(dialog.what.findText("Labels: elements (ground truth)"))
    dialog.path.setText(str(tmp_path / "labels.png"))
    out = dialog.run_export()
    with Image.open(out) as img:
        assert img.mode == "P" and img.getpalette()[3 * 4:3 * 5] == [0, 158, 115]  # class 4 colour
        assert np.array_equal(np.asarray(img), doc.layer_by_name("elements (ground truth)").data)


def test_export_asks_before_replacing_an_earlier_export(window, tmp_path, monkeypatch):
    """OK on the pre-filled path of an export made earlier replaced the TIFF and its record
    without a word (a conservator, 2026-12-07): an earlier treatment's documentation lost."""
    from PySide6.QtWidgets import QMessageBox

    from muralstudio.gui.export_dialog import ExportDialog

    doc = demo_document()
    window.set_document(doc)
    dialog = ExportDialog(doc, window)
    dialog.path.setText(str(tmp_path / "restored.tif"))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    dialog.accept()
    assert dialog.result() == ExportDialog.DialogCode.Accepted and not asked  # a new file: no question
    dialog.run_export()
    dialog = ExportDialog(doc, window)
    dialog.path.setText(str(tmp_path / "restored.tif"))
    dialog.accept()
    assert dialog.result() != ExportDialog.DialogCode.Accepted and "restored.tif exists already" in asked[-1]
    assert "an earlier export" in asked[-1]
    original = tmp_path / "original.tif"  # no record beside it: perhaps an original photograph
    original.write_bytes(b"II*\0")
    dialog = ExportDialog(doc, window)
    dialog.path.setText(str(original))
    dialog.accept()
    assert "no MuralStudio record beside it: it may be an original photograph" in asked[-1]
    assert original.read_bytes() == b"II*\0"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.accept()
    assert dialog.result() == ExportDialog.DialogCode.Accepted


def test_settings_are_stored_and_applied(window):
    from muralstudio.gui import settings
    from muralstudio.gui.settings import SettingsDialog

    window.set_document(demo_document())
    dialog = SettingsDialog(window)
    assert dialog.device.itemData(0) == "cpu"
    dialog.history.setValue(64)
    dialog.tile_cache.setValue(100)
    dialog.tile_size.setCurrentIndex(dialog.tile_size.findData(1024))
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    dialog.save()
    window.apply_settings()
    assert settings.get("language") == "zh_CN" and settings.get("history_mb") == 64
    assert window.doc.history.limit_bytes == 64 << 20 and window.view.cache.max_bytes == 100 << 20
    assert settings.get("tile_size") == 1024 and window.detect_dock.window_size == 1024


def test_recent_files_and_drop_open(window, tmp_path, rng):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from muralstudio.gui import settings

    path = imageio.write_png(tmp_path / "dropped.png", random_image(rng, (40, 60, 3), np.uint8))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    assert window.doc.source.path == path.resolve()
    assert settings.recent_files()[0] == str(path.resolve())


def test_jobs_dock_lists_running_and_queued_jobs_and_cancels(window, qtbot):
    import threading

    from muralstudio.gui.jobs import Job

    release = threading.Event()

    def blocking(progress, cancelled):
        while not release.is_set() and not cancelled():
            release.wait(0.01)
        return 1

    first = window.jobs.submit(Job("first", blocking))
    second = window.jobs.submit(Job("second", blocking))
    qtbot.waitUntil(lambda: first.state == "running", timeout=5000)
    texts = [window.jobs_list.list.item(i).text() for i in range(window.jobs_list.list.count())]
    assert texts[0].startswith("first — running") and texts[1] == "second — queued"
    window.jobs_list.list.setCurrentRow(1)
    window.jobs_list.cancel.click()
    assert second.state == "cancelled"
    release.set()
    qtbot.waitUntil(lambda: first.state == "done", timeout=5000)
    assert window.jobs_list.list.count() == 0


def test_dangling_thread_guard_sees_running_threads():
    from PySide6.QtCore import QThread

    from conftest import running_qthreads

    thread = QThread()
    thread.start()
    try:
        assert any(t is thread for t in running_qthreads())
    finally:
        thread.quit()
        thread.wait()


def test_end_to_end_as_a_restoration_artist(window, qtbot, tmp_path, srgb_icc):
    """Open a generated 16-bit TIFF with ICC, paint a mask, undo/redo, run a classical
    inpainting job, cancel another, apply the proposal, compare, export, reopen the export."""
    from muralstudio.core import synth

    clean, _ = synth.generate_mural(640, 480, seed=21, bit_depth=16)
    info = imageio.ImageInfo(path=None, format="TIFF", width=0, height=0, channels=3, dtype=np.uint16,
                             icc_profile=srgb_icc, dpi=(400.0, 400.0))
    source = imageio.write_tiff(tmp_path / "cave.tif", clean, info)
    original_bytes = source.read_bytes()
    assert window.open_path(source)
    show(window, qtbot, (320, 240))
    window.new_mask_layer()
    layer = window.doc.layers_of_kind("mask")[0]
    window.layer_panel.select(layer)
    window.brush_size.setValue(16)
    window.tool_actions["brush"].trigger()
    viewport = window.view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=window.view.mapFromScene(280, 240))
    qtbot.mouseMove(viewport, pos=window.view.mapFromScene(360, 250))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=window.view.mapFromScene(360, 250))
    painted = layer.data.copy()
    assert np.count_nonzero(painted) > 1000
    window.undo_action.trigger()
    assert not layer.data.any()
    window.redo_action.trigger()
    assert np.array_equal(layer.data, painted)
    dock = window.inpaint_dock
    dock.engine.setCurrentIndex(dock.engine.findData("patchmatch"))
    cancelled = dock.run()
    dock.cancel_button.click()
    qtbot.waitUntil(lambda: cancelled.state == "cancelled", timeout=60000)
    assert window.doc.layers_of_kind("restoration") == []
    dock.engine.setCurrentIndex(dock.engine.findData("telea"))
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
    dock.apply_button.click()
    window.compare_actions["split"].trigger()
    window.compare_actions["difference"].trigger()
    window.compare_actions["off"].trigger()
    assert window.export(tmp_path / "cave-restored.tif")
    exported = imageio.read_image(tmp_path / "cave-restored.tif")
    hole = inpainting.grown_mask(painted >= 128, dock.grow.value())  # grown as the dock grows it
    assert exported.info.bit_depth == 16 and exported.info.icc_profile == srgb_icc
    assert exported.info.dpi == (400.0, 400.0)
    assert np.array_equal(exported.pixels[~hole], clean[~hole])
    assert np.any(exported.pixels[hole] != clean[hole])  # the painted area was re-synthesised
    assert '"engine": "telea"' in exported.info.record_json
    assert source.read_bytes() == original_bytes


def test_navigator_shows_the_view_and_moves_it(window, qtbot):
    from PySide6.QtCore import QPoint

    window.set_document(demo_document())
    show(window, qtbot)
    nav = window.navigator
    qtbot.waitUntil(lambda: nav.overview is not None, timeout=10000)  # loaded off the GUI thread
    assert not nav.overview.isNull()
    window.view.set_zoom(2.0)
    target = nav._image_rect()
    point = QPoint(int(target.left() + target.width() * 0.8), int(target.top() + target.height() * 0.7))
    qtbot.mouseClick(nav, Qt.MouseButton.LeftButton, pos=point)
    centre = window.view.visible_image_rect().center()
    assert centre.x() == pytest.approx(0.8 * window.doc.width, abs=40)
    assert centre.y() == pytest.approx(0.7 * window.doc.height, abs=40)


def test_detect_dock_makes_reviewable_layers_and_rethresholds(window, qtbot, dark_detector):
    from muralstudio.core.document import Document

    pixels = np.full((300, 400, 3), 255, np.uint8)
    pixels[100:140, 50:350] = 40  # dark band: "damage" at 0.42 probability
    window.set_document(Document.from_array(pixels, name="bands"))
    dock = window.detect_dock
    dock.threshold.setValue(0.3)
    dock.min_area.setValue(0)
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    doc = window.doc
    crack = doc.layer_by_name("craquelure (proposed)")
    assert crack.proposed and doc.layer_by_name("paint loss (proposed)").proposed
    assert np.count_nonzero(crack.data) == 40 * 300
    assert doc.history.undo_stack[-1].name == "Detect damage"
    dock.threshold.setValue(0.6)  # above every probability: the layers empty, no new layers
    dock.update_button.click()
    assert np.count_nonzero(doc.layer_by_name("craquelure (proposed)").data) == 0
    assert sum(layer.name.startswith("craquelure") for layer in doc.layers) == 1
    doc.undo()
    assert np.count_nonzero(doc.layer_by_name("craquelure (proposed)").data) == 40 * 300


def test_detect_dock_starts_with_the_detector_for_the_document(window, qtbot):
    """A photograph starts with the default (real walls); the generated demo, whose damage is
    drawn like resunet's training data, with resunet; an engine the user chose stays."""
    from muralstudio.core.document import Document
    from muralstudio.gui.main_window import demo_document

    dock = window.detect_dock
    photo = Document.from_array(np.full((64, 64, 3), 128, np.uint8), name="photo")
    window.set_document(photo)
    assert dock.engine.currentData() == "flecks-vetted"
    demo = demo_document()
    window.set_document(demo)
    assert dock.engine.currentData() == "resunet"
    demo.mark_clean()
    window.set_document(Document.from_array(np.full((64, 64, 3), 128, np.uint8), name="photo 2"))
    assert dock.engine.currentData() == "flecks-vetted"
    dock.engine.setCurrentIndex(dock.engine.findData("resunet-real"))  # the user's choice
    window.set_document(Document.from_array(np.full((64, 64, 3), 128, np.uint8), name="photo 3"))
    assert dock.engine.currentData() == "resunet-real"


def test_fleck_detectors_keep_flakes_smaller_than_the_networks_minimum_area(window, qtbot):
    """A 3×3 flake is below the 16 px a network's proposals must reach; choosing a fleck
    detector sets the minimum area to its own (0), so the flakes it finds are proposed."""
    from muralstudio.core.document import Document

    pixels = np.full((200, 200, 3), (200, 180, 150), np.uint8)
    pixels[20:180, 20:180] = (35, 28, 26)  # a dark robe
    pixels[60:63, 70:73] = (205, 185, 150)  # a flake of ground showing through it
    window.set_document(Document.from_array(pixels, name="robe"))
    dock = window.detect_dock
    assert dock.engine.currentData() == "flecks-vetted" and dock.min_area.value() == 0  # the default
    dock.engine.setCurrentIndex(dock.engine.findData("resunet"))
    assert dock.min_area.value() == 16  # a network's
    dock.engine.setCurrentIndex(dock.engine.findData("flecks"))
    assert dock.min_area.value() == 0
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    proposed = window.doc.layer_by_name("paint loss (proposed)").data >= 128
    assert proposed[60:63, 70:73].all() and proposed.sum() == 9
    # it proposes no cracks, so no empty craquelure layer is made for the user to wonder at
    assert not any(layer.name.startswith("craquelure") for layer in window.doc.layers)
    assert "craquelure not assessed" in dock.stage.text()  # it does not look for cracks: no zero
    # choosing another engine keeps the proposals at hand as they were (the slider re-filters
    # them with the minimum area they were made with) until that engine runs
    dock.engine.setCurrentIndex(dock.engine.findData("resunet"))
    dock.sensitivity.setValue(55)
    dock.update_layers()
    assert (window.doc.layer_by_name("paint loss (proposed)").data >= 128).sum() == 9
    assert dock.min_area.value() == 0
    job = dock.run()
    assert dock.min_area.value() == 16
    qtbot.waitUntil(lambda: job.state == "done", timeout=60000)


def _detect_bands(window, qtbot, monkeypatch, grey_band: bool = False, cracks: bool = False):
    """A document with two dark bands that a stand-in detector proposes as paint loss (and a
    grey one it proposes at p = 0.4, when asked; with ``cracks``, a craquelure class it gives a
    probability under every threshold)."""
    from muralstudio.core.document import Document
    from muralstudio.engines import detection

    class DarkDetector(detection.Detector):
        classes = ("background", "craquelure", "paint loss") if cracks else ("background", "paint loss")

        def probabilities(self, tile):
            dark = 1 - tile[..., 0].astype(np.float32) / 255
            if cracks:
                return np.stack([0.99 - dark * 0.8, np.full(dark.shape, 0.01, np.float32), dark * 0.8])
            return np.stack([1 - dark * 0.8, dark * 0.8])

    monkeypatch.setattr(detection, "create", lambda name, device="cpu", **kw: DarkDetector())
    pixels = np.full((300, 400, 3), 255, np.uint8)
    pixels[50:80, 50:350] = 40  # band A
    pixels[200:230, 50:350] = 40  # band B
    if grey_band:
        pixels[130:160, 50:350] = 128  # band C: p = 0.4, not dark
    window.set_document(Document.from_array(pixels, name="bands"))
    dock = window.detect_dock
    dock.threshold.setValue(0.3)
    dock.min_area.setValue(0)
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    return dock, window.doc.layer_by_name("paint loss (proposed)")


def test_accepted_damage_is_known_in_any_language_of_the_window(window, qtbot, monkeypatch, tmp_path):
    """A review accepted in Chinese (its layer named 颜料脱落), the project reopened in English
    and detected again: the accepted regions were proposed again and a second "paint loss"
    layer made, since the accepted layer was found by its translated name (a conservator,
    2026-12-07). The layer now carries its class."""
    from muralstudio.core.project import save_project

    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    window.view.review_clicked.emit(100.0, 60.0, True)  # band A accepted
    accepted = next(l for l in window.doc.layers_of_kind("mask") if l.name == "paint loss")
    assert accepted.damage_class == "paint loss"
    window.doc.set_property(accepted, "name", "颜料脱落")  # as a Chinese window names it
    window.doc.mark_clean()
    path = save_project(window.doc, tmp_path / "bands.mural")
    assert window.open_path(path)
    job = window.detect_dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    doc = window.doc
    proposed = doc.layer_by_name("paint loss (proposed)")
    assert not proposed.data[50:80].any() and proposed.data[200:230, 50:350].all()  # band A stays decided
    window.view.review_clicked.emit(100.0, 215.0, True)  # band B
    masks = [l for l in doc.layers_of_kind("mask") if not l.proposed]
    assert [l.name for l in masks] == ["颜料脱落"] and masks[0].data[200:230, 50:350].all()


def test_the_detectors_settings_are_recorded_and_chosen_again_with_the_project(window, qtbot, monkeypatch, tmp_path):
    """Proposals depend on the working scale: it was neither recorded nor kept, so a project
    reopened and detected again at scale 1 replaced 57,805 px of proposals with 30 px, and the
    report showed both runs alike (a conservator, 2026-12-07)."""
    from muralstudio.core.project import save_project
    from muralstudio.ops.report import build_report

    from muralstudio.engines import detection

    dock, _ = _detect_bands(window, qtbot, monkeypatch)
    assert dock.engine.currentData() == "flecks-vetted"
    stand_in = detection.create

    def named(name, device="cpu", **settings):  # the stand-in says which engine it stands for
        detector = stand_in(name, device)
        detector.name = name
        return detector

    monkeypatch.setattr(detection, "create", named)
    dock.settings_form.widgets["scale"].setValue(0.5)
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    assert window.doc.detections[-1]["settings"] == {"scale": 0.5}
    window.doc.mark_clean()
    path = save_project(window.doc, tmp_path / "scaled.mural")
    dock.settings_form.widgets["scale"].setValue(1.0)
    assert window.open_path(path)
    assert dock.engine.currentData() == "flecks-vetted" and dock.settings_form.values() == {"scale": 0.5}
    assert "flecks-vetted (scale 0.5)" in build_report(window.doc).html
    # another photograph starts from the engine's defaults: its scale is not the project's
    from muralstudio.core.document import Document

    window.doc.mark_clean()
    window.set_document(Document.from_array(np.full((50, 60, 3), 200, np.uint8), name="next"))
    assert dock.settings_form.values() == {"scale": 1.0}


def test_user_edits_survive_rethresholding_and_never_go_into_proposals(window, qtbot, monkeypatch):
    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    doc = window.doc
    window.layer_panel.select(proposals)  # even with the proposals layer selected
    target = window.target_mask_layer()
    assert target is not proposals and not target.proposed
    window._stroke_started(200, 150)
    window._stroke_finished()
    user_pixels = target.area
    assert user_pixels > 0 and proposals.area == 2 * 30 * 300
    dock.threshold.setValue(0.5)
    dock.update_button.click()  # re-threshold: proposals change, the user's layer does not
    dock.threshold.setValue(0.3)
    dock.update_button.click()
    assert target.area == user_pixels and proposals.area == 2 * 30 * 300


def test_report_says_what_was_detected_accepted_and_rejected(window, qtbot, monkeypatch, tmp_path):
    """Conservation documents how damage was identified: the detector, its threshold, what it
    proposed and what the reviewer accepted and rejected — undoable, kept in the project."""
    from muralstudio.core.project import load_project, save_project
    from muralstudio.ops.report import build_report

    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    doc = window.doc
    window.view.review_clicked.emit(100.0, 60.0, True)  # accept band A
    window.view.review_clicked.emit(100.0, 210.0, False)  # reject band B
    counts = doc.detections[-1]["classes"]["paint loss"]
    assert (counts["proposed_regions"], counts["proposed_pixels"]) == (2, 2 * 30 * 300)
    assert (counts["accepted_regions"], counts["rejected_regions"], counts["rejected_pixels"]) == (1, 1, 30 * 300)
    assert counts["threshold"] == pytest.approx(0.3)
    doc.undo()  # the rejection: no longer counted
    assert doc.detections[-1]["classes"]["paint loss"]["rejected_regions"] == 0
    doc.redo()
    dock.update_button.click()  # the same threshold again: one detection, its counts kept
    assert len(doc.detections) == 1 and doc.detections[-1]["classes"]["paint loss"]["accepted_regions"] == 1
    reopened = load_project(save_project(doc, tmp_path / "bands.mural"))
    html = build_report(reopened).html
    assert "Damage identification" in html and dock.result.engine in html
    assert "2 (18,000 px)" in html and "1 (9,000 px)" in html  # proposed; accepted and rejected
    assert "龟裂" not in build_report(reopened, "zh_CN").html  # a class with nothing proposed is left out


def test_detecting_again_writes_into_the_same_proposals_and_keeps_rejections(window, qtbot, monkeypatch):
    """A second detection on the same document (or in a project reopened) re-makes the
    proposals layer it has, never a "(proposed) 2" beside it, and what the user rejected stays
    rejected; a class with nothing proposed gets no layer, proposed or accepted."""
    dock, proposals = _detect_bands(window, qtbot, monkeypatch, cracks=True)
    doc = window.doc
    window.view.review_clicked.emit(100.0, 210.0, False)  # reject band B
    dock.step_region(1)  # the walk frames a region
    assert window.view.highlight is not None
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    names = [layer.name for layer in doc.layers]
    assert names.count("paint loss (proposed)") == 1 and len(names) == len(set(names)), names
    assert doc.layer_by_name("paint loss (proposed)") is proposals
    assert proposals.area == 30 * 300  # band A only: band B stays rejected
    assert window.view.highlight is None  # no frame left from the walk before
    # a project's proposals layer named "… (proposed) 2" by an earlier version is still paint loss
    proposals.name = "paint loss (proposed) 2"
    assert dock.class_of(proposals) == "paint loss"
    proposals.name = "paint loss (proposed)"
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dock.accept_all_asked()
    assert [layer.name for layer in doc.layers if layer.kind == "mask"] == ["paint loss (proposed)", "paint loss"]


def test_review_accepts_and_rejects_regions_one_undo_step_each(window, qtbot, monkeypatch):
    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    doc = window.doc
    window.tool_actions["review"].trigger()
    assert window.view.tool == "review"
    steps = len(doc.history.undo_stack)
    window.view.review_clicked.emit(100.0, 60.0, True)  # accept band A
    accepted = doc.layer_by_name("paint loss")
    assert not accepted.proposed and accepted.area == 30 * 300 and proposals.area == 30 * 300
    assert accepted.color != proposals.color  # decided regions look unlike those awaiting review
    window.view.review_clicked.emit(100.0, 210.0, False)  # reject band B
    assert proposals.area == 0 and accepted.area == 30 * 300
    assert len(doc.history.undo_stack) == steps + 2
    assert "paint loss 0.6" in dock.confidence_text(100, 60)
    dock.update_button.click()  # re-thresholding brings back neither (and so changes nothing)
    assert proposals.area == 0 and accepted.area == 30 * 300
    assert len(doc.history.undo_stack) == steps + 2
    doc.undo()  # the rejection
    assert proposals.area == 30 * 300
    doc.undo()  # the acceptance
    assert proposals.area == 2 * 30 * 300 and accepted.area == 0


def test_review_lasso_decides_every_region_it_reaches_and_a_click_beside_a_fleck_finds_it(window, qtbot,
                                                                                         monkeypatch):
    """Dragging in the Review tool draws a lasso: the regions it reaches into are accepted (left
    button) or rejected (right) whole, in one undo step; a click a few screen pixels beside a
    small region still takes it."""
    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    doc, view = window.doc, window.view
    window.tool_actions["review"].trigger()
    view.set_zoom(1.0)
    viewport = view.viewport()
    steps = len(doc.history.undo_stack)

    def drag(button, points):
        qtbot.mousePress(viewport, button, pos=view.mapFromScene(*points[0]))
        for x, y in points[1:]:
            qtbot.mouseMove(viewport, pos=view.mapFromScene(x, y))
        qtbot.mouseRelease(viewport, button, pos=view.mapFromScene(*points[-1]))

    # a lasso round the left end of band A (rows 50–80) only
    drag(Qt.MouseButton.LeftButton, [(40, 40), (90, 40), (90, 90), (40, 90), (40, 45)])
    accepted = doc.layer_by_name("paint loss")
    assert accepted.area == 30 * 300 and proposals.area == 30 * 300  # band A whole, band B left
    assert len(doc.history.undo_stack) == steps + 1 and "1 regions" in dock.stage.text()
    drag(Qt.MouseButton.RightButton, [(300, 190), (340, 190), (340, 240), (300, 240), (300, 195)])
    assert proposals.area == 0 and accepted.area == 30 * 300  # band B rejected
    doc.undo()
    assert proposals.area == 30 * 300
    # a click 3 px below band B's lower edge (row 229) finds it at zoom 1
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=view.mapFromScene(200, 232.5))
    assert proposals.area == 0 and accepted.area == 2 * 30 * 300


def test_review_walks_the_regions_top_to_bottom_and_enter_or_backspace_decides_each(window, qtbot,
                                                                                   monkeypatch):
    """Next region zooms to each proposed region in turn, framed, with its confidence; in the
    Review tool Enter accepts it and Backspace rejects it, each going on to the next; the walk
    keeps its place when regions are decided and wraps round."""
    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    doc, view = window.doc, window.view
    assert dock.step_region(1) == ("paint loss", (50, 50, 300, 30))  # band A first
    assert window.view.tool == "review" and view.highlight == (50, 50, 300, 30)
    assert "region 1 of 2 left (0 decided)" in dock.stage.text() and "confidence 0.6" in dock.stage.text()
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(50, 50) and shown.contains(350, 80)
    assert dock.step_region(1)[1] == (50, 200, 300, 30)  # band B
    assert dock.step_region(1)[1] == (50, 50, 300, 30)  # wrapped round
    assert dock.step_region(-1)[1] == (50, 200, 300, 30)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Comma)  # back to band A
    assert view.highlight == (50, 50, 300, 30)
    steps = len(doc.history.undo_stack)
    from PySide6.QtWidgets import QDockWidget

    window.show()
    window.findChild(QDockWidget, "inpaint").raise_()  # the Inpaint tab on top of the Detect dock
    qtbot.waitUntil(lambda: dock.visibleRegion().isEmpty(), timeout=2000)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Backspace)  # reject A, go on to B
    assert proposals.area == 30 * 300 and view.highlight == (50, 200, 300, 30)
    assert "region 1 of 1 left (1 decided)" in dock.stage.text()
    qtbot.waitUntil(lambda: not dock.visibleRegion().isEmpty(), timeout=2000)  # its text came to the front
    qtbot.keyClick(view, Qt.Key.Key_Return)  # accept B
    assert proposals.area == 0 and doc.layer_by_name("paint loss").area == 30 * 300
    assert len(doc.history.undo_stack) == steps + 2
    assert view.highlight is None and "no proposed regions left" in dock.stage.text()
    doc.undo()  # B is proposed again, and the walk finds it
    assert dock.step_region(1)[1] == (50, 200, 300, 30)
    window.tool_actions["navigate"].trigger()
    assert view.highlight is None  # the frame goes with the Review tool


def test_review_walk_survives_undo_overlapping_classes_and_keys_after_its_buttons(window, qtbot, monkeypatch):
    """The walk finds proposals an undo brought back; Enter decides the class shown where two
    classes propose the same pixels; the keys work right after the Next button; a region's size
    is its own, not its box's; a walk key pressed during a review drag does no harm; undoing a
    rejection lets re-thresholding propose the region again."""
    from PySide6.QtWidgets import QApplication

    from muralstudio.core.document import Document
    from muralstudio.engines import detection

    class TwoClasses(detection.Detector):
        classes = ("background", "craquelure", "paint loss")

        def probabilities(self, tile):
            dark = 1 - tile[..., 0].astype(np.float32) / 255
            return np.stack([1 - dark * 0.9, dark * 0.45, dark * 0.45])

    monkeypatch.setattr(detection, "create", lambda name, device="cpu", **kw: TwoClasses())
    pixels = np.full((300, 400, 3), 255, np.uint8)
    pixels[50:80, 50:350] = 40  # band A, proposed as both classes
    pixels[200:230, 50:350] = 40  # band B
    pixels[130:140, 60:160] = 40  # an L: its box holds a patch of its own
    pixels[130:180, 60:70] = 40
    pixels[160:175, 100:150] = 40
    window.set_document(Document.from_array(pixels, name="bands"))
    dock, doc, view = window.detect_dock, window.doc, window.view
    dock.threshold.setValue(0.3)
    dock.min_area.setValue(0)
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    crack, loss = doc.layer_by_name("craquelure (proposed)"), doc.layer_by_name("paint loss (proposed)")
    assert crack.area == loss.area == 2 * 300 * 30 + 100 * 10 + 40 * 10 + 50 * 15
    name, box = dock.step_region(1)
    assert box == (50, 50, 300, 30)
    qtbot.keyClick(view, Qt.Key.Key_Return)  # accepts band A of the class shown, not the other
    shown = doc.layer_by_name(dock.class_label(name))
    other = loss if name == "craquelure" else crack
    assert shown.area == 30 * 300 and other.data[60, 100] >= 128
    assert view.highlight == (50, 50, 300, 30)  # and went on to the other class's band A
    assert dock.class_label("paint loss" if name == "craquelure" else "craquelure") in dock.stage.text()
    for _ in range(3):  # band B of each class (one band of rows: left to right), then the L
        dock.step_region(1)
    assert view.highlight == (60, 130, 100, 50) and "1,400 px" in dock.stage.text()  # the L alone, not its box
    # keys straight after the button
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    dock.next_button.setFocus()
    assert QApplication.focusWidget() is dock.next_button
    dock.next_button.click()
    assert QApplication.focusWidget() is view  # the keys go to the canvas, not the button
    before = len(doc.history.undo_stack)
    qtbot.keyClick(view, Qt.Key.Key_Backspace)
    assert len(doc.history.undo_stack) == before + 1
    # re-threshold above everything, undo it: the walk finds the proposals again
    dock.threshold.setValue(0.9)
    dock.update_button.click()
    assert dock.step_region(1) is None
    doc.undo()
    assert dock.step_region(1) is not None
    # a rejection undone is proposed again by the next re-threshold
    dock.threshold.setValue(0.3)
    area = loss.area
    dock.review_at(100, 215, accept=False)  # band B of paint loss
    doc.undo()
    assert loss.area == area
    dock.update_button.click()
    assert loss.area == area
    # ... and a rejection redone is remembered again: the next re-threshold leaves it out
    dock.review_at(100, 215, accept=False)
    doc.undo()
    doc.redo()
    assert loss.area == area - 30 * 300
    dock.update_button.click()
    assert loss.area == area - 30 * 300
    # a walk key while the mouse button is down ends the lasso quietly
    window.tool_actions["review"].trigger()
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=view.mapFromScene(20, 20))
    qtbot.keyClick(view, Qt.Key.Key_Period)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=view.mapFromScene(20, 20))  # (pytest-qt fails on a raise)
    assert not view.polygon and view._review_press is None


def test_a_review_goes_on_in_the_project_reopened(window, qtbot, monkeypatch, tmp_path):
    """Proposals are kept in the project; reopened (the detector's result is gone), they can
    still be walked, accepted and rejected, each one undo step."""
    from muralstudio.core import project

    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    dock.review_at(100, 60, accept=True)  # band A accepted before saving
    path = project.save_project(window.doc, tmp_path / f"bands{project.SUFFIX}")
    window.doc.mark_clean()
    assert window.open_path(path)
    doc = window.doc
    assert dock.result_doc is not doc and dock.next_button.isEnabled()
    assert dock.step_region(1) == ("paint loss", (50, 200, 300, 30))  # band B, still proposed
    steps = len(doc.history.undo_stack)
    dock.decide_shown(False)  # rejected
    assert doc.layer_by_name("paint loss (proposed)").area == 0
    assert doc.layer_by_name("paint loss").area == 30 * 300 and len(doc.history.undo_stack) == steps + 1
    doc.undo()
    assert dock.review_at(100, 215, accept=True) == 30 * 300
    assert doc.layer_by_name("paint loss").area == 2 * 30 * 300
    # its probabilities are not kept: the slider says it waits for a detection, changing nothing
    before = len(doc.history.undo_stack)
    dock.sensitivity.setValue(80)
    assert "next detection" in dock.stage.text() and len(doc.history.undo_stack) == before
    # and the report still counts the decisions against the detection saved with the project
    counts = doc.detections[-1]["classes"]["paint loss"]
    assert counts["accepted_regions"] == 2 and counts["rejected_regions"] == 0


def test_accept_all_asks_first_and_no_keeps_every_proposal(window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    asked = []

    def answer(reply):
        def question(parent, title, text, *args):
            asked.append(text)
            return reply
        monkeypatch.setattr(QMessageBox, "question", question)

    answer(QMessageBox.StandardButton.No)
    dock.accept_all_button.click()
    assert "Accept all 2 proposed regions" in asked[-1] and proposals.area == 2 * 30 * 300
    assert not any(layer.name == "paint loss" for layer in window.doc.layers)  # nothing accepted
    answer(QMessageBox.StandardButton.Yes)
    dock.accept_all_button.click()
    assert proposals.area == 0 and window.doc.layer_by_name("paint loss").area == 2 * 30 * 300


def test_restore_all_visible_ignores_unaccepted_proposals(window, qtbot, monkeypatch):
    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    inpaint = window.inpaint_dock
    inpaint.engine.setCurrentIndex(inpaint.engine.findData("telea"))
    errors = []
    monkeypatch.setattr(window, "show_error", errors.append)
    assert inpaint.run() is None and "accept" in errors[-1]
    assert inpaint.mask_source.findText(proposals.name) == -1  # proposals are not a damage choice
    window.view.review_clicked.emit(100.0, 60.0, True)
    hole = inpaint.selected_mask()
    assert hole.sum() == 30 * 300 and hole[60, 100] and not hole[210, 100]


def test_click_tool_previews_then_adds_and_subtracts_as_one_undo_step(window, qtbot):
    from PySide6.QtTest import QTest

    from muralstudio.core.document import Document

    pixels = np.full((400, 500, 3), 200, np.uint8)
    pixels[100:220, 150:330] = (150, 40, 30)  # a red "loss" on pale plaster
    doc = Document.from_array(pixels, name="loss")
    window.set_document(doc)
    show(window, qtbot)
    window.view.actual_size()
    window.view.centerOn(250, 160)
    window.tool_actions["click"].trigger()
    assert window.view.tool == "click"
    tool = window.click_tool
    from muralstudio.engines import segmentation

    # the chooser and the tool agree on the default engine (clicknet when its weights ship)
    assert window.segmenter_choice.currentData() == tool.engine == segmentation.default_engine()
    viewport = window.view.viewport()

    def at(x, y):
        return window.view.mapFromScene(x, y)

    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(240, 160))
    assert tool.clicks and tool.state == "preparing"  # the job runs, the window does not wait
    qtbot.waitUntil(lambda: tool.state == "ready", timeout=20000)
    assert window.view.click_markers == [(240.0, 160.0, True)] and window.view.click_preview is not None
    region = tool.prediction.full_mask(400, 500)
    truth = np.zeros((400, 500), bool)
    truth[100:220, 150:330] = True
    from muralstudio.core import metrics

    assert metrics.iou(truth, region) > 0.9
    layer = doc.new_mask_layer("damage")
    window.layer_panel.select(layer)
    undo_depth = len(doc.history.undo_stack)
    QTest.keyClick(window.view, Qt.Key.Key_Return)
    assert np.count_nonzero(layer.data) == np.count_nonzero(region)
    assert len(doc.history.undo_stack) == undo_depth + 1 and not tool.clicks
    assert window.view.click_preview is None and window.view.click_markers == []
    # the same region again, subtracted with Shift+Enter, empties the layer
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(240, 160))
    qtbot.waitUntil(lambda: tool.state == "ready", timeout=20000)
    second = tool.prediction.full_mask(400, 500)
    QTest.keyClick(window.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert np.array_equal(layer.data > 0, region & ~second)
    assert np.count_nonzero(layer.data) < 0.01 * np.count_nonzero(region)
    doc.undo()
    assert np.count_nonzero(layer.data) == np.count_nonzero(region)
    # a right click adds a negative click; Backspace removes it; Esc discards everything
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(240, 160))
    QTest.mouseClick(viewport, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, at(320, 210))
    assert [c.positive for c in tool.clicks] == [True, False]
    QTest.keyClick(window.view, Qt.Key.Key_Backspace)
    assert [c.positive for c in tool.clicks] == [True]
    QTest.keyClick(window.view, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: tool._job is None, timeout=20000)
    assert not tool.clicks and window.view.click_preview is None
    assert np.count_nonzero(layer.data) == np.count_nonzero(region)  # Esc changed no pixels


def test_saving_runs_off_the_gui_thread_and_edits_during_it_stay_unsaved(window, qtbot, tmp_path, monkeypatch):
    import threading
    import time as _time

    from PySide6.QtCore import QTimer

    from muralstudio.core.document import Document

    doc = Document.from_array(np.zeros((64, 80, 3), np.uint8), name="slow")
    window.set_document(doc)
    layer = doc.new_mask_layer("damage")
    real_write = project.write_snapshot
    writer_threads = []

    def slow_write(snapshot, path):
        writer_threads.append(threading.current_thread())
        _time.sleep(0.6)
        return real_write(snapshot, path)

    monkeypatch.setattr(project, "write_snapshot", slow_write)
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(_time.perf_counter()))
    # an edit made while the file is being written (the user keeps painting)
    QTimer.singleShot(200, lambda: doc.write_pixels(layer, 0, 0, np.full((4, 4), 255, np.uint8)))
    timer.start(20)
    assert window._save_to(tmp_path / "slow")
    timer.stop()
    assert writer_threads and writer_threads[0] is not threading.main_thread()
    assert max(np.diff(ticks)) < 0.2  # the event loop kept answering during the 0.6 s write
    saved = project.load_project(tmp_path / "slow.mural")
    assert np.count_nonzero(saved.layers[0].data) == 0  # the snapshot predates the edit
    assert window.doc.is_modified  # so the later edit is still unsaved
    doc.undo()
    assert not window.doc.is_modified  # back at the saved state


def test_autosave_writes_the_recovery_file_on_a_worker_thread(window, qtbot, monkeypatch):
    import threading

    from muralstudio.core.document import Document

    doc = Document.from_array(np.zeros((64, 80, 3), np.uint8), name="auto")
    window.set_document(doc)
    doc.new_mask_layer("damage")
    threads = []
    real = project.write_snapshot
    monkeypatch.setattr(project, "write_snapshot",
                        lambda snap, path: (threads.append(threading.current_thread()), real(snap, path))[1])
    window.autosave()
    qtbot.waitUntil(lambda: window._autosave_job is None, timeout=10000)
    assert threads and threads[0] is not threading.main_thread()
    recovered = project.load_project(project.recovery_dir() / f"{doc.uid}.mural")
    assert [layer.name for layer in recovered.layers] == ["damage"]


def test_autosave_takes_the_snapshot_after_its_memory_is_ready(window, qtbot, monkeypatch):
    """The copies' memory is made ready on the file thread (a 108-Mpx autosave froze the window
    for 0.95 s, mostly page faults); the snapshot is the document as it is when it is ready, and
    a document closed meanwhile leaves no recovery file."""
    import threading

    from muralstudio.core.document import Document

    doc = Document.from_array(np.zeros((64, 80, 3), np.uint8), name="auto")
    window.set_document(doc)
    layer = doc.new_mask_layer("damage")
    gate, threads = threading.Event(), []
    from muralstudio.core import copies

    real = copies.ready_buffers

    def slow_buffers(shapes):
        threads.append(threading.current_thread())
        gate.wait(10)
        return real(shapes)

    monkeypatch.setattr(copies, "ready_buffers", slow_buffers)
    window.autosave()
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    assert threads[0] is not threading.main_thread()
    layer.data[10:14, 12:16] = 255  # edited while the memory is readied
    gate.set()
    qtbot.waitUntil(lambda: window._autosave_job is None, timeout=10000)
    recovered = project.load_project(project.recovery_dir() / f"{doc.uid}.mural")
    assert recovered.layers[0].area == 16

    # closed while the memory is readied: the write that follows is waited for, then removed
    gate.clear()
    threads.clear()
    layer.data[0:2, 0:2] = 255
    window.autosaver._saved_state = None  # due again
    window.autosave()
    qtbot.waitUntil(lambda: bool(threads), timeout=5000)
    threading.Timer(0.3, gate.set).start()
    window._finish_autosave()
    window.autosaver.close()
    qtbot.waitUntil(lambda: window.file_jobs.current is None and not window.file_jobs.queue, timeout=10000)
    assert not (project.recovery_dir() / f"{doc.uid}.mural").exists()


def test_cursor_value_follows_edits_and_restorations(window):
    from muralstudio.core.document import Document
    from muralstudio.core.document import Patch

    pixels = np.zeros((100, 100, 3), np.uint8)
    pixels[:, 50:] = 7
    doc = Document.from_array(pixels, name="values")
    window.set_document(doc)
    window._show_cursor(10, 10)
    assert "value 0 0 0" in window.status_pos.text()
    window._show_cursor(70, 10)  # another block
    assert "value 7 7 7" in window.status_pos.text()
    hole = np.zeros((8, 8), bool)
    hole[:] = True
    from muralstudio.core.record import RestorationRecord

    doc.add_restoration([Patch(8, 8, np.full((8, 8, 3), 99, np.uint8), hole)],
                        RestorationRecord(engine="test", engine_version="1"))
    window._show_cursor(10, 10)  # the pending proposal shows in the value readout
    assert "value 99 99 99" in window.status_pos.text()


def test_labels_dock_classes_assignments_undo_and_training_export(window, qtbot, tmp_path):
    import json

    from muralstudio.core.document import Document

    pixels = np.full((300, 400, 3), 200, np.uint8)
    pixels[60:160, 80:220] = (40, 90, 160)  # a blue "cloud"
    doc = Document.from_array(pixels, name="labels demo")
    window.set_document(doc)
    dock = window.labels_dock
    assert not dock.assign_click_button.isEnabled()  # no label layer yet
    layer = dock.new_layer()
    assert dock.layer() is layer and dock.assign_click_button.isEnabled()
    assert dock.current_class() == 4  # people chosen at first, the class most labelled (not animal)
    dock.classes.setCurrentRow(3)  # cloud
    assert dock.current_class() == 3
    # a click-segment region labelled as cloud
    window.tool_actions["click"].trigger()
    window.click_tool.add_click(150, 110, True)
    qtbot.waitUntil(lambda: window.click_tool.state == "ready", timeout=20000)
    assert dock.label_click_region()
    cloud = layer.data == 3
    assert 0.8 * 100 * 140 < cloud.sum() < 1.2 * 100 * 140 and not window.click_tool.clicks
    # a brushed mask layer labelled with a new class
    dock.add_class("lotus", (250, 120, 200))
    assert layer.classes[-1] == ("lotus", (250, 120, 200)) and doc.label_classes[-1][0] == "lotus"
    mask = doc.new_mask_layer("brushed")
    doc.write_pixels(mask, 300, 200, np.full((30, 40), 255, np.uint8))
    dock.classes.setCurrentRow(6)
    assert dock.label_mask_layer(mask)
    assert (layer.data == 6).sum() == 30 * 40
    dock.rename_class("lotus flower")
    dock.change_colour((10, 20, 30))
    assert layer.classes[6] == ("lotus flower", (10, 20, 30))
    summary = dock.export_training_set(tmp_path / "set")
    assert summary["pairs"] == ["labels-demo"]
    labels = imageio.read_image(tmp_path / "set" / "labels" / "labels-demo.png").pixels
    image = imageio.read_image(tmp_path / "set" / "images" / "labels-demo.png").pixels
    assert np.array_equal(labels, layer.data) and np.array_equal(image, pixels)
    classes = json.loads((tmp_path / "set" / "classes.json").read_text())["classes"]
    assert classes[6] == {"index": 6, "name": "lotus flower", "color": [10, 20, 30]}
    doc.undo()  # colour
    doc.undo()  # rename
    doc.undo()  # the mask labelling
    assert (layer.data == 6).sum() == 0 and (layer.data == 3).sum() == cloud.sum()
    # the counts follow any edit of the layer's pixels (they stayed at the last labelling)
    doc.write_pixels(layer, 0, 0, np.full((10, 20), 3, np.uint8))
    counted = f"3  cloud  —  {cloud.sum() + 200:,} px"
    qtbot.waitUntil(lambda: dock.classes.item(3).text() == counted, timeout=3000)


def test_the_gallery_lists_the_largest_first_whatever_the_class(window, qtbot, monkeypatch):
    """"largest first" is by area across the classes (a small cloud came before a large person
    when it grouped by class); grouping by class is a choice of its own."""
    from test_labeling import ColourRule, painted

    from muralstudio.core.document import Document
    from muralstudio.engines import labeling

    monkeypatch.setattr(labeling, "create", lambda name, device="cpu", **kw: ColourRule())
    image, truth = painted(900, 500)
    image[20:240, 640:880], truth[20:240, 640:880] = (250, 220, 60), 5  # a Buddha larger than the cloud
    window.set_document(Document.from_array(image, name="painted"))
    dock = window.elements_dock
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)

    def listed(what):
        return [getattr(dock.gallery.item(i).data(Qt.ItemDataRole.UserRole), what) for i in range(dock.gallery.count())]

    assert listed("class_index")[0] == 5 and listed("area") == sorted(listed("area"), reverse=True)
    dock.sort.setCurrentIndex(dock.sort.findData("class"))
    assert listed("class_index") == sorted(listed("class_index")) and listed("class_index")[0] == 3


def test_elements_dock_labels_browses_edits_exports_and_finds_similar(window, qtbot, monkeypatch, tmp_path):
    import json

    from test_labeling import ColourRule, painted

    from muralstudio.core.document import Document
    from muralstudio.engines import labeling

    monkeypatch.setattr(labeling, "create", lambda name, device="cpu", **kw: ColourRule())
    image, truth = painted(900, 500)
    image[350:450, 300:340], truth[350:450, 300:340] = (238, 82, 78), 4  # a second person
    window.set_document(Document.from_array(image, name="painted"))
    dock = window.elements_dock
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    doc = window.doc
    layer = dock.layer()
    assert layer is not None and np.array_equal(layer.data, truth)
    assert dock.gallery.count() == 4 and "people 2" in dock.counts.text()
    assert "Buddha" in dock.legend.text() and dock.legend.text().count("<img") == len(layer.classes) - 1
    # every class has its swatch, and the near-white cloud's is outlined, not lost on the window
    legend = dock.legend.grab().toImage()
    shown = {legend.pixelColor(x, y).getRgb()[:3] for x in range(legend.width()) for y in range(legend.height())}
    assert (0, 158, 115) in shown and (240, 240, 240) in shown and (96, 96, 96) in shown
    probability = dock.show_probability(4)  # people
    assert probability.name == "P(people)"
    assert probability.data[200, 140] > 200 and probability.data[20, 20] < 50
    # filter by class, sort by position
    dock.class_filter.setCurrentIndex(dock.class_filter.findData(4))
    assert dock.gallery.count() == 2
    dock.sort.setCurrentIndex(dock.sort.findData("position"))
    tops = [dock.gallery.item(i).data(Qt.ItemDataRole.UserRole).bbox[1] for i in range(2)]
    assert tops == [100, 350]
    # double-click zooms the canvas to the element
    show(window, qtbot)
    dock.zoom_to(dock.gallery.item(1).data(Qt.ItemDataRole.UserRole))
    visible = window.view.visible_image_rect()
    assert visible.contains(320, 400) and visible.width() < 400
    # rename (undoable), then find the similar person
    dock.gallery.item(0).setSelected(True)
    dock.rename("donor")
    given = list(layer.element_names.values())  # the numbers given at labelling, one replaced
    assert dock.gallery.item(0).text() == "donor" and "donor" in given
    assert sum(name.startswith("people ") for name in given) == 1
    dock.gallery.item(0).setSelected(True)
    job = dock.find_similar()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    best = dock.similar_gallery.item(0).data(Qt.ItemDataRole.UserRole)
    assert best.class_index == 4 and best.bbox[1] == 350
    # and in a folder of murals: its elements join the ranking with thumbnails read from the files
    (tmp_path / "folder").mkdir()
    imageio.write_png(tmp_path / "folder" / "other.png", image[:, ::-1].copy())
    # a damaged file among them is left out and named, the others ranked (it failed the search)
    (tmp_path / "folder" / "cut.png").write_bytes((tmp_path / "folder" / "other.png").read_bytes()[:300])
    job = dock.find_similar_in_folder(tmp_path / "folder")
    qtbot.waitUntil(lambda: job.state in ("done", "failed"), timeout=60000)
    assert job.state == "done", job.error
    ranked = [dock.similar_gallery.item(i).data(Qt.ItemDataRole.UserRole)
              for i in range(dock.similar_gallery.count())]
    assert len(ranked) == 3 + 4 and sum(e.source.endswith("other.png") for e in ranked) == 4
    assert "left out, unreadable: cut.png" in dock.stage.text() and "cut.png" in dock.stage.toolTip()
    assert dock.similar_title.text() == "Most similar to 'donor':"
    assert ranked[0].class_index == 4 and not dock.similar_gallery.item(0).icon().isNull()
    # export the selected element
    dock.gallery.item(0).setSelected(True)
    dock.export_selected(tmp_path / "out")
    coco = json.loads((tmp_path / "out" / "elements.coco.json").read_text())
    assert len(coco["annotations"]) == 1 and coco["annotations"][0]["attributes"]["name"] == "donor"
    # reclassify the second person as Buddha, delete the first; each undoable
    dock.gallery.clearSelection()
    dock.gallery.item(1).setSelected(True)
    dock.reclassify(5)
    assert (layer.data[350:450, 300:340] == 5).all()
    dock.class_filter.setCurrentIndex(0)
    item = next(dock.gallery.item(i) for i in range(dock.gallery.count())
                if dock.gallery.item(i).text() == "donor")
    item.setSelected(True)
    dock.delete()
    assert (layer.data[100:300, 80:200] == 0).all() and dock.gallery.count() == 3
    doc.undo()
    doc.undo()
    assert np.array_equal(layer.data, truth)
    doc.undo()  # the name undone: the numbers given at labelling are back
    assert sorted(layer.element_names.values()) == ["Buddha 1", "cloud 1", "people 1", "people 2"]


def test_find_similar_in_the_open_murals_own_folder_does_not_rank_it_twice(window, qtbot, monkeypatch, tmp_path):
    """The open mural's file is in the folder searched: its elements were ranked twice, the
    selected one first at similarity 1.00 (an archaeologist, 2026-12-07)."""
    from PySide6.QtCore import Qt

    from test_labeling import ColourRule, painted

    from muralstudio.engines import labeling

    monkeypatch.setattr(labeling, "create", lambda name, device="cpu", **kw: ColourRule())
    monkeypatch.setattr(labeling, "default_cache_dir", lambda: tmp_path / "cache")
    image, _ = painted(900, 500)
    image[350:450, 300:340] = (238, 82, 78)  # a second person
    (tmp_path / "folder").mkdir()
    imageio.write_png(tmp_path / "folder" / "open.png", image)
    imageio.write_png(tmp_path / "folder" / "other.png", image[:, ::-1].copy())
    assert window.open_path(tmp_path / "folder" / "open.png")
    dock = window.elements_dock
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    assert dock.counts.text().startswith("4 elements")
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QScrollArea

    show(window, qtbot)
    window.resize(1280, 860)
    dock.gallery.item(0).setSelected(True)
    job = dock.find_similar_in_folder(tmp_path / "folder")
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    ranked = [dock.similar_gallery.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dock.similar_gallery.count())]
    assert len(ranked) == 3 + 4 and {Path(e.source).name for e in ranked if e.source} == {"other.png"}
    # and the results are scrolled into view (they were below the fold at 1280×860)
    scroll = next(w for w in (dock.parentWidget(), dock.parentWidget().parentWidget()) if isinstance(w, QScrollArea))
    top = dock.similar_title.mapTo(scroll.viewport(), QPoint(0, 0)).y()
    assert 0 <= top < scroll.viewport().height(), top
    # another mural's element is not on this canvas: double-clicking it says where it is
    other = next(i for i in range(dock.similar_gallery.count()) if ranked[i].source)
    dock._zoom_similar(dock.similar_gallery.item(other))
    assert "other.png" in dock.stage.text() and "open that mural" in dock.stage.text()


def test_brush_and_polygon_paint_the_chosen_class_into_a_selected_label_layer(window):
    """Brushing with a label layer selected made a new "damage" mask layer, counted as damage
    in the report (an archaeologist, 2026-12-07): it paints the Labels dock's class."""
    from muralstudio.core.document import Document

    doc = Document.from_array(np.full((200, 300, 3), 200, np.uint8), name="labels")
    window.set_document(doc)
    layer = window.labels_dock.new_layer()
    window.layer_panel.select(layer)
    window.labels_dock.classes.setCurrentRow(0)
    window.labels_dock.classes.clearSelection()
    window.labels_dock.classes.setCurrentItem(None)
    window.tool_actions["brush"].trigger()
    window._stroke_started(50, 50)  # no class chosen: said, nothing painted
    window._stroke_finished()
    assert not layer.data.any() and "Labels dock" in window.statusBar().currentMessage()
    # a class chosen in the dock for another label layer is not painted into this one
    other = doc.new_label_layer("imported", classes=[("background", (0, 0, 0)), ("mandorla", (200, 100, 0))])
    window.labels_dock.refresh()
    window.labels_dock.classes.setCurrentRow(1)
    window.layer_panel.select(other)
    window._stroke_started(50, 50)
    window._stroke_finished()
    assert not other.data.any() and "'imported'" in window.statusBar().currentMessage()
    window.layer_panel.select(layer)
    window.labels_dock.classes.setCurrentRow(4)  # people
    window.brush_size.setValue(10)
    steps = len(doc.history.undo_stack)
    window._stroke_started(50, 50)
    window._stroke_moved(120, 50)
    window._stroke_finished()
    painted = layer.data == 4
    assert painted[46:55, 50:121].all() and painted.sum() < 12 * 90 and set(np.unique(layer.data)) == {0, 4}
    assert len(doc.history.undo_stack) == steps + 1 and not doc.layers_of_kind("mask")  # no damage layer made
    window.tool_actions["eraser"].trigger()
    window._stroke_started(60, 50)
    window._stroke_finished()
    assert layer.data[50, 60] == 0 and layer.data[50, 100] == 4
    window.labels_dock.classes.setCurrentRow(5)  # Buddha
    window.tool_actions["polygon"].trigger()
    window._polygon_finished([(150, 100), (250, 100), (250, 180), (150, 180)])
    assert (layer.data[110:170, 160:240] == 5).all() and not doc.layers_of_kind("mask")
    doc.undo()
    assert not (layer.data == 5).any()


def test_labels_dock_trains_the_labeler_on_an_exported_set(window, qtbot, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from muralstudio.core import synth
    from muralstudio.core.document import Document
    from muralstudio.engines.nets.pspnet import PSPM
    from muralstudio.engines.weights import load_weights, save_weights

    start = PSPM(width=0.25)
    save_weights(start, tmp_path / "models" / "label-pspm.safetensors", start.config, {"scale": 0.5})
    monkeypatch.setenv("MURALSTUDIO_MODELS", str(tmp_path / "models"))
    image, labels = synth.generate_mural(320, 256, seed=8)
    doc = Document.from_array(image, name="to learn")
    window.set_document(doc)
    doc.new_label_layer("elements", labels)
    window.labels_dock.refresh()
    window.labels_dock.export_training_set(tmp_path / "set")
    job = window.labels_dock.train_labeler(tmp_path / "set", steps=2)
    qtbot.waitUntil(lambda: job.state in ("done", "failed"), timeout=120000)
    assert job.state == "done", job.error
    tuned = tmp_path / "set" / "label-pspm-tuned.safetensors"
    state, config = load_weights(tuned)
    assert config["width"] == 0.25
    assert not all(np.array_equal(state[k].numpy(), v.numpy()) for k, v in start.state_dict().items()
                   if k.endswith("weight"))
    assert window.elements_dock.engine.currentData() == ("pspm", str(tuned))
    assert "--init" in (tmp_path / "set" / "label-pspm-tuned.md").read_text()


def test_elements_of_a_huge_label_layer_are_found_off_the_gui_thread(window, qtbot, monkeypatch):
    from muralstudio.core.document import Document
    from muralstudio.gui.elements_dock import ElementsDock

    monkeypatch.setattr(ElementsDock, "BACKGROUND_PIXELS", 1000)  # make a small layer "huge"
    doc = Document.from_array(np.full((200, 300, 3), 128, np.uint8), name="big")
    window.set_document(doc)
    labels = np.zeros((200, 300), np.uint8)
    labels[20:80, 30:90] = 4
    doc.new_label_layer("elements", labels)
    dock = window.elements_dock
    dock.refresh_layers()
    qtbot.waitUntil(lambda: dock.gallery.count() == 1, timeout=20000)
    assert "people 1" in dock.counts.text()
    doc.write_pixels(dock.layer(), 200, 100, np.full((50, 50), 3, np.uint8))
    qtbot.waitUntil(lambda: dock.gallery.count() == 2, timeout=20000)


def test_sampling_area_and_guide_layers_are_hints_not_damage(window, qtbot):
    """Sample from here: PatchMatch copies only from the chosen layer, which is not restored
    itself; the guide-line button makes a thin-brush layer that the engines taking it use."""
    doc = demo_document()
    window.set_document(doc)
    dock = window.inpaint_dock
    dock.engine.setCurrentIndex(dock.engine.findData("telea"))
    assert not dock.sample_source.isEnabled() and not dock.guide_source.isEnabled()
    dock.engine.setCurrentIndex(dock.engine.findData("patchmatch"))
    assert dock.sample_source.isEnabled() and not dock.draw_guide_button.isEnabled()
    loss = doc.new_mask_layer("small loss")
    loss.data[500:530, 700:740] = 255
    area = doc.new_mask_layer("sample here")
    area.data[480:560, 760:840] = 255  # a patch of wall beside the loss
    dock.refresh()
    dock.mask_source.setCurrentIndex(0)  # all visible mask layers: the area layer is visible too
    dock.sample_source.setCurrentIndex(dock.sample_source.findData(area.uid))
    damage = [doc.layer_by_name(n).data >= 128 for n in ("cracks", "paint loss", "small loss")]
    assert np.array_equal(dock.selected_mask(), damage[0] | damage[1] | damage[2])
    dock.mask_source.setCurrentIndex(dock.mask_source.findData(loss.uid))
    source = doc.source.full()
    job = dock.run()
    qtbot.waitUntil(lambda: job.state in ("done", "failed"), timeout=120000)
    assert job.state == "done", job.error
    layer = dock.pending_layer()
    assert layer.record.parameters["hints"]["sample_area"]["pixels"] == 80 * 80
    allowed = {tuple(v) for v in source[480:560, 760:840].reshape(-1, source.shape[2])}
    filled = [tuple(p.pixels[y, x]) for p in layer.patches for y, x in zip(*np.nonzero(p.mask))]
    grown = inpainting.grown_mask(loss.data >= 128, dock.grow.value())  # the mask grown as the dock grows it
    assert len(filled) == int(grown.sum()) and all(v in allowed for v in filled)
    dock.discard()
    dock.engine.setCurrentIndex(dock.engine.findData("edgeconnect"))
    assert dock.guide_source.isEnabled() and not dock.sample_source.isEnabled()
    dock.draw_guide_button.click()
    guide = doc.layers[-1]
    assert window.layer_panel.current_layer() is guide and window.brush_size.value() == 3
    assert window.view.tool == "brush" and dock.guide_source.currentData() == guide.uid


def test_restoring_dark_paint_or_unsure_regions_asks_first(window, qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    dock, proposals = _detect_bands(window, qtbot, monkeypatch)  # bands at p = 0.69, dark paint
    window.view.review_clicked.emit(100.0, 60.0, True)
    inpaint = window.inpaint_dock
    inpaint.engine.setCurrentIndex(inpaint.engine.findData("telea"))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    import threading

    from muralstudio.engines import detection

    checked_on_window_thread = []
    real = detection.restoration_risks
    monkeypatch.setattr(detection, "restoration_risks", lambda *a, **k: checked_on_window_thread.append(
        threading.current_thread() is threading.main_thread()) or real(*a, **k))
    layers = len(window.doc.layers)
    job = inpaint.run()  # the check reads pixels on the job's thread, then asks on the window's
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=30000)
    assert checked_on_window_thread == [False]
    assert "One region to restore is mostly dark paint" in asked[-1] and len(window.doc.layers) == layers
    assert "low confidence" not in asked[-1]  # no sentence for a kind of risk there is none of
    assert "nothing was changed" in inpaint.stage.text()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    job = inpaint.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    # restored after the warning: the record and the report say so (a restoration artist's finding)
    record = window.doc.layers_of_kind("restoration")[-1].record
    assert [r["reason"] for r in record.confirmed_risks] == ["dark"]
    from muralstudio.core.project import load_project, save_project
    from muralstudio.ops.report import build_report

    reopened = load_project(save_project(window.doc, tmp_path / "warned.mural"))
    assert reopened.layers_of_kind("restoration")[-1].record.confirmed_risks == record.confirmed_risks
    assert "Restored after a warning" in build_report(reopened).html
    assert "0 region(s) the detector was unsure of, 1 mostly dark paint" in build_report(reopened).html
    # pale plaster painted by hand: no question at all
    inpaint.discard()
    user = window.doc.new_mask_layer("mine")
    user.data[260:280, 100:200] = 255
    inpaint.refresh()
    inpaint.mask_source.setCurrentIndex(inpaint.mask_source.findData(user.uid))
    asked.clear()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    job = inpaint.run()
    assert job is not None and not asked
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)


def test_restoring_a_weak_proposal_asks_at_the_detectors_own_threshold(window, qtbot, monkeypatch, tmp_path):
    """A detector calibrated below 0.5 (flecks-vetted: 0.25) proposes regions whose probability
    never reaches 0.5: accepting one must still be asked about before it is restored."""
    from PySide6.QtWidgets import QMessageBox

    _detect_bands(window, qtbot, monkeypatch, grey_band=True)  # proposed at threshold 0.3
    window.view.review_clicked.emit(100.0, 145.0, True)  # accept the grey band (p = 0.4)
    inpaint = window.inpaint_dock
    inpaint.engine.setCurrentIndex(inpaint.engine.findData("telea"))
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    job = inpaint.run()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=30000)
    assert "One region to restore was proposed by the detector with low confidence" in asked[-1]
    assert "dark paint" not in asked[-1]
    # in the project reopened too: the probabilities and the threshold are kept with it
    from muralstudio.core.project import save_project

    window.doc.mark_clean()
    path = save_project(window.doc, tmp_path / "weak.mural")
    assert window.open_path(path) and window.doc.detection_probabilities
    window.inpaint_dock.engine.setCurrentIndex(window.inpaint_dock.engine.findData("telea"))
    asked.clear()
    job = window.inpaint_dock.run()
    qtbot.waitUntil(lambda: job.state == "cancelled", timeout=30000)
    assert "One region to restore was proposed by the detector with low confidence" in asked[-1]
    assert window.detect_dock.step_region(1) is not None and "confidence 0.6" in window.detect_dock.stage.text()


def test_restoration_risks_flag_unsure_and_dark_regions():
    from muralstudio.engines.detection import restoration_risks

    image = np.full((100, 100, 3), 230, np.uint8)
    image[10:30, 10:30] = 20  # dark paint
    hole = np.zeros((100, 100), bool)
    hole[10:30, 10:30] = True
    hole[60:80, 60:80] = True
    probability = np.zeros((100, 100), np.uint8)
    probability[60:80, 60:80] = 140  # proposed at 0.55, but its mean over the region ...
    probability[60:80, 70:80] = 0  # ... is 0.27: unsure
    risks = restoration_risks(image, hole, {"paint loss": probability})
    assert sorted(r["reason"] for r in risks) == ["dark", "unsure"]
    assert next(r for r in risks if r["reason"] == "dark")["box"] == (10, 10, 20, 20)
    assert restoration_risks(image, hole & (np.arange(100) > 50)[None, :], None) == []
    # proposed at a calibrated 0.25: a region at 0.4 throughout never reaches 0.5, yet is unsure
    weak = np.where(hole, 102, 0).astype(np.uint8)
    weak[10:30, 10:30] = 0
    assert [r["reason"] for r in restoration_risks(image, hole, {"paint loss": weak})] == ["dark"]
    risks = restoration_risks(image, hole, {"paint loss": weak}, thresholds={"paint loss": 0.25})
    assert sorted(r["reason"] for r in risks) == ["dark", "unsure"]
    # a region brushed by hand that touches one proposed pixel is not the detector's doubt
    touched = np.zeros((100, 100), np.uint8)
    touched[60, 60] = 200
    assert restoration_risks(image, hole, {"paint loss": touched}) == [r for r in risks if r["reason"] == "dark"]


def _proposed_demo(window):
    from muralstudio.engines import inpainting

    doc = demo_document()
    window.set_document(doc)
    hole = doc.layer_by_name("paint loss").data >= 128
    result = inpainting.inpaint(doc.source.full(), hole, inpainting.InpaintOptions(engine="telea"))
    layer = doc.add_restoration(result.patches, result.record)
    return doc, layer, hole


@pytest.mark.parametrize("choice", ["apply", "include", "exclude"])
def test_export_with_a_pending_proposal_says_so_and_does_what_is_chosen(window, tmp_path, choice):
    import json

    from muralstudio.gui.export_dialog import ExportDialog

    doc, layer, hole = _proposed_demo(window)
    source = doc.source.full()
    proposed = doc.restored_image(include_pending=True)
    dialog = ExportDialog(doc, window)
    assert not dialog.pending_note.isHidden() and not dialog.pending.isHidden()
    assert dialog.pending.currentData() == "apply"  # what the canvas shows
    dialog.pending.setCurrentIndex(dialog.pending.findData(choice))
    dialog.path.setText(str(tmp_path / "out.tif"))
    out = imageio.read_image(dialog.run_export())
    record = json.loads((tmp_path / "out.tif.record.json").read_text())
    expected = source if choice == "exclude" else proposed
    assert np.array_equal(out.pixels, expected) and not np.array_equal(proposed, source)
    assert len(record["restorations"]) == (0 if choice == "exclude" else 1)
    assert layer.pending == (choice != "apply")


def test_export_dialog_names_masks_as_masks_and_warns_of_depth_loss(window):
    from muralstudio.gui.export_dialog import ExportDialog

    doc = demo_document()
    window.set_document(doc)
    dialog = ExportDialog(doc, window)
    assert dialog.pending.isHidden()  # nothing pending: nothing to say
    assert dialog.depth_note.isHidden()  # 16-bit TIFF keeps the depth
    dialog.format.setCurrentIndex(dialog.format.findData("jpeg8"))
    assert not dialog.depth_note.isHidden() and "16-bit" in dialog.depth_note.text()
    dialog.what.setCurrentIndex(dialog.what.findText("Mask: cracks"))
    name = Path(dialog.path.text()).name
    assert "restored" not in name and name.endswith("-mask-cracks.png")
    assert dialog.depth_note.isHidden()


def test_a_hidden_mask_is_not_called_empty_and_proposals_show_through_masks(window, qtbot, monkeypatch):
    doc, layer, hole = _proposed_demo(window)
    view = window.view
    assert view.mask_outlines  # a proposal is shown: masks become outlines
    item = view.mask_items[doc.layer_by_name("paint loss").uid]
    data = np.zeros((20, 20), np.uint8)
    data[5:15, 5:15] = 255
    rgba = item._rgba(data, item.outlined)
    # the fill shows whole (its edge pixels too), a line drawn just outside it
    assert rgba[5:15, 5:15, 3].max() == 0 and rgba[4, 10, 3] > 0 and rgba[10, 15, 3] > 0
    window.inpaint_dock.apply()
    assert not view.mask_outlines and not item.outlined  # applied: masks filled again
    window.tool_actions["review"].trigger()  # reviewing: the pixels under a detection are judged
    assert item.outlined
    window.tool_actions["navigate"].trigger()
    assert not item.outlined
    errors = []
    monkeypatch.setattr(window, "show_error", errors.append)
    for mask in doc.layers_of_kind("mask"):
        doc.set_property(mask, "visible", False)
    assert window.inpaint_dock.run() is None
    assert "hidden" in errors[-1] and "empty" not in errors[-1]
    dock = window.inpaint_dock
    dock.mask_source.setCurrentIndex(dock.mask_source.findText("paint loss"))
    assert dock.selected_mask().sum() == hole.sum()  # chosen by name: hidden or not


def test_help_menu_lists_the_shortcuts_people_expect(window, qtbot):
    window.set_document(demo_document())
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus[-1] == "&Help" and "&Restore" in menus
    keys = {text: k for k, text in window.shortcut_rows()}
    assert keys["Detect Damage"] == "Ctrl+D" and keys["Restore the Damage Mask"] == "Ctrl+R"
    assert keys["Apply the Proposal"] == "Ctrl+Return" and keys["Discard the Proposal"] == "Ctrl+Backspace"
    assert keys["Restore the Committed Region"] == "R" and keys["Show the Original (toggle)"] == "O"
    assert keys["Review detections"] == "V" and keys["Keyboard Shortcuts"] == "F1"
    dialog = window.show_shortcuts()
    table = dialog.findChild(__import__("PySide6.QtWidgets", fromlist=["QTableWidget"]).QTableWidget)
    assert table.rowCount() == len(window.shortcut_rows()) > 25
    dialog.close()
    assert window.user_guide_path() is not None and window.user_guide_path().name == "README.md"
    window.original_action.trigger()
    assert not window.view.show_restorations
    window.original_action.trigger()
    assert window.view.show_restorations


def test_enter_then_r_restores_the_committed_region_only(window, qtbot):
    from muralstudio.core.document import Document
    from muralstudio.engines.segmentation import Prediction

    pixels = np.full((200, 260, 3), 200, np.uint8)
    pixels[60:100, 80:140] = (150, 40, 30)
    window.set_document(Document.from_array(pixels, name="loss"))
    assert window.restore_committed_region() is None  # nothing committed yet: says how
    tool = window.click_tool
    mask = np.zeros((40, 60), bool)
    mask[5:35, 5:55] = True
    tool.clicks = [object()]
    tool.prediction = Prediction(80, 60, mask.astype(np.float32), mask)
    assert tool.commit()
    window.inpaint_dock.engine.setCurrentIndex(window.inpaint_dock.engine.findData("telea"))
    job = window.restore_committed_region()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    layer = window.inpaint_dock.pending_layer()
    grown = inpainting.grown_mask(mask, window.inpaint_dock.grow.value())  # grown by 2 px by default
    assert sum(int(p.mask.sum()) for p in layer.patches) == int(grown.sum())


def test_no_stale_state_after_apply_discard_or_another_document(window, qtbot):
    from muralstudio.core.document import Document

    doc = demo_document()
    window.set_document(doc)
    dock = window.inpaint_dock
    dock.engine.setCurrentIndex(dock.engine.findData("telea"))
    dock.mask_source.setCurrentIndex(dock.mask_source.findText("paint loss"))
    for finish in (dock.apply, dock.discard):
        job = dock.run()
        qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
        assert "review the proposal" in dock.stage.text()
        finish()
        assert dock.stage.text() == "" and dock.progress.value() == 0
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
    window._show_cursor(10, 10)
    assert "16-bit" in window.status_pos.text()
    doc.mark_clean()
    window.set_document(Document.from_array(np.zeros((50, 60, 3), np.uint8), name="other"))
    assert dock.stage.text() == "" and window.status_pos.text() == ""
    assert window.elements_dock.stage.text() == ""
    panel = window.layer_panel
    assert panel.current_layer() is None and panel.opacity.value() == 100 and not panel.opacity.isEnabled()


def test_job_panels_show_elapsed_time_and_an_estimate():
    from muralstudio.gui.job_panel import JobPanel

    panel = JobPanel.__new__(JobPanel)  # the timing text only needs the start time
    panel.started = 100.0
    assert JobPanel._clock(75) == "1:15" and JobPanel._clock(3725) == "1:02:05"
    from PySide6.QtWidgets import QWidget

    QWidget.__init__(panel)
    assert panel.timing_text(0.25, now=112.0) == "0:12 elapsed, about 0:36 left"
    assert panel.timing_text(0.0, now=101.0) == "0:01 elapsed"  # no estimate before any progress


def test_navigator_has_a_thumbnail_for_a_tiff_without_pyramid(window, qtbot, tmp_path):
    from muralstudio.core import synth

    pixels = synth.generate_mural(3000, 2000, seed=1, bit_depth=16)[0]
    imageio.write_tiff(tmp_path / "wall.tif", pixels, tile=(256, 256))
    assert window.open_path(tmp_path / "wall.tif")
    assert not window.doc.pyramid().is_built
    qtbot.waitUntil(lambda: window.navigator.overview is not None, timeout=10000)  # off the GUI thread
    overview = window.navigator.overview
    assert overview is not None and not overview.isNull() and overview.width() <= 2048
    assert abs(overview.width() / overview.height() - 1.5) < 0.01


def test_compare_views_are_labelled_and_side_by_side_keeps_the_close_up(window, qtbot):
    window.set_document(demo_document())
    show(window, qtbot)
    window.compare_actions["split"].trigger()
    window.view.viewport().grab()
    assert window.view.drawn_labels == ["restored", "original"]
    assert not window.view.show_masks  # comparing: no mask overlay over either half
    window.view.fit()
    window.compare_actions["side"].trigger()  # the whole image stays whole in half the width
    qtbot.waitUntil(lambda: window.original_view.isVisible())
    qtbot.wait(50)
    visible = window.view.visible_image_rect()
    assert visible.width() >= window.doc.width - 2 and visible.height() >= window.doc.height - 2
    window.compare_actions["off"].trigger()
    qtbot.wait(50)
    window.view.set_zoom(8.0)  # judging a fill close up: side by side keeps zoom and place
    window.view.centerOn(700, 500)
    qtbot.wait(20)
    window.compare_actions["side"].trigger()
    qtbot.wait(50)
    assert window.view.zoom == pytest.approx(8.0)
    centre = window.view.visible_image_rect().center()
    assert abs(centre.x() - 700) < 3 and abs(centre.y() - 500) < 3
    assert window.original_view.zoom == pytest.approx(8.0)
    assert (window.original_view.visible_image_rect().center() - centre).manhattanLength() < 3
    restored, original = window.view.width(), window.original_view.width()
    assert abs(restored - original) <= 0.1 * (restored + original), (restored, original)  # half each
    window.view.viewport().grab()
    window.original_view.viewport().grab()
    assert window.view.drawn_labels == ["restored"] and window.original_view.drawn_labels == ["original"]
    assert not window.view.show_masks and not window.original_view.show_masks
    window.tool_actions["brush"].trigger()  # editing masks one cannot see: the comparison ends
    assert window.compare_actions["off"].isChecked() and window.view.show_masks
    window.compare_actions["split"].trigger()
    window.compare_actions["off"].trigger()
    window.view.viewport().grab()
    assert window.view.drawn_labels == [] and window.view.show_masks


def test_closing_during_a_step_that_does_not_poll_waits_instead_of_aborting(window, qtbot):
    """A step that ignores cancel for seconds (hashing a huge source, a network pass) must not
    leave a running QThread to be destroyed (SIGABRT): closing waits, saying so."""
    import time as clock

    from muralstudio.gui.jobs import Job

    window.set_document(demo_document())
    finished = []

    def stubborn(progress, cancelled):
        clock.sleep(1.5)  # never looks at cancelled
        finished.append(True)

    job = window.jobs.submit(Job("slow step", stubborn))
    qtbot.waitUntil(lambda: job.state == "running", timeout=10000)
    told = []
    window.jobs.shutdown(lambda j: told.append(j.name))
    assert finished == [True] and told == ["slow step"] and not window.jobs.is_running()


def test_hashing_the_source_stops_at_cancel(tmp_path):
    from muralstudio.core.errors import Cancelled
    from muralstudio.core.pyramid import file_sha256

    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * (3 << 22))
    polls = []
    with pytest.raises(Cancelled):
        file_sha256(big, cancelled=lambda: polls.append(1) or len(polls) >= 2)
    assert len(polls) == 2


@pytest.mark.parametrize("damage", ["truncated", "bomb", "manifest"])
def test_a_damaged_file_leaves_the_open_document_in_place(window, tmp_path, damage):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import fuzz

    window.set_document(demo_document())
    before = window.doc
    if damage == "truncated":
        path = tmp_path / "cut.tif"
        imageio.write_tiff(tmp_path / "whole.tif", np.zeros((300, 400, 3), np.uint16), tile=(64, 64))
        path.write_bytes((tmp_path / "whole.tif").read_bytes()[:100])
    elif damage == "bomb":
        path = tmp_path / "bomb.jpg"
        path.write_bytes(fuzz.crafted_images()["bomb.jpg"])
    else:
        path = tmp_path / "list.mural"
        import zipfile

        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("manifest.json", "[1, 2]")
    assert window.open_path(path) is False
    assert window.doc is before and path.name in window.last_error


def test_restoration_risks_on_a_huge_mask_stay_cheap(monkeypatch):
    from muralstudio.engines import detection

    monkeypatch.setattr(detection, "MAX_LABEL_PIXELS", 10_000)  # as a 500-Mpx mask would be
    image = np.full((400, 400, 3), 230, np.uint8)
    image[50:150, 50:150] = 20
    hole = np.zeros((400, 400), bool)
    hole[50:150, 50:150] = True
    risks = detection.restoration_risks(image, hole, None)
    assert [r["reason"] for r in risks] == ["dark"]
    assert abs(risks[0]["box"][0] - 50) <= 4 and abs(risks[0]["box"][1] - 50) <= 4  # on a 4× coarser grid


def test_sensitivity_slider_rethresholds_live_without_rerunning(window, qtbot, monkeypatch):
    dock, proposals = _detect_bands(window, qtbot, monkeypatch)  # probability 0.67 in the bands
    dock.threshold.setValue(0.0)  # the calibrated thresholds (0.5 for the stand-in detector)
    dock.result.thresholds = {"paint loss": 0.5, "background": 0.5}
    runs = []
    monkeypatch.setattr(dock, "run", lambda: runs.append(1))
    dock.sensitivity.setValue(20)  # threshold 0.8: the bands are no longer proposed
    qtbot.waitUntil(lambda: proposals.area == 0, timeout=3000)
    import threading

    from muralstudio.core import maskops

    on_window_thread = []
    real = maskops.regions_of_at_least
    monkeypatch.setattr(maskops, "regions_of_at_least", lambda *a, **k: on_window_thread.append(
        threading.current_thread() is threading.main_thread()) or real(*a, **k))
    dock.sensitivity.setValue(80)  # threshold 0.2
    qtbot.waitUntil(lambda: proposals.area == 2 * 30 * 300, timeout=3000)
    assert not runs and dock.class_threshold("paint loss") == pytest.approx(0.2)
    assert on_window_thread and not any(on_window_thread)  # labelled on the dock's thread (0.7 s at 108 Mpx)


def test_intervention_map_marks_exactly_the_changed_pixels_by_restoration(window, tmp_path):
    import json

    from PIL import Image

    from muralstudio.engines import inpainting
    from muralstudio.gui.export_dialog import ExportDialog

    doc = demo_document()
    window.set_document(doc)
    source = doc.source.full()
    loss = doc.layer_by_name("paint loss").data >= 128
    left, right = loss.copy(), loss.copy()
    left[:, doc.width // 2:] = False
    right[:, : doc.width // 2] = False
    for hole, engine in ((left, "telea"), (right, "ns")):
        result = inpainting.inpaint(doc.source, hole, inpainting.InpaintOptions(engine=engine))
        doc.apply_restoration(doc.add_restoration(result.patches, result.record))
    restored = doc.restored_image()
    changed = np.any(restored != source, axis=2)
    dialog = ExportDialog(doc, window)
    dialog.what.setCurrentIndex(1)  # right after the restored image
    assert dialog.what.currentData()[0] == "interventions"
    dialog.path.setText(str(tmp_path / "map.png"))
    with Image.open(dialog.run_export()) as img:
        marks = np.asarray(img)
    assert np.array_equal(marks > 0, changed)
    assert set(np.unique(marks[left & changed])) == {1} and set(np.unique(marks[right & changed])) == {2}
    legend = json.loads((tmp_path / "map.png.legend.json").read_text())
    assert [r["engine"] for r in legend["restorations"]] == ["telea", "ns"]


@pytest.mark.parametrize("style", ["outline", "hatch"])
def test_marked_restoration_export_keeps_the_original_and_marks_only_restored_areas(window, tmp_path, style):
    from muralstudio.core.export import intervention_map
    from muralstudio.engines import inpainting
    from muralstudio.gui.export_dialog import ExportDialog

    doc = demo_document()
    window.set_document(doc)
    loss = doc.layer_by_name("paint loss").data >= 128
    result = inpainting.inpaint(doc.source, loss, inpainting.InpaintOptions(engine="telea"))
    doc.apply_restoration(doc.add_restoration(result.patches, result.record))
    restored = imageio.to_rgb8(doc.restored_image())
    dialog = ExportDialog(doc, window)
    dialog.what.setCurrentIndex(next(i for i in range(dialog.what.count())
                                     if tuple(dialog.what.itemData(i)) == ("marked", style)))
    dialog.path.setText(str(tmp_path / f"marked-{style}.png"))
    marked = imageio.read_image(dialog.run_export()).pixels
    changed = intervention_map(doc)[0] > 0
    near = cv2.dilate(changed.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert np.array_equal(marked[~near], restored[~near])  # the rest is the restored image as is
    drawn = np.all(marked == (255, 220, 0), axis=2) & ~np.all(restored == (255, 220, 0), axis=2)
    assert drawn.any() and not (drawn & ~near).any()
    if style == "hatch":  # lines inside the fills, not only at their edges
        inner = cv2.erode(changed.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
        assert (drawn & inner).any()


def test_cli_and_window_write_the_same_record_for_the_same_restoration(window, qtbot, tmp_path):
    """One record writer: restoring the same file and mask with the same engine from the command
    line and from the window gives the same record (only the creation times differ)."""
    import json

    from muralstudio import cli
    from muralstudio.core.document import Document
    from conftest import small_damaged_mural

    image, mask_path, hole = small_damaged_mural(tmp_path, "壁画.png")
    assert cli.main(["inpaint", str(image), "--mask", str(mask_path), "--engine", "telea",
                     "--out", str(tmp_path / "cli.png")]) == 0
    doc = Document.open(image)
    window.set_document(doc)
    doc.new_mask_layer("damage", hole)
    dock = window.inpaint_dock
    dock.engine.setCurrentIndex(dock.engine.findData("telea"))
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
    dock.apply_button.click()
    from muralstudio.core import export

    export.export_restored(doc, tmp_path / "window.png", "png8")

    def record(path):
        data = json.loads((tmp_path / f"{path}.record.json").read_text(encoding="utf-8"))
        for entry in data.get("restorations", []):
            entry.pop("created", None)
        data.pop("created", None)
        return data

    assert record("cli.png") == record("window.png")


def test_snap_to_line_puts_a_rough_brush_stroke_on_the_crack_as_one_undo_step(window):
    from muralstudio.core.document import Document

    pixels = np.full((200, 300, 3), 190, np.uint8)
    pixels[100, 20:280] = 50  # a dark crack one pixel high
    window.set_document(Document.from_array(pixels, name="crack"))
    window.tool_actions["brush"].trigger()  # an earlier test may have left the eraser on
    window.brush_size.setValue(2)
    window.snap_strokes.setChecked(True)
    layer = window.target_mask_layer()
    steps = len(window.doc.history.undo_stack)
    window._stroke_started(30, 104)  # traced 3–4 px below the crack
    for x, y in ((80, 103), (140, 104), (200, 103), (260, 104)):
        window._stroke_moved(x, y)
    window._stroke_finished()
    painted = layer.data >= 128
    assert painted[100, 40:250].mean() > 0.95  # on the crack
    assert not painted[103:106, 40:250].any()  # nothing left where it was traced
    assert len(window.doc.history.undo_stack) == steps + 1
    window.doc.undo()
    assert not (layer.data >= 128).any()


def test_exports_start_beside_the_saved_project_not_in_the_photographs_archive(window, tmp_path):
    """The photographs often sit in a read-only archive: once the work is saved as a project,
    export and report dialogs start in the project's folder."""
    from PIL import Image

    from muralstudio.core import project
    from muralstudio.core.document import Document
    from muralstudio.gui.documentation import suggested_path
    from muralstudio.gui.export_dialog import ExportDialog

    (tmp_path / "archive").mkdir()
    (tmp_path / "work").mkdir()
    Image.fromarray(np.full((40, 60, 3), 200, np.uint8)).save(tmp_path / "archive" / "wall.png")
    doc = Document.open(tmp_path / "archive" / "wall.png")
    window.set_document(doc)
    assert suggested_path(doc, "-report.pdf") == str(tmp_path / "archive" / "wall-report.pdf")
    project.save_project(doc, tmp_path / "work" / "wall.mural")
    assert suggested_path(doc, "-report.pdf") == str(tmp_path / "work" / "wall-report.pdf")
    dialog = ExportDialog(doc, window)
    assert Path(dialog.path.text()).parent == tmp_path / "work"


def test_rejections_are_kept_in_the_project_and_belong_to_their_document(window, qtbot, monkeypatch, tmp_path):
    """What a reviewer rejected is not proposed again by a detection in the project reopened,
    and another document's review neither sees nor breaks it."""
    from muralstudio.core.document import Document
    from muralstudio.core.project import load_project, save_project

    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    window.view.review_clicked.emit(100.0, 210.0, False)  # reject band B
    path = save_project(window.doc, tmp_path / "bands.mural")
    other = Document.from_array(np.full((800, 900, 3), 255, np.uint8), name="other")
    layer = other.new_mask_layer("paint loss (proposed)", proposed=True)
    layer.data[600:620, 700:720] = 255
    window.set_document(other)  # a larger image: its rejection is its own
    assert dock.review_at(710, 610, accept=False) == 400 and other.rejected["paint loss"].sum() == 400
    window.set_document(load_project(path))
    assert window.doc.rejected["paint loss"].sum() == 30 * 300
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    assert window.doc.layer_by_name("paint loss (proposed)").area == 30 * 300  # band A only


def test_a_second_proposals_layer_of_a_class_stays_reviewable(window):
    """An earlier version's re-detection left "paint loss (proposed) 2" in projects: both layers
    are reviewed, and what is accepted of either goes to the one "paint loss" layer."""
    from muralstudio.core.document import Document

    doc = Document.from_array(np.full((300, 400, 3), 200, np.uint8), name="old")
    first = doc.new_mask_layer("paint loss (proposed)", proposed=True)
    first.data[50:60, 50:60] = 255
    second = doc.new_mask_layer("paint loss (proposed) 2", proposed=True)
    second.data[200:210, 200:210] = 255
    window.set_document(doc)
    dock = window.detect_dock
    assert dock.review_at(55, 55, accept=True) == 100
    assert dock.review_at(205, 205, accept=True) == 100
    accepted = [l for l in doc.layers if l.kind == "mask" and not l.proposed]
    assert [l.name for l in accepted] == ["paint loss"] and accepted[0].area == 200


def test_review_outlines_cross_tiles_and_are_repainted_on_undo(window, qtbot, monkeypatch):
    """The line drawn just outside a proposal lies in the next tile for a flake at a tile's edge,
    and outside the changed pixels when an undo brings a region back."""
    from PySide6.QtCore import QEvent, QObject, QPointF

    from muralstudio.core.document import Document

    doc = Document.from_array(np.full((256, 600, 3), 128, np.uint8), name="tiles")
    layer = doc.new_mask_layer("paint loss (proposed)", proposed=True)
    layer.data[100:104, 252:256] = 255  # a flake touching the right edge of tile 0
    window.set_document(doc)
    show(window, qtbot, centre=(256, 100))
    window.tool_actions["review"].trigger()
    window.view.viewport().grab()
    right = window.view.cache.get(("mask", layer.uid, 0, 1, 0, True))
    assert right is not None and not right.isNull()  # tile 1 holds the line right of the flake

    class Painted(QObject):
        regions = []

        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                self.regions.append(event.region())
            return False

    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    view = window.view
    view.set_zoom(8.0)
    view.centerOn(50, 65)
    window.tool_actions["review"].trigger()
    qtbot.wait(50)
    dock.review_at(100, 60, accept=False)  # reject band A (x 50–349)
    qtbot.wait(50)
    painted = Painted()
    view.viewport().installEventFilter(painted)
    window.doc.undo()  # band A proposed again: its line at x = 49 must be drawn
    qtbot.wait(100)
    view.viewport().removeEventFilter(painted)
    ring = view.mapFromScene(QPointF(49.5, 65.5))
    assert any(region.contains(ring) for region in painted.regions)


def test_find_similar_after_an_edit_uses_the_current_elements(window, qtbot, monkeypatch):
    """An edit (here a probability layer) makes the element list anew; the gallery's selected
    element is an older copy: finding similar elements must not fail on it."""
    from test_labeling import ColourRule, painted

    from muralstudio.core.document import Document
    from muralstudio.engines import labeling

    monkeypatch.setattr(labeling, "create", lambda name, device="cpu", **kw: ColourRule())
    image, _ = painted(900, 500)
    image[350:450, 300:340] = (238, 82, 78)  # a second person
    window.set_document(Document.from_array(image, name="painted"))
    dock = window.elements_dock
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    dock.class_filter.setCurrentIndex(dock.class_filter.findData(4))
    dock.gallery.item(0).setSelected(True)
    dock.show_probability(4)  # the document changed after the gallery was filled
    job = dock.find_similar()
    qtbot.waitUntil(lambda: job.state in ("done", "failed"), timeout=30000)
    assert job.state == "done", job.error
    assert dock.similar_gallery.item(0).data(Qt.ItemDataRole.UserRole).class_index == 4


def test_a_probability_layer_is_never_damage(window, qtbot, monkeypatch, tmp_path):
    """P(people) shown as a layer is a map to look at: not restored by "All visible mask
    layers", not measured, mapped or exported as damage — also after the project is reopened."""
    from test_labeling import ColourRule, painted

    from muralstudio.core.document import Document
    from muralstudio.core.project import load_project, save_project
    from muralstudio.engines import labeling
    from muralstudio.ops.measure import measure_layers
    from muralstudio.ops.report import build_report
    from muralstudio.ops.vectors import layers_geojson

    monkeypatch.setattr(labeling, "create", lambda name, device="cpu", **kw: ColourRule())
    image, _ = painted(900, 500)
    window.set_document(Document.from_array(image, name="painted"))
    job = window.elements_dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    probability = window.elements_dock.show_probability(4)
    assert probability.visible and probability.area > 0
    doc = window.doc
    for current in (doc, load_project(save_project(doc, tmp_path / "p.mural"))):
        layer = next(l for l in current.layers if l.name == "P(people)")
        assert layer.purpose == "probability" and not layer.marks_damage
        assert not any(r.what == "damage" for r in measure_layers(current.layers, current.width * current.height))
        assert not layers_geojson([layer])["features"]
        assert "P(people)" not in build_report(current).html.split("Measurements")[0]  # not in the damage map
    inpaint = window.inpaint_dock
    inpaint.refresh()
    assert not inpaint.selected_mask().any()  # all visible mask layers: nothing to restore
    assert inpaint.mask_source.findText("P(people)") < 0
    window.layer_panel.select(probability)
    assert window.target_mask_layer() is not probability  # a brush stroke goes to a damage layer


def test_gallery_and_measurements_name_and_count_the_same_elements(window, qtbot, monkeypatch):
    """The archaeologist matches a thumbnail to its row: both say "people 2", and both count the
    elements above the gallery's minimum area."""
    from test_labeling import ColourRule, painted

    from muralstudio.core.document import Document
    from muralstudio.engines import labeling

    monkeypatch.setattr(labeling, "create", lambda name, device="cpu", **kw: ColourRule())
    image, _ = painted(900, 500)
    image[350:450, 300:340] = (238, 82, 78)  # a second person
    image[20:28, 850:858] = (238, 82, 78)  # a speck of red: 64 px, under the gallery's minimum
    window.set_document(Document.from_array(image, name="painted"))
    dock = window.elements_dock
    job = dock.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    captions = sorted(dock.gallery.item(i).text() for i in range(dock.gallery.count()))
    measurements = window.measurements_dock
    measurements.refresh()
    assert captions == sorted(e.element for e in measurements.elements)
    assert "people 2" in captions and "people 3" not in captions


def test_the_review_walk_is_labelled_ahead_off_the_windows_thread(window, qtbot, monkeypatch):
    """New proposals (a detection, a re-threshold, an undo) are labelled for the walk on the
    dock's own thread, so Next region and Accept all do not stop the window to label a large
    image; a decision made before the first step is still respected."""
    import threading

    from muralstudio.gui.detect_dock import DetectDock

    threads = []
    real = DetectDock._make_walk.__func__
    monkeypatch.setattr(DetectDock, "_make_walk",
                        classmethod(lambda cls, layers: threads.append(threading.current_thread().name)
                                    or real(cls, layers)))
    dock, proposals = _detect_bands(window, qtbot, monkeypatch)
    window.view.review_clicked.emit(100.0, 60.0, False)  # reject band A before walking
    assert dock.step_region(1) == ("paint loss", (50, 200, 300, 30))  # band B only
    assert threads and all(name.startswith("walk") for name in threads)
    from PySide6.QtWidgets import QMessageBox

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    dock.accept_all_asked()
    assert "Accept all 1 proposed regions" in asked[-1]
    assert all(name.startswith("walk") for name in threads)
    before = len(threads)  # a re-threshold labels the new proposals once, not once per layer it changes
    dock.threshold.setValue(0.7)  # above the bands' 0.64: the proposals layer changes
    dock.update_button.click()
    dock.step_region(1)
    dock._walk_pool.submit(lambda: None).result()  # every labelling queued has run (or was cancelled)
    assert len(threads) == before + 1


def test_a_damaged_tiff_is_refused_or_reported_never_shown_silently(window, qtbot, tmp_path, rng):
    """A truncated TIFF is refused when opened (its last strip is missing); a file damaged in
    the middle opens, and the first tile that cannot be read says so, once."""
    import tifffile

    from muralstudio.core import imageio

    pixels = rng.integers(0, 255, (512, 512, 3), dtype=np.uint8)
    imageio.write_tiff(tmp_path / "whole.tif", pixels, tile=(64, 64))
    data = (tmp_path / "whole.tif").read_bytes()
    (tmp_path / "cut.tif").write_bytes(data[: len(data) // 2])
    assert not window.open_path(tmp_path / "cut.tif")
    assert "cut.tif" in window.last_error
    with tifffile.TiffFile(tmp_path / "whole.tif") as tif:  # garble one tile in the middle
        page = tif.pages[0]
        middle = len(page.dataoffsets) // 2 + 4
        offset, count = page.dataoffsets[middle], page.databytecounts[middle]
    damaged = bytearray(data)
    damaged[offset:offset + count] = bytes(count)
    (tmp_path / "damaged.tif").write_bytes(bytes(damaged))
    window.last_error = None
    assert window.open_path(tmp_path / "damaged.tif")
    show(window, qtbot)
    window.view.set_zoom(1.0)
    window.view.centerOn(256, 256)
    window.view.viewport().grab()
    window.view.wait_for_tiles()
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=10000)
    assert "cannot be read" in window.last_error and "damaged.tif" in window.last_error
    window.last_error = None
    window.view.centerOn(300, 300)
    window.view.viewport().grab()
    window.view.wait_for_tiles()
    qtbot.wait(100)
    assert window.last_error is None  # said once, not once per tile


def test_a_project_named_in_capitals_opens(window, tmp_path):
    from muralstudio.core.project import save_project

    path = save_project(demo_document(), tmp_path / "WALL.MURAL")
    assert path.name == "WALL.MURAL"  # not WALL.MURAL.mural
    assert window.open_path(path) and window.doc.layers


def test_export_from_the_window_writes_on_a_worker_thread(window, qtbot, tmp_path, monkeypatch):
    """Encoding a large TIFF froze the window for seconds: the file is written on the file
    thread while the window paints, taking no edits until it is done."""
    import threading

    from muralstudio.core import export, imageio
    from muralstudio.gui.export_dialog import ExportDialog

    window.set_document(demo_document())
    out = tmp_path / "restored.tif"

    def chosen(dialog):
        dialog.path.setText(str(out))
        return 1

    monkeypatch.setattr(ExportDialog, "exec", chosen)
    seen = []
    real = export.export_restored

    def watched(*args, **kwargs):
        seen.append((threading.current_thread() is threading.main_thread(), window.isEnabled()))
        return real(*args, **kwargs)

    monkeypatch.setattr(export, "export_restored", watched)
    window.export_dialog()
    assert seen == [(False, False)]  # off the window's thread, edits held meanwhile
    assert window.isEnabled() and out.exists()
    assert imageio.read_image(out).pixels.shape[:2] == (window.doc.height, window.doc.width)
    assert "restored.tif" in window.statusBar().currentMessage()


def test_mask_menu_operations_compute_off_the_window_thread_and_undo_in_one_step(window, qtbot, monkeypatch):
    """Grow 15 px froze the window for 4 s on a 48-Mpx mask: the pixels are computed on a
    thread while the window paints (taking no edits), then set as one undo step."""
    import threading

    from PySide6.QtWidgets import QInputDialog

    from muralstudio.core import maskops

    window.set_document(demo_document())
    layer = window.target_mask_layer()
    before = layer.data.copy()
    seen = []
    real_grow = maskops.grow

    def watched(mask, pixels):
        seen.append((threading.current_thread() is threading.main_thread(), window.isEnabled(), pixels))
        return real_grow(mask, pixels)

    monkeypatch.setattr(maskops, "grow", watched)
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (4, True)))
    next(a for a in window.menuBar().actions() if a.text() == "&Mask").menu().actions()[0].trigger()
    assert seen == [(False, False, 4)] and window.isEnabled()
    assert np.array_equal(layer.data, real_grow(before, 4)) and (layer.data > 0).sum() > (before > 0).sum()
    window.undo_action.trigger()
    assert np.array_equal(layer.data, before)


def test_detect_dock_takes_the_detectors_own_settings_and_labels_off_the_window_thread(window, qtbot, monkeypatch):
    """The working scale of the fleck detectors is set in the dock (a photograph at 4× the
    resolution of their training finds the flakes only so), and the proposals are labelled on
    the detection's thread (1.4 s on the window's thread at 108 Mpx)."""
    import threading

    import cv2

    from muralstudio.core import maskops, synth
    from muralstudio.core.document import Document

    rgb, truth = synth.flakes_in_dark_paint(seed=1)
    big = cv2.resize(rgb, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
    big_truth = cv2.resize(truth.astype(np.uint8), None, fx=4, fy=4, interpolation=cv2.INTER_NEAREST) > 0
    window.set_document(Document.from_array(big, name="archive photograph"))
    dock = window.detect_dock
    assert dock.engine.currentData() == "flecks-vetted"
    assert "scale" in dock.settings_form.widgets
    threads = []
    real = maskops.regions_of_at_least
    monkeypatch.setattr(maskops, "regions_of_at_least",
                        lambda *a, **k: threads.append(threading.current_thread() is threading.main_thread())
                        or real(*a, **k))

    def found():
        job = dock.run()
        qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
        proposed = window.doc.layer_by_name("paint loss (proposed)").data >= 128
        return (proposed & big_truth).sum() / big_truth.sum()

    at_full = found()
    dock.settings_form.widgets["scale"].setValue(0.25)
    threads.clear()
    at_quarter = found()
    assert at_quarter > 0.3 and at_quarter > 3 * at_full, (at_full, at_quarter)
    assert threads and not any(threads)  # labelled on the detection's thread only


def test_a_job_ending_during_an_export_changes_the_document_only_after_it(window, qtbot):
    """An export or mask operation reads the document on another thread: a job finishing
    meanwhile (an inpaint adding its proposal) is applied once that is over."""
    from muralstudio.gui.jobs import Job

    applied = []
    with window.jobs.results_held():
        job = window.jobs.submit(Job("quick", lambda progress, cancelled: 42, on_done=applied.append))
        qtbot.wait(400)  # the worker has finished; its result waits
        assert applied == [] and job.state == "running"
    assert applied == [42] and job.state == "done"


def test_the_zoom_in_the_status_bar_has_room_for_four_digits(window, qtbot):
    """A long value readout beside it cut "501 %" to "501 9" at 1280×800."""
    window.resize(1280, 800)
    window.show()
    window.status_pos.setText("x 10234  y 8812  value 65535 65535 65535  paint loss 0.97  craquelure 0.12")
    window.view.set_zoom(32.0)
    qtbot.waitUntil(lambda: window.status_zoom.text() == "3200 %", timeout=2000)
    metrics = window.status_zoom.fontMetrics()
    assert window.status_zoom.width() >= metrics.horizontalAdvance("3200 %")


def test_element_edges_show_even_a_near_white_cloud_on_pale_plaster(window):
    """A fresh user could not see the cloud overlay (near-white, 140/255 opaque) on pale
    plaster: each element's edge is drawn in its class colour darkened, opaque."""
    from muralstudio.core.document import Document

    doc = Document.from_array(np.full((64, 64, 3), 235, np.uint8), name="plaster")
    labels = np.zeros((64, 64), np.uint8)
    labels[10:40, 10:50] = 3  # a cloud
    labels[20:30, 30:45] = 4  # a person on it
    doc.new_label_layer("elements", labels)
    window.set_document(doc)
    item = next(i for i in window.view.mask_items.values() if i.lut is not None)
    rgba = item._rgba(labels)
    assert tuple(rgba[10, 20]) == (108, 108, 108, 230)  # the cloud's top edge: dark grey, opaque
    assert tuple(rgba[25, 20]) == (240, 240, 240, 140)  # inside it, tinted as before
    assert rgba[20, 35, :3].tolist() == [0, 71, 51] and rgba[25, 37, 3] == 140  # the person's edge, inside
    assert rgba[5, 5, 3] == 0 and rgba[9, 20, 3] == 0  # background untouched, outside the edge too


def test_a_restorations_screen_images_are_made_on_the_jobs_thread(window, qtbot, monkeypatch):
    """At 108 Mpx, copying the restored patches into the canvas's images on the window's thread
    froze it for half a second after the restoration finished."""
    import threading

    from muralstudio.gui import canvas, inpaint_dock

    made_on_window_thread = []
    real = canvas.patch_image

    def recorded(rgba):
        made_on_window_thread.append(threading.current_thread() is threading.main_thread())
        return real(rgba)

    monkeypatch.setattr(inpaint_dock, "patch_image", recorded)
    monkeypatch.setattr(canvas, "patch_image", recorded)
    doc = demo_document()
    window.set_document(doc)
    inpaint = window.inpaint_dock
    inpaint.engine.setCurrentIndex(inpaint.engine.findData("telea"))
    inpaint.mask_source.setCurrentIndex(inpaint.mask_source.findText("paint loss"))
    job = inpaint.run()
    qtbot.waitUntil(lambda: job.state == "done", timeout=30000)
    layer = doc.layers_of_kind("restoration")[0]
    item = next(i for i in window.view.scene().items() if isinstance(i, canvas.RestorationItem))
    assert len(item.images) == len(layer.patches) > 0
    assert made_on_window_thread and not any(made_on_window_thread)


def test_gallery_numbers_stay_with_their_elements_through_edits_and_undo(window, qtbot):
    """A fresh archaeologist split a figure with the eraser and saw the piece renumbered after
    every later edit (6, 5, 4, 3) and a deleted figure's number given to another: numbers are
    now stored with the edit that makes them, one undo step with it."""
    from muralstudio.core.document import Document

    doc = Document.from_array(np.full((300, 300, 3), 200, np.uint8), name="wall")
    window.set_document(doc)
    labels = np.zeros((300, 300), np.uint8)
    labels[10:110, 10:60] = 4  # the larger person
    labels[10:70, 100:160] = 4
    layer = doc.new_label_layer("elements", labels)
    dock = window.elements_dock
    dock.refresh_layers()

    def names():
        dock.refresh_gallery()
        return {dock.gallery.item(i).data(Qt.ItemDataRole.UserRole).bbox[:2]: dock.gallery.item(i).text()
                for i in range(dock.gallery.count())}

    assert names() == {(10, 10): "people 1", (100, 10): "people 2"}
    doc.write_pixels(layer, 10, 80, np.zeros((10, 50), np.uint8))  # an eraser splits people 1
    assert names() == {(10, 10): "people 1", (100, 10): "people 2", (10, 90): "people 3"}
    doc.write_pixels(layer, 160, 10, np.full((60, 100), 4, np.uint8))  # people 2 made the largest
    assert names() == {(10, 10): "people 1", (100, 10): "people 2", (10, 90): "people 3"}
    doc.write_pixels(layer, 100, 10, np.zeros((60, 160), np.uint8))  # people 2 erased entirely
    doc.write_pixels(layer, 200, 200, np.full((30, 40), 4, np.uint8))  # a person painted in
    assert names()[(200, 200)] == "people 4"  # not 2: a number is never given to another
    doc.undo()  # the painted person and its number go in one step
    assert (200, 200) not in names() and "people 4" not in layer.element_names.values()
