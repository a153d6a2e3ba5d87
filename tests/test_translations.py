"""Every string of the window has a Simplified Chinese translation, and it is what shows."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from zh_CN import TS, ZH_CN  # noqa: E402


def test_every_window_string_has_a_chinese_translation(tmp_path):
    lupdate = shutil.which("pyside6-lupdate")
    if lupdate is None:
        pytest.skip("pyside6-lupdate not installed")
    fresh = tmp_path / "fresh.ts"
    subprocess.run([lupdate, *map(str, sorted((ROOT / "muralstudio" / "gui").glob("*.py"))),
                    "-ts", str(fresh)], check=True, capture_output=True)
    strings = {m.findtext("source") for m in ET.parse(fresh).getroot().iter("message")}
    assert len(strings) > 100
    missing = sorted(s for s in strings if not ZH_CN.get(s))
    assert not missing, f"strings without a zh_CN translation (add them to tools/zh_CN.py): {missing}"
    committed = ET.parse(TS).getroot()
    unfinished = [m.findtext("source") for m in committed.iter("message")
                  if m.find("translation").get("type") == "unfinished" or not m.findtext("translation")]
    assert not unfinished, "run python tools/zh_CN.py to refresh the .ts/.qm files"
    committed_strings = {m.findtext("source") for m in committed.iter("message")}
    assert strings <= committed_strings, "run python tools/zh_CN.py to refresh the .ts/.qm files"


def test_chinese_interface_is_shown(qtbot):
    from PySide6.QtWidgets import QApplication

    from muralstudio.gui.app import install_translation
    from muralstudio.gui.main_window import MainWindow

    app = QApplication.instance()
    translator = install_translation(app, "zh_CN")
    assert translator is not None
    try:
        window = MainWindow()
        qtbot.addWidget(window)
        menus = [a.text() for a in window.menuBar().actions()]
        assert menus[:4] == ["文件(&F)", "编辑(&E)", "蒙版(&M)", "视图(&V)"]
        assert window.inpaint_dock.run_button.text() == "修复"
        # Qt's own buttons and the detector's class names are Chinese too
        from PySide6.QtWidgets import QDialogButtonBox

        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Discard
                               | QDialogButtonBox.StandardButton.Cancel)
        texts = [b.text().replace("&", "") for b in box.buttons()]
        assert all(not t.isascii() for t in texts), texts
        dock = window.detect_dock
        assert dock.class_label("paint loss") == "颜料脱落" and dock.class_label("craquelure") == "龟裂"
        window.jobs.shutdown()
    finally:
        app.removeTranslator(translator.qt_strings)
        app.removeTranslator(translator)


@pytest.fixture
def chinese(qtbot):
    from PySide6.QtCore import QCoreApplication, QTranslator

    translator = QTranslator()
    assert translator.load(str(TS.with_suffix(".qm")))
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)


def test_engine_stage_texts_show_in_chinese(chinese):
    from muralstudio.core.messages import Text
    from muralstudio.gui.messages import translate_message

    assert translate_message(Text("stage_detecting_window", index=3, total=40)) == "检测中：第 3 / 40 个窗口"
    assert translate_message(Text("stage_loading_model")) == "正在加载模型"
    assert translate_message("an unknown stage 7") == "an unknown stage 7"


def test_error_messages_from_core_show_in_chinese_by_their_id(chinese, tmp_path):
    from muralstudio.core import imageio
    from muralstudio.core.errors import ImageIOError, ImageTooLargeError
    from muralstudio.gui.messages import translate_message

    with pytest.raises(ImageIOError) as missing:
        imageio.read_image(tmp_path / "cave 45.tif")
    assert str(missing.value) == f"{tmp_path / 'cave 45.tif'}: file not found"  # logs and the CLI: English
    assert translate_message(missing.value) == f"{tmp_path / 'cave 45.tif'}: 找不到文件"
    big = translate_message(ImageTooLargeError("/m/big.tif", 3_000_000_000, 1_000_000_000))
    assert big.startswith("/m/big.tif: 图像有 3,000,000,000 像素，超过上限 1,000,000,000")
    assert translate_message("something new went wrong") == "something new went wrong"
    # the system's own errors name the file first, as ours do ("[Errno 2] …: 'FILE'" was shown)
    from muralstudio.core import project
    from muralstudio.core.document import Document

    with pytest.raises(OSError) as no_folder:
        project.save_project(Document.from_array(np.zeros((8, 8, 3), np.uint8)), tmp_path / "gone" / "x.mural")
    assert translate_message(no_folder.value) == f"{tmp_path / 'gone'}: the folder does not exist"


def test_every_message_id_has_a_chinese_template_with_the_same_fields():
    import string

    from muralstudio.core.messages import CATALOGUE
    from zh_CN import MESSAGES

    assert set(MESSAGES) == set(CATALOGUE)
    for message_id, english in CATALOGUE.items():
        fields = {name for _, name, _, _ in string.Formatter().parse(english) if name}
        assert fields == {name for _, name, _, _ in string.Formatter().parse(MESSAGES[message_id]) if name}, message_id
    # the window keys on ids: no table of English patterns is left to drift
    source = (ROOT / "muralstudio" / "gui" / "messages.py").read_text(encoding="utf-8")
    assert "import re" not in source and "QT_TRANSLATE_NOOP" not in source


def test_a_text_keeps_its_id_through_pickling_and_a_failed_job(qtbot):
    import pickle

    from muralstudio.core.errors import UnreadableFileError
    from muralstudio.core.messages import Text
    from muralstudio.gui.jobs import Job, JobRunner

    error = pickle.loads(pickle.dumps(Text("server_unreachable", address="tcp://gpu:8786", reason="refused")))
    assert error.message_id == "server_unreachable" and "tcp://gpu:8786" in error
    runner = JobRunner()
    failures = []
    runner.job_failed.connect(lambda job, message: failures.append(message))

    def fail(progress, cancelled):
        raise UnreadableFileError("/a/b.tif", Text("permission_denied"))

    runner.submit(Job("read", fail))
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert isinstance(failures[0], Text) and failures[0].message_id == "permission_denied"
    assert failures[0] == "/a/b.tif: permission denied"
    runner.shutdown()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_window_fits_a_1280_by_720_screen(qtbot, language):
    """Status bar and dock tabs stay on screen on 1366×768 / 1280×800 laptops and 1080p at 150 %."""
    from PySide6.QtCore import QCoreApplication, QTranslator
    from PySide6.QtWidgets import QDockWidget

    from muralstudio.gui.main_window import MainWindow, demo_document

    translator = QTranslator()
    if language != "en":
        assert translator.load(str(TS.with_suffix(".qm")))
        QCoreApplication.installTranslator(translator)
    try:
        window = MainWindow()
        qtbot.addWidget(window)
        window.set_document(demo_document())
        window.show()
        qtbot.waitExposed(window)
        hint = window.minimumSizeHint()
        assert hint.height() <= 720 - 40 and hint.width() <= 1280, hint  # 40 px: title bar
        # the restore's buttons and Apply stay in view with the engine of the most settings
        window.resize(1280, 680)
        dock = window.inpaint_dock
        holder = dock
        while not isinstance(holder, QDockWidget):
            holder = holder.parentWidget()
        holder.raise_()  # its tab in front
        dock.engine.setCurrentIndex(dock.engine.findData("patchmatch"))
        qtbot.wait(50)
        for button in (dock.run_button, dock.apply_button, dock.discard_button):
            assert not button.visibleRegion().isEmpty(), button.text()
        window.doc.mark_clean()
        window.jobs.shutdown()
    finally:
        QCoreApplication.removeTranslator(translator)


def test_history_steps_named_by_the_qt_free_layers_show_in_chinese(chinese):
    """The History dock listed "Add layer '病害'" and "Set pending of '修复结果（ns）'" in
    English in the Chinese window (a conservator, 2026-12-07)."""
    from muralstudio.gui.history_dock import translated_step

    assert translated_step("Add layer '病害'") == "添加图层“病害”"
    assert translated_step("Propose restoration (ns)") == "提出修复方案（ns）"
    assert translated_step("Apply restoration '修复结果（ns）'") == "应用修复“修复结果（ns）”"
    assert translated_step("Merge 'a' into 'b'") == "将“a”合并到“b”"
    assert translated_step("Set scale") == "设置比例尺"
    assert translated_step("Fill polygon") == "填充多边形" and translated_step("Subtract 'loss'") == "从蒙版中去除“loss”"
    assert translated_step("a step nobody named") == "a step nobody named"


def test_history_steps_read_as_actions_in_english():
    from muralstudio.gui.history_dock import translated_step

    assert translated_step("Set visible of 'cracks'") == "Show or hide 'cracks'"
    assert translated_step("Set opacity of 'cracks'") == "Set the opacity of 'cracks'"
    assert translated_step("Accept paint loss (proposed) region") == "Accept a region of 'paint loss (proposed)'"


def test_element_classes_and_names_show_in_chinese_as_the_report_names_them(chinese):
    """The Chinese window listed 'people', 'Buddha' and 'people 1' while the Chinese report
    said 人物, 佛像 and 人物 1 (an archaeologist, 2026-12-07)."""
    from muralstudio.gui.class_names import class_label, element_label
    from muralstudio.ops.report import CLASS_NAMES_ZH

    for name in ("background", "animal", "building", "cloud", "people", "Buddha"):
        assert class_label(name) == CLASS_NAMES_ZH[name]
    assert element_label("people 2", "people") == "人物 2"
    assert element_label("飞天 apsara", "people") == "飞天 apsara"  # a name the user gave
    assert class_label("lotus") == "lotus"  # a class the user added


def test_the_built_in_classes_listed_for_translation_are_the_documents():
    from muralstudio.core.document import DEFAULT_LABEL_CLASSES
    from muralstudio.gui.class_names import BUILT_IN

    assert list(BUILT_IN) == [name for name, _ in DEFAULT_LABEL_CLASSES]


def test_measurements_and_reclassify_speak_the_windows_language(chinese, qtbot, monkeypatch):
    """A fresh archaeologist's Chinese window listed "cloud / people" and "people 1" in the
    Measurements dock and offered English classes to reclassify into, where the gallery said 人物 1."""
    from PySide6.QtWidgets import QInputDialog

    from muralstudio.core.demo import demo_document
    from muralstudio.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.set_document(demo_document())
    dock = window.measurements_dock
    dock.refresh()
    shown = {dock.table.item(i, 1).text() for i in range(dock.table.rowCount())}
    assert {"病害", "人物", "云气"} <= shown and not shown & {"damage", "people", "cloud"}
    names = {dock.element_table.item(i, 0).text() for i in range(dock.element_table.rowCount())}
    assert "人物 1" in names and "people 1" not in names
    offered = []
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: offered.extend(a[3]) or (a[3][0], False))
    elements = window.elements_dock
    elements.refresh_gallery()
    elements.gallery.item(0).setSelected(True)
    elements.reclassify()
    assert "人物" in offered and "people" not in offered
    window.jobs.shutdown()
