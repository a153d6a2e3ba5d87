"""Every string of the window has a Simplified Chinese translation, and it is what shows."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

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
    from muralstudio.gui.stages import translate_stage

    assert translate_stage("detecting: window 3 of 40") == "检测中：第 3 / 40 个窗口"
    assert translate_stage("loading the model") == "正在加载模型"
    assert translate_stage("an unknown stage 7") == "an unknown stage 7"


def test_error_messages_from_core_show_in_chinese(chinese):
    from muralstudio.core.errors import ImageTooLargeError, UnreadableFileError
    from muralstudio.gui.messages import translate_message

    missing = str(UnreadableFileError("/murals/cave 45.tif", "file not found"))
    assert translate_message(missing) == "/murals/cave 45.tif: 找不到文件"
    big = translate_message(str(ImageTooLargeError("/m/big.tif", 3_000_000_000, 1_000_000_000)))
    assert big.startswith("/m/big.tif: 图像有 3,000,000,000 像素，超过上限 1,000,000,000")
    wrapped = translate_message("无法保存项目：/p/x.mural: permission denied")
    assert wrapped == "无法保存项目：/p/x.mural: 没有访问权限"
    assert translate_message("something new went wrong") == "something new went wrong"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_window_fits_a_1280_by_720_screen(qtbot, language):
    """Status bar and dock tabs stay on screen on 1366×768 / 1280×800 laptops and 1080p at 150 %."""
    from PySide6.QtCore import QCoreApplication, QTranslator

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
        window.doc.mark_clean()
        window.jobs.shutdown()
    finally:
        QCoreApplication.removeTranslator(translator)
