"""Documentation in the window: properties, scale from a drawn line, the Measurements dock
(copy, CSV, Excel) and the condition report export."""

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from muralstudio.core.project import load_project  # noqa: E402
from muralstudio.gui import documentation  # noqa: E402
from muralstudio.gui.main_window import demo_document  # noqa: E402


@pytest.fixture
def window(window):
    """The shared main window (conftest.py) with the demo document."""
    window.set_document(demo_document())
    return window


def test_properties_dialog_saves_into_the_project(window, qtbot, tmp_path):
    dialog = documentation.PropertiesDialog(window.doc, window)
    dialog.fields["site"].setText("敦煌莫高窟")
    dialog.fields["cave"].setText("257")
    dialog.apply()
    assert window.doc.is_modified
    assert window._save_to(tmp_path / "p.mural")
    qtbot.waitUntil(lambda: (tmp_path / "p.mural").exists() and not window.doc.is_modified, timeout=20000)
    assert load_project(tmp_path / "p.mural").properties == {"site": "敦煌莫高窟", "cave": "257"}


def test_scale_line_sets_the_scale_and_the_dock_shows_cm2(window, qtbot, monkeypatch):
    window.start_scale_line()
    assert window.view.tool == "scale"
    monkeypatch.setattr(documentation, "ask_line_length", lambda parent, px: 10.0)  # the user types 10 cm
    seen = []
    window.view.scale_line_drawn.connect(lambda *line: seen.append(line))
    view = window.view
    for x in (100.0, 300.0):  # two clicks 200 image px apart, as the user would
        point = view.mapFromScene(QPointF(x, 500.0))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert len(seen) == 1
    assert window.doc.mm_per_px == pytest.approx(0.5, rel=0.02)
    dock = window.measurements_dock
    dock.refresh()
    loss = next(r for r in dock.rows if r.layer == "paint loss")
    expected = int((window.doc.layer_by_name("paint loss").data >= 128).sum())
    assert loss.pixels == expected and loss.area_cm2 == pytest.approx(expected * (window.doc.mm_per_px / 10) ** 2, rel=1e-3)
    assert "mm per pixel" in dock.scale_label.text()
    # one line per Set Scale: the next clicks navigate; a wrong length is undone like any edit
    assert window.view.tool == "navigate" and window.tool_actions["navigate"].isChecked()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(QPointF(50.0, 50.0)))
    assert len(seen) == 1
    window.doc.undo()
    assert window.doc.scale_origin != "user"
    assert window.doc.mm_per_px is None  # the demo's file has no resolution
    dock.refresh()
    assert not any(r.area_cm2 for r in dock.rows) and "No physical scale" in dock.scale_label.text()


def test_measurements_copy_and_excel_export(window, qtbot, tmp_path):
    from openpyxl import load_workbook

    dock = window.measurements_dock
    dock.copy()
    text = QGuiApplication.clipboard().text()
    assert text.splitlines()[0].startswith("layer\twhat\tpixels")
    path = dock.export_dialog(tmp_path / "m.xlsx")
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Layer", "What", "Pixels"]
    pixels = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=3).value for r in range(2, 2 + len(dock.rows))}
    assert pixels["paint loss"] == int((window.doc.layer_by_name("paint loss").data >= 128).sum())
    assert dock.export_dialog(tmp_path / "m.csv").read_text(encoding="utf-8-sig").startswith("layer,what")
    assert len((tmp_path / "m-elements.csv").read_text(encoding="utf-8-sig").splitlines()) == len(dock.elements) + 1  # and its elements
    # every element too: in the dock, the copied text and the workbook's second sheet
    assert dock.element_table.rowCount() == len(dock.elements) > 0
    assert dock.elements[0].element in text
    listing = load_workbook(path)["Elements"]
    assert listing.cell(row=2, column=4).value == dock.elements[0].pixels


def test_export_report_from_the_window(window, qtbot, tmp_path, monkeypatch):
    from muralstudio.gui.report_pdf import report_font

    try:
        report_font("zh_CN")
        chinese = True
    except RuntimeError:  # no CJK font here: the window must say so and write nothing
        chinese = False
    errors = []
    monkeypatch.setattr(window, "show_error", errors.append)
    job = documentation.export_report(window, tmp_path / "report-zh.pdf", "zh_CN")
    qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
    if chinese:
        qtbot.waitUntil(lambda: (tmp_path / "report-zh.pdf").exists(), timeout=10000)
        assert (tmp_path / "report-zh.pdf").read_bytes()[:5] == b"%PDF-"
    else:
        qtbot.waitUntil(lambda: bool(errors), timeout=10000)
        assert "Chinese" in errors[0] and not (tmp_path / "report-zh.pdf").exists()
    job = documentation.export_report(window, tmp_path / "report.pdf", "en")
    qtbot.waitUntil(lambda: (tmp_path / "report.pdf").exists(), timeout=60000)
    assert (tmp_path / "report.pdf").read_bytes()[:5] == b"%PDF-"
    job = documentation.export_report(window, tmp_path / "report.html", "en")
    qtbot.waitUntil(lambda: (tmp_path / "report.html").exists(), timeout=60000)
    assert "Condition and treatment report" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_the_pdf_report_is_drawn_off_the_windows_thread(window, qtbot, tmp_path, monkeypatch):
    """Qt's text layout of a long report held the window for seconds: it runs on the job's
    thread, and what it writes is a whole PDF."""
    import threading

    from muralstudio.gui import report_pdf

    threads, real = [], report_pdf.write_pdf
    monkeypatch.setattr(report_pdf, "write_pdf",
                        lambda report, path: threads.append(threading.current_thread()) or real(report, path))
    job = documentation.export_report(window, tmp_path / "report.pdf", "en")
    qtbot.waitUntil(lambda: job.state == "done", timeout=60000)
    assert threads and threads[0] is not threading.main_thread()
    assert report_pdf.complete_pdf(tmp_path / "report.pdf")


def test_measurements_after_an_edit_come_from_their_own_thread(window, qtbot, monkeypatch):
    """An edit is measured off the window's thread (a 100-Mpx layer takes seconds); the newest
    request's figures are the ones shown, an older one arriving late is dropped."""
    import threading

    import numpy as np

    dock = window.measurements_dock
    layer = window.doc.layer_by_name("paint loss")
    threads = []
    real = dock._measure
    dock._measure = lambda snapshot: threads.append(threading.current_thread().name) or real(snapshot)
    from muralstudio.gui import documentation

    readied, real_ready = [], documentation.ready_buffers
    monkeypatch.setattr(documentation, "ready_buffers",
                        lambda shapes: readied.append(threading.current_thread().name) or real_ready(shapes))
    window.doc.write_pixels(layer, 0, 0, np.full((10, 10), 255, np.uint8))
    expected = int((layer.data >= 128).sum())
    dock.refresh_in_background()
    dock.refresh_in_background()  # a second request: the first one is stale, never measured
    qtbot.waitUntil(lambda: len(threads) == 1 and bool(dock.rows)
                    and next(r for r in dock.rows if r.layer == "paint loss").pixels == expected, timeout=20000)
    assert all(name.startswith("measure") for name in threads)
    qtbot.wait(200)
    assert len(threads) == 1
    # the copies' memory was made ready on the dock's thread (the window only copies into it)
    assert readied and all(name.startswith("measure") for name in readied)
